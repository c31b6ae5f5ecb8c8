//! The command log of ecomatch replicated on a NATS JetStream stream.
//!
//! A local log dies with its disk or its host. Here the log is a JetStream stream instead
//! (Raft-replicated over the NATS cluster, three replicas when there are three servers): its
//! first message is the genesis, every later message a sequenced command or a state-hash
//! checkpoint, in the order the core applied them. The core acknowledges a command only after
//! the stream's PubAck for it, so an acknowledged command survives the loss of the machine that
//! accepted it: any machine rebuilds the state by reading the stream from its start.
//!
//! Invariants:
//! - Only one writer extends a stream: every append carries `Nats-Expected-Last-Sequence`, the
//!   stream sequence this writer last saw. A writer that another has overtaken (a deposed
//!   primary) gets [`ReplicaError::Fenced`] on its next append and must stop at once.
//! - Messages are never rewritten; what a reader reads is what the writer applied, in order.
//! - The API is synchronous (the core thread is not async): a [`Stream`] owns a small tokio
//!   runtime of its own and blocks on it.
//!
//! ```no_run
//! use ecomatch_replica::{Kind, ReplicaError, Stream, Target};
//!
//! # fn main() -> Result<(), ReplicaError> {
//! let target = Target::parse("jetstream://127.0.0.1:4222/DEMO", 0)?;
//! let mut stream = Stream::open(&target)?;
//! if stream.last() == 0 {
//!     stream.append(&[(Kind::Genesis, b"the opening market".to_vec())])?;
//! }
//! stream.read(1, |seq, kind, payload| {
//!     println!("{seq}: {kind:?}, {} bytes", payload.len());
//!     Ok(())
//! })?;
//! # Ok(())
//! # }
//! ```

pub mod cluster;
mod lease;

pub use lease::LEASE_TTL;

use std::time::Duration;

use async_nats::jetstream::{self, consumer, context::PublishErrorKind, stream as js};
use futures_util::StreamExt;

/// Where a market's replicated log lives: the NATS servers and the stream of one shard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// NATS server addresses (`host:port`), any of which may answer.
    pub servers: Vec<String>,
    /// The stream: `ECOMATCH_<MARKET>_<SHARD>`.
    pub stream: String,
    /// Replicas of the stream: 3 when at least three servers are named, else 1.
    pub replicas: usize,
}

impl Target {
    /// Parses `jetstream://host:port[,host:port...][/MARKET]` for shard `shard`. The market
    /// name (letters, digits, `_`; `DEMO` when absent) names the stream.
    pub fn parse(url: &str, shard: usize) -> Result<Self, ReplicaError> {
        let bad = |why: &str| ReplicaError::Target(format!("{url}: {why}"));
        let rest = url
            .strip_prefix("jetstream://")
            .ok_or_else(|| bad("a JetStream log is named jetstream://host:port,.../MARKET"))?;
        let (hosts, market) = rest.split_once('/').unwrap_or((rest, "DEMO"));
        let market = if market.is_empty() { "DEMO" } else { market };
        if !market
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(bad("the market name may hold only letters, digits and _"));
        }
        let servers: Vec<String> = hosts
            .split(',')
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect();
        if servers.is_empty() {
            return Err(bad("no server named"));
        }
        Ok(Self {
            replicas: if servers.len() >= 3 { 3 } else { 1 },
            stream: format!("ECOMATCH_{}_{shard}", market.to_ascii_uppercase()),
            servers,
        })
    }

    fn subject(&self) -> String {
        format!("ecomatch.log.{}", self.stream)
    }
}

/// What a message of the stream holds (its first byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The opening market: the stream's first message, and only that one.
    Genesis,
    /// A sequenced command, in the exchange's wire encoding.
    Command,
    /// The state hash after the command before it.
    Checkpoint,
}

impl Kind {
    fn byte(self) -> u8 {
        match self {
            Self::Genesis => 1,
            Self::Command => 2,
            Self::Checkpoint => 3,
        }
    }

