//! `/metrics`: counters and latency histograms in the Prometheus text format.
//!
//! The core and publisher threads record latencies in their own `hdrhistogram`s and hand a
//! copy over with `try_lock` at most every few hundred milliseconds, so that a scrape can
//! never make them wait.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// Latencies are recorded in microseconds, up to a minute.
const MAX_MICROS: u64 = 60_000_000;

/// A histogram a single thread records into and now and then publishes for scrapes.
pub struct Recorder {
    local: Histogram<u64>,
    last_publish: Instant,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self {
            local: new_histogram(),
            last_publish: Instant::now(),
        }
    }

    /// Records one latency.
    pub fn record(&mut self, d: Duration) {
        let us = u64::try_from(d.as_micros())
            .unwrap_or(MAX_MICROS)
            .clamp(1, MAX_MICROS);
        self.local.saturating_record(us);
    }

    /// Hands the histogram to `shared` if it is free and a while has passed; never waits.
    pub fn publish(&mut self, shared: &Mutex<Histogram<u64>>) {
        if self.last_publish.elapsed() < Duration::from_millis(250) {
            return;
        }
        if let Ok(mut h) = shared.try_lock() {
            h.clone_from(&self.local);
            self.last_publish = Instant::now();
        }
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("valid histogram bounds")
}

/// What `/metrics` shows of one shard.
pub struct ShardMetrics {
    /// Commands waiting for the shard's core.
    pub input_depth: AtomicU64,
    /// Time to make a batch of commands durable, µs: write and fsync, or the replicated
    /// log's append until its PubAck.
    pub fsync: Mutex<Histogram<u64>>,
    /// On a replicated log: 1 while a standby, 2 while the primary (it holds the lease); 0 on
    /// a local log.
    pub role: AtomicU64,
    /// A standby's distance behind the primary: the commands it applied at its last look at
    /// the stream (0 when it was caught up).
    pub replica_lag: AtomicU64,
}

/// [`ShardMetrics::role`] of a standby.
pub const ROLE_STANDBY: u64 = 1;
/// [`ShardMetrics::role`] of the primary of a replicated log.
pub const ROLE_PRIMARY: u64 = 2;

/// Everything `/metrics` shows.
pub struct Metrics {
    /// Open connections.
    pub connections: AtomicU64,
    /// Connections accepted since start.
    pub connections_total: AtomicU64,
    /// Connections refused at the connection cap.
    pub connections_refused: AtomicU64,
    /// Sessions disconnected for not reading their messages.
    pub slow_consumers: AtomicU64,
    /// Per shard: its input queue and its log commits.
    pub shards: Vec<ShardMetrics>,
    /// Batches waiting for the publisher.
    pub publish_depth: AtomicU64,
    commands: Mutex<BTreeMap<&'static str, u64>>,
    rejects: Mutex<BTreeMap<&'static str, u64>>,
    /// Time from a request's arrival to its acknowledgement being queued to the session, µs.
    pub ack: Mutex<Histogram<u64>>,
}

impl Metrics {
    /// All zero.
    pub fn new(shards: usize) -> Self {
        Self {
            shards: (0..shards.max(1))
                .map(|_| ShardMetrics {
                    input_depth: AtomicU64::new(0),
                    fsync: Mutex::new(new_histogram()),
                    role: AtomicU64::new(0),
                    replica_lag: AtomicU64::new(0),
                })
                .collect(),
            connections: AtomicU64::new(0),
            connections_total: AtomicU64::new(0),
            connections_refused: AtomicU64::new(0),
            slow_consumers: AtomicU64::new(0),
            publish_depth: AtomicU64::new(0),
            commands: Mutex::new(BTreeMap::new()),
            rejects: Mutex::new(BTreeMap::new()),
            ack: Mutex::new(new_histogram()),
        }
    }

    /// Counts a request by its `op`.
    pub fn command(&self, op: &'static str) {
        bump(&self.commands, op);
    }

