//! The log end to end: live run == full replay == replay to any point; and each kind of damage
//! (torn tail, flipped bit, truncated or missing segment, duplicated or reordered record, wrong
//! checkpoint) gives its documented outcome.

#![allow(clippy::many_single_char_names)] // byte ranges a..b, c..e read best short

use std::path::{Path, PathBuf};

use ecomatch_engine::book::{Side, Tif};
use ecomatch_engine::id::{AccountId, InstrumentId, OrderId, Seq, Timestamp};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::{Command, Exchange, OrderRequest, Output, Sequenced, demo};
use ecomatch_replay::{Damage, FsyncPolicy, LogError, LogWriter, recover, scan};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("ecomatch-log-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        Self(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A deterministic stream of commands from four traders on the carbon sink.
fn stream(n: u64) -> Vec<Sequenced> {
    let ex = demo::exchange();
    let traders: Vec<AccountId> = ["lishui-coop", "zj-cement", "ls-paper", "qz-chem"]
        .iter()
        .map(|t| ex.ledger().find(t).unwrap())
        .collect();
    let inst = InstrumentId::new("LS-FCS-2024").unwrap();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (1..=n)
        .map(|seq| {
            let r = next();
            let actor = traders[(r % 4) as usize];
            let command = match r % 10 {
                0 => Command::CancelOrder {
                    order_id: OrderId(1 + (r >> 8) % seq),
                },
                1 => Command::Deposit {
                    account: actor,
                    amount: Cash::from_fen(1 + (r >> 8) % 1000),
                },
                _ => Command::NewOrder(OrderRequest {
                    instrument: inst,
                    side: if r & 16 == 0 { Side::Buy } else { Side::Sell },
                    price: Some(Price::from_ticks(4_950 + (r >> 8) % 100)),
                    qty: Qty::from_lots(1 + (r >> 20) % 20),
                    tif: Tif::Gtc,
                    post_only: false,
                    stp: None,
                    client_order_id: None,
                }),
            };
            Sequenced {
                seq: Seq(seq),
                time: Timestamp(seq * 1_000_000),
                actor,
                command,
            }
        })
        .collect()
}

/// Runs the stream live, logging it with a checkpoint every `every` commands.
fn live(dir: &Path, cmds: &[Sequenced], every: u64, segment: u64) -> (Exchange, Vec<Vec<Output>>) {
    let mut log = LogWriter::create(dir, b"demo", FsyncPolicy::Never, segment).unwrap();
    let mut ex = demo::exchange();
    let mut all = Vec::new();
    for cmd in cmds {
        log.append(cmd).unwrap();
        let mut out = Vec::new();
        ex.apply(cmd, &mut out);
        all.push(out);
        if cmd.seq.0 % every == 0 {
            log.checkpoint(&ex.state_hash().0).unwrap();
        }
        if log.should_commit() || cmd.seq.0 % 7 == 0 {
            log.commit().unwrap();
        }
    }
    log.commit().unwrap();
    (ex, all)
}

fn replay(
    dir: &Path,
    to: Option<u64>,
) -> Result<(Exchange, Vec<Vec<Output>>, ecomatch_replay::Recovered), LogError> {
    let mut outs = Vec::new();
    let r = recover(
        dir,
        to.map(Seq),
        |g| {
            if g == b"demo" {
                Ok(demo::exchange())
            } else {
                Err("unknown genesis".into())
            }
        },
        |_, o| outs.push(o.to_vec()),
    )?;
    Ok((r.exchange.clone(), outs, r))
}

#[test]
fn live_run_equals_full_replay_and_replay_to_any_point() {
    let dir = TempDir::new("equal");
    let cmds = stream(600);
    // Small segments, so the stream spans several.
    let (ex, outs) = live(&dir.0, &cmds, 50, 4_096);
    let (back, back_outs, r) = replay(&dir.0, None).unwrap();
    assert!(r.end.segments > 3, "{} segments", r.end.segments);
    assert_eq!((r.commands, r.checkpoints, r.end.last_seq), (600, 12, 600));
    assert_eq!(back.state_hash(), ex.state_hash());
    assert_eq!(back_outs, outs);
    back.check_invariants();
    // Replay to seq 250 equals a live run of the first 250 commands.
    let mut partial = demo::exchange();
    for cmd in &cmds[..250] {
        partial.apply(cmd, &mut Vec::new());
    }
    let (to_250, _, r) = replay(&dir.0, Some(250)).unwrap();
    assert_eq!(
        (to_250.state_hash(), r.commands),
        (partial.state_hash(), 250)
    );
}

fn segment_files(dir: &Path) -> Vec<PathBuf> {
    ecomatch_replay::reader::segments(dir).unwrap()
}

fn damage(r: Result<impl Sized, LogError>) -> (PathBuf, u64, Damage) {
    match r.err().expect("damage must be detected") {
        LogError::Corrupt {
            file,
            offset,
            damage,
        } => (file, offset, damage),
        other => panic!("expected corruption, got {other}"),
    }
}

#[test]
fn a_torn_tail_is_cut_off_and_the_log_goes_on() {
    let dir = TempDir::new("torn");
    let cmds = stream(100);
    live(&dir.0, &cmds[..99], 1_000, 1 << 20);
    let last = segment_files(&dir.0).pop().unwrap();
    let whole = std::fs::metadata(&last).unwrap().len();
    {
        // The 100th command is half written when the machine dies.
        let mut log = LogWriter::resume(
            &dir.0,
            &scan(&dir.0, |_| Ok(())).unwrap(),
            FsyncPolicy::Never,
            1 << 20,
        )
        .unwrap();
        log.append(&cmds[99]).unwrap();
        log.commit().unwrap();
    }
    let with_100 = std::fs::metadata(&last).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&last).unwrap();
    f.set_len(whole + (with_100 - whole) / 2).unwrap();
    let (ex, _, r) = replay(&dir.0, None).unwrap();
    let torn = r.end.torn.clone().expect("the torn record is reported");
    assert_eq!(
        (torn.file, torn.offset, r.commands),
        (last.clone(), whole, 99)
    );
    // Resuming cuts it off; the 100th command goes in again.
    let mut log = LogWriter::resume(&dir.0, &r.end, FsyncPolicy::Always, 1 << 20).unwrap();
    assert_eq!(std::fs::metadata(&last).unwrap().len(), whole);
    log.append(&cmds[99]).unwrap();
    log.commit().unwrap();
    let mut live_ex = ex;
    live_ex.apply(&cmds[99], &mut Vec::new());
    let (back, _, r) = replay(&dir.0, None).unwrap();
    assert_eq!(
        (back.state_hash(), r.commands, r.end.torn),
        (live_ex.state_hash(), 100, None)
    );
}

