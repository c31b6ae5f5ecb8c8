//! A server whose core, publisher or log fails is seen to fail: `/healthz` answers 503 from
//! that moment, every session is closed with `server_failure` (close code 1011), new
//! connections are refused, the process exits with status 70 after logging what failed (a
//! panic with the command's sequence number), and what it never made durable was never
//! acknowledged. Faults are injected with `serve --inject-fault`, a hidden option for tests.

mod server;

use std::ffi::OsStr;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use server::{Client, Server, order, scratch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// Reads until the server closes the connection; the close code and reason.
async fn closed(c: &mut Client) -> (CloseCode, String) {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), c.ws.next())
            .await
            .expect("the server closes within 10 s");
        match m {
            Some(Ok(Message::Close(Some(f)))) => return (f.code, f.reason.to_string()),
            Some(Ok(Message::Close(None)) | Err(_)) | None => {
                panic!("closed without a close frame")
            }
            Some(Ok(Message::Text(t))) => {
                let v: serde_json::Value = serde_json::from_str(t.as_str()).expect("JSON");
                assert_ne!(
                    v["type"], "order",
                    "nothing after the failure is acknowledged: {v}"
                );
            }
            Some(Ok(_)) => {}
        }
    }
}

fn fault(spec: &str) -> [&OsStr; 2] {
    [OsStr::new("--inject-fault"), OsStr::new(spec)]
}

/// Checks the failure as an outsider sees it, then waits for the exit.
async fn fails_visibly(server: &mut Server, session: &mut Client, log_says: &str) {
    let (code, reason) = closed(session).await;
    assert_eq!(
        (code, reason.as_str()),
        (CloseCode::Error, "server_failure")
    );
    let (status, body) = server.get("/healthz");
    assert!(status.contains("503"), "{status} {body}");
    assert!(body.contains(log_says), "{body}");
    let refused = tokio_tungstenite::connect_async(server.url()).await;
    assert!(refused.is_err(), "no new session on a failed server");
    let code = server.wait_exit(Duration::from_secs(10));
    assert_eq!(
        code,
        Some(70),
        "the process exits for a supervisor to restart it"
    );
    let log = server.stderr();
    assert!(
        log.contains(log_says),
        "stderr does not say {log_says:?}:\n{log}"
    );
}

/// The asks resting on the carbon sink after a restart on the same log.
async fn asks_after_restart(dir: &std::path::Path) -> serde_json::Value {
    let server = Server::start(dir, None);
    let mut c = Client::login(&server.url(), "demo-lishui-coop").await;
    let book = c
        .call(json!({"op": "get_book", "instrument": "LS-FCS-2024"}))
        .await;
    book["asks"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_the_core_closes_every_session_and_exits() {
    let dir = scratch("fail-core");
    let mut server = Server::start_with(&dir, None, &fault("core-panic@3"));
    let mut coop = Client::login(&server.url(), "demo-lishui-coop").await;
    let mut watcher = Client::login(&server.url(), "demo-zj-cement").await;
    for price in ["54.00", "54.50"] {
        let r = coop.call(order("LS-FCS-2024", "sell", price, "1")).await;
        assert_eq!(r["status"], "new", "{r}");
    }
    coop.send(order("LS-FCS-2024", "sell", "54.90", "1")).await;
    fails_visibly(
        &mut server,
        &mut coop,
        "panicked while applying command 3: injected fault",
    )
    .await;
    let (code, _) = closed(&mut watcher).await;
    assert_eq!(code, CloseCode::Error, "every session is closed");
    // The command that panicked was never made durable: the restart does not meet it again.
    let asks = asks_after_restart(&dir).await;
    assert_eq!(asks, json!([["54.00", "1"], ["54.50", "1"]]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_the_publisher_closes_every_session_and_exits() {
    let dir = scratch("fail-publisher");
    let mut server = Server::start_with(&dir, None, &fault("publisher-panic@2"));
    let mut coop = Client::login(&server.url(), "demo-lishui-coop").await;
    let r = coop.call(order("LS-FCS-2024", "sell", "54.00", "1")).await;
    assert_eq!(r["status"], "new", "{r}");
    coop.send(order("LS-FCS-2024", "sell", "54.50", "1")).await;
    fails_visibly(
        &mut server,
        &mut coop,
        "panicked: injected fault: a panic in the publisher",
    )
    .await;
}

/// A failed fsync (EIO), a full disk (ENOSPC) and a short write: the batch that failed is
/// never acknowledged, the log stops, and the restart finds exactly the acknowledged orders.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_failure_acknowledges_nothing_more_and_exits() {
    for spec in [
        "log-fsync-error@2",
        "log-write-error@2",
        "log-short-write@2",
    ] {
        let dir = scratch(&format!("fail-{spec}"));
        let mut server = Server::start_with(&dir, None, &fault(spec));
        let mut coop = Client::login(&server.url(), "demo-lishui-coop").await;
        let r = coop.call(order("LS-FCS-2024", "sell", "54.00", "1")).await;
        assert_eq!(r["status"], "new", "{spec}: {r}");
        coop.send(order("LS-FCS-2024", "sell", "54.50", "1")).await;
        fails_visibly(&mut server, &mut coop, "log commit failed").await;
        let asks = asks_after_restart(&dir).await;
        assert_eq!(asks, json!([["54.00", "1"]]), "{spec}");
    }
}
