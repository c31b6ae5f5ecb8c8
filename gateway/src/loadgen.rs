//! `ecomatch loadgen`: end-to-end load over WebSocket on loopback, as DESIGN §7 asks: a rate
//! sweep that reports throughput and the p50 / p99 / p99.9 acknowledgement latency.
//!
//! It starts `ecomatch serve` in-process on the demo market (on a fresh data directory, with
//! the rate limits lifted), funds the accounts through the operator, then for each target rate
//! opens `connections` sessions that send on a fixed schedule (open loop): request `k` of a
//! session is due at `start + k / rate`, and its latency is measured from that due time, not
//! from when it was actually sent. A server that stalls therefore shows the whole backlog it
//! caused in the histogram (the correction for coordinated omission), instead of a sender that
//! politely waited for it.
//!
//! The workload trades: even sessions rest one-lot GTC sells at the reference price, odd
//! sessions take them with one-lot IOC buys, on LS-FCS-2024 and QZ-FCS-2024 alternately (one
//! shard each with `--shards 2`), so every request goes through the gate, a hold, the book and,
//! most of the time, a DVP settlement, and the books stay shallow.
//!
//! With `--url` it drives a server already running instead (any server that speaks the
//! protocol's requests and echoes `req_id`: `ecomatch serve`, or `bare-ws`, the bare
//! tokio-tungstenite server beside the benchmarks). The server's CPU time per answered request
//! is measured from `/proc/<pid>/task/*/schedstat` (nanoseconds on CPU, per thread): of the
//! `--server-pid` process, or in process of every thread but the load generator's own.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::server::settings::{Limits, demo};
use ecomatch_replay::FsyncPolicy;

/// What a run does.
#[derive(Clone, Debug)]
pub struct Options {
    /// Target request rates, in requests per second over all sessions.
    pub rates: Vec<u32>,
    /// How long each rate is held.
    pub seconds: u64,
    /// Sessions sending at once.
    pub connections: usize,
    /// Shards of the market (1 or 2).
    pub shards: usize,
    /// The server's fsync policy.
    pub fsync: FsyncPolicy,
    /// Where the server's log goes (emptied first).
    pub data_dir: PathBuf,
    /// A server already running (`ws://host:port/ws`), instead of one started in process.
    pub url: Option<String>,
    /// The process whose CPU time is the server's (with `url`); in process, every thread but
    /// the load generator's.
    pub server_pid: Option<u32>,
}

/// One step of the sweep.
#[derive(Clone, Debug)]
pub struct Step {
    /// The target rate.
    pub rate: u32,
    /// Requests answered.
    pub answered: u64,
    /// Of which refused (any code).
    pub refused: u64,
    /// Never answered before the deadline (30 s after the last due time) or the connection
    /// closed; each counts in the latency as the time until the load generator gave up.
    pub lost: u64,
    /// Answered requests per second, from the first due time to the last answer.
    pub throughput: f64,
    /// Acknowledgement latency from the due time, µs: p50, p99, p99.9, max.
    pub latency_us: [u64; 4],
    /// The same from the moment each request was actually written (what a closed-loop tool
    /// would report: the uncorrected figure), µs.
    pub service_us: [u64; 4],
    /// The server's CPU time per answered request, µs (when it can be measured).
    pub cpu_us: Option<f64>,
}

const SELLER: &str = "lishui-coop";
const BUYERS: [&str; 4] = ["zj-cement", "ls-paper", "qz-chem", "kaihua-restore"];
const MARKETS: [(&str, &str); 2] = [("LS-FCS-2024", "50.00"), ("QZ-FCS-2024", "45.00")];

/// Runs the sweep and returns one step per rate.
pub fn run(opts: &Options) -> Result<Vec<Step>, String> {
    let url = if let Some(url) = &opts.url {
        url.clone()
    } else {
        let _ = std::fs::remove_dir_all(&opts.data_dir);
        format!("ws://{}/ws", start_server(opts)?)
    };
    let cpu = match (&opts.url, opts.server_pid) {
        (_, Some(pid)) => ServerCpu::Process(pid),
        (None, None) => ServerCpu::InProcess,
        (Some(_), None) => ServerCpu::Unknown,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(CLIENT_THREAD)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        fund(&url, opts.shards).await?;
        let mut steps = Vec::new();
        for &rate in &opts.rates {
            let before = cpu.nanos();
            let mut st = step(&url, rate, opts).await?;
            st.cpu_us = before
                .zip(cpu.nanos())
                .map(|(a, b)| b.saturating_sub(a) as f64 / 1_000.0 / st.answered.max(1) as f64);
            steps.push(st);
            tokio::time::sleep(Duration::from_millis(500)).await; // let the queues drain
        }
        Ok(steps)
    })
}