#[test]
fn a_flipped_bit_mid_file_stops_with_the_file_and_offset() {
    let dir = TempDir::new("flip");
    live(&dir.0, &stream(200), 1_000, 1 << 20);
    let file = segment_files(&dir.0).pop().unwrap();
    let clean = std::fs::read(&file).unwrap();
    let recs = records(&clean);
    // A bit of a payload: the checksum catches it.
    let (start, end) = recs[recs.len() / 2];
    let mut bytes = clean.clone();
    bytes[end - 1] ^= 0x10;
    std::fs::write(&file, &bytes).unwrap();
    let (f, offset, d) = damage(replay(&dir.0, None));
    assert_eq!(
        (f, offset, d),
        (file.clone(), start as u64, Damage::Checksum)
    );
    // A bit of a length: the record no longer parses, and good records follow, so it is
    // corruption at that offset, not a torn tail.
    let mut bytes = clean.clone();
    bytes[start + 3] ^= 0x40;
    std::fs::write(&file, &bytes).unwrap();
    let (f, offset, d) = damage(replay(&dir.0, None));
    assert_eq!((f, offset), (file, start as u64));
    assert!(
        matches!(
            d,
            Damage::BadRecord(_) | Damage::Checksum | Damage::Truncated
        ),
        "{d:?}"
    );
}

