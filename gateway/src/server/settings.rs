//! What `ecomatch serve` runs with: where it listens and logs, the market, the API keys and
//! the protection limits. The built-in demo needs none of it; a deployment writes a `[server]`
//! table into its market TOML (see docs/market.example.toml), which stays out of the log's
//! genesis so that keys can be rotated without touching the market.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ecomatch_replay::FsyncPolicy;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::config::{ConfigError, Source};
use crate::sequencer::Every;

pub use crate::protocol::hex;

/// The limits that protect the engine and the other sessions from one client.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Open connections at most; more are refused at accept.
    pub max_connections: usize,
    /// The largest WebSocket message and frame, in bytes.
    pub max_message_bytes: usize,
    /// Time allowed from accept to a complete HTTP request head, in ms.
    pub handshake_timeout_ms: u64,
    /// Time allowed to log in when anonymous access is off, in ms.
    pub login_timeout_ms: u64,
    /// Requests per second per connection (token bucket rate).
    pub conn_rate: u32,
    /// Token bucket size per connection.
    pub conn_burst: u32,
    /// Requests per second per account, over all its connections.
    pub account_rate: u32,
    /// Token bucket size per account.
    pub account_burst: u32,
    /// Refused (rate-limited) requests in a row after which the connection is closed.
    pub abuse_after: u32,
    /// Failed logins per client address per minute.
    pub login_failures_per_minute: u32,
    /// Subscriptions per connection.
    pub max_subscriptions: usize,
    /// Messages waiting to be written to one session; a session that falls further behind is
    /// disconnected as a slow consumer.
    pub outbound_queue: usize,
    /// Commands waiting for the core, per shard; beyond it requests are refused as busy.
    pub input_queue: usize,
    /// Ping interval, in ms; a connection silent for three intervals is closed.
    pub ping_interval_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 15_000,
            max_message_bytes: 64 * 1024,
            handshake_timeout_ms: 10_000,
            login_timeout_ms: 10_000,
            conn_rate: 200,
            conn_burst: 400,
            account_rate: 1_000,
            account_burst: 2_000,
            abuse_after: 2_000,
            login_failures_per_minute: 10,
            max_subscriptions: 64,
            outbound_queue: 16_384,
            input_queue: 65_536,
            ping_interval_ms: 20_000,
        }
    }
}

impl Limits {
    /// Checks every limit against the range the server can honour: zero or absurd values
    /// would refuse every client, or panic a timer or a queue, rather than protect anything.
    pub fn check(&self) -> Result<(), ConfigError> {
        let ranges: [(&str, u64, u64, u64); 14] = [
            ("max_connections", self.max_connections as u64, 1, 1 << 20),
            (
                "max_message_bytes",
                self.max_message_bytes as u64,
                1024,
                64 << 20,
            ),
            (
                "handshake_timeout_ms",
                self.handshake_timeout_ms,
                100,
                600_000,
            ),
            ("login_timeout_ms", self.login_timeout_ms, 100, 3_600_000),
            ("conn_rate", u64::from(self.conn_rate), 1, 1_000_000_000),
            ("conn_burst", u64::from(self.conn_burst), 1, 1_000_000_000),
            (
                "account_rate",
                u64::from(self.account_rate),
                1,
                1_000_000_000,
            ),
            (
                "account_burst",
                u64::from(self.account_burst),
                1,
                1_000_000_000,
            ),
            ("abuse_after", u64::from(self.abuse_after), 1, 1_000_000),
            (
                "login_failures_per_minute",
                u64::from(self.login_failures_per_minute),
                1,
                1_000_000,
            ),
            (
                "max_subscriptions",
                self.max_subscriptions as u64,
                1,
                65_536,
            ),
            ("outbound_queue", self.outbound_queue as u64, 16, 1 << 24),
            ("input_queue", self.input_queue as u64, 1, 1 << 24),
            ("ping_interval_ms", self.ping_interval_ms, 100, 3_600_000),
        ];
        for (name, value, lo, hi) in ranges {
            if !(lo..=hi).contains(&value) {
                return Err(ConfigError(format!(
                    "[server.limits] {name} = {value}: must be from {lo} to {hi}"
                )));
            }
        }
        Ok(())
    }

    /// The handshake timeout.
    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_millis(self.handshake_timeout_ms)
    }

    /// The login timeout.
    pub fn login_timeout(&self) -> Duration {
        Duration::from_millis(self.login_timeout_ms)
    }

    /// The ping interval.
    pub fn ping_interval(&self) -> Duration {
        Duration::from_millis(self.ping_interval_ms.max(1))
    }
}

/// Faults injected on purpose, to test that the server fails fast and visibly
/// (`ecomatch serve --inject-fault`, a hidden option for tests; never set in production).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InjectedFaults {
    /// Shard 0's core panics while applying the command with this sequence number.
    pub core_panic_at: Option<u64>,
    /// The publisher panics on its n-th batch of results.
    pub publisher_panic_at: Option<u64>,
    /// Failing writes and fsyncs of shard 0's log.
    pub log: Option<ecomatch_replay::fault::Faults>,
}

