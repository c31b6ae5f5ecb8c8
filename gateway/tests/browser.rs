//! Both pages in a real browser: the real binary serves the demo, and scripts in
//! `tests/browser/` drive headless Chromium through playwright-core against it.
//! `dashboard.mjs`: orders through the protocol; the ladder, the tape and an alert on the
//! console; a halt through the UI. `pages.mjs`: a county trades GEP on `/trade` within and
//! beyond its quota, an enterprise wins in a sealed-bid auction the operator runs from the
//! console, the console keeps its alert history across a reload, and neither page scrolls
//! sideways at 1366 × 768 or 1920 × 1080. `.ci/run` installs Chromium and the npm package;
//! without them the tests fail under `CI=true` and are skipped otherwise. Screenshots land in
//! `target/` (`ECOMATCH_SCREENSHOTS=docs/screenshots` refreshes the README's).

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

/// Whether node, the npm package and Chromium are here (or the test may be skipped).
fn browser_ready(browser_dir: &Path) -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    !(missing("node", node)
        || missing(
            "tests/browser/node_modules (npm ci)",
            browser_dir.join("node_modules/playwright-core").is_dir(),
        )
        || missing("chromium", chromium().is_file()))
}

/// Runs `script` against a fresh demo server with `args` after its address; it must print
/// `ok_line`.
fn drive(name: &str, script: &str, args: &[PathBuf], ok_line: &str) {
    let root = repo();
    let browser_dir = root.join("tests/browser");
    if !browser_ready(&browser_dir) {
        return;
    }
    let dir = scratch(name);
    let server = Server::start(&dir, None);
    let out = Command::new("node")
        .arg(browser_dir.join(script))
        .arg(format!("http://{}", server.addr))
        .args(args)
        .env("CHROMIUM", chromium())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(ok_line), "{stdout}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dashboard_in_headless_chromium() {
    let shot = repo().join("target/dashboard.png");
    drive(
        "browser",
        "dashboard.mjs",
        std::slice::from_ref(&shot),
        "dashboard ok",
    );
    if browser_ready(&repo().join("tests/browser")) {
        assert!(shot.is_file(), "no screenshot at {}", shot.display());
    }
}

#[test]
fn trading_page_and_operator_console_in_headless_chromium() {
    let shots = std::env::var_os("ECOMATCH_SCREENSHOTS")
        .map_or_else(|| repo().join("target/screens"), |d| repo().join(d));
    drive(
        "pages",
        "pages.mjs",
        std::slice::from_ref(&shots),
        "pages ok",
    );
    if browser_ready(&repo().join("tests/browser")) {
        for name in ["trade-zh", "trade-en", "console-zh", "console-en"] {
            let file = shots.join(format!("{name}.png"));
            assert!(file.is_file(), "no screenshot at {}", file.display());
        }
    }
}