#[test]
fn a_truncated_or_missing_segment_stops_startup() {
    let dir = TempDir::new("segments");
    live(&dir.0, &stream(600), 1_000, 4_096);
    let files = segment_files(&dir.0);
    assert!(files.len() >= 4);
    // Cut the second segment short: it is not the last, so this is not a torn tail.
    let len = std::fs::metadata(&files[1]).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&files[1])
        .unwrap()
        .set_len(len - 10)
        .unwrap();
    let (f, _, d) = damage(replay(&dir.0, None));
    assert_eq!((f, d), (files[1].clone(), Damage::Truncated));
    std::fs::remove_file(&files[1]).unwrap();
    let (f, offset, d) = damage(replay(&dir.0, None));
    assert_eq!(
        (f, offset, d),
        (files[1].clone(), 0, Damage::MissingSegment)
    );
}

/// The byte ranges of the records of a segment.
fn records(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut v = Vec::new();
    let mut at = ecomatch_replay::segment::SEGMENT_HEADER;
    while at < bytes.len() {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let end = at + ecomatch_replay::segment::RECORD_HEADER + len;
        v.push((at, end));
        at = end;
    }
    v
}

#[test]
fn a_duplicated_or_reordered_record_breaks_the_chain() {
    let dir = TempDir::new("dup");
    live(&dir.0, &stream(50), 1_000, 1 << 20);
    let file = segment_files(&dir.0).pop().unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let recs = records(&bytes);
    let (a, b) = recs[10];
    let mut dup = bytes[..b].to_vec();
    dup.extend_from_slice(&bytes[a..b]);
    dup.extend_from_slice(&bytes[b..]);
    std::fs::write(&file, &dup).unwrap();
    let (_, offset, d) = damage(replay(&dir.0, None));
    assert_eq!((offset, d), (b as u64, Damage::ChainBroken));
    // Swap two neighbours.
    let (c, e) = recs[11];
    let mut swapped = bytes[..a].to_vec();
    swapped.extend_from_slice(&bytes[c..e]);
    swapped.extend_from_slice(&bytes[a..b]);
    swapped.extend_from_slice(&bytes[e..]);
    std::fs::write(&file, &swapped).unwrap();
    let (_, offset, d) = damage(replay(&dir.0, None));
    assert_eq!((offset, d), (a as u64, Damage::ChainBroken));
}

#[test]
fn a_checkpoint_that_disagrees_with_the_replay_stops_it() {
    let dir = TempDir::new("checkpoint");
    let cmds = stream(20);
    let mut log = LogWriter::create(&dir.0, b"demo", FsyncPolicy::Never, 1 << 20).unwrap();
    for cmd in &cmds {
        log.append(cmd).unwrap();
    }
    log.checkpoint(&[7; 32]).unwrap();
    log.commit().unwrap();
    let (_, _, d) = damage(replay(&dir.0, None));
    assert_eq!(d, Damage::CheckpointMismatch { seq: 20 });
}

#[test]
fn commands_round_trip_through_the_codec() {
    for cmd in stream(500) {
        let mut buf = Vec::new();
        ecomatch_replay::codec::Writer(&mut buf).sequenced(&cmd);
        assert_eq!(
            ecomatch_replay::codec::Reader(&buf).sequenced().unwrap(),
            cmd
        );
    }
}

/// Live run with snapshots at chosen points, as the driver writes them (log durable first).
fn live_with_snapshots(dir: &Path, cmds: &[Sequenced], at: &[u64]) -> (Exchange, Vec<Vec<Output>>) {
    let mut log = LogWriter::create(dir, b"demo", FsyncPolicy::Never, 8_192).unwrap();
    let mut ex = demo::exchange();
    let mut all = Vec::new();
    for cmd in cmds {
        log.append(cmd).unwrap();
        let mut out = Vec::new();
        ex.apply(cmd, &mut out);
        all.push(out);
        if at.contains(&cmd.seq.0) {
            log.commit().unwrap();
            ecomatch_replay::snapshot::write(
                dir,
                log.point(),
                &ex.state_hash().0,
                b"demo",
                &ex.snapshot(),
            )
            .unwrap();
        }
    }
    log.commit().unwrap();
    (ex, all)
}

