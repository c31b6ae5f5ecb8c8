//! `ecomatch serve`: the WebSocket server.
//!
//! ```text
//! sessions (tokio tasks) --try_send--> shard queue (crossbeam, bounded)
//!     -> core thread: sequence + time, log, apply, one commit per batch
//!     -> batch queue (crossbeam, bounded) -> publisher thread: JSON once, market views,
//!        checksums, routing -> each session's bounded outbox -> its writer task
//! ```
//!
//! The core thread owns the exchange and never awaits, locks or blocks on a session; the
//! publisher never waits on one either (a full outbox disconnects that session). A reply is
//! queued only after the commit that made its command durable, so "accepted" means durable
//! under the fsync policy, exactly as in `ecomatch script --log`.
//!
//! One port serves `/ws`, `/healthz`, `/metrics` (Prometheus) and `/` (the dashboard).

pub mod catalog;
pub mod core_thread;
pub mod fanout;
pub mod health;
pub mod history;
pub mod http;
pub mod limit;
pub mod market;
pub mod metrics;
pub mod publisher;
pub mod session;
pub mod settings;
pub mod tls;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use crossbeam_channel::Sender;
use ecomatch_engine::id::AccountId;
use ecomatch_exchange::opening::Opening;
use ecomatch_exchange::{Catalog, Exchange};
use ecomatch_risk::account::AccountKind;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::config::ConfigError;
use crate::protocol::{Request, ShardKey};
use crate::sequencer::{Sequencer, StartError};
use core_thread::{Core, Inbound};
use ecomatch_exchange::shard::IdSpace;
use limit::Bucket;
use metrics::Metrics;
use publisher::{Control, Publisher};
use session::Identity;
use settings::Settings;

/// The pages (the operator console at `/`, the participant's trading page at `/trade`), their
/// scripts and their style sheet: static files embedded in the binary, so the pages need no
/// build step and no file beside the binary. (path, content type, body).
const ASSETS: [(&str, &str, &str); 7] = [
    ("/", HTML, include_str!("../../assets/index.html")),
    ("/index.html", HTML, include_str!("../../assets/index.html")),
    ("/trade", HTML, include_str!("../../assets/trade.html")),
    ("/common.js", JS, include_str!("../../assets/common.js")),
    ("/app.js", JS, include_str!("../../assets/app.js")),
    ("/trade.js", JS, include_str!("../../assets/trade.js")),
    (
        "/style.css",
        "text/css; charset=utf-8",
        include_str!("../../assets/style.css"),
    ),
];
const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// Why the server could not start or stopped.
#[derive(Debug)]
pub enum ServeError {
    /// The log could not be opened or recovered.
    Start(StartError),
    /// The market configuration is invalid.
    Config(ConfigError),
    /// Binding or running the listener failed.
    Io(std::io::Error),
    /// The TLS certificate or key could not be loaded.
    Tls(String),
}

impl core::fmt::Display for ServeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Start(e) => write!(f, "log: {e}"),
            Self::Config(e) => write!(f, "config: {e}"),
            Self::Io(e) => write!(f, "listener: {e}"),
            Self::Tls(e) => write!(f, "tls: {e}"),
        }
    }
}

impl std::error::Error for ServeError {}

/// What every session shares.
pub struct Shared {
    /// The settings the server runs with.
    pub settings: Settings,
    /// The market's catalogue: names, ticks and lots, for converting requests at the edge.
    pub catalog: Arc<Catalog>,
    /// Display names in Chinese and English, for `get_directory` and `get_instruments`.
    pub directory: Arc<crate::directory::Directory>,
    keys: BTreeMap<[u8; 32], Identity>,
    /// The shards' input queues.
    pub shards: Vec<Sender<Inbound>>,
    /// The queue of requests every shard gets, one copy each (see [`forward_copies`]).
    pub fan_out: Sender<Vec<Inbound>>,
    /// The publisher's control queue.
    pub control: Sender<Control>,
    /// Counters and histograms.
    pub metrics: Arc<Metrics>,
    /// Per-account rate limits, over all of an account's sessions.
    pub account_buckets: Mutex<BTreeMap<AccountId, Bucket>>,
    login_failures: Mutex<BTreeMap<IpAddr, Bucket>>,
    /// The next session id.
    pub next_session: AtomicU64,
    /// The next token of a request that every shard gets.
    pub next_part: AtomicU64,
    /// Which shard trades each instrument.
    owner: BTreeMap<String, usize>,
    /// Whether every thread of the server is alive: `/healthz`, and what closes the sessions
    /// when one dies.
    pub health: Arc<health::Health>,
}