/// The load generator's own threads: its runtime's and its pacer.
const CLIENT_THREAD: &str = "loadgen";
const PACER_THREAD: &str = "pacer";

/// Whose CPU time is the server's.
#[derive(Clone, Copy, Debug)]
enum ServerCpu {
    /// Another process.
    Process(u32),
    /// This process but the load generator's threads.
    InProcess,
    /// Not known.
    Unknown,
}

impl ServerCpu {
    /// Nanoseconds on CPU so far, summed over the server's threads (Linux; `None` elsewhere).
    fn nanos(self) -> Option<u64> {
        let (dir, own) = match self {
            Self::Process(pid) => (format!("/proc/{pid}/task"), false),
            Self::InProcess => ("/proc/self/task".to_owned(), true),
            Self::Unknown => return None,
        };
        let mut total = 0u64;
        for task in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = task.path();
            if own {
                let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
                let comm = comm.trim();
                if comm == CLIENT_THREAD || comm == PACER_THREAD || comm == "ecomatch" {
                    continue;
                }
            }
            let stat = std::fs::read_to_string(path.join("schedstat")).unwrap_or_default();
            total += stat
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
        }
        Some(total)
    }
}

fn start_server(opts: &Options) -> Result<SocketAddr, String> {
    let mut settings = demo(opts.data_dir.clone());
    settings.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    settings.fsync = opts.fsync;
    settings.limits = Limits {
        conn_rate: 10_000_000,
        conn_burst: 10_000_000,
        account_rate: 10_000_000,
        account_burst: 10_000_000,
        outbound_queue: 1 << 20,
        ..Limits::default()
    };
    if opts.shards > 1 {
        settings.shards = vec![vec![MARKETS[1].0.to_owned()]];
    }
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("serve".into())
        .spawn(move || {
            let fail = tx.clone();
            if let Err(e) = crate::server::serve(settings, move |a| {
                let _ = tx.send(Ok(a));
            }) {
                let _ = fail.send(Err(e.to_string()));
            }
        })
        .map_err(|e| e.to_string())?;
    rx.recv_timeout(Duration::from_secs(30))
        .map_err(|e| e.to_string())?
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn login(url: &str, account: &str) -> Result<Ws, String> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .map_err(|e| e.to_string())?;
    let key = format!("demo-{account}");
    call(&mut ws, json!({"op": "login", "api_key": key})).await?;
    Ok(ws)
}

/// Sends one request and waits for the message that answers it.
async fn call(ws: &mut Ws, mut v: Value) -> Result<Value, String> {
    v["req_id"] = "setup".into();
    ws.send(Message::Text(v.to_string().into()))
        .await
        .map_err(|e| e.to_string())?;
    while let Some(m) = ws.next().await {
        if let Ok(Message::Text(t)) = m {
            let r: Value = serde_json::from_str(t.as_str()).map_err(|e| e.to_string())?;
            if r["req_id"] == "setup" {
                return match r["type"].as_str() {
                    Some("reject") => Err(format!("setup refused: {r}")),
                    _ => Ok(r),
                };
            }
        }
    }
    Err("the server closed the connection".into())
}

/// Lots for the seller and cash for every buyer in every shard, enough for any sweep.
async fn fund(url: &str, shards: usize) -> Result<(), String> {
    let mut op = login(url, "operator").await?;
    for (instrument, _) in MARKETS {
        let issue = json!({"op": "issue", "account": SELLER, "instrument": instrument,
            "qty": "100000000"});
        call(&mut op, issue).await?;
    }
    for buyer in BUYERS {
        for shard in 0..shards {
            let deposit = json!({"op": "deposit", "account": buyer,
                "amount": "100000000000.00", "shard": shard});
            call(&mut op, deposit).await?;
        }
    }
    Ok(())
}