#[test]
fn live_equals_snapshot_plus_tail_equals_full_replay() {
    let cmds = stream(400);
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    for case in 0..8 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let points = [1 + x % 400, 1 + (x >> 16) % 400];
        let dir = TempDir::new(&format!("snap{case}"));
        let (ex, outs) = live_with_snapshots(&dir.0, &cmds, &points);
        let newest = *points.iter().max().unwrap();
        let mut tail = Vec::new();
        let r = ecomatch_replay::recover_with(
            &dir.0,
            None,
            true,
            |_| Ok(demo::exchange()),
            |_, o| tail.push(o.to_vec()),
        )
        .unwrap();
        assert_eq!(
            r.from_snapshot,
            Some(newest),
            "case {case}: {:?}",
            r.skipped_snapshots
        );
        assert_eq!(r.exchange.state_hash(), ex.state_hash());
        assert_eq!(
            tail,
            outs[newest as usize..].to_vec(),
            "the tail replays exactly as it ran live"
        );
        let (full, full_outs, _) = replay(&dir.0, None).unwrap();
        assert_eq!((full.state_hash(), full_outs), (ex.state_hash(), outs));
        // Replay to a point before the newest snapshot uses an older one, or the genesis.
        let to = newest - 1;
        let r = ecomatch_replay::recover_with(
            &dir.0,
            Some(Seq(to)),
            true,
            |_| Ok(demo::exchange()),
            |_, _| {},
        )
        .unwrap();
        let mut partial = demo::exchange();
        for c in &cmds[..to as usize] {
            partial.apply(c, &mut Vec::new());
        }
        assert_eq!(r.exchange.state_hash(), partial.state_hash());
        assert!(r.from_snapshot.is_none_or(|s| s <= to));
    }
}

#[test]
fn a_damaged_or_premature_snapshot_is_skipped_for_the_log() {
    let dir = TempDir::new("badsnap");
    let cmds = stream(100);
    let (ex, _) = live_with_snapshots(&dir.0, &cmds, &[40, 80]);
    // Flip a byte of the newest snapshot: recovery falls back to the one at 40.
    let (_, newest) = ecomatch_replay::snapshot::list(&dir.0).unwrap()[0].clone();
    let mut bytes = std::fs::read(&newest).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 1;
    std::fs::write(&newest, &bytes).unwrap();
    let r = ecomatch_replay::recover_with(&dir.0, None, true, |_| Ok(demo::exchange()), |_, _| {})
        .unwrap();
    assert_eq!((r.from_snapshot, r.skipped_snapshots.len()), (Some(40), 1));
    assert_eq!(r.exchange.state_hash(), ex.state_hash());
    // A snapshot beyond the end of the log (its commands never became durable) is not trusted.
    let mut ahead = demo::exchange();
    for c in &stream(150) {
        ahead.apply(c, &mut Vec::new());
    }
    let at = ecomatch_replay::snapshot::Point {
        seq: 150,
        chain: 0x5eed,
    };
    ecomatch_replay::snapshot::write(
        &dir.0,
        at,
        &ahead.state_hash().0,
        b"demo",
        &ahead.snapshot(),
    )
    .unwrap();
    let r = ecomatch_replay::recover_with(&dir.0, None, true, |_| Ok(demo::exchange()), |_, _| {})
        .unwrap();
    assert!(
        r.skipped_snapshots
            .iter()
            .any(|s| s.contains("beyond the log")),
        "{:?}",
        r.skipped_snapshots
    );
    assert_eq!(
        (r.exchange.state_hash(), r.end.last_seq),
        (ex.state_hash(), 100)
    );
}

