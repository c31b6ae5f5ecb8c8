//! The server does what docs/PROTOCOL.md says, item by item, as a client sees it: close codes
//! (RFC 6455), unknown fields, login throttling, slow consumers let go of, the reference price
//! in force, `req_id` echoed exactly and to its own session only, the `get_book` depth range,
//! HEAD (RFC 9110), the request head limit, surveillance evidence in the instrument's units,
//! and a refused block acceptance that discloses nothing of the proposer.

mod server;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use server::{Client, Server, config_with, order, scratch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};

/// Reads until the server closes; the close code and reason.
async fn close_of(c: &mut Client) -> (CloseCode, String) {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), c.ws.next())
            .await
            .expect("closed within 10 s")
        {
            Some(Ok(Message::Close(Some(f)))) => return (f.code, f.reason.to_string()),
            Some(Ok(Message::Close(None)) | Err(_)) | None => panic!("no close frame"),
            Some(Ok(_)) => {}
        }
    }
}

/// The next text frame as sent, without parsing.
async fn raw_text(c: &mut Client) -> String {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), c.ws.next())
            .await
            .expect("a message within 10 s")
        {
            Some(Ok(Message::Text(t))) => return t.to_string(),
            Some(Ok(_)) => {}
            other => panic!("closed: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_non_utf8_frames_close_with_their_rfc_6455_codes() {
    let dir = scratch("close-codes");
    let server = Server::start(&dir, None);
    let mut c = Client::login(&server.url(), "demo-zj-cement").await;
    let big = format!("{{\"op\":\"ping\",\"pad\":\"{}\"}}", "x".repeat(100 * 1024));
    let _ = c.ws.send(Message::Text(big.into())).await;
    assert_eq!(
        close_of(&mut c).await,
        (CloseCode::Size, "message_too_big".into())
    );
    let mut c = Client::login(&server.url(), "demo-zj-cement").await;
    let header = FrameHeader {
        opcode: OpCode::Data(Data::Text),
        ..FrameHeader::default()
    };
    let bad = Frame::from_payload(header, vec![b'{', 0xff, 0xfe, b'}'].into());
    let _ = c.ws.send(Message::Frame(bad)).await;
    assert_eq!(
        close_of(&mut c).await,
        (CloseCode::Invalid, "invalid_utf8".into())
    );
    let mut again = Client::login(&server.url(), "demo-zj-cement").await;
    assert_eq!(again.call(json!({"op": "ping"})).await["type"], "pong");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_fields_are_refused_on_every_request() {
    let dir = scratch("unknown-fields");
    let server = Server::start(&dir, None);
    let mut c = Client::connect(&server.url()).await;
    for req in [
        json!({"op": "ping", "colour": "green"}),
        json!({"op": "get_instruments", "all": true}),
        json!({"op": "subscribe", "channel": "market", "instrument": "LS-FCS-2024", "x": 1}),
        json!({"op": "login", "api_key": "demo-zj-cement", "x": 1}),
    ] {
        let r = c.call(req.clone()).await;
        assert_eq!(r["code"], "BAD_REQUEST", "{req} -> {r}");
    }
}

/// `login_failures_per_minute = 10` is ten a minute: after ten failures the address waits
/// six seconds for the next try, not one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_failed_logins_a_minute_means_ten_a_minute() {
    let dir = scratch("login-minute");
    let server = Server::start(&dir, None);
    let mut c = Client::connect(&server.url()).await;
    for i in 0..9 {
        let r = c
            .call(json!({"op": "login", "api_key": format!("guess-{i}")}))
            .await;
        assert_eq!(r["code"], "BAD_API_KEY", "{r}");
    }
    let mut c = Client::connect(&server.url()).await;
    let r = c.call(json!({"op": "login", "api_key": "guess-9"})).await;
    assert_eq!(r["code"], "BAD_API_KEY", "{r}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let r = c
        .call(json!({"op": "login", "api_key": "demo-operator"}))
        .await;
    assert_eq!(
        r["code"], "LOGIN_RATE_LIMITED",
        "2 s after ten failures: {r}"
    );
}

/// A client that stops reading is closed within a bound of being declared slow: its socket,
/// task and queue are freed though it never reads again (the writer no longer waits on a send
/// into a full socket).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_let_go_of_within_a_second() {
    let dir = scratch("slow-bound");
    let table = "[server.limits]\nconn_rate = 1000000\nconn_burst = 1000000\n\
        account_rate = 1000000\naccount_burst = 1000000\noutbound_queue = 1024\n";
    let server = Server::start(&dir, Some(&config_with(&dir, table)));
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(2048).expect("rcvbuf");
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
    let with_slow = server.open_sockets();
    let mut round = 0;
    // Enough for the slow session's socket to fill, so that its writer waits on a send.
    while server
        .metric("ecomatch_slow_consumers_total")
        .unwrap_or(0.0)
        < 1.0
    {
        round += 1;
        assert!(round < 2_000, "never declared slow");
        for i in 0..100 {
            let price = format!("{}.{:02}", 50 + i % 5, round % 100);
            flooder
                .send(order("LS-FCS-2024", "sell", &price, "1"))
                .await;
        }
        for _ in 0..100 {
            flooder.next().await.expect("the flooder stays");
        }
    }
    let declared = Instant::now();
    while server.open_sockets() >= with_slow {
        assert!(
            declared.elapsed() < Duration::from_secs(3),
            "the slow session still holds its socket {:?} after being declared slow",
            declared.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("slow consumer let go of {:?} after", declared.elapsed());
    drop(slow);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_instruments_shows_the_reference_price_in_force() {
    let dir = scratch("instruments-ref");
    let server = Server::start(&dir, None);
    let mut op = Client::login(&server.url(), "demo-operator").await;
    let r = op
        .call(json!({"op": "set_reference_price", "instrument": "LS-FCS-2024", "price": "52.00"}))
        .await;
    assert_eq!(r["type"], "done", "{r}");
    let mut anon = Client::connect(&server.url()).await;
    let r = anon.call(json!({"op": "get_instruments"})).await;
    let fcs = r["instruments"]
        .as_array()
        .expect("list")
        .iter()
        .find(|i| i["instrument"] == "LS-FCS-2024")
        .expect("listed")
        .clone();
    assert_eq!(fcs["reference_price"], "52.00", "{fcs}");
}

/// `req_id` comes back exactly as sent, and only on the copy that goes to the session that
/// sent it: the operator channel's copy of another account's reply carries none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn req_ids_come_back_exactly_and_only_to_their_own_session() {
    let dir = scratch("req-id");
    let server = Server::start(&dir, None);
    let mut op = Client::login(&server.url(), "demo-operator").await;
    let r = op
        .call(json!({"op": "subscribe", "channel": "operator"}))
        .await;
    assert_eq!(r["type"], "subscribed");
    let mut c = Client::login(&server.url(), "demo-zj-cement").await;
    for id in ["12345678901234567890123", "1.50", "-7e3", "\"a\\u0041\""] {
        let text = format!(r#"{{"op":"ping","req_id":{id}}}"#);
        c.ws.send(Message::Text(text.into())).await.expect("send");
        let back = raw_text(&mut c).await;
        assert!(
            back.contains(&format!("\"req_id\":{id}")) || id.contains("u0041"),
            "{back}"
        );
    }
    // An order of the cement plant refused by the exchange: the reply, then the copy.
    let text = r#"{"op":"new_order","req_id":12345678901234567890123,"instrument":"LS-FCS-2024","side":"sell","type":"limit","price":"50.00","qty":"1"}"#;
    c.ws.send(Message::Text(text.into())).await.expect("send");
    let reply = raw_text(&mut c).await;
    assert!(
        reply.contains("\"req_id\":12345678901234567890123") && reply.contains("INSUFFICIENT"),
        "{reply}"
    );
    let copy = op.until(|m| m["type"] == "reject").await;
    assert_eq!(copy["to"], "zj-cement");
    assert!(copy.get("req_id").is_none(), "the operator's copy: {copy}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_book_depth_outside_1_to_100_is_refused() {
    let dir = scratch("depth");
    let server = Server::start(&dir, None);
    let mut c = Client::login(&server.url(), "demo-zj-cement").await;
    for depth in [0, 101, 65_535] {
        let r = c
            .call(json!({"op": "get_book", "instrument": "LS-FCS-2024", "depth": depth}))
            .await;
        assert_eq!(r["code"], "BAD_DEPTH", "depth {depth}: {r}");
    }
    for depth in [1, 100] {
        let r = c
            .call(json!({"op": "get_book", "instrument": "LS-FCS-2024", "depth": depth}))
            .await;
        assert_eq!(r["type"], "book", "depth {depth}: {r}");
    }
}

/// A raw HTTP exchange: the whole response.
fn http(server: &Server, request: &[u8]) -> String {
    let mut s = std::net::TcpStream::connect(server.addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(request).expect("write");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_answers_as_get_without_a_body_and_big_heads_are_refused() {
    let dir = scratch("head");
    let server = Server::start(&dir, None);
    for path in ["/", "/healthz"] {
        let get = http(
            &server,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        );
        let head = http(
            &server,
            format!("HEAD {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        );
        let (get_head, body) = get.split_once("\r\n\r\n").expect("GET response");
        assert!(get_head.starts_with("HTTP/1.1 200"), "{get_head}");
        assert!(!body.is_empty());
        assert_eq!(head, format!("{get_head}\r\n\r\n"), "HEAD {path}");
    }
    let post = http(&server, b"POST /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(post.starts_with("HTTP/1.1 405"), "{post}");
    // A request head over 8 KiB, whatever the path, is refused as such.
    let long = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: {}\r\n\r\n",
        "y".repeat(8_200)
    );
    let r = http(&server, long.as_bytes());
    assert!(r.starts_with("HTTP/1.1 431"), "{}", &r[..r.len().min(80)]);
    assert_eq!(server.get("/healthz").0, "HTTP/1.1 200 OK");
}

/// Surveillance speaks the protocol's units: a band refusal gives prices as the protocol
/// writes them, not ticks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_give_evidence_in_the_instruments_units() {
    let dir = scratch("alert-units");
    let server = Server::start(&dir, None);
    let mut op = Client::login(&server.url(), "demo-operator").await;
    op.call(json!({"op": "subscribe", "channel": "operator"}))
        .await;
    let mut c = Client::login(&server.url(), "demo-zj-cement").await;
    let r = c.call(order("LS-FCS-2024", "buy", "60.00", "1")).await;
    assert_eq!(r["code"], "PRICE_OUTSIDE_BAND");
    let alert = op.until(|m| m["type"] == "alert").await;
    let evidence = &alert["evidence"];
    assert_eq!(
        (&evidence["price"], &evidence["low"], &evidence["high"]),
        (&json!("60.00"), &json!("45.00"), &json!("55.00")),
        "{alert}"
    );
    assert!(
        evidence["message"]
            .as_str()
            .is_some_and(|m| !m.contains("ticks")),
        "{alert}"
    );
}

/// The counterparty of a block the proposer can no longer pay for learns that, and nothing of
/// the proposer's cash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_block_acceptance_discloses_nothing_of_the_proposer() {
    let dir = scratch("block-privacy");
    let server = Server::start(&dir, None);
    let mut op = Client::login(&server.url(), "demo-operator").await;
    let issue = json!({"op": "issue", "account": "lishui-coop", "instrument": "LS-FCS-2024",
        "qty": "100000"});
    assert_eq!(op.call(issue).await["type"], "done");
    let mut buyer = Client::login(&server.url(), "demo-ls-paper").await;
    let r = buyer
        .call(json!({"op": "propose_block", "instrument": "LS-FCS-2024",
            "counterparty": "lishui-coop", "side": "buy", "price": "50.00", "qty": "100000",
            "expires_at": "2099-01-01T00:00:00Z"}))
        .await;
    let block_id = r["block_id"].as_str().expect("a block id").to_owned();
    let w = json!({"op": "withdraw", "account": "ls-paper", "amount": "9999876.55"});
    assert_eq!(op.call(w).await["type"], "done");
    let mut seller = Client::login(&server.url(), "demo-lishui-coop").await;
    let r: Value = seller
        .call(json!({"op": "accept_block", "block_id": block_id}))
        .await;
    assert_eq!(r["code"], "BLOCK_COUNTERPARTY_UNABLE", "{r}");
    let message = r["message"].as_str().expect("message");
    assert!(
        !message.bytes().any(|b| b.is_ascii_digit()),
        "no figures: {message}"
    );
}