async fn step(url: &str, rate: u32, opts: &Options) -> Result<Step, String> {
    let sessions = opts.connections.max(2);
    let per_conn = f64::from(rate.max(1)) / sessions as f64;
    let interval = Duration::from_secs_f64(1.0 / per_conn);
    let count = (per_conn * opts.seconds as f64).ceil() as u64;
    let mut sockets = Vec::with_capacity(sessions);
    for index in 0..sessions {
        let account = if index % 2 == 0 {
            SELLER
        } else {
            BUYERS[(index / 2) % BUYERS.len()]
        };
        sockets.push(login(url, account).await?);
    }
    let start = Instant::now() + Duration::from_millis(100);
    let mut ticks = Vec::with_capacity(sessions);
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(index, ws)| {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            ticks.push(tx);
            let plan = Schedule {
                index: index as u64,
                sessions: sessions as u64,
                // Sessions are staggered evenly inside each interval, not sent in bursts.
                start: start + interval.mul_f64(index as f64 / sessions as f64),
                interval,
                count,
            };
            tokio::spawn(session(ws, rx, plan))
        })
        .collect();
    let tick = interval / u32::try_from(sessions).unwrap_or(1);
    std::thread::Builder::new()
        .name(PACER_THREAD.into())
        .spawn(move || pace(&ticks, start, tick, count))
        .map_err(|e| e.to_string())?;
    let mut all = histogram()?;
    let mut service = histogram()?;
    let (mut answered, mut refused, mut lost, mut last) = (0, 0, 0, start);
    for t in tasks {
        let r = t.await.map_err(|e| e.to_string())??;
        all.add(&r.latency).map_err(|e| e.to_string())?;
        service.add(&r.service).map_err(|e| e.to_string())?;
        answered += r.answered;
        refused += r.refused;
        lost += r.lost;
        last = last.max(r.last);
    }
    let elapsed = last.saturating_duration_since(start).as_secs_f64();
    Ok(Step {
        rate,
        answered,
        refused,
        lost,
        throughput: answered as f64 / elapsed.max(1e-9),
        latency_us: [0.5, 0.99, 0.999, 1.0].map(|q| all.value_at_quantile(q)),
        service_us: [0.5, 0.99, 0.999, 1.0].map(|q| service.value_at_quantile(q)),
        cpu_us: None,
    })
}

fn histogram() -> Result<Histogram<u64>, String> {
    Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|e| e.to_string())
}

/// Tells each session when its next request is due, from an OS thread: tokio's timer has
/// millisecond granularity, which would add up to a millisecond of client lateness to every
/// corrected latency; a thread's sleep is accurate to tens of µs.
fn pace(
    ticks: &[tokio::sync::mpsc::UnboundedSender<u64>],
    start: Instant,
    tick: Duration,
    count: u64,
) {
    let sessions = ticks.len() as u64;
    for j in 0..count * sessions {
        let due = start + tick.mul_f64(j as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let _ = ticks[(j % sessions) as usize].send(j / sessions);
    }
}

/// One session's schedule: request `k` is due at `start + k × interval`.
#[derive(Clone, Copy)]
struct Schedule {
    index: u64,
    sessions: u64,
    start: Instant,
    interval: Duration,
    count: u64,
}

impl Schedule {
    fn due(self, k: u64) -> Instant {
        self.start + self.interval.mul_f64(k as f64)
    }

    /// Unique over the sessions: an account's replies reach all of its sessions.
    fn req_id(self, k: u64) -> u64 {
        k * self.sessions + self.index
    }

    /// The request of this session a `req_id` answers, if any.
    fn request(self, req_id: u64) -> Option<u64> {
        let k = req_id / self.sessions;
        (req_id % self.sessions == self.index && k < self.count).then_some(k)
    }

    fn micros_since_start(self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.start).as_micros()).unwrap_or(u64::MAX)
    }
}

struct SessionResult {
    latency: Histogram<u64>,
    service: Histogram<u64>,
    answered: u64,
    refused: u64,
    lost: u64,
    last: Instant,
}