/// Where a request goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// To one shard.
    One(usize),
    /// A copy to every shard.
    Every,
}

impl Shared {
    /// The identity an API key logs in as.
    pub fn identify(&self, key: &str) -> Option<Identity> {
        self.keys.get(&settings::hash_key(key)).copied()
    }

    /// Whether a login from `ip` may be tried now.
    pub fn login_allowed(&self, ip: IpAddr) -> bool {
        let mut m = self
            .login_failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        m.get_mut(&ip).is_none_or(|b| b.has(Instant::now()))
    }

    /// Counts a failed login from `ip`.
    pub fn login_failed(&self, ip: IpAddr) {
        let now = Instant::now();
        let per_minute = self.settings.limits.login_failures_per_minute.max(1);
        let mut m = self
            .login_failures
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if m.len() > 100_000 {
            m.retain(|_, b| !b.has(now)); // forget addresses that are allowed again anyway
        }
        m.entry(ip)
            .or_insert_with(|| Bucket::per_minute(per_minute, now))
            .take(now);
    }

    /// Where a request goes. Whatever names no shard (an unknown instrument, a malformed id,
    /// a shard that does not exist) goes to the home shard, which refuses it with the usual
    /// code, so every refusal reads the same whatever the number of shards.
    pub fn route(&self, request: &Request) -> Route {
        let n = self.shards.len();
        let one = match request.shard_key() {
            ShardKey::Every if n > 1 => return Route::Every,
            ShardKey::Every => 0,
            ShardKey::Instrument(name) => self.owner.get(name).copied().unwrap_or(0),
            ShardKey::Id(s) => s.trim().parse::<u64>().map_or(0, |id| {
                IdSpace::shard_of(id, u32::try_from(n).unwrap_or(u32::MAX)) as usize
            }),
            ShardKey::Shard(k) => usize::try_from(k).ok().filter(|&k| k < n).unwrap_or(0),
        };
        Route::One(one)
    }
}

fn identities(settings: &Settings, catalog: &Catalog) -> BTreeMap<[u8; 32], Identity> {
    settings
        .keys
        .iter()
        .filter_map(|k| {
            let account = catalog.find(&k.account)?;
            let operator = catalog.party(account)?.kind == AccountKind::Operator;
            Some((k.sha256, Identity { account, operator }))
        })
        .collect()
}