impl core::str::FromStr for InjectedFaults {
    type Err = String;

    /// A comma-separated list of `WHAT@N`: `core-panic`, `publisher-panic`,
    /// `log-write-error` (ENOSPC), `log-short-write` (half written, EIO), `log-fsync-error`
    /// (EIO); N counts commands, batches, writes or fsyncs from 1.
    fn from_str(spec: &str) -> Result<Self, String> {
        let mut f = Self::default();
        for item in spec.split(',').filter(|i| !i.is_empty()) {
            let (what, n) = item
                .split_once('@')
                .ok_or_else(|| format!("{item:?}: expected WHAT@N"))?;
            let n: u64 = n
                .parse()
                .map_err(|_| format!("{item:?}: N must be a number"))?;
            let log = f.log.take().unwrap_or_default();
            let log = match what {
                "core-panic" => {
                    f.core_panic_at = Some(n);
                    log
                }
                "publisher-panic" => {
                    f.publisher_panic_at = Some(n);
                    log
                }
                "log-write-error" => log.fail_write(n),
                "log-short-write" => log.short_write(n),
                "log-fsync-error" => log.fail_sync(n),
                other => return Err(format!("unknown fault {other:?}")),
            };
            f.log = log.any().then_some(log);
        }
        Ok(f)
    }
}

/// An API key as the configuration stores it: only its SHA-256.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    /// The account it logs in as.
    pub account: String,
    /// SHA-256 of the key.
    pub sha256: [u8; 32],
}

/// SHA-256 of an API key, as configurations store it.
pub fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Everything `ecomatch serve` needs.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The log directory (one sub-directory per shard).
    pub data_dir: PathBuf,
    /// The replicated log, `jetstream://host:port,.../MARKET`: one JetStream stream per shard
    /// instead of the local log under `data_dir`. `None`: the local log.
    pub log: Option<String>,
    /// A standby of the replicated log: it follows the primary's stream, serves market data
    /// and queries, and refuses commands (`NOT_PRIMARY`).
    pub standby: bool,
    /// The market (the log's genesis when the directory is new).
    pub market: Source,
    /// When the log is made durable.
    pub fsync: FsyncPolicy,
    /// Checkpoints and snapshots.
    pub every: Every,
    /// API keys, hashed.
    pub keys: Vec<ApiKey>,
    /// Whether connections that have not logged in may read public market data.
    pub anonymous_read: bool,
    /// Protection limits.
    pub limits: Limits,
    /// TLS certificate and key files (PEM), when TLS is on.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The instruments of shards 1, 2, ...; the home shard 0 trades every other instrument
    /// (and holds the opening cash). Empty: the market is one shard.
    pub shards: Vec<Vec<String>>,
    /// Faults injected by tests (none in production).
    pub faults: InjectedFaults,
}

/// The demo's API keys: `demo-` and the account name. Printed at start-up; never use the demo
/// configuration on a network anyone else can reach.
pub fn demo_keys() -> Vec<(String, String)> {
    let ex = ecomatch_exchange::demo::exchange();
    ex.ledger()
        .accounts()
        .map(|(_, a)| (a.name.clone(), format!("demo-{}", a.name)))
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerTable {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    log: Option<String>,
    #[serde(default)]
    anonymous_read: Option<bool>,
    #[serde(default)]
    limits: Limits,
    #[serde(default, rename = "api_key")]
    api_keys: Vec<KeyEntry>,
    #[serde(default)]
    shards: Vec<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    account: String,
    sha256: String,
}

/// The defaults shared by the demo and a configuration without a `[server]` table.
fn base(market: Source, data_dir: PathBuf) -> Settings {
    Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        data_dir,
        log: None,
        standby: false,
        market,
        fsync: FsyncPolicy::Always,
        every: Every {
            checkpoint: 1000,
            snapshot: 100_000,
        },
        keys: Vec::new(),
        anonymous_read: true,
        limits: Limits::default(),
        tls: None,
        shards: Vec::new(),
        faults: InjectedFaults::default(),
    }
}

/// The built-in demo: the demo market and its `demo-<account>` keys.
pub fn demo(data_dir: PathBuf) -> Settings {
    let mut s = base(Source::Demo, data_dir);
    s.keys = demo_keys()
        .into_iter()
        .map(|(account, key)| ApiKey {
            sha256: hash_key(&key),
            account,
        })
        .collect();
    s
}