/// One session: a writer that sends each request when the pacer says it is due, and a reader
/// that times each first answer from the due time (and from the write).
async fn session(
    ws: Ws,
    ticks: tokio::sync::mpsc::UnboundedReceiver<u64>,
    plan: Schedule,
) -> Result<SessionResult, String> {
    let (tx, mut rx) = ws.split();
    // When each request was written, in µs after `start`, for the uncorrected figure.
    let sent: Arc<Vec<AtomicU64>> = Arc::new((0..plan.count).map(|_| AtomicU64::new(0)).collect());
    let writer = tokio::spawn(write(tx, ticks, plan, Arc::clone(&sent)));
    let mut seen = vec![false; usize::try_from(plan.count).unwrap_or(0)];
    let mut r = SessionResult {
        latency: histogram()?,
        service: histogram()?,
        answered: 0,
        refused: 0,
        lost: 0,
        last: plan.start,
    };
    let deadline = plan.due(plan.count) + Duration::from_secs(30);
    while r.answered < plan.count {
        let Ok(Some(Ok(m))) = tokio::time::timeout_at(deadline.into(), rx.next()).await else {
            break;
        };
        let Message::Text(text) = m else { continue };
        let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else {
            continue;
        };
        let Some(k) = v["req_id"].as_u64().and_then(|id| plan.request(id)) else {
            continue;
        };
        let slot = usize::try_from(k).unwrap_or(usize::MAX);
        if core::mem::replace(&mut seen[slot], true) {
            continue; // a later message of the same request (e.g. its fill)
        }
        let now = Instant::now();
        let due = plan.micros_since_start(plan.due(k));
        let at = plan.micros_since_start(now);
        r.latency.saturating_record(at.saturating_sub(due).max(1));
        let written = sent[slot].load(Ordering::Relaxed);
        r.service
            .saturating_record(at.saturating_sub(written).max(1));
        r.answered += 1;
        r.refused += u64::from(v["type"] == "reject");
        r.last = now;
    }
    // Unanswered requests count too, as the time until we gave up on them: leaving them out
    // would flatter exactly the steps where the server fell behind.
    let gave_up = plan.micros_since_start(Instant::now());
    for (k, _) in seen.iter().enumerate().filter(|(_, seen)| !**seen) {
        let due = plan.micros_since_start(plan.due(k as u64));
        r.latency
            .saturating_record(gave_up.saturating_sub(due).max(1));
        r.lost += 1;
    }
    let _ = writer.await;
    Ok(r)
}

type WsSink = futures_util::stream::SplitSink<Ws, Message>;

async fn write(
    mut tx: WsSink,
    mut ticks: tokio::sync::mpsc::UnboundedReceiver<u64>,
    plan: Schedule,
    sent: Arc<Vec<AtomicU64>>,
) -> WsSink {
    let index = usize::try_from(plan.index).unwrap_or(0);
    let (instrument, price) = MARKETS[(index / 2) % MARKETS.len()];
    let (side, tif) = if index % 2 == 0 {
        ("sell", "gtc")
    } else {
        ("buy", "ioc")
    };
    while let Some(k) = ticks.recv().await {
        let id = plan.req_id(k);
        let text = format!(
            r#"{{"op":"new_order","req_id":{id},"instrument":"{instrument}","side":"{side}","type":"limit","price":"{price}","qty":"1","tif":"{tif}"}}"#
        );
        let at = plan.micros_since_start(Instant::now());
        if let Some(slot) = sent.get(usize::try_from(k).unwrap_or(usize::MAX)) {
            slot.store(at, Ordering::Relaxed);
        }
        if tx.send(Message::Text(text.into())).await.is_err() {
            break;
        }
    }
    tx
}

/// The sweep as a Markdown table, for BENCHMARKS.md.
pub fn table(steps: &[Step]) -> String {
    let mut s = String::from(
        "| target req/s | answered | refused | lost | throughput req/s | p50 µs | p99 µs | p99.9 µs | max µs | uncorrected p50 / p99 / p99.9 µs | server CPU µs/req |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for st in steps {
        let [p50, p99, p999, max] = st.latency_us;
        let [s50, s99, s999, _] = st.service_us;
        let cpu = st
            .cpu_us
            .map_or_else(|| "n/a".to_owned(), |c| format!("{c:.1}"));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.0} | {p50} | {p99} | {p999} | {max} | {s50} / {s99} / {s999} | {cpu} |",
            st.rate, st.answered, st.refused, st.lost, st.throughput
        );
    }
    s
}