/// Recovers the log, starts the core and publisher threads, and serves until the process is
/// stopped. `ready` is called with the bound address once connections are accepted.
pub fn serve(settings: Settings, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let tls = match &settings.tls {
        None => None,
        Some((cert, key)) => Some(tls::acceptor(cert, key).map_err(ServeError::Tls)?),
    };
    let sources =
        crate::source::cut(&settings.market, &settings.shards).map_err(ServeError::Config)?;
    check_shard_dirs(&settings.data_dir, sources.len())?;
    let sequencers = sources
        .iter()
        .enumerate()
        .map(|(k, source)| open_shard(&settings, k, source))
        .collect::<Result<Vec<_>, _>>()?;
    let catalog = one_market(&sequencers)?;
    let owner = sequencers
        .iter()
        .enumerate()
        .flat_map(|(k, d)| {
            let names: Vec<String> = d
                .exchange()
                .listings()
                .map(|l| l.instrument.spec().id.as_str().to_owned())
                .collect();
            names.into_iter().map(move |name| (name, k))
        })
        .collect();
    let metrics = Arc::new(Metrics::new(sequencers.len()));
    let health = Arc::new(health::Health::default());
    let limits = &settings.limits;
    let (batch_tx, batch_rx) = crossbeam_channel::bounded(1024);
    let (control_tx, control_rx) = crossbeam_channel::bounded(65_536);
    let states: Vec<&Exchange> = sequencers.iter().map(Sequencer::exchange).collect();
    let directory =
        Arc::new(crate::directory::Directory::of(&settings.market).map_err(ServeError::Config)?);
    let mut publisher = Publisher::new(
        Arc::clone(&catalog),
        Arc::clone(&directory),
        &states,
        Arc::clone(&metrics),
    );
    publisher.keep_alerts_in(&settings.data_dir);
    publisher.inject_panic_at(settings.faults.publisher_panic_at);
    spawn_thread("publisher", &health, move || {
        publisher.run(&batch_rx, &control_rx);
        Ok(())
    })?;
    warn_of_split_statuses(&sequencers);
    let shards = start_cores(
        sequencers,
        (limits.input_queue, settings.standby),
        &metrics,
        &batch_tx,
        &health,
    )?;
    let (fan_tx, fan_rx) = crossbeam_channel::bounded(1024);
    let queues = shards.clone();
    spawn_thread("fan-out", &health, move || {
        forward_copies(&fan_rx, &queues);
        Ok(())
    })?;
    let shared = Arc::new(Shared {
        keys: identities(&settings, &catalog),
        settings,
        catalog,
        directory,
        shards,
        fan_out: fan_tx,
        control: control_tx,
        metrics,
        account_buckets: Mutex::new(BTreeMap::new()),
        login_failures: Mutex::new(BTreeMap::new()),
        next_session: AtomicU64::new(1),
        next_part: AtomicU64::new(1),
        owner,
        health,
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("session")
        .build()
        .map_err(ServeError::Io)?;
    rt.block_on(async move {
        let listener = TcpListener::bind(shared.settings.listen).await?;
        ready(listener.local_addr()?);
        accept_loop(listener, shared, tls).await
    })
    .map_err(ServeError::Io)
}

/// The catalogue of the market every shard was cut from, once it is sure that they were all
/// cut from the same one.
fn one_market(sequencers: &[Sequencer]) -> Result<Arc<Catalog>, ServeError> {
    let first = sequencers[0]
        .genesis()
        .ok_or_else(|| ServeError::Config(ConfigError("shard 0 has no log".into())))?;
    for (k, d) in sequencers.iter().enumerate() {
        if d.genesis().is_none_or(|g| g.market != first.market) {
            return Err(ServeError::Config(ConfigError(format!(
                "shard {k} was written for another market than shard 0; every shard of a data \
                 directory must come from the same configuration"
            ))));
        }
    }
    // The whole market must be a valid one, not only each shard's part of it.
    let whole = Opening::whole(first.market, first.open);
    crate::source::opening_exchange(&whole).map_err(ServeError::Config)?;
    Ok(Arc::new(Catalog::of(&whole.market)))
}

/// Starts one core thread per shard; returns their input queues.
/// A log failure or a panic in a core ends the server (see [`health`]): nothing more could be
/// made durable, or the state is no longer known to be sound, so nothing more may be
/// acknowledged. A standby's cores follow the replicated log instead of sequencing commands.
fn start_cores(
    sequencers: Vec<Sequencer>,
    (queue, standby): (usize, bool),
    metrics: &Arc<Metrics>,
    batches: &Sender<core_thread::Batch>,
    health: &Arc<health::Health>,
) -> Result<Vec<Sender<Inbound>>, ServeError> {
    let mut shards = Vec::with_capacity(sequencers.len());
    for (k, sequencer) in sequencers.into_iter().enumerate() {
        let (shard_tx, shard_rx) = crossbeam_channel::bounded(queue.max(1));
        shards.push(shard_tx);
        let replicated = sequencer.is_replicated();
        let core = Core::new(k, sequencer, Arc::clone(metrics));
        let batch_tx = batches.clone();
        spawn_thread(&format!("core-{k}"), health, move || {
            if replicated {
                core.run_replicated(&shard_rx, &batch_tx, standby)
            } else {
                core.run(&shard_rx, &batch_tx)
            }
        })?;
    }
    Ok(shards)
}

/// Recovers (or creates) shard `k`'s log, and checks that it was written for this shard.
fn open_shard(settings: &Settings, k: usize, source: &Opening) -> Result<Sequencer, ServeError> {
    let dir = settings.data_dir.join(format!("shard-{k}"));
    let (mut sequencer, resumed) = if let Some(url) = &settings.log {
        let target = ecomatch_replica::Target::parse(url, k)
            .map_err(|e| ServeError::Config(ConfigError(e.to_string())))?;
        std::fs::create_dir_all(&dir).map_err(ServeError::Io)?;
        Sequencer::with_stream(&target, source, settings.every, Some(&dir))
            .map_err(ServeError::Start)?
    } else {
        std::fs::create_dir_all(&dir).map_err(ServeError::Io)?;
        Sequencer::with_log(&dir, source, settings.fsync, settings.every)
            .map_err(ServeError::Start)?
    };
    if k == 0 {
        sequencer.inject(settings.faults.core_panic_at, settings.faults.log.clone());
    }
    sequencer
        .snapshots_in_background(&format!("snapshots-{k}"))
        .map_err(ServeError::Io)?;
    tracing::info!(shard = k, dir = %dir.display(), commands = resumed.commands, from_snapshot = ?resumed.from_snapshot, truncated = ?resumed.truncated, "log recovered");
    let found = sequencer
        .genesis()
        .ok_or_else(|| ServeError::Config(ConfigError("a shard without a log".into())))?;
    let layout = |o: &Opening| {
        let names = if o.count > 1 {
            crate::source::instruments_of(o)
        } else {
            Vec::new()
        };
        (o.index, o.count, names)
    };
    if layout(&found) != layout(source) {
        let (i, n, names) = layout(&found);
        return Err(ServeError::Config(ConfigError(format!(
            "{}: this log was written as shard {i} of {n} ({}), but the configuration cuts the \
             market differently; start with the shards the log was written for, or a new data \
             directory",
            dir.display(),
            if names.is_empty() {
                "every instrument".to_owned()
            } else {
                names.join(", ")
            },
        ))));
    }
    Ok(sequencer)
}

/// Refuses a data directory whose shards do not add up: a log of a shard beyond `count` (its
/// orders and cash would vanish), or some shards with a log and others without (a shard
/// started afresh would reuse ids that clients already hold).
fn check_shard_dirs(data_dir: &std::path::Path, count: usize) -> Result<(), ServeError> {
    let has_log =
        |dir: &std::path::Path| ecomatch_replay::reader::segments(dir).is_ok_and(|s| !s.is_empty());
    let refuse = |what: String| Err(ServeError::Config(ConfigError(what)));
    let Ok(entries) = std::fs::read_dir(data_dir) else {
        return Ok(()); // a new data directory
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(k) = name.to_str().and_then(|n| n.strip_prefix("shard-")) else {
            continue;
        };
        if k.parse::<usize>().is_ok_and(|k| k >= count) && has_log(&entry.path()) {
            let path = entry.path();
            return refuse(format!(
                "{}: a log of shard {k}, but the configuration has {count} shard(s)",
                path.display()
            ));
        }
    }
    let logged: Vec<bool> = (0..count)
        .map(|k| has_log(&data_dir.join(format!("shard-{k}"))))
        .collect();
    if let (Some(with), Some(without)) = (
        logged.iter().position(|&l| l),
        logged.iter().position(|&l| !l),
    ) {
        return refuse(format!(
            "{}: shard {with} has a log but shard {without} has none; restore the missing \
             shard's log (a shard started afresh would reuse ids clients already hold)",
            data_dir.display()
        ));
    }
    Ok(())
}

/// Sends each request that every shard gets to every shard, from one thread and with a
/// blocking send: every shard then sees these requests in the same order (two operators'
/// `set_account_status` cannot end differently in two shards), and no copy is lost to a full
/// queue. Sessions hand requests over with `try_send`, so a full hand-off queue is `BUSY`.
fn forward_copies(rx: &crossbeam_channel::Receiver<Vec<Inbound>>, shards: &[Sender<Inbound>]) {
    for copies in rx {
        for inbound in copies {
            let k = inbound.part.map_or(0, |p| p.index as usize);
            if shards[k].send(inbound).is_err() {
                return; // shutting down
            }
        }
    }
}

/// Logs every account whose status differs between shards. Only a crash between the commits
/// of two shards' copies of one `kill` or `set_account_status` leaves that (the operator was
/// never told "done"); `get_account` shows each shard's status, and sending the command
/// again makes them agree.
fn warn_of_split_statuses(sequencers: &[Sequencer]) {
    let Some((first, rest)) = sequencers.split_first() else {
        return;
    };
    let ledger = first.exchange().ledger();
    for (id, account) in ledger.accounts() {
        for (k, d) in rest.iter().enumerate() {
            let other = d.exchange().ledger().account(id).map(|a| a.status).ok();
            if other != Some(account.status) {
                tracing::warn!(account = %account.name, shard = k + 1, "account status differs from shard 0's: send set_account_status or kill again");
            }
        }
    }
}

/// Starts one of the server's threads under [`health::guarded`]: if it panics or fails, the
/// server is marked failed, every session closed, and the process exits.
fn spawn_thread(
    name: &str,
    health: &Arc<health::Health>,
    f: impl FnOnce() -> Result<(), String> + Send + 'static,
) -> Result<(), ServeError> {
    let health = Arc::clone(health);
    let thread = name.to_owned();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || health::guarded(&thread, &health, true, f))
        .map(drop)
        .map_err(ServeError::Io)
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> std::io::Result<()> {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of descriptors and the like: back off instead of spinning.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let m = &shared.metrics;
        if m.connections.load(Ordering::Relaxed) >= shared.settings.limits.max_connections as u64 {
            m.connections_refused.fetch_add(1, Ordering::Relaxed);
            drop(tcp);
            continue;
        }
        m.connections.fetch_add(1, Ordering::Relaxed);
        m.connections_total.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::clone(&shared);
        let tls = tls.clone();
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            let timeout = shared.settings.limits.handshake_timeout();
            match tls {
                None => connection(tcp, peer, &shared).await,
                Some(tls) => {
                    if let Ok(Ok(stream)) = tokio::time::timeout(timeout, tls.accept(tcp)).await {
                        connection(stream, peer, &shared).await;
                    }
                }
            }
            shared.metrics.connections.fetch_sub(1, Ordering::Relaxed);
        });
    }
}