#[test]
fn archived_segments_leave_a_log_that_recovers_from_its_snapshot() {
    let dir = TempDir::new("archive");
    let cmds = stream(500);
    // Small segments; snapshots at 200 and 350.
    let mut log = LogWriter::create(&dir.0, b"demo", FsyncPolicy::Never, 4_096).unwrap();
    let mut ex = demo::exchange();
    for cmd in &cmds {
        log.append(cmd).unwrap();
        ex.apply(cmd, &mut Vec::new());
        if [200, 350].contains(&cmd.seq.0) {
            log.commit().unwrap();
            ecomatch_replay::snapshot::write(
                &dir.0,
                log.point(),
                &ex.state_hash().0,
                b"demo",
                &ex.snapshot(),
            )
            .unwrap();
        }
    }
    log.commit().unwrap();
    let before = segment_files(&dir.0).len();
    let moved = ecomatch_replay::archive(&dir.0, |_| Ok(demo::exchange())).unwrap();
    let left = segment_files(&dir.0);
    assert!(moved.len() > 2 && left.len() < before, "moved {moved:?}");
    assert!(moved.iter().any(|p| {
        p.to_string_lossy()
            .contains("snapshot-00000000000000000200")
    }));
    // Recovery starts from the snapshot at 350 and replays the rest of the log.
    let r = ecomatch_replay::recover_with(&dir.0, None, true, |_| Ok(demo::exchange()), |_, _| {})
        .unwrap();
    assert_eq!(
        (r.from_snapshot, r.exchange.state_hash(), r.end.last_seq),
        (Some(350), ex.state_hash(), 500)
    );
    // The log goes on where it was.
    let mut log = LogWriter::resume(&dir.0, &r.end, FsyncPolicy::Never, 4_096).unwrap();
    let more = stream(520);
    for cmd in &more[500..] {
        log.append(cmd).unwrap();
        ex.apply(cmd, &mut Vec::new());
    }
    log.commit().unwrap();
    let r = ecomatch_replay::recover_with(&dir.0, None, true, |_| Ok(demo::exchange()), |_, _| {})
        .unwrap();
    assert_eq!(
        (r.exchange.state_hash(), r.end.last_seq),
        (ex.state_hash(), 520)
    );
    // A replay from the genesis needs the archived segments back: it says which file is missing.
    let (file, _, d) = damage(replay(&dir.0, None));
    assert_eq!(
        (file.file_name().unwrap().to_str().unwrap(), d),
        ("0000000000.log", Damage::MissingSegment)
    );
    for f in std::fs::read_dir(dir.0.join("archive")).unwrap() {
        let f = f.unwrap().path();
        std::fs::rename(&f, dir.0.join(f.file_name().unwrap())).unwrap();
    }
    let (full, _, _) = replay(&dir.0, None).unwrap();
    assert_eq!(full.state_hash(), ex.state_hash());
}

#[test]
fn an_archived_log_falls_back_to_an_older_snapshot_and_ignores_stray_temporary_files() {
    let dir = TempDir::new("archive-fallback");
    let cmds = stream(400);
    let mut log = LogWriter::create(&dir.0, b"demo", FsyncPolicy::Never, 4_096).unwrap();
    let mut ex = demo::exchange();
    for cmd in &cmds {
        log.append(cmd).unwrap();
        ex.apply(cmd, &mut Vec::new());
        if [250, 300].contains(&cmd.seq.0) {
            log.sync().unwrap();
            ecomatch_replay::snapshot::write(
                &dir.0,
                log.point(),
                &ex.state_hash().0,
                b"demo",
                &ex.snapshot(),
            )
            .unwrap();
        }
    }
    log.commit().unwrap();
    drop(log);
    // Archive with only the snapshot at 250 in place, then bring back the one at 300, damaged.
    let s300 = dir.0.join("snapshot-00000000000000000300.snap");
    let kept = std::fs::read(&s300).unwrap();
    std::fs::remove_file(&s300).unwrap();
    assert!(
        !ecomatch_replay::archive(&dir.0, |_| Ok(demo::exchange()))
            .unwrap()
            .is_empty()
    );
    let mut damaged = kept.clone();
    let n = damaged.len();
    damaged[n - 5] ^= 0xFF;
    std::fs::write(&s300, &damaged).unwrap();
    // A crash while a segment was being created leaves only a temporary file behind.
    std::fs::write(dir.0.join("0000000099.log.tmp"), b"half a header").unwrap();
    let r = ecomatch_replay::recover_with(&dir.0, None, true, |_| Ok(demo::exchange()), |_, _| {})
        .unwrap();
    assert_eq!(
        (r.from_snapshot, r.exchange.state_hash()),
        (Some(250), ex.state_hash())
    );
    assert!(!r.skipped_snapshots.is_empty());
}

