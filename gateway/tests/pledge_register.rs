//! The pledge register as an auditor or a bank reads it from the log: the golden pledge
//! scenario logged by `ecomatch script --log`, then `ecomatch replay --verify --pledges FILE`
//! as of three sequence numbers: pending, active, and disposed with the bank paid.

use std::io::Write;
use std::process::{Command, Stdio};

fn register_as_of(dir: &std::path::Path, to: &str) -> String {
    let csv = dir.join(format!("pledges-{to}.csv"));
    let out = Command::new(env!("CARGO_BIN_EXE_ecomatch"))
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
    let scenario = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/golden/pledge_disposal.jsonl"),
    )
    .expect("scenario");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ecomatch"))
        .args(["script", "--log"])
        .arg(dir.join("log"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("script");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&scenario)
        .expect("write");
    assert!(child.wait().expect("script runs").success());
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
