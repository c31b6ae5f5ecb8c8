//! Sessions of `ecomatch serve`: roles and ownership, anonymous access, cancel-on-disconnect,
//! the HTTP endpoints, and a restart that clients cannot tell from no restart.

mod server;

use std::io::{Read, Write};
use std::time::Duration;

use serde_json::json;
use server::{Client, Server, config_with, order, scratch};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enterprise_key_cannot_do_operator_work_or_touch_others_orders() {
    let dir = scratch("roles");
    let server = Server::start(&dir, None);
    let url = server.url();
    let mut coop = Client::login(&url, "demo-lishui-coop").await;
    let r = coop.call(order("LS-FCS-2024", "sell", "54.00", "10")).await;
    let theirs = r["order_id"].as_str().expect("order id").to_owned();
    let mut cement = Client::login(&url, "demo-zj-cement").await;
    for req in [
        json!({"op": "set_phase", "instrument": "LS-FCS-2024", "phase": "halted"}),
        json!({"op": "kill", "account": "lishui-coop"}),
        json!({"op": "deposit", "account": "zj-cement", "amount": "1000000.00"}),
        json!({"op": "issue", "account": "zj-cement", "instrument": "LS-FCS-2024", "qty": "100"}),
        json!({"op": "operator_cancel", "order_id": theirs}),
        json!({"op": "subscribe", "channel": "operator"}),
    ] {
        let r = cement.call(req.clone()).await;
        assert_eq!(r["code"], "FORBIDDEN", "{req} -> {r}");
    }
    for req in [
        json!({"op": "cancel_order", "order_id": theirs}),
        json!({"op": "amend_order", "order_id": theirs, "qty": "1"}),
    ] {
        let r = cement.call(req.clone()).await;
        assert_eq!(r["type"], "reject", "{req} -> {r}");
    }
    let book = coop
        .call(json!({"op": "get_book", "instrument": "LS-FCS-2024"}))
        .await;
    assert_eq!(
        book["asks"],
        json!([["54.00", "10"]]),
        "the order is untouched"
    );
    // Anonymous sessions read public data and nothing else.
    let mut anon = Client::connect(&url).await;
    let r = anon
        .call(json!({"op": "subscribe", "channel": "market", "instrument": "LS-FCS-2024"}))
        .await;
    assert_eq!(r["type"], "subscribed", "{r}");
    let r = anon.call(order("LS-FCS-2024", "buy", "55.00", "1")).await;
    assert_eq!(r["code"], "LOGIN_REQUIRED", "{r}");
    // The operator may.
    let mut op = Client::login(&url, "demo-operator").await;
    let r = op
        .call(json!({"op": "operator_cancel", "order_id": theirs}))
        .await;
    assert_eq!(r["type"], "done", "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bearer_header_login_and_private_feeds() {
    let dir = scratch("bearer");
    let server = Server::start(&dir, None);
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        server.url(),
    )
    .expect("request");
    req.headers_mut().insert(
        "Authorization",
        "Bearer demo-lishui-coop".parse().expect("header"),
    );
    let (ws, _) = tokio_tungstenite::connect_async(req)
        .await
        .expect("upgrade with a key");
    let mut coop = Client { ws, req: 0 };
    let login = coop.next().await.expect("login message");
    assert_eq!(
        (login["type"].as_str(), login["account"].as_str()),
        (Some("login"), Some("lishui-coop")),
        "{login}"
    );
    // A second session of the same account hears the fills of the first one's order.
    let mut coop2 = Client::login(&server.url(), "demo-lishui-coop").await;
    let r = coop.call(order("LS-FCS-2024", "sell", "52.00", "3")).await;
    assert_eq!(r["status"], "new");
    let mut cement = Client::login(&server.url(), "demo-zj-cement").await;
    cement.call(order("LS-FCS-2024", "buy", "52.00", "3")).await;
    let f = coop2.until(|m| m["type"] == "fill").await;
    assert_eq!(f["qty"], "3", "{f}");
    // A bad key is refused at the upgrade.
    let mut bad = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        server.url(),
    )
    .expect("request");
    bad.headers_mut()
        .insert("Authorization", "Bearer nope".parse().expect("header"));
    assert!(tokio_tungstenite::connect_async(bad).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_anonymous_access_a_silent_connection_is_closed() {
    let dir = scratch("login-timeout");
    let table = "[server]\nanonymous_read = false\n[server.limits]\nlogin_timeout_ms = 500\n";
    let server = Server::start(&dir, Some(&config_with(&dir, table)));
    let mut c = Client::connect(&server.url()).await;
    let r = c
        .call(json!({"op": "subscribe", "channel": "market", "instrument": "LS-FCS-2024"}))
        .await;
    assert_eq!(r["code"], "LOGIN_REQUIRED", "{r}");
    let t0 = std::time::Instant::now();
    assert!(c.next().await.is_none(), "closed after the login timeout");
    assert!(t0.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_on_disconnect_cancels_the_accounts_orders() {
    let dir = scratch("cod");
    let server = Server::start(&dir, None);
    let mut coop = Client::connect(&server.url()).await;
    let r = coop
        .call(json!({"op": "login", "api_key": "demo-lishui-coop", "cancel_on_disconnect": true}))
        .await;
    assert_eq!(r["cancel_on_disconnect"], true, "{r}");
    coop.call(order("LS-FCS-2024", "sell", "54.50", "7")).await;
    let mut watcher = Client::connect(&server.url()).await;
    watcher
        .call(json!({"op": "subscribe", "channel": "market", "instrument": "LS-FCS-2024"}))
        .await;
    let snap = watcher.until(|m| m["type"] == "book").await;
    assert_eq!(snap["asks"], json!([["54.50", "7"]]));
    drop(coop);
    let gone = watcher.until(|m| m["type"] == "book_update").await;
    assert_eq!(
        (gone["price"].as_str(), gone["qty"].as_str()),
        (Some("54.50"), Some("0")),
        "{gone}"
    );
}

#[test]
fn http_endpoints() {
    let dir = scratch("http");
    let server = Server::start(&dir, None);
    assert_eq!(
        server.get("/healthz"),
        ("HTTP/1.1 200 OK".into(), "ok\n".into())
    );
    let (status, page) = server.get("/");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(page.contains("<html"), "{page}");
    assert_eq!(server.get("/nope").0, "HTTP/1.1 404 Not Found");
    assert_eq!(server.get("/ws").0, "HTTP/1.1 426 Upgrade Required");
    let (_, metrics) = server.get("/metrics");
    for name in [
        "ecomatch_connections",
        "ecomatch_commands_total",
        "ecomatch_fsync_latency_seconds",
        "ecomatch_ack_latency_seconds_count",
    ] {
        assert!(metrics.contains(name), "{name} missing:\n{metrics}");
    }
    // A request head that never ends is cut off at 8 KiB, not buffered forever.
    let mut s = std::net::TcpStream::connect(server.addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let junk = vec![b'a'; 20 * 1024];
    let _ = s.write_all(&junk);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    assert!(
        buf.starts_with(b"HTTP/1.1 431"),
        "an oversized head is refused: {}",
        String::from_utf8_lossy(&buf)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_crash_clients_reconnect_to_the_same_state() {
    let dir = scratch("restart");
    let server = Server::start(&dir, None);
    let url = server.url();
    let mut coop = Client::login(&url, "demo-lishui-coop").await;
    let mut cement = Client::login(&url, "demo-zj-cement").await;
    for (p, q) in [("52.00", "5"), ("52.50", "8"), ("53.00", "2")] {
        coop.call(order("LS-FCS-2024", "sell", p, q)).await;
    }
    cement.call(order("LS-FCS-2024", "buy", "52.50", "9")).await;
    cement.call(order("LS-FCS-2024", "buy", "51.00", "4")).await;
    let before = snapshot(&mut cement).await;
    drop((coop, cement));
    server.kill();
    let server = Server::start(&dir, None);
    let mut cement = Client::login(&server.url(), "demo-zj-cement").await;
    let after = snapshot(&mut cement).await;
    assert_eq!(before.0, after.0, "book and sequence after the restart");
    assert_eq!(before.1, after.1, "balances after the restart");
}

/// What a client sees of the market and its account (without the day's statistics and the
/// recent trades, which start again after a restart; the book and the sequence do not).
async fn snapshot(c: &mut Client) -> (serde_json::Value, serde_json::Value) {
    c.send(json!({"op": "subscribe", "channel": "market", "instrument": "LS-FCS-2024"}))
        .await;
    let mut book = c.until(|m| m["type"] == "book").await;
    let mut account = c.call(json!({"op": "get_account"})).await;
    account.as_object_mut().expect("object").remove("req_id");
    for k in ["volume", "turnover", "last_price", "trades"] {
        book.as_object_mut().expect("object").remove(k);
    }
    (book, account)
}
