//! A shard's core thread: the sequencer and the exchange of its instruments.
//!
//! It takes commands from a bounded lock-free queue, gives each the next sequence number and
//! the time (the only clock reading in the pipeline: the time is part of the logged command, so
//! a replay sees the same one), logs and applies them, and when the queue is empty (or a batch
//! is full) makes the whole batch durable with one commit before handing its outputs to the
//! publisher. Nothing here waits on a session: sessions only ever see the two queues.

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Receiver, Sender};
use ecomatch_engine::id::{AccountId, InstrumentId, Timestamp};
use ecomatch_exchange::{Command, Output};

use super::metrics::{Metrics, Recorder};
use crate::protocol::{Answer, Draft, EdgeError, ReqId};
use crate::sequencer::{Sequencer, Submitted};

/// The most commands made durable by one commit.
const MAX_BATCH: usize = 1024;

/// How often a standby looks for what the primary appended to the stream.
const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// How often a primary renews its lease on the replicated log, and a standby tries to take a
/// free one: three times per lease.
const LEASE_EVERY: std::time::Duration = match ecomatch_replica::LEASE_TTL.checked_div(3) {
    Some(third) => third,
    None => ecomatch_replica::LEASE_TTL,
};

/// A session's identity inside the server.
pub type SessionId = u64;

/// The session of no one: a standby's items for the commands it follows (session ids start
/// at 1).
pub const NO_SESSION: SessionId = 0;

/// What a session asks of the core.
#[derive(Clone, Debug)]
pub enum Work {
    /// A request, converted at the edge.
    Draft(Draft),
    /// A request the edge refused: it passes through the core only to keep its place among
    /// the session's replies, and changes nothing.
    Refused(EdgeError),
    /// The session closed with cancel-on-disconnect: cancel every open order of the account
    /// (each cancel is its own logged command, so a replay does the same).
    CancelAll,
}

/// One of the copies of a request that every shard applies (an account's status, the kill
/// switch, `get_account`): the publisher answers once all of them are durable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    /// The same for every copy of one request.
    pub token: u64,
    /// This copy's shard.
    pub index: u32,
    /// How many copies there are.
    pub of: u32,
}

/// A request on its way to the core.
#[derive(Debug)]
pub struct Inbound {
    /// The session it came from.
    pub session: SessionId,
    /// The logged-in account.
    pub actor: AccountId,
    /// Echoed on the direct reply.
    pub req_id: Option<ReqId>,
    /// The work.
    pub work: Work,
    /// When the session read it, for the acknowledgement latency.
    pub received: Instant,
    /// Which copy this is, when every shard gets one.
    pub part: Option<Part>,
}

/// What became of one request.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// Applied: its outputs are `Batch::outputs[range]`.
    Applied {
        /// The instrument it was about.
        context: Option<InstrumentId>,
        /// Where its outputs are.
        range: Range<usize>,
    },
    /// A query's answer.
    Answer(Answer),
    /// Refused before it reached the exchange.
    Rejected(EdgeError),
}

/// One request's result, for the publisher.
#[derive(Clone, Debug)]
pub struct Item {
    /// The session to answer.
    pub session: SessionId,
    /// The account it acted for.
    pub actor: AccountId,
    /// Echoed on the direct reply.
    pub req_id: Option<ReqId>,
    /// When the session read it.
    pub received: Instant,
    /// The time the core gave the command (surveillance dates its alerts with it, never a clock).
    pub time: Timestamp,
    /// The result.
    pub outcome: Outcome,
    /// Which copy this is, when every shard got one.
    pub part: Option<Part>,
}

/// A batch of durable results, in sequence order.
#[derive(Debug, Default)]
pub struct Batch {
    /// Every output of the batch's commands.
    pub outputs: Vec<Output>,
    /// One item per request.
    pub items: Vec<Item>,
}

/// The core thread's state.
pub struct Core {
    index: usize,
    sequencer: Sequencer,
    last_time: u64,
    fsync: Recorder,
    metrics: Arc<Metrics>,
}

impl Core {
    /// The core of shard `index`, over its (recovered) sequencer.
    pub fn new(index: usize, sequencer: Sequencer, metrics: Arc<Metrics>) -> Self {
        Self {
            index,
            sequencer,
            last_time: 0,
            fsync: Recorder::new(),
            metrics,
        }
    }

