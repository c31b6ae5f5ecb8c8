//! `ecomatch serve --log jetstream://...` on a real three-server NATS cluster: what a primary
//! acknowledged survives the primary and its disk, a server of the cluster may die under load,
//! and a second primary on the same stream fences the first, which then acknowledges nothing.

mod server;

use std::ffi::OsStr;
use std::time::Duration;

use ecomatch_replica::cluster::Cluster;
use serde_json::{Value, json};
use server::{Client, Server, scratch};

/// zj-cement's opening cash in the demo market, in fen.
const BASE_FEN: u64 = 1_000_000_000;

fn serve(dir: &std::path::Path, log: &str) -> Server {
    std::fs::create_dir_all(dir).expect("dir");
    Server::start_with(
        dir,
        None,
        &[
            OsStr::new("--log"),
            OsStr::new(log),
            OsStr::new("--fsync"),
            OsStr::new("never"),
        ],
    )
}

fn deposit() -> Value {
    json!({"op": "deposit", "account": "zj-cement", "amount": "0.01"})
}

/// zj-cement's available cash above its opening, in fen.
async fn deposited(url: &str) -> u64 {
    let mut c = Client::login(url, "demo-zj-cement").await;
    let a = c.call(json!({"op": "get_account"})).await;
    let cash = a["cash"]["available"].as_str().expect("cash");
    cash.replace('.', "").parse::<u64>().expect("fen") - BASE_FEN
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_primary_acknowledged_survives_it_and_a_lost_nats_server() {
    if server::missing("nats-server", which("nats-server")) {
        return;
    }
    let dir = scratch("replicated-survives");
    let mut cluster =
        Cluster::start(&dir.join("nats"), 3).unwrap_or_else(|e| panic!("cluster: {e}"));
    let log = format!("jetstream://{}/SURVIVE", cluster.servers());
    let primary = serve(&dir.join("a"), &log);
    let mut op = Client::login(&primary.url(), "demo-operator").await;
    let mut acknowledged = 0u64;
    let mut slowest = Duration::ZERO;
    let leader = || stream_leader(&log);
    let mut killed = None;
    for i in 0..60 {
        if i == 20 {
            let l = leader();
            cluster.kill(l); // one of three: the stream keeps its quorum and elects
            killed = Some(l);
        }
        if i == 35 {
            cluster
                .restart(killed.take().expect("killed"))
                .expect("restart");
        }
        if i == 45 {
            std::thread::sleep(Duration::from_secs(2)); // the restarted one catches up
            let l = leader();
            cluster.kill(l);
            killed = Some(l);
        }
        let t = std::time::Instant::now();
        let r = answer(&mut op, deposit()).await;
        slowest = slowest.max(t.elapsed());
        assert_eq!(r["type"], "done", "{r}");
        acknowledged += 1;
    }
    eprintln!("the slowest acknowledgement (across two losses of the stream leader): {slowest:?}");
    // Requests in flight when the primary's machine dies: some may be acknowledged, none
    // half-applied.
    for _ in 0..20 {
        op.send(deposit()).await;
    }
    let mut late = 0;
    while let Ok(Some(m)) = tokio::time::timeout(Duration::from_millis(200), op.next()).await {
        if m["type"] == "done" {
            late += 1;
        }
        if late > 3 {
            break;
        }
    }
    acknowledged += late;
    primary.kill();
    let _ = std::fs::remove_dir_all(dir.join("a")); // its disk is gone too
    cluster.restart(killed.expect("killed")).expect("restart");

    // Another machine (a fresh data directory) rebuilds the state from the stream.
    let standby = serve(&dir.join("b"), &log);
    let got = deposited(&standby.url()).await;
    assert!(
        (acknowledged..=80).contains(&got),
        "{got} fen deposited: {acknowledged} were acknowledged, 80 sent"
    );
    assert!(
        standby.stderr().contains("replicated log read"),
        "{}",
        standby.stderr()
    );

    // Once the dead primary's lease lapses, the new machine leads and accepts commands.
    let mut op = Client::login(&standby.url(), "demo-operator").await;
    let killed = std::time::Instant::now();
    loop {
        let r = answer(&mut op, deposit()).await;
        if r["type"] == "done" {
            break;
        }
        assert_eq!(r["code"], "NOT_PRIMARY", "{r}");
        assert!(killed.elapsed() < Duration::from_secs(20), "no takeover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(deposited(&standby.url()).await, got + 1);

    // The stream, copied to a local log, replays and verifies like any local log.
    let copy = dir.join("export");
    let bin = env!("CARGO_BIN_EXE_ecomatch");
    let out = std::process::Command::new(bin)
        .args(["export", &log])
        .arg(&copy)
        .output()
        .expect("export");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = std::process::Command::new(bin)
        .args(["replay", "--verify"])
        .arg(&copy)
        .output()
        .expect("replay");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("state hash"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_takes_over_from_a_paused_primary_which_then_acknowledges_nothing() {
    if server::missing("nats-server", which("nats-server")) {
        return;
    }
    let dir = scratch("replicated-takeover");
    let cluster = Cluster::start(&dir.join("nats"), 3).unwrap_or_else(|e| panic!("cluster: {e}"));
    let log = format!("jetstream://{}/TAKEOVER", cluster.servers());
    let mut first = serve(&dir.join("a"), &log);
    let mut a = Client::login(&first.url(), "demo-operator").await;
    assert_eq!(answer(&mut a, deposit()).await["type"], "done");

    std::fs::create_dir_all(dir.join("b")).expect("dir");
    let second = Server::start_with(
        &dir.join("b"),
        None,
        &[
            OsStr::new("--log"),
            OsStr::new(&log),
            OsStr::new("--standby"),
        ],
    );
    let mut b = Client::login(&second.url(), "demo-operator").await;
    assert_eq!(
        b.call(deposit()).await["code"],
        "NOT_PRIMARY",
        "the primary renews its lease"
    );

    // The primary stops answering (a long GC pause, a frozen VM) past its lease.
    signal("STOP", first.pid());
    let paused = std::time::Instant::now();
    let took_over = loop {
        let r = answer(&mut b, deposit()).await;
        if r["type"] == "done" {
            break paused.elapsed();
        }
        assert_eq!(r["code"], "NOT_PRIMARY", "{r}");
        assert!(paused.elapsed() < Duration::from_secs(20), "no takeover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    eprintln!("the standby accepted its first command {took_over:?} after the primary froze");

    // The former primary wakes up: it cannot append, acknowledges nothing, and says why.
    signal("CONT", first.pid());
    a.send(deposit()).await;
    while let Some(m) = a.next().await {
        assert_ne!(m["type"], "done", "a deposed primary acknowledged {m}");
    }
    assert_eq!(first.wait_exit(Duration::from_secs(10)), Some(70));
    let said = first.stderr();
    assert!(said.contains("no longer the primary"), "{said}");
    assert_eq!(
        deposited(&second.url()).await,
        2,
        "the first deposit and the new primary's"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_follows_the_primary_serves_its_market_data_and_refuses_commands() {
    if server::missing("nats-server", which("nats-server")) {
        return;
    }
    let dir = scratch("replicated-standby");
    let cluster = Cluster::start(&dir.join("nats"), 3).unwrap_or_else(|e| panic!("cluster: {e}"));
    let log = format!("jetstream://{}/STANDBY", cluster.servers());
    let primary = serve(&dir.join("a"), &log);
    let mut op = Client::login(&primary.url(), "demo-operator").await;
    assert_eq!(answer(&mut op, deposit()).await["type"], "done");

    std::fs::create_dir_all(dir.join("b")).expect("dir");
    let standby = Server::start_with(
        &dir.join("b"),
        None,
        &[
            OsStr::new("--log"),
            OsStr::new(&log),
            OsStr::new("--standby"),
        ],
    );
    let mut watcher = Client::connect(&standby.url()).await;
    let r = watcher
        .call(json!({"op": "subscribe", "channel": "market", "instrument": "LS-FCS-2024"}))
        .await;
    assert_eq!(r["type"], "subscribed", "{r}");

    // A trade on the primary reaches the standby's market-data subscribers.
    let mut seller = Client::login(&primary.url(), "demo-lishui-coop").await;
    let mut buyer = Client::login(&primary.url(), "demo-zj-cement").await;
    let sell = server::order("LS-FCS-2024", "sell", "50.00", "3");
    assert_eq!(answer(&mut seller, sell).await["type"], "order");
    let buy = server::order("LS-FCS-2024", "buy", "50.00", "3");
    assert_eq!(answer(&mut buyer, buy).await["type"], "order");
    let trade = watcher.until(|m| m["type"] == "trade").await;
    assert_eq!(
        (trade["price"].as_str(), trade["qty"].as_str()),
        (Some("50.00"), Some("3"))
    );

    // Its queries see the primary's state; its commands are refused.
    let mut b = Client::login(&standby.url(), "demo-zj-cement").await;
    let a = b.call(json!({"op": "get_account"})).await;
    let holding = &a["holdings"][0];
    assert_eq!(holding["instrument"], "LS-FCS-2024", "{a}");
    let r = b
        .call(server::order("LS-FCS-2024", "buy", "50.00", "1"))
        .await;
    assert_eq!(
        (r["type"].as_str(), r["code"].as_str()),
        (Some("reject"), Some("NOT_PRIMARY")),
        "{r}"
    );
    let mut op_b = Client::login(&standby.url(), "demo-operator").await;
    let r = op_b.call(deposit()).await;
    assert_eq!(r["code"], "NOT_PRIMARY", "{r}");
    // Each says which it is.
    let role = |s: &Server| s.metric("ecomatch_replica_role{shard=\"0\"}");
    assert_eq!((role(&primary), role(&standby)), (Some(2.0), Some(1.0)));

    // The same account, asked of both, reads the same.
    let on_primary = buyer.call(json!({"op": "get_account"})).await;
    let on_standby = b.call(json!({"op": "get_account"})).await;
    assert_eq!(on_primary["cash"], on_standby["cash"]);
    assert_eq!(on_primary["holdings"], on_standby["holdings"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_starts_from_its_snapshot_of_the_stream_and_reads_only_the_rest() {
    if server::missing("nats-server", which("nats-server")) {
        return;
    }
    let dir = scratch("replicated-snapshot");
    let cluster = Cluster::start(&dir.join("nats"), 3).unwrap_or_else(|e| panic!("cluster: {e}"));
    let log = format!("jetstream://{}/SNAP", cluster.servers());
    let args = |log: &str| {
        [
            OsStr::new("--log").to_owned(),
            OsStr::new(log).to_owned(),
            OsStr::new("--snapshot-every").to_owned(),
            OsStr::new("5").to_owned(),
        ]
    };
    let a = args(&log);
    let refs: Vec<&OsStr> = a.iter().map(std::ffi::OsString::as_os_str).collect();
    let first = Server::start_with(&dir, None, &refs);
    let mut op = Client::login(&first.url(), "demo-operator").await;
    for _ in 0..12 {
        assert_eq!(answer(&mut op, deposit()).await["type"], "done");
    }
    let snaps = ecomatch_replay::snapshot::list(&dir.join("data/shard-0")).expect("snapshots");
    assert!(snaps.iter().any(|(seq, _)| *seq >= 10), "{snaps:?}");
    first.kill();

    // The same machine again: it restores its snapshot and reads the stream after it.
    let again = Server::start_with(&dir, None, &refs);
    assert_eq!(deposited(&again.url()).await, 12);
    let said = again.stderr();
    assert!(said.contains("from_snapshot=Some(1"), "{said}");
}

/// Kills the primary again and again (`ECOMATCH_FAILOVER_KILLS`, 3 by default), each time the
/// other machine takes over and the killed one comes back as its standby, so the role
/// alternates; every acknowledged deposit is in the final state and none applied twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_after_failover_loses_nothing_acknowledged() {
    if server::missing("nats-server", which("nats-server")) {
        return;
    }
    let kills: usize = std::env::var("ECOMATCH_FAILOVER_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let dir = scratch("replicated-failovers");
    let cluster = Cluster::start(&dir.join("nats"), 3).unwrap_or_else(|e| panic!("cluster: {e}"));
    let log = format!("jetstream://{}/FAILOVERS", cluster.servers());
    let standby = |name: &str| {
        let d = dir.join(name);
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("dir");
        Server::start_with(
            &d,
            None,
            &[
                OsStr::new("--log"),
                OsStr::new(&log),
                OsStr::new("--standby"),
            ],
        )
    };
    let mut primary = serve(&dir.join("m0"), &log);
    let mut next = standby("m1");
    let (mut acknowledged, mut sent) = (0u64, 0u64);
    let mut times = Vec::new();
    for k in 0..kills {
        let mut op = Client::login(&primary.url(), "demo-operator").await;
        for _ in 0..10 {
            sent += 1;
            assert_eq!(answer(&mut op, deposit()).await["type"], "done");
            acknowledged += 1;
        }
        // Some in flight when the primary dies.
        for _ in 0..5 {
            sent += 1;
            op.send(deposit()).await;
        }
        primary.kill();
        let killed = std::time::Instant::now();
        let mut op = Client::login(&next.url(), "demo-operator").await;
        loop {
            let r = answer(&mut op, deposit()).await;
            if r["type"] == "done" {
                sent += 1;
                acknowledged += 1;
                break;
            }
            // Refused by a standby: not applied anywhere.
            assert_eq!(r["code"], "NOT_PRIMARY", "{r}");
            assert!(
                killed.elapsed() < Duration::from_secs(20),
                "no takeover after kill {k}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        times.push(killed.elapsed());
        primary = std::mem::replace(&mut next, standby(&format!("m{}", k + 2)));
    }
    let got = deposited(&primary.url()).await;
    assert!(
        (acknowledged..=sent).contains(&got),
        "{got} fen deposited: {acknowledged} acknowledged, {sent} sent"
    );
    times.sort();
    eprintln!(
        "{kills} kills; kill to first accepted command: min {:?}, median {:?}, max {:?}",
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );
}

/// The answer to a request, waiting up to 30 s: while the stream elects a new leader the
/// primary holds its acknowledgements back.
async fn answer(c: &mut Client, v: Value) -> Value {
    use futures_util::StreamExt;
    let id = c.send(v).await;
    loop {
        let m = tokio::time::timeout(Duration::from_secs(30), c.ws.next())
            .await
            .expect("an answer within 30 s")
            .expect("connection open")
            .expect("a message");
        if let tokio_tungstenite::tungstenite::Message::Text(text) = m {
            let v: Value = serde_json::from_str(text.as_str()).expect("JSON");
            if v["req_id"] == id {
                return v;
            }
        }
    }
}

/// The index of the NATS server (n0..n2) that leads the stream's Raft group: the one whose
/// loss makes the stream elect. Asked from a thread of its own (the client blocks).
fn stream_leader(log: &str) -> usize {
    let target = ecomatch_replica::Target::parse(log, 0).expect("target");
    std::thread::spawn(move || {
        let mut s = ecomatch_replica::Stream::open(&target).expect("stream");
        let name = s.leader().expect("info").expect("a leader");
        name.trim_start_matches('n').parse().expect("nK")
    })
    .join()
    .expect("leader lookup")
}

fn signal(which: &str, pid: u32) {
    let ok = std::process::Command::new("kill")
        .args([&format!("-{which}"), &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill -{which} {pid}");
}

fn which(tool: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}