async fn connection<S>(mut stream: S, peer: SocketAddr, shared: &Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let timeout = shared.settings.limits.handshake_timeout();
    match tokio::time::timeout(timeout, http::read_head(&mut stream)).await {
        Ok(Ok(head)) => route(stream, head, peer, shared).await,
        Ok(Err(http::HeadError::TooLarge)) => {
            let body = b"request head over 8 KiB\n";
            let page = http::Page::text("431 Request Header Fields Too Large", body);
            let _ = http::respond(&mut stream, &page, false).await;
        }
        _ => {} // closed, malformed or too slow: dropped
    }
}

async fn route<S>(mut stream: S, head: http::Head, peer: SocketAddr, shared: &Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    if head.method == "GET" && head.path == "/ws" && head.is_upgrade() {
        return upgrade(stream, head, peer, shared).await;
    }
    let page = page(&head.path, shared);
    let page = match head.method.as_str() {
        "GET" | "HEAD" => page,
        _ if page.status.starts_with("404") => page,
        _ => http::Page::text("405 Method Not Allowed", b"GET or HEAD only\n"),
    };
    // HEAD answers as GET would, without the body (RFC 9110 §9.3.2).
    let _ = http::respond(&mut stream, &page, head.method == "HEAD").await;
}

/// What a GET of `path` answers.
fn page(path: &str, shared: &Shared) -> http::Page {
    use http::Page;
    match path {
        "/healthz" => match shared.health.failure() {
            None => Page::text("200 OK", b"ok\n"),
            Some(why) => Page::owned(
                "503 Service Unavailable",
                http::TEXT,
                format!("failing: {why}\n").into_bytes(),
            ),
        },
        "/metrics" => Page::owned(
            "200 OK",
            "text/plain; version=0.0.4; charset=utf-8",
            shared.metrics.render().into_bytes(),
        ),
        "/ws" => Page::text("426 Upgrade Required", b"use a WebSocket client\n"),
        path => ASSETS.iter().find(|(p, _, _)| *p == path).map_or_else(
            || Page::text("404 Not Found", b"not found\n"),
            |(_, kind, body)| Page::fixed(kind, body.as_bytes()),
        ),
    }
}

