//! # ecomatch-replay
//!
//! The sequenced command log of ecomatch: every command that changes state is appended, in
//! sequence, before its effects are acknowledged; the log is segmented, each record
//! length-prefixed with a CRC32C, a sequence number and a hash chain; group commit makes a batch
//! durable with one write and one fsync. Recovery reads the log back, cuts off a torn last
//! record, and stops with the file and offset on any other damage; replay rebuilds the exchange
//! to any sequence number and checks the state-hash checkpoints on the way.
//!
//! ## Invariants
//! - Records are gap-free in sequence and each continues the hash chain: a reordered, spliced,
//!   duplicated or missing record, or a missing segment, is detected.
//! - A record is either whole and checksummed, or it is the torn tail of the last segment.
//! - Replaying the same log gives the same outputs and the same state hash, bit for bit.
//!
//! ## Example
//! ```
//! use ecomatch_replay::{FsyncPolicy, LogWriter, recover};
//! use ecomatch_exchange::{demo, Command, Sequenced};
//! use ecomatch_engine::id::{Seq, Timestamp};
//! use ecomatch_engine::quantity::Cash;
//!
//! let dir = std::env::temp_dir().join(format!("ecomatch-doc-{}", std::process::id()));
//! let _ = std::fs::remove_dir_all(&dir);
//! let mut log = LogWriter::create(&dir, b"demo", FsyncPolicy::Never, 1 << 20).unwrap();
//! let mut ex = demo::exchange();
//! let op = ex.fee_account();
//! let cmd = Sequenced { seq: Seq(1), time: Timestamp(0), actor: op,
//!     command: Command::Deposit { account: op, amount: Cash::from_fen(100) } };
//! log.append(&cmd).unwrap();
//! log.commit().unwrap();
//! ex.apply(&cmd, &mut Vec::new());
//!
//! let back = recover(&dir, None, |_| Ok(demo::exchange()), |_, _| {}).unwrap();
//! assert_eq!(back.exchange.state_hash(), ex.state_hash());
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

pub mod codec;
pub mod error;
pub mod fault;
pub mod reader;
pub mod segment;
pub mod snapshot;
pub mod writer;

use std::path::Path;

use ecomatch_engine::id::Seq;
use ecomatch_exchange::{Exchange, Output, Sequenced};

pub use error::{Damage, LogError};
pub use reader::{ScanEnd, Torn, scan};
pub use writer::{DEFAULT_SEGMENT_BYTES, FsyncPolicy, LogWriter};

use segment::Kind;

/// The outcome of reading a log and replaying it.
pub struct Recovered {
    /// The snapshot the replay started from, if it used one (its sequence number).
    pub from_snapshot: Option<u64>,
    /// Snapshots that could not be used (damaged, or ahead of the log), and why.
    pub skipped_snapshots: Vec<String>,
    /// The exchange as of the last command replayed.
    pub exchange: Exchange,
    /// Where the scan ended (to resume appending).
    pub end: ScanEnd,
    /// Commands replayed.
    pub commands: u64,
    /// Checkpoints whose state hash was checked and matched.
    pub checkpoints: u64,
}

/// Reads the log in `dir` and replays it from its genesis, up to and including command `to` if
/// given. See [`recover_with`].
pub fn recover(
    dir: &Path,
    to: Option<Seq>,
    genesis: impl FnMut(&[u8]) -> Result<Exchange, String>,
    outputs: impl FnMut(&Sequenced, &[Output]),
) -> Result<Recovered, LogError> {
    recover_with(dir, to, false, genesis, outputs)
}

/// Picks the newest readable snapshot at or before `to`.
fn pick_snapshot(
    dir: &Path,
    to: Option<Seq>,
    skipped: &mut Vec<String>,
) -> Result<Option<snapshot::Snapshot>, LogError> {
    for (seq, path) in snapshot::list(dir)? {
        if to.is_some_and(|t| seq > t.0) {
            continue;
        }
        match snapshot::read(&path) {
            Ok(s) if s.seq == seq => return Ok(Some(s)),
            Ok(_) => skipped.push(format!(
                "{}: sequence differs from its name",
                path.display()
            )),
            Err(e) => skipped.push(e.to_string()),
        }
    }
    Ok(None)
}

