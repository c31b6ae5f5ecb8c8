//! Crash test: the real binary, killed with SIGKILL at random moments, must keep every command
//! it acknowledged, and nothing it did not acknowledge may be half-applied.
//!
//! Each run starts `ecomatch script --log DIR --fsync always` on the same directory, reads the
//! recovered balance, then sends deposits of one fen (each one command) and is killed after a
//! random number of them and a random pause, often in the middle of a write or an fsync. The
//! recovered balance must count every acknowledged deposit, and no more than were sent.
//! Snapshots are written every 13 commands, so most restarts recover from a snapshot plus the
//! log after it.
//! `ECOMATCH_CRASH_RUNS` sets the number of kills (50 by default).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// zj-cement's opening cash in the demo market, in fen.
const BASE_FEN: u64 = 1_000_000_000;

fn start(dir: &Path) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecomatch"))
        .args([
            "script",
            "--fsync",
            "always",
            "--checkpoint-every",
            "7",
            "--snapshot-every",
            "13",
            "--log",
        ])
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ecomatch");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// The recovered balance of zj-cement, in fen above its opening cash.
fn recovered(child: &mut Child, rx: &mpsc::Receiver<String>) -> u64 {
    let stdin = child.stdin.as_mut().expect("stdin");
    writeln!(
        stdin,
        r#"{{"as":"zj-cement","at":1,"req_id":"q","op":"get_account"}}"#
    )
    .expect("write");
    stdin.flush().expect("flush");
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the account reply");
        let v: serde_json::Value = serde_json::from_str(&line).expect("JSON");
        if v["req_id"] == "q" {
            let cash = v["cash"]["available"].as_str().expect("cash");
            let fen: u64 = cash.replace('.', "").parse().expect("fen");
            return fen - BASE_FEN;
        }
    }
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn sigkill_at_random_moments_loses_nothing_acknowledged() {
    let dir: PathBuf = std::env::temp_dir().join(format!("ecomatch-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let runs: u64 = std::env::var("ECOMATCH_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let mut rng = Rng(0x00C0_FFEE_D00D_F00D);
    let (mut acked, mut sent) = (0u64, 0u64);
    for run in 0..runs {
        let (mut child, rx) = start(&dir);
        let durable = recovered(&mut child, &rx);
        assert!(
            acked <= durable && durable <= sent,
            "run {run}: {durable} durable, {acked} acknowledged, {sent} sent"
        );
        (acked, sent) = (durable, durable);
        let n = rng.below(40);
        let stdin = child.stdin.as_mut().expect("stdin");
        for i in 0..n {
            let line = format!(
                r#"{{"as":"operator","at":{i},"req_id":{i},"op":"deposit","account":"zj-cement","amount":"0.01"}}"#
            );
            if writeln!(stdin, "{line}")
                .and_then(|()| stdin.flush())
                .is_err()
            {
                break;
            }
            sent += 1;
            if rng.below(4) == 0 {
                std::thread::sleep(Duration::from_micros(rng.below(2_000)));
            }
        }
        std::thread::sleep(Duration::from_micros(rng.below(3_000)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        acked += rx
            .try_iter()
            .filter(|l| l.contains(r#""type":"done""#))
            .count() as u64;
        assert!(acked <= sent);
    }
    let (mut child, rx) = start(&dir);
    let durable = recovered(&mut child, &rx);
    assert!(
        acked <= durable && durable <= sent,
        "at the end: {durable} durable, {acked} acknowledged, {sent} sent"
    );
    drop(child.stdin.take());
    assert!(child.wait().expect("exit").success());
    // The log replays cleanly, checkpoints and all.
    let out = Command::new(env!("CARGO_BIN_EXE_ecomatch"))
        .arg("replay")
        .arg(&dir)
        .arg("--verify")
        .output()
        .expect("replay");
    assert!(
        out.status.success(),
        "replay failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{runs} kills: {acked} deposits acknowledged, {durable} durable, {sent} sent");
    let _ = std::fs::remove_dir_all(&dir);
}
