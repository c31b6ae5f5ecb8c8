//! The dashboard in a real browser: the real binary serves the demo, and
//! `tests/browser/dashboard.mjs` drives headless Chromium through playwright-core against it
//! (orders through the protocol; the ladder, the tape and an alert on the page; a halt through
//! the UI). `.ci/run` installs Chromium and the npm package; without them the test fails under
//! `CI=true` and is skipped otherwise. The screenshot lands in `target/dashboard.png`.

mod server;

use std::path::{Path, PathBuf};
use std::process::Command;

use server::{Server, missing, scratch};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

#[test]
fn dashboard_in_headless_chromium() {
    let root = repo();
    let browser_dir = root.join("tests/browser");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if missing("node", node)
        || missing(
            "tests/browser/node_modules (npm ci)",
            browser_dir.join("node_modules/playwright-core").is_dir(),
        )
        || missing("chromium", chromium().is_file())
    {
        return;
    }
    let dir = scratch("browser");
    let server = Server::start(&dir, None);
    let shot = root.join("target/dashboard.png");
    let out = Command::new("node")
        .arg(browser_dir.join("dashboard.mjs"))
        .arg(format!("http://{}", server.addr))
        .arg(&shot)
        .env("CHROMIUM", chromium())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "dashboard.mjs failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("dashboard ok"), "{stdout}");
    assert!(shot.is_file(), "no screenshot at {}", shot.display());
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