    /// Runs until every sender is gone. A log failure or a panic ends it with the reason (the
    /// server then fails visibly, see [`super::health`]): nothing more could be made durable,
    /// or the state is no longer known to be sound, so nothing more may be acknowledged. The
    /// batch in hand is never handed to the publisher, so none of it is acknowledged.
    pub fn run(mut self, rx: &Receiver<Inbound>, tx: &Sender<Batch>) -> Result<(), String> {
        let mut lease_check_at = Instant::now() + LEASE_EVERY;
        while let Some(first) = self.next_request(rx, &mut lease_check_at)? {
            let mut batch = Batch::default();
            self.handle_guarded(first, &mut batch)?;
            while batch.items.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(next) => self.handle_guarded(next, &mut batch)?,
                    Err(_) => break,
                }
            }
            let mine = &self.metrics.shards[self.index];
            mine.input_depth.store(rx.len() as u64, Ordering::Relaxed);
            if let Some(e) = self.sequencer.take_fatal() {
                return Err(format!("log write failed: {e}"));
            }
            let t0 = Instant::now();
            self.sequencer
                .sync()
                .map_err(|e| format!("log commit failed: {e}"))?;
            self.fsync.record(t0.elapsed());
            self.fsync.publish(&self.metrics.shards[self.index].fsync);
            self.metrics
                .publish_depth
                .store(tx.len() as u64 + 1, Ordering::Relaxed);
            if tx.send(batch).is_err() {
                break; // the publisher is gone: shutting down
            }
        }
        self.sequencer
            .sync()
            .map_err(|e| format!("log commit failed: {e}"))
    }

    /// A server on a replicated log: a standby until it holds the stream's lease, then the
    /// primary. As a standby it answers queries and refuses commands (`NOT_PRIMARY`), and
    /// applies what the primary appends, so that its market data, queries and surveillance
    /// follow the primary's; it tries to take the lease every [`LEASE_EVERY`] (after one
    /// lease period when started as `--standby`, so that a primary started beside it wins).
    /// Once it holds the lease it applies the rest of the stream, fences the former primary
    /// with a checkpoint, and sequences commands. A stream it cannot read or a checkpoint that
    /// differs ends it, visibly, like a log failure on a primary.
    pub fn run_replicated(
        mut self,
        rx: &Receiver<Inbound>,
        tx: &Sender<Batch>,
        standby: bool,
    ) -> Result<(), String> {
        let mine = &self.metrics.shards[self.index];
        mine.role
            .store(super::metrics::ROLE_STANDBY, Ordering::Relaxed);
        let mut try_at = Instant::now()
            + if standby {
                ecomatch_replica::LEASE_TTL
            } else {
                std::time::Duration::ZERO
            };
        loop {
            if Instant::now() >= try_at {
                // The lease bucket may be electing a leader: try again at the next turn.
                let leads = self.sequencer.try_lead().unwrap_or_else(|e| {
                    tracing::warn!(shard = self.index, error = %e, "the lease could not be tried");
                    false
                });
                if leads {
                    if !self.take_over(tx)? {
                        return Ok(());
                    }
                    self.metrics.shards[self.index]
                        .role
                        .store(super::metrics::ROLE_PRIMARY, Ordering::Relaxed);
                    self.metrics.shards[self.index]
                        .replica_lag
                        .store(0, Ordering::Relaxed);
                    tracing::info!(
                        shard = self.index,
                        commands = self.sequencer.last_seq(),
                        "holding the lease: this server is the primary"
                    );
                    return self.run(rx, tx);
                }
                try_at = Instant::now() + LEASE_EVERY;
            }
            if !self.standby_step(rx, tx)? {
                return Ok(());
            }
        }
    }

    /// The first acts of a new primary: apply the rest of the stream, then append the fencing
    /// checkpoint. A former primary that still appended in between (it lost the lease but not
    /// the stream) makes that append fail: the new messages are applied and the fence tried
    /// again, a few times. False when the server shuts down meanwhile.
    fn take_over(&mut self, tx: &Sender<Batch>) -> Result<bool, String> {
        const ATTEMPTS: usize = 5;
        for attempt in 1..=ATTEMPTS {
            let mut batch = Batch::default();
            self.follow(&mut batch)?;
            if !batch.items.is_empty() && tx.send(batch).is_err() {
                return Ok(false);
            }
            match self.sequencer.fence_predecessor() {
                Ok(()) => return Ok(true),
                Err(crate::sequencer::CommitError::Replica(
                    ecomatch_replica::ReplicaError::Fenced { .. },
                )) if attempt < ATTEMPTS => {
                    tracing::warn!(
                        shard = self.index,
                        "the former primary appended during the takeover: following it again"
                    );
                }
                Err(e) => return Err(format!("fencing the former primary failed: {e}")),
            }
        }
        Err("the former primary kept appending during the takeover".into())
    }

    /// One step of a standby: the requests waiting (or none, after [`FOLLOW_EVERY`]), then what
    /// the primary appended; false when the server shuts down.
    fn standby_step(&mut self, rx: &Receiver<Inbound>, tx: &Sender<Batch>) -> Result<bool, String> {
        let mut batch = Batch::default();
        match rx.recv_timeout(FOLLOW_EVERY) {
            Ok(first) => {
                self.answer_only(first, &mut batch);
                while batch.items.len() < MAX_BATCH {
                    let Ok(next) = rx.try_recv() else { break };
                    self.answer_only(next, &mut batch);
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Ok(false),
        }
        self.follow(&mut batch)?;
        // The publisher gone means shutting down.
        Ok(batch.items.is_empty() || tx.send(batch).is_ok())
    }

    /// A standby's answer to one request: a query's answer, or a refusal.
    fn answer_only(&mut self, inbound: Inbound, batch: &mut Batch) {
        let outcome = match inbound.work {
            Work::Refused(e) => Outcome::Rejected(e),
            Work::Draft(draft) => match self.sequencer.query_only(inbound.actor, draft) {
                Ok(q) => Outcome::Answer(self.sequencer.answer(inbound.actor, &q)),
                Err(e) => Outcome::Rejected(e),
            },
            // A standby holds no session's orders: there is nothing to cancel.
            Work::CancelAll => return,
        };
        batch.items.push(Item {
            session: inbound.session,
            actor: inbound.actor,
            req_id: inbound.req_id,
            received: inbound.received,
            time: Timestamp(self.last_time),
            outcome,
            part: inbound.part,
        });
    }

    /// Applies what the primary appended since the last step; each command becomes an item
    /// of no session, so its outputs are published as market data and private reports.
    fn follow(&mut self, batch: &mut Batch) -> Result<(), String> {
        let received = Instant::now();
        let last_time = &mut self.last_time;
        let lag = &self.metrics.shards[self.index].replica_lag;
        self.sequencer
            .follow(|cmd, outputs| {
                let start = batch.outputs.len();
                batch.outputs.extend_from_slice(outputs);
                *last_time = (*last_time).max(cmd.time.0);
                batch.items.push(Item {
                    session: NO_SESSION,
                    actor: cmd.actor,
                    req_id: None,
                    received,
                    time: cmd.time,
                    outcome: Outcome::Applied {
                        context: cmd.command.instrument(),
                        range: start..batch.outputs.len(),
                    },
                    part: None,
                });
            })
            .map(|applied| lag.store(applied, Ordering::Relaxed))
            .map_err(|e| format!("following the primary's log failed: {e}"))
    }

    /// The next request, waiting for it; on a replicated log the lease is checked on the way
    /// (a primary that lost it stops). `None` once every sender is gone.
    fn next_request(
        &mut self,
        rx: &Receiver<Inbound>,
        lease_check_at: &mut Instant,
    ) -> Result<Option<Inbound>, String> {
        if !self.sequencer.is_replicated() {
            return Ok(rx.recv().ok());
        }
        loop {
            if Instant::now() >= *lease_check_at {
                self.sequencer
                    .lease_held()
                    .map_err(|e| format!("log commit failed: {e}"))?;
                *lease_check_at = Instant::now() + LEASE_EVERY;
            }
            match rx.recv_deadline(*lease_check_at) {
                Ok(inbound) => return Ok(Some(inbound)),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Ok(None),
            }
        }
    }

    /// [`Self::handle`], with a panic turned into the reason the core stops, naming the
    /// command being applied: the one an operator must look at before restarting, since a
    /// deterministic core would apply it the same way again.
    fn handle_guarded(&mut self, inbound: Inbound, batch: &mut Batch) -> Result<(), String> {
        let before = self.sequencer.last_seq();
        catch_unwind(AssertUnwindSafe(|| self.handle(inbound, batch))).map_err(|panic| {
            let why = crate::panic::message(panic.as_ref());
            let seq = self.sequencer.last_seq();
            if seq > before {
                format!("panicked while applying command {seq}: {why}")
            } else {
                format!("panicked answering a query after command {seq}: {why}")
            }
        })
    }

    /// The sequencer's clock: wall time in ns, never going backwards.
    fn now(&mut self) -> Timestamp {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        self.last_time = self.last_time.max(now);
        Timestamp(self.last_time)
    }

    fn handle(&mut self, inbound: Inbound, batch: &mut Batch) {
        let time = self.now();
        let start = batch.outputs.len();
        let outcome = match inbound.work {
            Work::Refused(e) => Outcome::Rejected(e),
            Work::Draft(draft) => match self.sequencer.submit(inbound.actor, time, draft) {
                Err(e) => Outcome::Rejected(e),
                Ok(Submitted::Query(q)) => {
                    Outcome::Answer(self.sequencer.answer(inbound.actor, &q))
                }
                Ok(Submitted::Applied { context }) => {
                    batch.outputs.extend_from_slice(self.sequencer.outputs());
                    Outcome::Applied {
                        context,
                        range: start..batch.outputs.len(),
                    }
                }
            },
            Work::CancelAll => {
                let ids = self.sequencer.exchange().open_orders_of(inbound.actor);
                for order_id in ids {
                    let command = Command::CancelOrder { order_id };
                    self.sequencer.apply_command(inbound.actor, time, command);
                    batch.outputs.extend_from_slice(self.sequencer.outputs());
                }
                Outcome::Applied {
                    context: None,
                    range: start..batch.outputs.len(),
                }
            }
        };
        batch.items.push(Item {
            session: inbound.session,
            actor: inbound.actor,
            req_id: inbound.req_id,
            received: inbound.received,
            time,
            outcome,
            part: inbound.part,
        });
    }
}
