//! Golden tests: each scenario under `tests/golden/*.jsonl` (at the workspace root) runs through
//! the real `ecomatch script` binary, twice, and both outputs must equal `*.out` byte for byte.
//! `ECOMATCH_BLESS=1 cargo test -p ecomatch-gateway --test golden` rewrites the expected files
//! (read the diff before committing them).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden")
}

fn run_script(input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecomatch"))
        .arg("script")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ecomatch script");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write scenario");
    let out = child.wait_with_output().expect("ecomatch script runs");
    assert!(
        out.status.success(),
        "ecomatch script failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn golden_scenarios() {
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("tests/golden exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 4, "the golden scenarios are missing");
    let bless = std::env::var_os("ECOMATCH_BLESS").is_some();
    for scenario in scenarios {
        let input = std::fs::read(&scenario).expect("read scenario");
        let got = run_script(&input);
        assert_eq!(
            got,
            run_script(&input),
            "{}: two runs differ",
            scenario.display()
        );
        let expected_path = scenario.with_extension("out");
        if bless {
            std::fs::write(&expected_path, &got).expect("write expected output");
            continue;
        }
        let expected = std::fs::read(&expected_path).unwrap_or_else(|_| {
            panic!(
                "{} is missing: run with ECOMATCH_BLESS=1",
                expected_path.display()
            )
        });
        if got != expected {
            let (got, expected) = (
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&expected),
            );
            let line = got.lines().zip(expected.lines()).position(|(a, b)| a != b);
            panic!(
                "{} differs from {} (first different line: {line:?})\n--- got\n{got}\n--- expected\n{expected}",
                scenario.display(),
                expected_path.display()
            );
        }
    }
}