async fn upgrade<S>(mut stream: S, head: http::Head, peer: SocketAddr, shared: &Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    if !shared.health.is_up() {
        let body = b"the server is failing: try another\n";
        let page = http::Page::text("503 Service Unavailable", body);
        let _ = http::respond(&mut stream, &page, false).await;
        return;
    }
    let who = match head.bearer() {
        None => None,
        Some(key) => {
            if !shared.login_allowed(peer.ip()) {
                let page = http::Page::text("429 Too Many Requests", b"too many failed logins\n");
                let _ = http::respond(&mut stream, &page, false).await;
                return;
            }
            let Some(who) = shared.identify(key) else {
                shared.login_failed(peer.ip());
                let page = http::Page::text("401 Unauthorized", b"unknown API key\n");
                let _ = http::respond(&mut stream, &page, false).await;
                return;
            };
            Some(who)
        }
    };
    if let Err(why) = http::accept_upgrade(&mut stream, &head).await {
        let page = http::Page::owned("400 Bad Request", http::TEXT, why.as_bytes().to_vec());
        let _ = http::respond(&mut stream, &page, false).await;
        return;
    }
    let max = shared.settings.limits.max_message_bytes;
    // Frames gather in the write buffer until the session's writer flushes (once per
    // wake-up: see `session::write_loop`), so a request's reports leave in one `sendto`.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(64 << 10)
        .max_write_buffer_size(1 << 20)
        .max_message_size(Some(max))
        .max_frame_size(Some(max));
    let ws =
        WebSocketStream::from_partially_read(stream, head.rest, Role::Server, Some(config)).await;
    session::run(ws, Arc::clone(shared), peer, who).await;
}
