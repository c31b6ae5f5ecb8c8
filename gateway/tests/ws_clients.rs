//! End to end through WebSocket clients nobody here wrote: Python's `websockets` (the script
//! `tests/e2e/ws_e2e.py`) and `websocat`, both installed by `.ci/run`.

mod server;

use std::io::Write;
use std::process::{Command, Stdio};

use server::{Server, missing, scratch};

#[test]
fn python_websockets_client() {
    let has = Command::new("python3")
        .args(["-c", "import websockets"])
        .status()
        .is_ok_and(|s| s.success());
    if missing("python3 with the websockets package", has) {
        return;
    }
    let dir = scratch("py-e2e");
    let server = Server::start(&dir, None);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/e2e/ws_e2e.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(server.url())
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "ws_e2e.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("e2e ok"), "{stdout}");
}

#[test]
fn websocat_client() {
    let has = Command::new("websocat")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if missing("websocat", has) {
        return;
    }
    let dir = scratch("websocat");
    let server = Server::start(&dir, None);
    let mut child = Command::new("websocat")
        .args(["--text", &server.url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run websocat");
    let requests = [
        r#"{"op":"login","req_id":1,"api_key":"demo-lishui-coop"}"#,
        r#"{"op":"new_order","req_id":2,"instrument":"LS-FCS-2024","side":"sell","type":"limit","price":"55.00","qty":"5","tif":"gtc"}"#,
        r#"{"op":"get_book","req_id":3,"instrument":"LS-FCS-2024"}"#,
    ];
    {
        let mut stdin = child.stdin.take().expect("stdin");
        for r in requests {
            writeln!(stdin, "{r}").expect("write");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let out = child.wait_with_output().expect("websocat output");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let by_req = |id: u64| lines.iter().find(|m| m["req_id"] == id).cloned();
    assert_eq!(
        by_req(1).map(|m| m["account"].clone()),
        Some("lishui-coop".into()),
        "{text}"
    );
    assert_eq!(
        by_req(2).map(|m| m["status"].clone()),
        Some("new".into()),
        "{text}"
    );
    let book = by_req(3).expect("book reply");
    assert_eq!(book["asks"], serde_json::json!([["55.00", "5"]]), "{text}");
}

#[test]
fn python_client_over_tls() {
    let has = Command::new("python3")
        .args(["-c", "import websockets"])
        .status()
        .is_ok_and(|s| s.success());
    let openssl = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if missing("python3 with the websockets package", has) || missing("openssl", openssl) {
        return;
    }
    let dir = scratch("tls");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let args = [
        std::ffi::OsStr::new("--tls-cert"),
        cert.as_os_str(),
        std::ffi::OsStr::new("--tls-key"),
        key.as_os_str(),
    ];
    let server = Server::start_with(&dir, None, &args);
    let url = format!("wss://{}/ws", server.addr);
    let script = r#"
import asyncio, json, ssl, sys, websockets
async def main():
    ctx = ssl.create_default_context(cafile=sys.argv[2])
    async with websockets.connect(sys.argv[1], ssl=ctx) as ws:
        await ws.send(json.dumps({"op": "login", "req_id": 1, "api_key": "demo-zj-cement"}))
        m = json.loads(await ws.recv())
        assert m["type"] == "login" and m["account"] == "zj-cement", m
        print("tls ok")
asyncio.run(main())
"#;
    let out = Command::new("python3")
        .args(["-c", script, &url])
        .arg(&cert)
        .output()
        .expect("python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("tls ok"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