/// Reads the log in `dir` and replays it, up to and including command `to` if given.
///
/// With `use_snapshots`, the newest snapshot at or before `to` is restored (and its state hash
/// checked) and only the commands after it are replayed; a snapshot that is damaged, does not
/// restore to its recorded hash, or lies beyond the end of the log (its commands were never
/// durable) is skipped and reported, and the replay starts from the genesis instead. The whole
/// log is read and checked either way.
///
/// `genesis` builds the starting exchange from the genesis record's payload; `outputs` sees
/// every replayed command with what the exchange said to it (for audits and exports). Every
/// checkpoint after the starting point is checked against the replayed state. The log is not
/// modified: a torn tail is reported in [`Recovered::end`] for [`LogWriter::resume`] to cut off.
pub fn recover_with(
    dir: &Path,
    to: Option<Seq>,
    use_snapshots: bool,
    mut genesis: impl FnMut(&[u8]) -> Result<Exchange, String>,
    mut outputs: impl FnMut(&Sequenced, &[Output]),
) -> Result<Recovered, LogError> {
    let mut skipped = Vec::new();
    let snap = if use_snapshots {
        pick_snapshot(dir, to, &mut skipped)?
    } else {
        None
    };
    let start = Start {
        to,
        cap: to,
        use_snapshots,
    };
    let mut r = pass(
        dir,
        start,
        snap.as_ref(),
        &mut genesis,
        &mut outputs,
        &mut skipped,
    )?;
    if let Some(s) = r.from_snapshot.filter(|s| *s > r.end.last_seq) {
        skipped.push(format!(
            "snapshot at {s} lies beyond the log's last command {}",
            r.end.last_seq
        ));
        // Again, with snapshots limited to what the log holds.
        let cap = Some(Seq(to.map_or(r.end.last_seq, |t| t.0.min(r.end.last_seq))));
        let snap = if use_snapshots {
            pick_snapshot(dir, cap, &mut skipped)?
        } else {
            None
        };
        let start = Start {
            to,
            cap,
            use_snapshots,
        };
        r = pass(
            dir,
            start,
            snap.as_ref(),
            &mut genesis,
            &mut outputs,
            &mut skipped,
        )?;
    }
    r.skipped_snapshots = skipped;
    Ok(r)
}

/// The newest snapshot at or before `to` that covers the archived commands (`before`) and
/// restores to its recorded hash: its sequence number and the restored exchange.
fn archived_base(
    dir: &Path,
    to: Option<Seq>,
    before: u64,
    first_choice: Option<&snapshot::Snapshot>,
    genesis: &mut dyn FnMut(&[u8]) -> Result<Exchange, String>,
    skipped: &mut Vec<String>,
) -> Result<(u64, Exchange), LogError> {
    let mut candidates: Vec<snapshot::Snapshot> = first_choice.into_iter().cloned().collect();
    for (seq, path) in snapshot::list(dir)? {
        if to.is_none_or(|t| seq <= t.0) && first_choice.is_none_or(|f| f.seq != seq) {
            match snapshot::read(&path) {
                Ok(s) => candidates.push(s),
                Err(e) => skipped.push(e.to_string()),
            }
        }
    }
    for s in candidates.iter().filter(|s| s.seq >= before) {
        let restored = genesis(&s.genesis)
            .ok()
            .and_then(|base| Exchange::restore(base, &s.payload).ok());
        match restored {
            Some(r) if r.state_hash().0 == s.state_hash => return Ok((s.seq, r)),
            _ => skipped.push(format!(
                "{}: does not restore to its state hash",
                s.path.display()
            )),
        }
    }
    Err(LogError::Corrupt {
        file: dir.join(segment::file_name(0)),
        offset: 0,
        damage: Damage::MissingSegment,
    })
}

/// If the log's first segments were archived: the last command before its first present one.
fn archived_start(dir: &Path) -> Result<Option<u64>, LogError> {
    let files = reader::segments(dir)?;
    let Some(first) = files.first() else {
        return Ok(None);
    };
    let (index, before) = header_fields(first)?;
    Ok((index > 0).then_some(before))
}

