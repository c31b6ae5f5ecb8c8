//! The log writer under disk faults (a failed write, a short write, a failed fsync): it stops
//! at once, accepts nothing more, never touches the records committed before, and recovery
//! returns exactly the commands whose commit succeeded: what a client was told is durable.

use std::path::PathBuf;

use ecomatch_engine::id::{AccountId, Seq, Timestamp};
use ecomatch_engine::quantity::Cash;
use ecomatch_exchange::{Command, Sequenced, demo};
use ecomatch_replay::fault::Faults;
use ecomatch_replay::{FsyncPolicy, LogError, LogWriter, recover};

fn scratch(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("ecomatch-faults-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    p
}

fn deposit(seq: u64) -> Sequenced {
    Sequenced {
        seq: Seq(seq),
        time: Timestamp(seq),
        actor: AccountId(0),
        command: Command::Deposit {
            account: AccountId(1),
            amount: Cash::from_fen(seq),
        },
    }
}

/// Commits three batches of three deposits, the second failing as `faults` says; returns the
/// directory, the bytes of the segment after the first commit, and the second commit's result.
fn run(name: &str, faults: Faults) -> (PathBuf, Vec<u8>, Result<(), LogError>) {
    let dir = scratch(name);
    let mut log = LogWriter::create(&dir, b"demo", FsyncPolicy::Always, 1 << 20).unwrap();
    log.set_io(Box::new(faults));
    for seq in 1..=3 {
        log.append(&deposit(seq)).unwrap();
    }
    log.commit().expect("the first commit is good");
    let segment = dir.join("0000000000.log");
    let good = std::fs::read(&segment).unwrap();
    for seq in 4..=6 {
        log.append(&deposit(seq)).unwrap();
    }
    let second = log.commit();
    assert!(second.is_err() == log.is_stopped());
    if second.is_err() {
        // Stopped for good: no append, no commit, no sync is accepted any more.
        assert!(matches!(log.append(&deposit(7)), Err(LogError::Stopped(_))));
        assert!(matches!(log.commit(), Err(LogError::Stopped(_))));
        assert!(matches!(log.sync(), Err(LogError::Stopped(_))));
        let now = std::fs::read(&segment).unwrap();
        assert_eq!(
            now, good,
            "the committed records are untouched, the rest cut off"
        );
    }
    (dir, good, second)
}

fn recovered(dir: &std::path::Path) -> u64 {
    let r = recover(dir, None, |_| Ok(demo::exchange()), |_, _| {}).expect("recovers");
    assert!(r.end.torn.is_none(), "nothing torn is left behind");
    r.end.last_seq
}

#[test]
fn a_failed_fsync_stops_the_log_at_the_acknowledged_prefix() {
    let faults = Faults::new().fail_sync(2);
    let (dir, _, second) = run("fsync", faults);
    let e = second.expect_err("the second fsync fails");
    assert!(e.to_string().contains("Input/output error"), "{e}");
    assert_eq!(recovered(&dir), 3);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_full_disk_stops_the_log_at_the_acknowledged_prefix() {
    let faults = Faults::new().fail_write(2);
    let (dir, _, second) = run("enospc", faults);
    let e = second.expect_err("the second write fails");
    assert!(e.to_string().contains("No space left"), "{e}");
    assert_eq!(recovered(&dir), 3);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_short_write_is_cut_off_and_stops_the_log() {
    let faults = Faults::new().short_write(2);
    let (dir, _, second) = run("short", faults);
    assert!(second.is_err());
    assert_eq!(recovered(&dir), 3);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn without_a_fault_every_commit_is_recovered() {
    let (dir, good, second) = run("none", Faults::new());
    second.expect("no fault");
    assert!(!good.is_empty());
    assert_eq!(recovered(&dir), 6);
    let _ = std::fs::remove_dir_all(dir);
}

/// A batch that fills a segment: appending rotates to the next segment, writing (and syncing)
/// the records before the rotation in the old one. When the batch's own commit then fails,
/// those records were never acknowledged either: recovery must not return them. (Found by the
/// simulator's storage faults: "recovered 534 commands, 524 were acknowledged".)
#[test]
fn a_failure_after_a_rotation_inside_a_batch_recovers_only_the_acknowledged_prefix() {
    let dir = scratch("rotation");
    // Small segments: a few deposits each. The second write is the rotation's, the third the
    // batch's own commit, which fails.
    let mut log = LogWriter::create(&dir, b"demo", FsyncPolicy::Always, 256).unwrap();
    log.set_io(Box::new(Faults::new().fail_write(3)));
    log.append(&deposit(1)).unwrap();
    log.commit().expect("the first commit is good");
    // One batch, never committed by the caller: it rotates once (write 2, good) and fails at
    // the next write (a second rotation or the commit).
    for seq in 2..=40 {
        if log.append(&deposit(seq)).is_err() {
            break;
        }
    }
    let _ = log.commit();
    assert!(log.is_stopped(), "the third write failed");
    assert_eq!(recovered(&dir), 1, "only the first commit was acknowledged");
    let _ = std::fs::remove_dir_all(dir);
}
