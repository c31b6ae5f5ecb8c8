//! Abuse of `ecomatch serve`: a client that never reads, ten thousand idle connections,
//! oversized and malformed frames, brute-forced logins. The server must shed the abuser and
//! keep serving everyone else.

mod server;

use std::time::{Duration, Instant};

use futures_util::SinkExt;
use serde_json::json;
use server::{Client, Server, config_with, order, scratch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

const GENEROUS_RATES: &str = "[server.limits]\nconn_rate = 1000000\nconn_burst = 1000000\n\
    account_rate = 1000000\naccount_burst = 1000000\noutbound_queue = 1024\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_reads_is_disconnected_and_others_carry_on() {
    let dir = scratch("slow-consumer");
    let server = Server::start(&dir, Some(&config_with(&dir, GENEROUS_RATES)));
    // The slow consumer: a tiny receive buffer, everything subscribed, and it never reads.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("rcvbuf");
    let tcp = socket.connect(server.addr).await.expect("connect");
    let (mut slow, _) = tokio_tungstenite::client_async(server.url(), tcp)
        .await
        .expect("handshake");
    for req in [
        json!({"op": "login", "api_key": "demo-operator"}),
        json!({"op": "subscribe", "channel": "operator"}),
    ] {
        slow.send(Message::Text(req.to_string().into()))
            .await
            .expect("send");
    }
    let mut flooder = Client::login(&server.url(), "demo-lishui-coop").await;
    let mut probe = Client::login(&server.url(), "demo-zj-cement").await;
    let mut worst = Duration::ZERO;
    for round in 0..200 {
        for i in 0..100 {
            let price = format!("{}.{:02}", 50 + i % 5, round % 100);
            flooder
                .send(order("LS-FCS-2024", "sell", &price, "1"))
                .await;
        }
        let mut acked = 0;
        while acked < 100 {
            let m = flooder.next().await.expect("flooder stays connected");
            assert_eq!(m["status"], "new", "{m}");
            acked += 1;
        }
        let t0 = Instant::now();
        let r = probe.call(json!({"op": "get_account"})).await;
        assert_eq!(r["type"], "account", "{r}");
        worst = worst.max(t0.elapsed());
    }
    eprintln!("worst get_account round trip during the flood: {worst:?}");
    // A liveness bound, not a performance claim: the probe was never stuck behind the reader.
    assert!(worst < Duration::from_secs(5), "probe waited {worst:?}");
    assert!(
        server
            .metric("ecomatch_slow_consumers_total")
            .unwrap_or(0.0)
            >= 1.0
    );
    let mut reason = None;
    while let Ok(Some(m)) = tokio::time::timeout(
        Duration::from_secs(10),
        futures_util::StreamExt::next(&mut slow),
    )
    .await
    {
        match m {
            Ok(Message::Close(Some(f))) => reason = Some(f.reason.to_string()),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    if let Some(r) = reason {
        assert_eq!(r, "slow_consumer");
    }
}

/// Raises this process's open-files limit as far as the hard limit allows (the server it
/// starts inherits it): each side holds one descriptor per connection.
fn raise_open_files_limit() -> u64 {
    let (soft, hard) = rlimit::Resource::NOFILE.get().expect("getrlimit");
    let want = hard.min(20_000).max(soft);
    rlimit::Resource::NOFILE.set(want, hard).expect("setrlimit");
    want
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_idle_connections_are_held() {
    const N: usize = 10_000;
    let limit = raise_open_files_limit();
    assert!(
        limit >= 10_500,
        "the hard open-files limit is {limit}: 10,000 connections need more"
    );
    assert!(
        limit >= 10_500,
        "the open-files limit is {limit}: run `ulimit -n 20000` (as .ci/run does)"
    );
    let dir = scratch("idle");
    let server = Server::start(&dir, None);
    let url = server.url();
    let config = WebSocketConfig::default()
        .read_buffer_size(1024)
        .write_buffer_size(0);
    let mut idle = Vec::with_capacity(N);
    let mut pending = tokio::task::JoinSet::new();
    for _ in 0..N {
        if pending.len() >= 256 {
            idle.push(pending.join_next().await.expect("task").expect("join"));
        }
        let url = url.clone();
        pending.spawn(async move {
            let (ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), false)
                .await
                .expect("idle connection");
            ws
        });
    }
    while let Some(ws) = pending.join_next().await {
        idle.push(ws.expect("join"));
    }
    assert_eq!(idle.len(), N);
    let open = server.metric("ecomatch_connections").expect("metric");
    assert!(open >= N as f64, "server holds {open} connections");
    // Everyone else is still served.
    let mut c = Client::login(&url, "demo-lishui-coop").await;
    let r = c.call(order("LS-FCS-2024", "sell", "54.00", "1")).await;
    assert_eq!(r["status"], "new", "{r}");
    assert_eq!(server.get("/healthz").0, "HTTP/1.1 200 OK");
    drop(idle);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_malformed_frames() {
    let dir = scratch("frames");
    let server = Server::start(&dir, None);
    let mut c = Client::login(&server.url(), "demo-zj-cement").await;
    let raw = |t: &str| Message::Text(t.to_owned().into());
    let cases = [
        (raw("{\"op\":"), "BAD_JSON"),
        (raw("[1,2,3]"), "BAD_JSON"),
        (raw("{\"op\":\"ping\",\"req_id\":1e999}"), "BAD_JSON"),
        (Message::Binary(vec![1, 2, 3].into()), "BAD_JSON"),
        (
            raw(
                r#"{"op":"new_order","instrument":"LS-FCS-2024","side":"buy","type":"limit","price":"52.30","qty":5}"#,
            ),
            "BAD_REQUEST",
        ),
        (
            raw(
                r#"{"op":"new_order","instrument":"LS-FCS-2024","side":"buy","type":"limit","price":"52.30","qty":"1e999"}"#,
            ),
            "BAD_DECIMAL",
        ),
        (
            raw(
                r#"{"op":"new_order","instrument":"LS-FCS-2024","side":"buy","type":"limit","price":"52.30","qty":"18446744073709551616"}"#,
            ),
            "VALUE_TOO_LARGE",
        ),
        (raw(r#"{"op":"get_account","extra":true}"#), "BAD_REQUEST"),
        (raw(r#"{"op":"teleport"}"#), "UNKNOWN_OP"),
        (
            raw(r#"{"op":"subscribe","channel":"gossip"}"#),
            "UNKNOWN_CHANNEL",
        ),
    ];
    for (frame, code) in cases {
        c.ws.send(frame).await.expect("send");
        let r = c.until(|m| m["type"] == "reject").await;
        assert_eq!(r["code"], code, "{r}");
        assert_eq!(
            c.call(json!({"op": "ping"})).await["type"],
            "pong",
            "session still usable"
        );
    }
    // Over 64 KiB: the connection is closed (the frame cannot be skipped), the server is fine.
    let big = format!("{{\"op\":\"ping\",\"pad\":\"{}\"}}", "x".repeat(100 * 1024));
    let _ = c.ws.send(raw(&big)).await;
    let mut closed = false;
    for _ in 0..10 {
        match tokio::time::timeout(
            Duration::from_secs(5),
            futures_util::StreamExt::next(&mut c.ws),
        )
        .await
        {
            Ok(None | Some(Err(_) | Ok(Message::Close(_)))) | Err(_) => {
                closed = true;
                break;
            }
            Ok(Some(Ok(_))) => {}
        }
    }
    assert!(closed, "an oversized message closes the connection");
    let mut again = Client::login(&server.url(), "demo-zj-cement").await;
    assert_eq!(again.call(json!({"op": "ping"})).await["type"], "pong");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brute_force_logins_are_rate_limited() {
    let dir = scratch("brute");
    let server = Server::start(&dir, None);
    for _ in 0..2 {
        let mut c = Client::connect(&server.url()).await;
        for i in 0..5 {
            let r = c
                .call(json!({"op": "login", "api_key": format!("guess-{i}")}))
                .await;
            assert_eq!(r["code"], "BAD_API_KEY", "{r}");
        }
    }
    // Ten failures a minute from this address: now even the right key must wait.
    let mut c = Client::connect(&server.url()).await;
    let r = c
        .call(json!({"op": "login", "api_key": "demo-operator"}))
        .await;
    assert_eq!(r["code"], "LOGIN_RATE_LIMITED", "{r}");
    // One connection that keeps guessing is closed.
    let mut guesser = Client::connect(&server.url()).await;
    for i in 0..10 {
        guesser
            .send(json!({"op": "login", "api_key": format!("again-{i}")}))
            .await;
    }
    let mut closed = false;
    for _ in 0..20 {
        if guesser.next().await.is_none() {
            closed = true;
            break;
        }
    }
    assert!(closed, "ten failed logins close the connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_floods_are_refused_then_disconnected() {
    let dir = scratch("flood");
    let table = "[server.limits]\nconn_rate = 5\nconn_burst = 5\nabuse_after = 50\n";
    let server = Server::start(&dir, Some(&config_with(&dir, table)));
    let mut c = Client::connect(&server.url()).await;
    // A burst: the bucket's five go through, the rest are refused, and the session stays.
    for _ in 0..20 {
        c.send(json!({"op": "ping"})).await;
    }
    let (mut pongs, mut limited) = (0, 0);
    for _ in 0..20 {
        let m = c.next().await.expect("still connected");
        match (m["type"].as_str(), m["code"].as_str()) {
            (Some("pong"), _) => pongs += 1,
            (Some("reject"), Some("RATE_LIMITED")) => limited += 1,
            _ => panic!("unexpected {m}"),
        }
    }
    assert!(
        (5..10).contains(&pongs) && pongs + limited == 20,
        "{pongs} pongs, {limited} refused"
    );
    // Persisting: after 50 refusals in a row the connection is closed.
    let mut refused = 0;
    loop {
        c.send(json!({"op": "ping"})).await;
        match c.next().await {
            None => break,
            Some(m) if m["code"] == "RATE_LIMITED" => refused += 1,
            Some(_) => refused = 0,
        }
        assert!(refused <= 60, "still open after {refused} refusals");
    }
    assert!(refused >= 30, "closed after {refused} more refusals");
}
