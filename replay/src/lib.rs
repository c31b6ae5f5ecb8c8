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
pub use reader::{ScanEnd, Torn, scan, scan_after};
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
    Ok(snapshots(dir, to, skipped)?.into_iter().next())
}

/// Every readable snapshot at or before `to`, newest first; the unreadable ones are reported.
fn snapshots(
    dir: &Path,
    to: Option<Seq>,
    skipped: &mut Vec<String>,
) -> Result<Vec<snapshot::Snapshot>, LogError> {
    let mut found = Vec::new();
    for (seq, path) in snapshot::list(dir)? {
        if to.is_some_and(|t| seq > t.0) {
            continue;
        }
        match snapshot::read(&path) {
            Ok(s) if s.seq == seq => found.push(s),
            Ok(_) => skipped.push(format!(
                "{}: sequence differs from its name",
                path.display()
            )),
            Err(e) => skipped.push(e.to_string()),
        }
    }
    Ok(found)
}

/// Reads the log in `dir` and replays it, up to and including command `to` if given.
///
/// With `use_snapshots` (a restart), the newest snapshot at or before `to` that restores to
/// its recorded state hash and belongs to this log is the starting point, and only the
/// segments from the one holding the command after it are read: the first command there
/// after the snapshot must continue the chain value the snapshot recorded. The cost does not
/// grow with the log before the snapshot. A snapshot that is damaged, of the older format,
/// does not restore to its hash, does not continue the log's chain, lies beyond the end of
/// the log (its commands were never durable) or before the segments present (archived) is
/// skipped and reported; the next older one is tried, and at last the genesis. Without
/// snapshots (an audit) the whole log is read and replayed from the genesis, every record
/// checked.
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
    if use_snapshots {
        for s in snapshots(dir, to, &mut skipped)? {
            match from_snapshot(dir, &s, to, &mut genesis, &mut outputs)? {
                Ok(mut r) => {
                    r.skipped_snapshots = skipped;
                    return Ok(r);
                }
                Err(why) => skipped.push(format!("{}: {why}", s.path.display())),
            }
        }
    }
    let mut r = pass(dir, to, &mut genesis, &mut outputs)?;
    r.skipped_snapshots = skipped;
    Ok(r)
}

/// Replays the log's tail after snapshot `s`: `Ok(Err(why))` if the snapshot cannot start
/// this log (nothing was replayed then), `Err` for damage in the log itself.
fn from_snapshot(
    dir: &Path,
    s: &snapshot::Snapshot,
    to: Option<Seq>,
    genesis: &mut dyn FnMut(&[u8]) -> Result<Exchange, String>,
    outputs: &mut dyn FnMut(&Sequenced, &[Output]),
) -> Result<Result<Recovered, String>, LogError> {
    let Some(chain) = s.chain else {
        return Ok(Err("the older format, without the log's chain value".into()));
    };
    let restored = genesis(&s.genesis)
        .ok()
        .and_then(|base| Exchange::restore(base, &s.payload).ok());
    let Some(mut ex) = restored.filter(|r| r.state_hash().0 == s.state_hash) else {
        return Ok(Err("does not restore to its state hash".into()));
    };
    let mut tail = Tail {
        after: s.seq,
        to,
        chain,
        tied: false,
        commands: 0,
        checkpoints: 0,
        out: Vec::new(),
    };
    let scanned = reader::scan_after(dir, s.seq, |rec| tail.record(rec, &mut ex, outputs));
    let end = match scanned {
        Err(LogError::Corrupt {
            damage: Damage::MissingSegment,
            ..
        }) if tail.commands == 0 => {
            return Ok(Err("the segments it continues from were archived".into()));
        }
        Err(LogError::Corrupt {
            damage: Damage::ChainBroken,
            ..
        }) if !tail.tied => return Ok(Err("does not continue this log's chain".into())),
        other => other?,
    };
    if end.last_seq < s.seq {
        return Ok(Err(format!(
            "lies beyond the log's last command {}",
            end.last_seq
        )));
    }
    if !tail.tied && end.chain != chain {
        return Ok(Err("does not continue this log's chain".into()));
    }
    Ok(Ok(Recovered {
        from_snapshot: Some(s.seq),
        skipped_snapshots: Vec::new(),
        exchange: ex,
        end,
        commands: tail.commands,
        checkpoints: tail.checkpoints,
    }))
}

