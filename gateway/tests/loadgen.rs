//! `ecomatch loadgen` end to end: it starts its server, funds the accounts, and every request
//! of a short sweep is answered, none refused. (Its figures are for BENCHMARKS.md, never
//! asserted here.)

use std::process::Command;

#[test]
fn a_short_sweep_answers_every_request() {
    let dir = std::env::temp_dir().join(format!("ecomatch-loadgen-{}", std::process::id()));
    for shards in ["1", "2"] {
        let out = Command::new(env!("CARGO_BIN_EXE_ecomatch"))
            .args([
                "loadgen",
                "--rates",
                "200,400",
                "--seconds",
                "1",
                "--fsync",
                "never",
            ])
            .args(["--shards", shards, "--data-dir"])
            .arg(&dir)
            .output()
            .expect("run loadgen");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: Vec<Vec<&str>> = text
            .lines()
            .skip(2)
            .map(|l| l.split('|').map(str::trim).collect())
            .collect();
        assert_eq!(rows.len(), 2, "{text}");
        for (row, rate) in rows.iter().zip(["200", "400"]) {
            let (answered, refused, lost) = (row[2], row[3], row[4]);
            assert_eq!(
                (row[1], answered, refused, lost),
                (rate, rate, "0", "0"),
                "{text}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
