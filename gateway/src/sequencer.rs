//! The sequencer: the heart of `ecomatch script --log` and of every core thread of `ecomatch
//! serve`. It gives each command the next sequence number, appends it to the log before it is
//! applied, applies it to the exchange, writes state-hash checkpoints and snapshots as they
//! fall due, and makes the log durable when asked: a command's outputs may be released only
//! after [`Sequencer::sync`]. Recovery of an existing log (its genesis decides the market)
//! happens here too, with every invariant checked before anything is served.

use std::io;
use std::path::Path;

use ecomatch_engine::id::{AccountId, InstrumentId, Seq, Timestamp};
use ecomatch_exchange::{Command, Exchange, Sequenced};
use ecomatch_replay::{FsyncPolicy, LogError, LogWriter};

use crate::config::ConfigError;
use crate::protocol::{self, Answer, Draft, EdgeError, Query};
use crate::source::{opening_exchange, opening_of};
use ecomatch_exchange::opening::Opening;

/// How often a logged sequencer writes state-hash checkpoints and snapshots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Every {
    /// A checkpoint record every this many commands.
    pub checkpoint: u64,
    /// A snapshot file every this many commands.
    pub snapshot: u64,
}

/// The log a sequencer writes.
struct Journal {
    writer: LogWriter,
    dir: std::path::PathBuf,
    /// The log's genesis payload, which every snapshot carries.
    genesis: std::sync::Arc<[u8]>,
    every: Every,
    /// Where snapshots go to be written off the sequencing thread, once asked for.
    background: Option<crossbeam_channel::Sender<SnapshotJob>>,
}

/// A snapshot encoded on the sequencing thread, for the snapshot thread to write.
struct SnapshotJob {
    dir: std::path::PathBuf,
    at: ecomatch_replay::snapshot::Point,
    state_hash: [u8; 32],
    genesis: std::sync::Arc<[u8]>,
    payload: Vec<u8>,
}

impl SnapshotJob {
    fn write(&self) -> Result<std::path::PathBuf, LogError> {
        ecomatch_replay::snapshot::write(
            &self.dir,
            self.at,
            &self.state_hash,
            &self.genesis,
            &self.payload,
        )
    }
}

/// The sequencer's state: the exchange, the public sequence numbers, the command sequence.
pub struct Sequencer {
    ex: Exchange,
    seq: u64,
    outputs: Vec<ecomatch_exchange::Output>,
    journal: Option<Journal>,
    /// The replicated log (a JetStream stream), used instead of the local journal.
    replica: Option<crate::replicated::Replicated>,
    /// A log write that failed: the sequencer must stop, as nothing more can be acknowledged.
    fatal: Option<io::Error>,
    /// A test's injected fault: panic while applying this command.
    panic_at: Option<u64>,
}

/// What [`Sequencer::submit`] did with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Submitted {
    /// A query, which changes nothing and takes no sequence number: answer it with
    /// [`Sequencer::answer`].
    Query(Query),
    /// A command, sequenced, logged and applied; its outputs are in [`Sequencer::outputs`].
    Applied {
        /// The instrument the command was about, so refusals can speak in its units.
        context: Option<InstrumentId>,
    },
}

/// Why a logged sequencer could not start.
#[derive(Debug)]
pub enum StartError {
    /// The log is damaged or unreadable.
    Log(LogError),
    /// The replicated log (JetStream) is unreachable, fenced, or does not rebuild.
    Replica(String),
    /// The configuration (or the log's genesis) is invalid.
    Config(ConfigError),
    /// The recovered state breaks one of the exchange's invariants: serving it could
    /// acknowledge trades the ledger cannot back.
    Invariants(String),
}

impl core::fmt::Display for StartError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Log(e) => e.fmt(f),
            Self::Replica(why) => write!(f, "the replicated log: {why}"),
            Self::Config(e) => e.fmt(f),
            Self::Invariants(why) => write!(
                f,
                "the recovered state breaks an invariant ({why}); nothing was served. Check \
                 the log with `ecomatch replay --verify`, and move a damaged snapshot aside"
            ),
        }
    }
}

