//! Recovery edge cases of a logged driver: a power cut that loses the tail of a log written
//! without fsync must not leave behind a snapshot of commands the log no longer holds.

use std::io::BufReader;

use ecomatch_gateway::config::Source;
use ecomatch_gateway::script::Script;
use ecomatch_gateway::sequencer::{Every, Sequencer};
use ecomatch_replay::FsyncPolicy;

fn deposits(from: u64, to: u64, fen: &str) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    for i in from..=to {
        let _ = writeln!(
            s,
            r#"{{"as":"operator","at":{i},"op":"deposit","account":"zj-cement","amount":"{fen}"}}"#
        );
    }
    s
}

fn run(dir: &std::path::Path, input: &str) -> Sequencer {
    let every = Every {
        checkpoint: 3,
        snapshot: 5,
    };
    let (d, _) = Sequencer::with_log(
        dir,
        &Source::Demo.opening().expect("demo"),
        FsyncPolicy::Never,
        every,
    )
    .expect("open");
    let mut script = Script::new(d, true);
    script
        .run(&mut BufReader::new(input.as_bytes()), &mut Vec::new())
        .expect("run");
    script.into_sequencer()
}

#[test]
fn a_snapshot_beyond_a_shortened_log_is_removed_and_never_trusted_later() {
    let dir = std::env::temp_dir().join(format!("ecomatch-durability-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    run(&dir, &deposits(1, 10, "1.00"));
    // The machine loses power: the log keeps seven commands, the snapshot at 10 survives.
    let mut cut = 0;
    ecomatch_replay::scan(&dir, |r| {
        if r.seq == 8 && cut == 0 {
            cut = r.offset;
        }
        Ok(())
    })
    .expect("scan");
    let seg = dir.join("0000000000.log");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .expect("open")
        .set_len(cut)
        .expect("cut");
    // Restart: seven commands recovered, the snapshot at 10 removed.
    let d = run(&dir, "");
    assert_eq!(d.exchange().last_seq().0, 7);
    assert!(!dir.join("snapshot-00000000000000000010.snap").exists());
    // Three different commands take sequence numbers 8 to 10 (and a new snapshot at 10).
    let d = run(&dir, &deposits(8, 10, "0.01"));
    let live = d.exchange().state_hash();
    // A later restart recovers the same state: the stale snapshot is gone for good.
    let d = run(&dir, "");
    assert_eq!(d.exchange().state_hash(), live);
    let cement = d.exchange().ledger().find("zj-cement").expect("demo");
    assert_eq!(
        d.exchange()
            .ledger()
            .cash(cement)
            .expect("cash")
            .available
            .fen(),
        1_000_000_000 + 700 + 3
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Recovery runs every invariant check on the recovered state before anything is served: a
/// snapshot that restores to its recorded hash but whose ledger holds cash no order backs
/// (a bug in whatever wrote it) refuses the start, with the broken invariant named.
#[test]
fn a_recovered_state_that_breaks_an_invariant_is_never_served() {
    let dir = std::env::temp_dir().join(format!("ecomatch-invariants-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    run(&dir, &deposits(1, 5, "1.23"));
    let snap = ecomatch_replay::snapshot::read(&dir.join("snapshot-00000000000000000005.snap"))
        .expect("the snapshot at 5");
    // zj-cement's cash: 10,000,000.00 + 5 × 1.23, available; then its held cash, 0.
    let available = 1_000_000_615u64.to_le_bytes();
    let at = snap
        .payload
        .windows(8)
        .position(|w| w == available)
        .expect("the account's cash in the snapshot");
    let mut payload = snap.payload.clone();
    payload[at + 8..at + 16].copy_from_slice(&1u64.to_le_bytes()); // held 0.01, backed by nothing
    let bad = ecomatch_exchange::Exchange::restore(ecomatch_exchange::demo::exchange(), &payload)
        .expect("it still decodes");
    std::fs::remove_file(&snap.path).expect("replace the snapshot");
    let point = ecomatch_replay::snapshot::Point {
        seq: 5,
        chain: snap.chain.expect("a snapshot of today's format"),
    };
    ecomatch_replay::snapshot::write(&dir, point, &bad.state_hash().0, &snap.genesis, &payload)
        .expect("write");
    let every = Every {
        checkpoint: 3,
        snapshot: 5,
    };
    let err = Sequencer::with_log(
        &dir,
        &Source::Demo.opening().expect("demo"),
        FsyncPolicy::Never,
        every,
    )
    .err()
    .expect("the start is refused");
    let text = err.to_string();
    assert!(
        text.contains("breaks an invariant") && text.contains("held cash is not backed"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `ecomatch script --log` ends by printing the live state hash (on stderr: stdout holds only
/// the replies), and `ecomatch replay` of the log prints the same one.
/// Runs the golden scenario `name` through `ecomatch script --log log`; returns what it said
/// on stderr.
fn log_golden(name: &str, log: &std::path::Path) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let scenario = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../tests/golden/{name}.jsonl")),
    )
    .expect("scenario");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecomatch"))
        .args(["script", "--log"])
        .arg(log)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&scenario)
        .expect("write");
    let out = child.wait_with_output().expect("script runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn script_with_a_log_prints_the_hash_replay_finds() {
    use std::process::Command;
    let dir = std::env::temp_dir().join(format!("ecomatch-final-hash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let said = log_golden("block_trade", &dir);
    let live = said
        .lines()
        .find_map(|l| l.strip_prefix("state hash after command "))
        .and_then(|l| l.split_once(": "))
        .map_or_else(
            || panic!("no final hash in {said}"),
            |(_, h)| h.trim().to_owned(),
        );
    let replay = Command::new(env!("CARGO_BIN_EXE_ecomatch"))
        .arg("replay")
        .arg(&dir)
        .output()
        .expect("replay");
    let text = String::from_utf8_lossy(&replay.stdout);
    assert!(
        text.contains(&format!("state hash: {live}")),
        "{live} not in\n{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The logs under tests/logs were written by earlier builds and are never rewritten: each must
/// replay with this build, every checkpoint verified, to the state hash recorded beside it.
#[test]
fn logs_of_every_format_replay_to_their_recorded_hash() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/logs");
    let table = std::fs::read_to_string(root.join("README.md")).expect("tests/logs/README.md");
    let mut checked = 0;
    for row in table.lines().filter(|l| l.starts_with("| `format-")) {
        let cells: Vec<&str> = row.split('|').map(|c| c.trim().trim_matches('`')).collect();
        let (dir, hash) = (cells[1], cells[6]);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecomatch"))
            .args(["replay", "--verify"])
            .arg(root.join(dir))
            .output()
            .expect("replay");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{dir}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains(&format!("state hash: {hash}")),
            "{dir}:\n{text}"
        );
        checked += 1;
    }
    assert!(checked >= 1, "no log listed in tests/logs/README.md");
}

/// The pledge register as an auditor or a bank reads it from the log: the golden pledge
/// scenario logged, then `ecomatch replay --verify --pledges FILE` as of three sequence
/// numbers: pending, active, and disposed with the bank paid.
fn register_as_of(dir: &std::path::Path, to: &str) -> String {
    let csv = dir.join(format!("pledges-{to}.csv"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecomatch"))
        .arg("replay")
        .arg(dir.join("log"))
        .args(["--verify", "--to", to, "--pledges"])
        .arg(&csv)
        .output()
        .expect("replay");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(csv).expect("the register")
}

#[test]
fn replay_writes_the_register_as_of_any_sequence_number() {
    let dir = std::env::temp_dir().join(format!("ecomatch-pledges-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    log_golden("pledge_disposal", &dir.join("log"));
    let header = "pledge_id,status,pledgor,pledgee,instrument,qty,secured_amount,maturity,recovered,auction_id";
    // Command 8 registers the pledge (the malformed id before it takes no number), 10 confirms.
    let pending = register_as_of(&dir, "8");
    assert_eq!(
        pending,
        format!(
            "{header}\n1,pending,longquan-gov,ls-rcb,LS-FCS-2024,15000,500000.00,2026-06-30T00:00:00.000Z,0.00,\n"
        )
    );
    assert!(
        register_as_of(&dir, "10").contains("\n1,active,longquan-gov,ls-rcb,LS-FCS-2024,15000,")
    );
    let end = register_as_of(&dir, "1000");
    assert!(
        end.contains("\n1,disposed,longquan-gov,ls-rcb,LS-FCS-2024,0,0.00,2026-06-30T00:00:00.000Z,500000.00,\n"),
        "{end}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