/// A deployment's configuration: the market TOML with an optional `[server]` table, which is
/// taken out before the market becomes the log's genesis.
pub fn from_toml(text: &str, data_dir: Option<PathBuf>) -> Result<Settings, ConfigError> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
    let server = table.remove("server");
    let market_text = toml::to_string(&table).map_err(|e| ConfigError(e.to_string()))?;
    let market = Source::Toml(market_text);
    market.exchange()?; // validate the market now, with its own error messages
    let server: Option<ServerTable> = server
        .map(toml::Value::try_into)
        .transpose()
        .map_err(|e: toml::de::Error| ConfigError(format!("[server]: {e}")))?;
    let mut s = base(
        market,
        data_dir.clone().unwrap_or_else(|| "ecomatch-data".into()),
    );
    let Some(server) = server else {
        return Ok(s);
    };
    if let Some(listen) = server.listen {
        s.listen = listen
            .parse()
            .map_err(|e| ConfigError(format!("[server] listen {listen:?}: {e}")))?;
    }
    if let (None, Some(d)) = (data_dir, server.data_dir) {
        s.data_dir = d;
    }
    if let Some(log) = server.log {
        ecomatch_replica::Target::parse(&log, 0)
            .map_err(|e| ConfigError(format!("[server] log: {e}")))?;
        s.log = Some(log);
    }
    s.anonymous_read = server.anonymous_read.unwrap_or(true);
    server.limits.check()?;
    s.limits = server.limits;
    crate::source::cut(&s.market, &server.shards)
        .map_err(|e| ConfigError(format!("[server] {e}")))?;
    s.shards = server.shards;
    s.keys = server
        .api_keys
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let sha256 = parse_hex32(&k.sha256).ok_or_else(|| {
                ConfigError(format!(
                    "[[server.api_key]] #{}: sha256 must be 64 hex digits",
                    i + 1
                ))
            })?;
            Ok(ApiKey {
                account: k.account,
                sha256,
            })
        })
        .collect::<Result<_, ConfigError>>()?;
    let ex = s.market.exchange()?;
    if let Some(k) = s
        .keys
        .iter()
        .find(|k| ex.ledger().find(&k.account).is_none())
    {
        return Err(ConfigError(format!(
            "[[server.api_key]]: account {} does not exist",
            k.account
        )));
    }
    Ok(s)
}

fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_table_stays_out_of_the_market() {
        let market = include_str!("../../../docs/market.example.toml");
        let key = hex(&hash_key("s3cret"));
        let text = format!(
            "{market}\n[server]\nlisten = \"127.0.0.1:9001\"\nanonymous_read = false\n\
             [server.limits]\nconn_rate = 5\n[[server.api_key]]\naccount = \"zj-cement\"\nsha256 = \"{key}\"\n"
        );
        let s = from_toml(&text, None).expect("valid");
        assert_eq!(s.listen.port(), 9001);
        assert!(!s.anonymous_read);
        assert_eq!(s.limits.conn_rate, 5);
        assert_eq!(s.limits.conn_burst, Limits::default().conn_burst);
        assert_eq!(s.keys[0].sha256, hash_key("s3cret"));
        let Source::Toml(m) = &s.market else {
            panic!("toml market")
        };
        assert!(!m.contains("server"));
        assert_eq!(
            s.market.exchange().expect("market").state_hash(),
            Source::Demo.exchange().expect("demo").state_hash()
        );
    }

    #[test]
    fn shards_are_read_and_checked() {
        let market = include_str!("../../../docs/market.example.toml");
        let text = format!("{market}\n[server]\nshards = [[\"OJ-WR-2025\"], [\"KH-EC-2024\"]]\n");
        let s = from_toml(&text, None).expect("valid");
        assert_eq!(s.shards.len(), 2);
        let text = format!("{market}\n[server]\nshards = [[\"XX-1\"]]\n");
        let e = from_toml(&text, None).expect_err("unknown instrument");
        assert!(e.0.contains("XX-1"), "{e}");
    }

    #[test]
    fn limits_out_of_range_are_named() {
        let market = include_str!("../../../docs/market.example.toml");
        for (line, name) in [
            ("ping_interval_ms = 0", "ping_interval_ms = 0"),
            ("outbound_queue = 0", "outbound_queue = 0"),
            ("input_queue = 0", "input_queue = 0"),
            ("max_message_bytes = 10", "max_message_bytes = 10"),
            ("conn_burst = 0", "conn_burst = 0"),
            ("login_failures_per_minute = 0", "login_failures_per_minute"),
        ] {
            let text = format!("{market}\n[server.limits]\n{line}\n");
            let e = from_toml(&text, None).expect_err(line);
            assert!(e.0.contains(name), "{e}");
        }
        Limits::default()
            .check()
            .expect("the defaults are in range");
    }

    #[test]
    fn bad_keys_are_named() {
        let market = include_str!("../../../docs/market.example.toml");
        let text = format!(
            "{market}\n[[server.api_key]]\naccount = \"nobody\"\nsha256 = \"{}\"\n",
            "0".repeat(64)
        );
        let e = from_toml(&text, None).expect_err("unknown account");
        assert!(e.0.contains("nobody"), "{e}");
        let text =
            format!("{market}\n[[server.api_key]]\naccount = \"zj-cement\"\nsha256 = \"xyz\"\n");
        assert!(
            from_toml(&text, None)
                .expect_err("bad hex")
                .0
                .contains("64 hex")
        );
    }
}