/// A segment's index and the last command before it, from its header.
fn header_fields(file: &Path) -> Result<(u64, u64), LogError> {
    let data = std::fs::read(file).map_err(error::io(file))?;
    let word = |r: core::ops::Range<usize>| {
        data.get(r)
            .map_or(0, |b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
    };
    Ok((word(16..24), word(32..40)))
}

/// Moves what the newest good snapshot covers into `dir/archive/`: every segment (but the one
/// being written) whose commands all precede the snapshot, and the older snapshots. The snapshot
/// is first restored and checked against its state hash (with `genesis` to build the base), so
/// the log stays recoverable. Returns the files moved. `ecomatch replay` from the genesis then
/// needs the archived segments put back.
pub fn archive(
    dir: &Path,
    mut genesis: impl FnMut(&[u8]) -> Result<Exchange, String>,
) -> Result<Vec<std::path::PathBuf>, LogError> {
    let Some(snap) = pick_snapshot(dir, None, &mut Vec::new())? else {
        return Ok(Vec::new());
    };
    let end = scan(dir, |_| Ok(()))?;
    let restores = genesis(&snap.genesis)
        .ok()
        .and_then(|base| Exchange::restore(base, &snap.payload).ok())
        .is_some_and(|r| r.state_hash().0 == snap.state_hash);
    if snap.seq > end.last_seq || !restores {
        return Ok(Vec::new());
    }
    let files = reader::segments(dir)?;
    let store = dir.join("archive");
    std::fs::create_dir_all(&store).map_err(error::io(&store))?;
    let mut moved = Vec::new();
    for pair in files.windows(2) {
        let (_, next_before) = header_fields(&pair[1])?;
        if next_before > snap.seq {
            break;
        }
        moved.push(pair[0].clone());
    }
    for (seq, path) in snapshot::list(dir)? {
        if seq < snap.seq {
            moved.push(path);
        }
    }
    for path in &moved {
        let to = store.join(path.file_name().expect("a file"));
        std::fs::rename(path, &to).map_err(error::io(path))?;
    }
    for d in [&store, &dir.to_path_buf()] {
        std::fs::File::open(d)
            .and_then(|f| f.sync_all())
            .map_err(error::io(d))?;
    }
    Ok(moved)
}

/// One scan of the log, replaying from the snapshot if it restores, else from the genesis.
/// Where a replay may start and must stop.
#[derive(Clone, Copy)]
struct Start {
    /// The last command to replay.
    to: Option<Seq>,
    /// The newest snapshot an archived log may start from.
    cap: Option<Seq>,
    /// Whether snapshots may be used at all.
    use_snapshots: bool,
}

fn pass(
    dir: &Path,
    Start {
        to,
        cap,
        use_snapshots,
    }: Start,
    snap: Option<&snapshot::Snapshot>,
    genesis: &mut dyn FnMut(&[u8]) -> Result<Exchange, String>,
    outputs: &mut dyn FnMut(&Sequenced, &[Output]),
    skipped: &mut Vec<String>,
) -> Result<Recovered, LogError> {
    let mut from: Option<u64> = None;
    let mut ex: Option<Exchange> = None;
    if let Some(before) = archived_start(dir)? {
        if !use_snapshots {
            // A replay from the genesis needs the archived segments back.
            let file = dir.join(segment::file_name(0));
            return Err(LogError::Corrupt {
                file,
                offset: 0,
                damage: Damage::MissingSegment,
            });
        }
        // The genesis record is archived: only a snapshot covering the archived commands can
        // start this replay; try them newest first.
        let (s, restored) = archived_base(dir, cap, before, snap, genesis, skipped)?;
        ex = Some(restored);
        from = Some(s);
    }
    let (mut commands, mut checkpoints) = (0u64, 0u64);
    let mut out = Vec::new();
    let end = scan(dir, |rec| {
        let corrupt = |damage| LogError::Corrupt {
            file: rec.file.to_path_buf(),
            offset: rec.offset,
            damage,
        };
        if to.is_some_and(|t| rec.seq > t.0)
            || (rec.kind != Kind::Genesis && from.is_some_and(|s| rec.seq <= s))
        {
            return Ok(());
        }
        match rec.kind {
            Kind::Genesis => {
                let base = genesis(rec.payload)
                    .map_err(|_| corrupt(Damage::Payload("genesis refused")))?;
                ex = Some(
                    match snap.map(|s| (s, Exchange::restore(base.clone(), &s.payload))) {
                        Some((s, Ok(restored))) if restored.state_hash().0 == s.state_hash => {
                            from = Some(s.seq);
                            restored
                        }
                        Some((s, _)) => {
                            skipped.push(format!(
                                "{}: does not restore to its state hash",
                                s.path.display()
                            ));
                            base
                        }
                        None => base,
                    },
                );
            }
            Kind::Command => {
                let cmd = codec::Reader(rec.payload)
                    .sequenced()
                    .map_err(|e| corrupt(Damage::Payload(e.0)))?;
                if cmd.seq.0 != rec.seq {
                    return Err(corrupt(Damage::Payload(
                        "sequence differs from the record's",
                    )));
                }
                out.clear();
                ex.as_mut().expect("genesis first").apply(&cmd, &mut out);
                outputs(&cmd, &out);
                commands += 1;
            }
            Kind::Checkpoint => {
                let hash: [u8; 32] = rec
                    .payload
                    .try_into()
                    .map_err(|_| corrupt(Damage::Payload("checkpoint is not 32 bytes")))?;
                if ex.as_ref().expect("genesis first").state_hash().0 != hash {
                    return Err(corrupt(Damage::CheckpointMismatch { seq: rec.seq }));
                }
                checkpoints += 1;
            }
        }
        Ok(())
    })?;
    let exchange = ex.ok_or_else(|| LogError::Empty(dir.to_path_buf()))?;
    Ok(Recovered {
        from_snapshot: from,
        skipped_snapshots: Vec::new(),
        exchange,
        end,
        commands,
        checkpoints,
    })
}