    fn of(b: u8) -> Option<Self> {
        match b {
            1 => Some(Self::Genesis),
            2 => Some(Self::Command),
            3 => Some(Self::Checkpoint),
            _ => None,
        }
    }
}

/// Why the replicated log failed. Each has a stable code ([`ReplicaError::code`]).
#[derive(Debug)]
pub enum ReplicaError {
    /// The log's address cannot be understood.
    Target(String),
    /// No NATS server answered, or the stream could not be created or found.
    Unavailable(String),
    /// Another writer extended the stream since this one last appended: this writer is no
    /// longer the primary and must not acknowledge anything more.
    Fenced {
        /// The stream sequence this writer expected to be the last.
        expected: u64,
    },
    /// An append was not acknowledged (timeout, lost connection): nothing after it may be
    /// acknowledged to clients.
    Append(String),
    /// A message could not be read, or is not a message of an ecomatch log.
    Read(String),
    /// This writer's lease on the stream expired and another took it (or it could not be
    /// renewed in time): it is no longer the primary.
    LeaseLost(String),
}

impl ReplicaError {
    /// A stable code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Target(_) => "REPLICA_TARGET",
            Self::Unavailable(_) => "REPLICA_UNAVAILABLE",
            Self::Fenced { .. } => "REPLICA_FENCED",
            Self::Append(_) => "REPLICA_APPEND",
            Self::Read(_) => "REPLICA_READ",
            Self::LeaseLost(_) => "REPLICA_LEASE_LOST",
        }
    }
}

impl core::fmt::Display for ReplicaError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Target(why) => write!(f, "bad JetStream log address: {why}"),
            Self::Unavailable(why) => write!(f, "the JetStream log is unavailable: {why}"),
            Self::Fenced { expected } => write!(
                f,
                "fenced: another primary extended the stream past sequence {expected}; this \
                 process is no longer the primary and stops accepting"
            ),
            Self::Append(why) => write!(f, "a JetStream append was not acknowledged: {why}"),
            Self::Read(why) => write!(f, "the JetStream log cannot be read: {why}"),
            Self::LeaseLost(why) => write!(
                f,
                "the lease on the stream is lost ({why}); this process is no longer the \
                 primary and stops accepting"
            ),
        }
    }
}

impl std::error::Error for ReplicaError {}

/// How long the cluster may take to elect its leaders when the stream is first opened.
const OPEN_PATIENCE: Duration = Duration::from_secs(20);
/// How long one attempt of an append waits for its acknowledgements before it is sent again
/// (a publish to a server that just died is never acknowledged: it must be resent soon).
const ACK_TIMEOUT: Duration = Duration::from_secs(2);

/// A failed read: worth retrying (the cluster is electing, a connection dropped), or not.
enum Retry {
    Transport(ReplicaError),
    Content(ReplicaError),
}

/// One shard's replicated log, opened for reading and appending.
pub struct Stream {
    rt: tokio::runtime::Runtime,
    js: jetstream::Context,
    handle: js::Stream,
    subject: String,
    name: String,
    last: u64,
    /// This writer's id (process and start time): message ids are `<writer>-<sequence>`, so
    /// that a message of one writer never stands for another's.
    writer: String,
    /// The lease bucket, once opened.
    bucket: Option<async_nats::jetstream::kv::Store>,
    /// The lease this writer holds, renewed in the background.
    renewal: Option<lease::Renewal>,
    /// The ordered consumer of the last read and the sequence it delivers next.
    follower: Option<(u64, consumer::pull::Ordered)>,
    replicas: usize,
    servers: Vec<String>,
}

impl core::fmt::Debug for Stream {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Stream")
            .field("name", &self.name)
            .field("last", &self.last)
            .finish_non_exhaustive()
    }
}