    /// Counts a refusal by its code.
    pub fn reject(&self, code: &'static str) {
        bump(&self.rejects, code);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let gauges = [
            (
                "ecomatch_connections",
                "Open connections.",
                &self.connections,
            ),
            (
                "ecomatch_publish_queue_depth",
                "Batches waiting for the publisher.",
                &self.publish_depth,
            ),
        ];
        for (name, help, v) in gauges {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        let name = "ecomatch_input_queue_depth";
        let _ = writeln!(
            s,
            "# HELP {name} Commands waiting for a shard's core.\n# TYPE {name} gauge"
        );
        for (k, m) in self.shards.iter().enumerate() {
            let v = m.input_depth.load(Ordering::Relaxed);
            let _ = writeln!(s, "{name}{{shard=\"{k}\"}} {v}");
        }
        let counters = [
            (
                "ecomatch_connections_total",
                "Connections accepted.",
                &self.connections_total,
            ),
            (
                "ecomatch_connections_refused_total",
                "Connections refused at the cap.",
                &self.connections_refused,
            ),
            (
                "ecomatch_slow_consumers_total",
                "Sessions disconnected as slow consumers.",
                &self.slow_consumers,
            ),
        ];
        for (name, help, v) in counters {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        labelled(
            &mut s,
            "ecomatch_commands_total",
            "Requests by op.",
            "op",
            &self.commands,
        );
        labelled(
            &mut s,
            "ecomatch_rejects_total",
            "Refusals by code.",
            "code",
            &self.rejects,
        );
        self.replica_gauges(&mut s);
        let name = "ecomatch_fsync_latency_seconds";
        let _ = writeln!(
            s,
            "# HELP {name} Log commit per batch, per shard: write + fsync, or the replicated \
             log's append until its PubAck.\n# TYPE {name} summary"
        );
        for (k, m) in self.shards.iter().enumerate() {
            summary(&mut s, name, &format!("shard=\"{k}\","), &m.fsync);
        }
        let name = "ecomatch_ack_latency_seconds";
        let _ = writeln!(
            s,
            "# HELP {name} Request arrival to acknowledgement queued.\n# TYPE {name} summary"
        );
        summary(&mut s, name, "", &self.ack);
        s
    }
}

impl Metrics {
    /// The replicated log's gauges, per shard: role and lag.
    fn replica_gauges(&self, s: &mut String) {
        let name = "ecomatch_replica_role";
        let _ = writeln!(
            s,
            "# HELP {name} 0: local log; 1: standby of a replicated log; 2: its primary (holds \
             the lease).\n# TYPE {name} gauge"
        );
        for (k, m) in self.shards.iter().enumerate() {
            let _ = writeln!(
                s,
                "{name}{{shard=\"{k}\"}} {}",
                m.role.load(Ordering::Relaxed)
            );
        }
        let name = "ecomatch_replica_lag_commands";
        let _ = writeln!(
            s,
            "# HELP {name} Commands a standby applied at its last look at the stream (0: caught \
             up).\n# TYPE {name} gauge"
        );
        for (k, m) in self.shards.iter().enumerate() {
            let v = m.replica_lag.load(Ordering::Relaxed);
            let _ = writeln!(s, "{name}{{shard=\"{k}\"}} {v}");
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new(1)
    }
}

fn bump(map: &Mutex<BTreeMap<&'static str, u64>>, key: &'static str) {
    if let Ok(mut m) = map.lock() {
        *m.entry(key).or_insert(0) += 1;
    }
}

fn labelled(
    s: &mut String,
    name: &str,
    help: &str,
    label: &str,
    map: &Mutex<BTreeMap<&'static str, u64>>,
) {
    let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} counter");
    if let Ok(m) = map.lock() {
        for (k, v) in m.iter() {
            let _ = writeln!(s, "{name}{{{label}=\"{k}\"}} {v}");
        }
    }
}

#[allow(clippy::cast_precision_loss)] // seconds for display; the histogram keeps the integers
/// One summary's samples; `labels` is empty or ends with a comma (`shard="0",`).
fn summary(s: &mut String, name: &str, labels: &str, h: &Mutex<Histogram<u64>>) {
    let Ok(h) = h.lock() else { return };
    for q in [0.5, 0.9, 0.99, 0.999] {
        let v = h.value_at_quantile(q) as f64 / 1e6;
        let _ = writeln!(s, "{name}{{{labels}quantile=\"{q}\"}} {v}");
    }
    let sum = h.mean() * h.len() as f64 / 1e6;
    let own = labels.trim_end_matches(',');
    let braces = if own.is_empty() {
        String::new()
    } else {
        format!("{{{own}}}")
    };
    let _ = writeln!(
        s,
        "{name}_sum{braces} {sum}\n{name}_count{braces} {}",
        h.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_quantiles() {
        let m = Metrics::new(2);
        m.command("new_order");
        m.command("new_order");
        m.reject("RATE_LIMITED");
        let mut r = Recorder::new();
        r.record(Duration::from_micros(100));
        r.last_publish = Instant::now()
            .checked_sub(Duration::from_secs(1))
            .expect("past");
        r.publish(&m.ack);
        let text = m.render();
        assert!(
            text.contains("ecomatch_commands_total{op=\"new_order\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("ecomatch_rejects_total{code=\"RATE_LIMITED\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("ecomatch_ack_latency_seconds_count 1"),
            "{text}"
        );
        assert!(
            text.contains("ecomatch_ack_latency_seconds{quantile=\"0.5\"} 0.0001"),
            "{text}"
        );
        assert!(
            text.contains("ecomatch_fsync_latency_seconds_count{shard=\"1\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("ecomatch_input_queue_depth{shard=\"1\"} 0"),
            "{text}"
        );
    }
}