impl std::error::Error for StartError {}

/// What a logged start found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resumed {
    /// Commands replayed from an existing log (0 for a new one).
    pub commands: u64,
    /// A torn last record that was cut off: (file, offset, bytes).
    pub truncated: Option<(std::path::PathBuf, u64, u64)>,
    /// The snapshot recovery started from, if any.
    pub from_snapshot: Option<u64>,
    /// Snapshots that could not be used, and why.
    pub skipped_snapshots: Vec<String>,
}

impl Sequencer {
    /// A sequencer over an exchange, without a log.
    pub fn new(ex: Exchange) -> Self {
        Self {
            ex,
            seq: 0,
            outputs: Vec::new(),
            journal: None,
            replica: None,
            fatal: None,
            panic_at: None,
        }
    }

    /// Injects faults for a test: a panic while applying command `panic_at`, and failing
    /// writes or fsyncs of the log.
    pub fn inject(&mut self, panic_at: Option<u64>, log: Option<ecomatch_replay::fault::Faults>) {
        self.panic_at = panic_at;
        if let (Some(j), Some(faults)) = (&mut self.journal, log) {
            j.writer.set_io(Box::new(faults));
        }
    }

    /// A sequencer that logs to `dir`: a new log of the market `opening` describes, or the
    /// recovered state of the log already there (whose genesis then decides the market).
    pub fn with_log(
        dir: &Path,
        opening: &Opening,
        policy: FsyncPolicy,
        every: Every,
    ) -> Result<(Self, Resumed), StartError> {
        let has_log = ecomatch_replay::reader::segments(dir).is_ok_and(|s| !s.is_empty());
        if !has_log {
            let ex = opening_exchange(opening).map_err(StartError::Config)?;
            let genesis = opening.encode();
            let writer = LogWriter::create(
                dir,
                &genesis,
                policy,
                ecomatch_replay::DEFAULT_SEGMENT_BYTES,
            )
            .map_err(StartError::Log)?;
            let mut d = Self::new(ex);
            d.journal = Some(Journal {
                writer,
                dir: dir.to_path_buf(),
                genesis: genesis.into(),
                every,
                background: None,
            });
            return Ok((
                d,
                Resumed {
                    commands: 0,
                    truncated: None,
                    from_snapshot: None,
                    skipped_snapshots: Vec::new(),
                },
            ));
        }
        let mut bad_genesis = None;
        let mut genesis_payload = Vec::new();
        let genesis = |payload: &[u8]| {
            genesis_payload = payload.to_vec();
            opening_of(payload)
                .and_then(|o| opening_exchange(&o))
                .map_err(|e| {
                    let msg = e.to_string();
                    bad_genesis = Some(e);
                    msg
                })
        };
        let rec = ecomatch_replay::recover_with(dir, None, true, genesis, |_, _| {});
        let rec = match (rec, bad_genesis) {
            (Err(_), Some(e)) => return Err(StartError::Config(e)),
            (r, _) => r.map_err(StartError::Log)?,
        };
        // Snapshots beyond the recovered log describe commands that never became durable:
        // new commands will take those sequence numbers, so the snapshots must go.
        for (seq, path) in ecomatch_replay::snapshot::list(dir).map_err(StartError::Log)? {
            if seq > rec.end.last_seq {
                std::fs::remove_file(&path)
                    .map_err(|source| StartError::Log(LogError::Io { path, source }))?;
            }
        }
        let writer = LogWriter::resume(
            dir,
            &rec.end,
            policy,
            ecomatch_replay::DEFAULT_SEGMENT_BYTES,
        )
        .map_err(StartError::Log)?;
        let truncated = rec
            .end
            .torn
            .as_ref()
            .map(|t| (t.file.clone(), t.offset, t.bytes));
        check_recovered(&rec.exchange)?;
        let mut d = Self::new(rec.exchange);
        d.seq = rec.end.last_seq;
        d.journal = Some(Journal {
            writer,
            dir: dir.to_path_buf(),
            genesis: genesis_payload.into(),
            every,
            background: None,
        });
        Ok((
            d,
            Resumed {
                commands: rec.commands,
                truncated,
                from_snapshot: rec.from_snapshot,
                skipped_snapshots: rec.skipped_snapshots,
            },
        ))
    }