impl Stream {
    /// Connects to the servers and opens the target's stream, creating it (empty) if it does
    /// not exist. Retries for a while: a cluster that has just started elects its leaders.
    pub fn open(t: &Target) -> Result<Self, ReplicaError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ReplicaError::Unavailable(e.to_string()))?;
        let subject = t.subject();
        let config = js::Config {
            name: t.stream.clone(),
            subjects: vec![subject.clone()],
            num_replicas: t.replicas,
            storage: js::StorageType::File,
            ..Default::default()
        };
        let (js, stream) = rt.block_on(async {
            let client = async_nats::ConnectOptions::new()
                .connection_timeout(Duration::from_secs(5))
                .retry_on_initial_connect()
                .connect(t.servers.clone())
                .await
                .map_err(|e| ReplicaError::Unavailable(e.to_string()))?;
            let mut js = jetstream::new(client);
            js.set_timeout(ACK_TIMEOUT);
            let deadline = tokio::time::Instant::now() + OPEN_PATIENCE;
            loop {
                match js.get_or_create_stream(config.clone()).await {
                    Ok(s) => return Ok((js, s)),
                    Err(_) if tokio::time::Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                    Err(e) => return Err(ReplicaError::Unavailable(e.to_string())),
                }
            }
        })?;
        let mut s = Self {
            rt,
            js,
            handle: stream,
            subject,
            name: t.stream.clone(),
            last: 0,
            bucket: None,
            renewal: None,
            follower: None,
            replicas: t.replicas,
            servers: t.servers.clone(),
            writer: format!(
                "{:x}{:x}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            ),
        };
        let deadline = std::time::Instant::now() + OPEN_PATIENCE;
        s.last = loop {
            match s.last_in_stream() {
                Ok(last) => break last,
                Err(_) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(250));
                }
                Err(e) => return Err(e),
            }
        };
        Ok(s)
    }

    /// Takes the stream's lease if it is free (nobody holds it, or its holder let it
    /// expire): true when this writer now holds it, renewed from then on by a thread of its
    /// own (see [`Stream::lease_lost`]).
    pub fn try_lead(&mut self) -> Result<bool, ReplicaError> {
        let (js, replicas, writer, key) = (&self.js, self.replicas, &self.writer, &self.name);
        let bucket = &mut self.bucket;
        let revision = self.rt.block_on(async {
            if bucket.is_none() {
                *bucket = Some(lease::bucket(js, replicas).await?);
            }
            match bucket {
                Some(store) => lease::take(store, key, writer).await,
                None => Ok(None),
            }
        })?;
        let Some(revision) = revision else {
            return Ok(false);
        };
        let renewal = lease::Renewal::start(
            self.servers.clone(),
            self.name.clone(),
            self.writer.clone(),
            revision,
        )
        .map_err(|e| ReplicaError::Unavailable(e.to_string()))?;
        self.renewal = Some(renewal);
        Ok(true)
    }

    /// Why this writer could not keep the lease it took, once that happened: it is no longer
    /// the primary. (`None` too while it never held one.)
    pub fn lease_lost(&self) -> Option<ReplicaError> {
        let why = self.renewal.as_ref()?.lost()?;
        Some(ReplicaError::LeaseLost(why.to_owned()))
    }

    /// The stream's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The sequence of the last message this writer appended or read (0: none).
    pub fn last(&self) -> u64 {
        self.last
    }

    /// The sequence of the stream's last message as the cluster sees it now.
    pub fn last_in_stream(&mut self) -> Result<u64, ReplicaError> {
        let stream = &mut self.handle;
        self.rt.block_on(async {
            stream
                .info()
                .await
                .map(|i| i.state.last_sequence)
                .map_err(|e| ReplicaError::Read(e.to_string()))
        })
    }

    /// The name of the NATS server that leads the stream's Raft group now (for operators and
    /// tests: which server's loss makes the stream elect).
    pub fn leader(&mut self) -> Result<Option<String>, ReplicaError> {
        let stream = &mut self.handle;
        self.rt.block_on(async {
            stream
                .info()
                .await
                .map(|i| i.cluster.as_ref().and_then(|c| c.leader.clone()))
                .map_err(|e| ReplicaError::Read(e.to_string()))
        })
    }

    /// Reads every message from sequence `from` to the stream's end as of now, in order, and
    /// returns the last sequence read (`from - 1` when there was nothing). Afterwards this
    /// writer's appends continue after that message.
    pub fn read(
        &mut self,
        from: u64,
        mut f: impl FnMut(u64, Kind, &[u8]) -> Result<(), String>,
    ) -> Result<u64, ReplicaError> {
        // A read during a leader election times out: it resumes where it stopped, so the
        // callback sees every message once.
        let deadline = std::time::Instant::now() + OPEN_PATIENCE;
        let mut next = from.max(1);
        loop {
            let attempt = self
                .last_in_stream()
                .map_err(Retry::Transport)
                .and_then(|end| self.read_to(&mut next, end, &mut f).map(|()| end));
            match attempt {
                Ok(end) => {
                    self.last = end.max(next - 1);
                    return Ok(self.last);
                }
                Err(Retry::Transport(_)) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(250));
                }
                Err(Retry::Transport(e) | Retry::Content(e)) => return Err(e),
            }
        }
    }

    /// Reads messages `*next..=end`, advancing `*next` past each one handed to `f`.
    fn read_to(
        &mut self,
        next: &mut u64,
        end: u64,
        f: &mut impl FnMut(u64, Kind, &[u8]) -> Result<(), String>,
    ) -> Result<(), Retry> {
        if end < *next {
            return Ok(());
        }
        let stream = &self.handle;
        // The consumer of the last read, when this one starts where it stopped: a standby
        // reads every 50 ms, and a consumer per read would leave hundreds of idle ones on the
        // servers (they linger 30 s).
        let kept = self.follower.take().filter(|(at, _)| *at == *next);
        let transport =
            |e: &dyn core::fmt::Display| Retry::Transport(ReplicaError::Read(e.to_string()));
        let content = |why: String| Retry::Content(ReplicaError::Read(why));
        let messages = self.rt.block_on(async {
            let mut messages = match kept {
                Some((_, m)) => m,
                None => stream
                    .create_consumer(consumer::pull::OrderedConfig {
                        deliver_policy: consumer::DeliverPolicy::ByStartSequence {
                            start_sequence: *next,
                        },
                        ..Default::default()
                    })
                    .await
                    .map_err(|e| transport(&e))?
                    .messages()
                    .await
                    .map_err(|e| transport(&e))?,
            };
            while *next <= end {
                let m = tokio::time::timeout(ACK_TIMEOUT, messages.next())
                    .await
                    .map_err(|e| transport(&e))?
                    .ok_or_else(|| transport(&"the stream ended early"))?
                    .map_err(|e| transport(&e))?;
                let seq = m.info().map_err(|e| transport(&e))?.stream_sequence;
                if seq != *next {
                    return Err(content(format!("message {seq} where {next} was expected")));
                }
                let (&first, payload) = m
                    .payload
                    .split_first()
                    .ok_or_else(|| content(format!("message {seq} is empty")))?;
                let kind = Kind::of(first)
                    .ok_or_else(|| content(format!("message {seq} is not an ecomatch record")))?;
                f(seq, kind, payload).map_err(|why| content(format!("{seq}: {why}")))?;
                *next += 1;
            }
            Ok(messages)
        })?;
        self.follower = Some((*next, messages));
        Ok(())
    }

    /// One message: its kind and payload.
    pub fn get(&mut self, seq: u64) -> Result<(Kind, Vec<u8>), ReplicaError> {
        let stream = &self.handle;
        let m = self
            .rt
            .block_on(stream.get_raw_message(seq))
            .map_err(|e| ReplicaError::Read(e.to_string()))?;
        let (&first, payload) = m
            .payload
            .split_first()
            .ok_or_else(|| ReplicaError::Read(format!("message {seq} is empty")))?;
        let kind = Kind::of(first).ok_or_else(|| {
            ReplicaError::Read(format!("message {seq} is not an ecomatch record"))
        })?;
        Ok((kind, payload.to_vec()))
    }

    /// Appends records after this writer's last message and waits until the cluster has
    /// acknowledged every one of them (a quorum of replicas holds them). Each carries the
    /// sequence it must follow, so if anyone else appended since, nothing more of this batch
    /// is stored and the answer is [`ReplicaError::Fenced`]. An append that times out (the
    /// stream is electing a leader) is sent again with the same message ids, which the stream
    /// de-duplicates, until it is acknowledged or the patience runs out.
    pub fn append(&mut self, records: &[(Kind, Vec<u8>)]) -> Result<(), ReplicaError> {
        // A writer reads no more: let the servers drop the consumer of its last read.
        self.follower = None;
        let deadline = std::time::Instant::now() + OPEN_PATIENCE;
        let first = self.last;
        loop {
            let done = (self.last - first) as usize;
            match self.try_append(&records[done..]) {
                Ok(()) => return Ok(()),
                Err(ReplicaError::Append(_)) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// One attempt: publishes every record (pipelined), then takes their acknowledgements in
    /// order, advancing `self.last` past each.
    fn try_append(&mut self, records: &[(Kind, Vec<u8>)]) -> Result<(), ReplicaError> {
        if records.is_empty() {
            return Ok(());
        }
        let (js, subject, first, writer) = (&self.js, &self.subject, self.last, &self.writer);
        let last = &mut self.last;
        self.rt.block_on(async {
            let mut acks = Vec::with_capacity(records.len());
            for (i, (kind, payload)) in records.iter().enumerate() {
                let mut body = Vec::with_capacity(payload.len() + 1);
                body.push(kind.byte());
                body.extend_from_slice(payload);
                let seq = first + i as u64 + 1;
                let mut message = jetstream::message::PublishMessage::build()
                    .payload(body.into())
                    .message_id(format!("{writer}-{seq}"))
                    .expected_last_sequence(seq - 1);
                if i > 0 {
                    // Pipelined: if an earlier message of the batch was refused, this one
                    // must be too, even where its sequence would fit after another writer's.
                    message = message.expected_last_message_id(format!("{writer}-{}", seq - 1));
                }
                let ack = js
                    .send_publish(subject.clone(), message)
                    .await
                    .map_err(|e| publish_error(seq - 1, &e))?;
                acks.push(ack);
            }
            for ack in acks {
                let ack = ack.await.map_err(|e| publish_error(*last, &e))?;
                if ack.sequence != *last + 1 {
                    return Err(ReplicaError::Fenced { expected: *last });
                }
                *last = ack.sequence;
            }
            Ok(())
        })
    }
}

fn publish_error(expected: u64, e: &jetstream::context::PublishError) -> ReplicaError {
    match e.kind() {
        PublishErrorKind::WrongLastSequence | PublishErrorKind::WrongLastMessageId => {
            ReplicaError::Fenced { expected }
        }
        _ => ReplicaError::Append(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_a_stream_per_market_and_shard() -> Result<(), ReplicaError> {
        let t = Target::parse("jetstream://a:4222,b:4222,c:4222/lishui", 2)?;
        assert_eq!(t.servers, ["a:4222", "b:4222", "c:4222"]);
        assert_eq!(t.stream, "ECOMATCH_LISHUI_2");
        assert_eq!(t.replicas, 3);
        let t = Target::parse("jetstream://127.0.0.1:4222", 0)?;
        assert_eq!((t.stream.as_str(), t.replicas), ("ECOMATCH_DEMO_0", 1));
        for bad in ["nats://a:1", "jetstream://", "jetstream://a:1/LI-SHUI"] {
            let e = Target::parse(bad, 0).unwrap_err();
            assert_eq!(e.code(), "REPLICA_TARGET", "{bad}");
        }
        Ok(())
    }

    #[test]
    fn kinds_round_trip_through_their_byte() {
        for k in [Kind::Genesis, Kind::Command, Kind::Checkpoint] {
            assert_eq!(Kind::of(k.byte()), Some(k));
        }
        assert_eq!(Kind::of(0), None);
    }
}