/// A restart reads only the segments from the snapshot on: damage in a segment before it does
/// not stop the restart, while a full replay (the audit, `ecomatch replay --verify`) names it.
#[test]
fn a_restart_reads_only_the_segments_after_its_snapshot() {
    let dir = TempDir::new("tail-only");
    let cmds = stream(400);
    let (ex, _) = live_with_snapshots(&dir.0, &cmds, &[350]);
    let files = segment_files(&dir.0);
    assert!(files.len() > 3, "small segments: {}", files.len());
    let first = &files[1];
    let mut bytes = std::fs::read(first).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(first, &bytes).unwrap();
    let r = ecomatch_replay::recover_with(&dir.0, None, true, |_| Ok(demo::exchange()), |_, _| {})
        .unwrap();
    assert_eq!(
        (r.from_snapshot, r.commands, r.exchange.state_hash()),
        (Some(350), 50, ex.state_hash())
    );
    assert!(
        r.end.segments < files.len() as u64,
        "{} read",
        r.end.segments
    );
    let (file, _, _) = damage(replay(&dir.0, None));
    assert_eq!(&file, first, "the audit reads everything");
}

/// A snapshot is tied to its log by the chain value it records: one taken from another log
/// at the same sequence number (another market's day, a restored backup) is never trusted,
/// and neither is one of the older format, which records none.
#[test]
fn a_snapshot_of_another_log_or_of_the_older_format_is_skipped() {
    let dir = TempDir::new("foreign-snap");
    let cmds = stream(200);
    let (ex, _) = live_with_snapshots(&dir.0, &cmds, &[100, 150]);
    let newest = dir.0.join("snapshot-00000000000000000150.snap");
    let s = ecomatch_replay::snapshot::read(&newest).unwrap();
    let chain = s.chain.expect("today's format");
    std::fs::remove_file(&newest).unwrap();
    let other = ecomatch_replay::snapshot::Point {
        seq: 150,
        chain: chain ^ 1,
    };
    ecomatch_replay::snapshot::write(&dir.0, other, &s.state_hash, &s.genesis, &s.payload).unwrap();
    let r = ecomatch_replay::recover_with(&dir.0, None, true, |_| Ok(demo::exchange()), |_, _| {})
        .unwrap();
    assert_eq!(r.from_snapshot, Some(100), "{:?}", r.skipped_snapshots);
    assert!(r.skipped_snapshots[0].contains("does not continue this log's chain"));
    assert_eq!(r.exchange.state_hash(), ex.state_hash());
    // The same bytes in the version 1 layout (no chain value) are read, and skipped.
    let old = dir.0.join("snapshot-00000000000000000100.snap");
    let v2 = std::fs::read(&old).unwrap();
    let glen = u32::from_le_bytes(v2[56..60].try_into().unwrap()) as usize;
    let mut body = v2[16..60 + glen].to_vec();
    body.extend_from_slice(&v2[60 + glen + 8..]);
    let mut v1 = b"ECOMSNAP".to_vec();
    v1.extend_from_slice(&1u32.to_le_bytes());
    v1.extend_from_slice(&crc32c::crc32c(&body).to_le_bytes());
    v1.extend_from_slice(&body);
    std::fs::write(&old, &v1).unwrap();
    assert_eq!(ecomatch_replay::snapshot::read(&old).unwrap().chain, None);
    let r = ecomatch_replay::recover_with(&dir.0, None, true, |_| Ok(demo::exchange()), |_, _| {})
        .unwrap();
    assert_eq!(r.from_snapshot, None, "{:?}", r.skipped_snapshots);
    assert!(
        r.skipped_snapshots
            .iter()
            .any(|s| s.contains("older format"))
    );
    assert_eq!(r.exchange.state_hash(), ex.state_hash());
}