    /// Checkpoints and snapshots due after the command just applied. A snapshot is written only
    /// once the log holds its command (durably, under the fsync policy; a snapshot that got
    /// ahead of a log that was not fsynced is recognised and skipped by recovery).
    fn after_apply(&mut self) -> Result<(), LogError> {
        if let Some(r) = &mut self.replica {
            r.after_apply(self.seq, &self.ex);
        }
        let Some(j) = self.journal.as_mut() else {
            return Ok(());
        };
        if self.seq % j.every.checkpoint == 0 {
            j.writer.checkpoint(&self.ex.state_hash().0)?;
        }
        if self.seq % j.every.snapshot == 0 {
            j.writer.commit()?;
            debug_assert_eq!(j.writer.point().seq, self.seq);
            let job = SnapshotJob {
                dir: j.dir.clone(),
                at: j.writer.point(),
                state_hash: self.ex.state_hash().0,
                genesis: std::sync::Arc::clone(&j.genesis),
                payload: self.ex.snapshot(),
            };
            match &j.background {
                None => {
                    job.write()?;
                }
                Some(tx) => {
                    if let Err(e) = tx.try_send(job) {
                        let seq = e.into_inner().at.seq;
                        tracing::warn!(
                            seq,
                            "the last snapshot is still being written: this one is skipped"
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes snapshots on a thread of their own from now on (the server's core threads): the
    /// sequencing thread only encodes them. A snapshot that fails to write is reported and
    /// skipped (the log, not the snapshot, is what must be durable); one that falls due while
    /// the previous is still being written is skipped.
    pub fn snapshots_in_background(&mut self, name: &str) -> io::Result<()> {
        let Some(j) = self.journal.as_mut() else {
            return Ok(());
        };
        let (tx, rx) = crossbeam_channel::bounded::<SnapshotJob>(1);
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                for job in rx {
                    if let Err(e) = job.write() {
                        tracing::warn!(seq = job.at.seq, error = %e, "a snapshot could not be written");
                    }
                }
            })?;
        j.background = Some(tx);
        Ok(())
    }

    /// The exchange.
    pub fn exchange(&self) -> &Exchange {
        &self.ex
    }

    /// True when the fsync policy wants the pending commands made durable now.
    pub fn should_commit(&self) -> bool {
        self.journal
            .as_ref()
            .is_some_and(|j| j.writer.should_commit())
            || self
                .replica
                .as_ref()
                .is_some_and(|r| r.pending.len() >= REPLICA_BATCH)
    }

    /// Sequences, logs and applies one converted request of `actor` at `time` (a pending
    /// draft is converted against the state first); a query is handed back unanswered. The
    /// outputs of an applied command are in [`Sequencer::outputs`] until the next submit; with
    /// a log they may only be released after [`Sequencer::sync`].
    pub fn submit(
        &mut self,
        actor: AccountId,
        time: Timestamp,
        draft: Draft,
    ) -> Result<Submitted, EdgeError> {
        let command = match draft.resolve(&self.ex, actor)? {
            Err(query) => return Ok(Submitted::Query(query)),
            Ok(command) => command,
        };
        Ok(Submitted::Applied {
            context: self.apply_command(actor, time, command),
        })
    }

    /// Sequences, logs and applies a command built inside the server (e.g. the cancels of
    /// cancel-on-disconnect); returns the instrument it was about.
    pub fn apply_command(
        &mut self,
        actor: AccountId,
        time: Timestamp,
        command: Command,
    ) -> Option<InstrumentId> {
        self.seq += 1;
        let context = command
            .instrument()
            .or_else(|| order_instrument(&self.ex, actor, &command));
        let cmd = Sequenced {
            seq: Seq(self.seq),
            time,
            actor,
            command,
        };
        self.outputs.clear();
        if let Some(j) = &mut self.journal {
            if let Err(e) = j.writer.append(&cmd) {
                self.fatal = Some(io::Error::other(e));
                return context;
            }
        }
        if let Some(r) = &mut self.replica {
            r.command(&cmd);
        }
        assert!(
            self.panic_at != Some(self.seq),
            "injected fault: a panic while applying command {}",
            self.seq
        );
        self.ex.apply(&cmd, &mut self.outputs);
        if let Err(e) = self.after_apply() {
            self.fatal = Some(io::Error::other(e));
        }
        context
    }

    /// The outputs of the command applied last.
    pub fn outputs(&self) -> &[ecomatch_exchange::Output] {
        &self.outputs
    }

    /// A log write that failed: nothing more can be acknowledged, the caller must stop.
    pub fn take_fatal(&mut self) -> Option<io::Error> {
        self.fatal.take()
    }

    /// Makes every logged command durable (under the fsync policy) without writing replies:
    /// the server releases its own once this returns.
    pub fn sync(&mut self) -> Result<(), CommitError> {
        if let Some(r) = &mut self.replica {
            r.commit().map_err(CommitError::Replica)?;
            r.snapshot_if_due(self.seq, &self.ex);
        }
        match &mut self.journal {
            Some(j) => j.writer.commit().map_err(CommitError::Log),
            None => Ok(()),
        }
    }

    /// The opening the log records (`None` without a log).
    pub fn genesis(&self) -> Option<Opening> {
        match (&self.journal, &self.replica) {
            (Some(j), _) => opening_of(&j.genesis).ok(),
            (None, Some(r)) => opening_of(&r.genesis).ok(),
            (None, None) => None,
        }
    }

    /// The last command sequence number given out.
    pub fn last_seq(&self) -> u64 {
        self.seq
    }

    /// The answer to a query of `actor`, read from the state (the caller formats it).
    pub fn answer(&self, actor: AccountId, query: &Query) -> Answer {
        protocol::answer(&self.ex, actor, query)
    }
}

/// How many replicated records a batch may gather before the core commits it.
const REPLICA_BATCH: usize = 4096;

/// Why a commit failed: nothing of the batch may be acknowledged.
#[derive(Debug)]
pub enum CommitError {
    /// The local log could not be written or synced.
    Log(LogError),
    /// The replicated log did not acknowledge the batch, or another primary fenced this one.
    Replica(ecomatch_replica::ReplicaError),
}

impl core::fmt::Display for CommitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Log(e) => e.fmt(f),
            Self::Replica(e) => write!(f, "{} ({})", e, e.code()),
        }
    }
}

impl std::error::Error for CommitError {}

impl Sequencer {
    /// A sequencer whose log is the JetStream stream `target` names: a new stream gets
    /// `opening` as its genesis; an existing one is read (from the newest local snapshot in
    /// `snapshots` that belongs to it, or from its start) and decides the market. No local log
    /// is written: the stream is the log, and `snapshots` (when given) only a cache of it.
    pub fn with_stream(
        target: &ecomatch_replica::Target,
        opening: &Opening,
        every: Every,
        snapshots: Option<&Path>,
    ) -> Result<(Self, Resumed), StartError> {
        let mut stream = ecomatch_replica::Stream::open(target)
            .map_err(|e| StartError::Replica(format!("{e} ({})", e.code())))?;
        let rebuilt = crate::replicated::open(&mut stream, opening, snapshots)
            .map_err(StartError::Replica)?;
        check_recovered(&rebuilt.exchange)?;
        tracing::info!(
            stream = stream.name(),
            commands = rebuilt.last_seq,
            checkpoints = rebuilt.checkpoints,
            "replicated log read"
        );
        let mut d = Self::new(rebuilt.exchange);
        d.seq = rebuilt.last_seq;
        d.replica = Some(crate::replicated::Replicated {
            stream,
            pending: Vec::new(),
            genesis: rebuilt.genesis,
            checkpoint_every: every.checkpoint,
            snapshots: snapshots.map(|dir| crate::replicated::Snapshots {
                dir: dir.to_path_buf(),
                every: every.snapshot,
                next: (rebuilt.last_seq / every.snapshot.max(1) + 1) * every.snapshot,
            }),
        });
        Ok((
            d,
            Resumed {
                commands: rebuilt.last_seq,
                truncated: None,
                from_snapshot: rebuilt.from_snapshot,
                skipped_snapshots: Vec::new(),
            },
        ))
    }
}

impl Sequencer {
    /// A standby's step: applies every command and checks every checkpoint the primary
    /// appended to the stream since the last step, handing each command with its outputs to
    /// `each`; the number of commands applied. Without a replicated log there is nothing to
    /// follow.
    pub fn follow(
        &mut self,
        mut each: impl FnMut(&Sequenced, &[ecomatch_exchange::Output]),
    ) -> Result<u64, CommitError> {
        let Self {
            ex,
            seq,
            outputs,
            replica,
            ..
        } = self;
        let Some(r) = replica else {
            return Ok(0);
        };
        let before = *seq;
        let from = r.stream.last() + 1;
        r.stream
            .read(from, |_, kind, payload| match kind {
                ecomatch_replica::Kind::Command => {
                    let cmd = ecomatch_exchange::wire::Reader(payload)
                        .sequenced()
                        .map_err(|e| e.to_string())?;
                    if cmd.seq.0 != *seq + 1 {
                        return Err(format!("command {} after {seq}", cmd.seq.0));
                    }
                    outputs.clear();
                    ex.apply(&cmd, outputs);
                    *seq = cmd.seq.0;
                    each(&cmd, outputs);
                    Ok(())
                }
                ecomatch_replica::Kind::Checkpoint if ex.state_hash().0.as_slice() == payload => {
                    Ok(())
                }
                ecomatch_replica::Kind::Checkpoint => Err(format!(
                    "the state after command {seq} differs from the primary's checkpoint"
                )),
                ecomatch_replica::Kind::Genesis => Err("a second genesis".into()),
            })
            .map_err(CommitError::Replica)?;
        r.snapshot_if_due(*seq, ex);
        Ok(*seq - before)
    }

    /// Whether the log is a replicated one (a JetStream stream).
    pub fn is_replicated(&self) -> bool {
        self.replica.is_some()
    }

    /// Takes the replicated log's lease if it is free; true when this sequencer now holds it.
    /// The caller then applies the rest of the stream ([`Sequencer::follow`]) and fences its
    /// predecessor ([`Sequencer::fence_predecessor`]) before it sequences anything.
    pub fn try_lead(&mut self) -> Result<bool, CommitError> {
        match &mut self.replica {
            Some(r) => r.stream.try_lead().map_err(CommitError::Replica),
            None => Ok(false),
        }
    }

    /// Appends the state hash as a checkpoint and waits for it: the first act of a new
    /// primary, after it has applied the whole stream. The append moves the stream on, so a
    /// paused former primary that wakes up is fenced before it can append anything.
    pub fn fence_predecessor(&mut self) -> Result<(), CommitError> {
        let Some(r) = &mut self.replica else {
            return Ok(());
        };
        r.pending.push((
            ecomatch_replica::Kind::Checkpoint,
            self.ex.state_hash().0.to_vec(),
        ));
        r.commit().map_err(CommitError::Replica)
    }

    /// Whether the replicated log's lease, once taken, is still held (it is renewed in the
    /// background); the reason it is not.
    pub fn lease_held(&self) -> Result<(), CommitError> {
        match self.replica.as_ref().and_then(|r| r.stream.lease_lost()) {
            Some(e) => Err(CommitError::Replica(e)),
            None => Ok(()),
        }
    }

    /// A standby's answer to a request: a query, or the refusal of a command (`NOT_PRIMARY`).
    pub fn query_only(&self, actor: AccountId, draft: Draft) -> Result<Query, EdgeError> {
        match draft.resolve(&self.ex, actor)? {
            Err(query) => Ok(query),
            Ok(_) => Err(EdgeError::new(
                protocol::EdgeCode::NotPrimary,
                "this server is a standby: it serves market data and queries; send commands \
                 to the primary",
            )),
        }
    }
}

/// Copies the stream `target` names into a new local log in `dir` (segments and checkpoints as
/// a local sequencer writes them); the number of commands copied.
pub fn export(target: &ecomatch_replica::Target, dir: &Path) -> Result<u64, StartError> {
    use ecomatch_replica::Kind;
    let replica =
        |e: ecomatch_replica::ReplicaError| StartError::Replica(format!("{e} ({})", e.code()));
    if ecomatch_replay::reader::segments(dir).is_ok_and(|s| !s.is_empty()) {
        return Err(StartError::Replica(format!(
            "{} already holds a log: export into a new directory",
            dir.display()
        )));
    }
    let mut stream = ecomatch_replica::Stream::open(target).map_err(replica)?;
    let mut writer: Option<LogWriter> = None;
    let mut commands = 0;
    stream
        .read(1, |_, kind, payload| match (kind, &mut writer) {
            (Kind::Genesis, None) => {
                let w = LogWriter::create(
                    dir,
                    payload,
                    FsyncPolicy::Never,
                    ecomatch_replay::DEFAULT_SEGMENT_BYTES,
                )
                .map_err(|e| e.to_string())?;
                writer = Some(w);
                Ok(())
            }
            (Kind::Command, Some(w)) => {
                let cmd = ecomatch_exchange::wire::Reader(payload)
                    .sequenced()
                    .map_err(|e| e.to_string())?;
                if cmd.seq.0 != commands + 1 {
                    return Err(format!("command {} after {commands}", cmd.seq.0));
                }
                commands += 1;
                w.append(&cmd).map_err(|e| e.to_string())
            }
            (Kind::Checkpoint, Some(w)) => {
                let hash: [u8; 32] = payload.try_into().map_err(|_| "a short checkpoint")?;
                w.checkpoint(&hash).map_err(|e| e.to_string())
            }
            (kind, _) => Err(format!("a {kind:?} record where it cannot be")),
        })
        .map_err(replica)?;
    let mut w = writer.ok_or_else(|| StartError::Replica("the stream is empty".into()))?;
    w.sync().map_err(StartError::Log)?;
    Ok(commands)
}

/// Runs every invariant check of the exchange on a recovered state before anything is served
/// from it (the checks panic on the first failure; the panic becomes the refusal's reason).
fn check_recovered(ex: &Exchange) -> Result<(), StartError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ex.check_invariants()))
        .map_err(|panic| StartError::Invariants(crate::panic::message(panic.as_ref())))
}

/// The instrument of the order, bid or auction a command of `actor` names (before it applies).
fn order_instrument(ex: &Exchange, actor: AccountId, command: &Command) -> Option<InstrumentId> {
    match *command {
        Command::AmendOrder { order_id, .. } | Command::CancelOrder { order_id } => {
            ex.order_instrument(order_id, actor)
        }
        Command::AmendBid { bid_id, .. } | Command::WithdrawBid { bid_id } => {
            ex.bid_instrument(bid_id, actor)
        }
        Command::SealedBid { auction_id, .. } | Command::CloseSealedAuction { auction_id } => {
            ex.auction_instrument(auction_id)
        }
        _ => None,
    }
}