/// The replay of a log's tail after a snapshot.
struct Tail {
    /// The snapshot's last command.
    after: u64,
    to: Option<Seq>,
    /// The chain value the snapshot recorded.
    chain: u64,
    /// Whether the first command after the snapshot was seen to continue its chain.
    tied: bool,
    commands: u64,
    checkpoints: u64,
    out: Vec<Output>,
}

impl Tail {
    fn record(
        &mut self,
        rec: &reader::RecordRef<'_>,
        ex: &mut Exchange,
        outputs: &mut dyn FnMut(&Sequenced, &[Output]),
    ) -> Result<(), LogError> {
        if !self.tied {
            if rec.kind != Kind::Command || rec.seq <= self.after {
                return Ok(()); // what the snapshot already holds
            }
            if rec.prev != self.chain {
                // Not a snapshot of this log: said before anything is applied.
                return Err(LogError::Corrupt {
                    file: rec.file.to_path_buf(),
                    offset: rec.offset,
                    damage: Damage::ChainBroken,
                });
            }
            self.tied = true;
        }
        if self.to.is_some_and(|t| rec.seq > t.0) {
            return Ok(());
        }
        let counts = (&mut self.commands, &mut self.checkpoints);
        apply_record(rec, ex, &mut self.out, outputs, counts)
    }
}

/// Applies a command record, or checks a checkpoint record against the state.
fn apply_record(
    rec: &reader::RecordRef<'_>,
    ex: &mut Exchange,
    out: &mut Vec<Output>,
    outputs: &mut dyn FnMut(&Sequenced, &[Output]),
    (commands, checkpoints): (&mut u64, &mut u64),
) -> Result<(), LogError> {
    let corrupt = |damage| LogError::Corrupt {
        file: rec.file.to_path_buf(),
        offset: rec.offset,
        damage,
    };
    match rec.kind {
        Kind::Genesis => return Err(corrupt(Damage::BadRecord("a second genesis"))),
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
            ex.apply(&cmd, out);
            outputs(&cmd, out);
            *commands += 1;
        }
        Kind::Checkpoint => {
            let hash: [u8; 32] = rec
                .payload
                .try_into()
                .map_err(|_| corrupt(Damage::Payload("checkpoint is not 32 bytes")))?;
            if ex.state_hash().0 != hash {
                return Err(corrupt(Damage::CheckpointMismatch { seq: rec.seq }));
            }
            *checkpoints += 1;
        }
    }
    Ok(())
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
    let h = reader::read_header(file)?;
    let word = |r: core::ops::Range<usize>| u64::from_le_bytes(h[r].try_into().expect("8 bytes"));
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

/// One scan of the whole log, replaying from the genesis up to `to`.
fn pass(
    dir: &Path,
    to: Option<Seq>,
    genesis: &mut dyn FnMut(&[u8]) -> Result<Exchange, String>,
    outputs: &mut dyn FnMut(&Sequenced, &[Output]),
) -> Result<Recovered, LogError> {
    if archived_start(dir)?.is_some() {
        // The genesis record is archived: only a snapshot covering the archived commands can
        // start a replay, and none could.
        return Err(LogError::Corrupt {
            file: dir.join(segment::file_name(0)),
            offset: 0,
            damage: Damage::MissingSegment,
        });
    }
    let mut ex: Option<Exchange> = None;
    let (mut commands, mut checkpoints) = (0u64, 0u64);
    let mut out = Vec::new();
    let end = scan(dir, |rec| {
        if to.is_some_and(|t| rec.seq > t.0) {
            return Ok(());
        }
        if rec.kind == Kind::Genesis {
            let base = genesis(rec.payload).map_err(|_| LogError::Corrupt {
                file: rec.file.to_path_buf(),
                offset: rec.offset,
                damage: Damage::Payload("genesis refused"),
            })?;
            ex = Some(base);
            return Ok(());
        }
        let ex = ex
            .as_mut()
            .expect("the scan checks that the genesis comes first");
        apply_record(
            rec,
            ex,
            &mut out,
            outputs,
            (&mut commands, &mut checkpoints),
        )
    })?;
    let exchange = ex.ok_or_else(|| LogError::Empty(dir.to_path_buf()))?;
    Ok(Recovered {
        from_snapshot: None,
        skipped_snapshots: Vec::new(),
        exchange,
        end,
        commands,
        checkpoints,
    })
}
