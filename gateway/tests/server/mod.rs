//! A real `ecomatch serve` process for the server tests, and a small WebSocket client.

#![allow(dead_code)] // each test file uses a part

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A server process, killed on drop.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its data directory.
    pub dir: PathBuf,
}

/// A fresh scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecomatch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The demo market with a `[server]` table appended, written into `dir`.
pub fn config_with(dir: &Path, server_table: &str) -> PathBuf {
    let market = include_str!("../../../docs/market.example.toml");
    let mut keys = String::new();
    for (account, key) in ecomatch_gateway::server::settings::demo_keys() {
        let hash = ecomatch_gateway::server::settings::hex(
            &ecomatch_gateway::server::settings::hash_key(&key),
        );
        let _ = write!(
            keys,
            "[[server.api_key]]\naccount = \"{account}\"\nsha256 = \"{hash}\"\n"
        );
    }
    let path = dir.join("market.toml");
    std::fs::write(&path, format!("{market}\n{server_table}\n{keys}")).expect("config");
    path
}

impl Server {
    /// Starts the demo (or `config`) on a free port with its log in `dir/data`.
    pub fn start(dir: &Path, config: Option<&Path>) -> Self {
        Self::start_with(dir, config, &[])
    }

    /// Starts with extra command-line arguments.
    pub fn start_with(dir: &Path, config: Option<&Path>, extra: &[&std::ffi::OsStr]) -> Self {
        let data = dir.join("data");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecomatch"));
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data)
            .args(extra);
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        // The server's log goes to dir/stderr.log, for tests that read what it said.
        let stderr = std::fs::File::create(dir.join("stderr.log")).expect("stderr file");
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn ecomatch serve");
        let mut out = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("first line");
        let addr = line
            .trim()
            .strip_prefix("ecomatch listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .expect("address");
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = out.read_to_end(&mut sink);
        });
        Self {
            child,
            addr,
            dir: dir.to_path_buf(),
        }
    }

    /// The WebSocket URL.
    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// What the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    /// Waits up to `limit` for the process to exit by itself; its exit code, if it did.
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let end = std::time::Instant::now() + limit;
        while std::time::Instant::now() < end {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some(status.code().unwrap_or(-1));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// How many sockets the server process holds open (listener and connections), from
    /// `/proc`: what a session that was let go of must no longer hold.
    pub fn open_sockets(&self) -> usize {
        let fds = std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).expect("/proc");
        fds.flatten()
            .filter(|e| {
                std::fs::read_link(e.path())
                    .is_ok_and(|l| l.to_string_lossy().starts_with("socket:"))
            })
            .count()
    }

    /// The process id (to pause it with SIGSTOP, say).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, as a crash.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A plain HTTP GET of `path`: (status line, body).
    pub fn get(&self, path: &str) -> (String, String) {
        let mut s = std::net::TcpStream::connect(self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
        let mut text = String::new();
        s.read_to_string(&mut text).expect("read");
        let (head, body) = text.split_once("\r\n\r\n").expect("response");
        (
            head.lines().next().unwrap_or_default().to_owned(),
            body.to_owned(),
        )
    }

    /// The value of a metric line starting with `name` in `/metrics`.
    pub fn metric(&self, name: &str) -> Option<f64> {
        let (_, body) = self.get("/metrics");
        body.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A WebSocket client speaking the protocol.
pub struct Client {
    /// The connection.
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The last request id used.
    pub req: u64,
}

impl Client {
    /// Connects (anonymous).
    pub async fn connect(url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect");
        Self { ws, req: 0 }
    }

    /// Connects and logs in with `key`.
    pub async fn login(url: &str, key: &str) -> Self {
        let mut c = Self::connect(url).await;
        let r = c.call(json!({"op": "login", "api_key": key})).await;
        assert_eq!(r["type"], "login", "{r}");
        c
    }

    /// Sends a request with the next `req_id`; returns the id.
    pub async fn send(&mut self, mut v: Value) -> u64 {
        self.req += 1;
        v["req_id"] = self.req.into();
        self.ws
            .send(Message::Text(v.to_string().into()))
            .await
            .expect("send");
        self.req
    }

    /// The next JSON message (`None` when the connection closed).
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            let m = tokio::time::timeout(Duration::from_secs(10), self.ws.next())
                .await
                .expect("a message within 10 s")?;
            match m.ok()? {
                Message::Text(t) => return Some(serde_json::from_str(t.as_str()).expect("JSON")),
                Message::Close(_) => return None,
                _ => {}
            }
        }
    }

    /// Reads until a message matches.
    pub async fn until(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            let m = self.next().await.expect("connection open");
            if pred(&m) {
                return m;
            }
        }
    }

    /// Sends a request and returns the message answering it.
    pub async fn call(&mut self, v: Value) -> Value {
        let id = self.send(v).await;
        self.until(|m| m["req_id"] == id).await
    }
}

/// A limit order request.
pub fn order(inst: &str, side: &str, price: &str, qty: &str) -> Value {
    json!({"op": "new_order", "instrument": inst, "side": side, "type": "limit",
        "price": price, "qty": qty, "tif": "gtc"})
}

/// Whether a tool the test needs is missing: fails under CI (which installs it), skips
/// with a message elsewhere.
pub fn missing(what: &str, present: bool) -> bool {
    if present {
        return false;
    }
    assert!(
        std::env::var("CI").is_err(),
        "{what} is missing: .ci/run installs it"
    );
    eprintln!("skipped: {what} is not installed (.ci/run installs it)");
    true
}
