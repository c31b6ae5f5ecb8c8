//! The sequencer's replicated log: commands and checkpoints go to a NATS JetStream stream
//! (see `ecomatch-replica`) instead of local segment files, and a start rebuilds the state by
//! reading the stream from its genesis, on whatever machine it runs.
//!
//! Order of durability: a batch's records are appended to the stream, and only once the cluster
//! has acknowledged all of them does the core release their replies. A deposed primary's append
//! is fenced, so it can acknowledge nothing after a standby took over.
//!
//! Snapshots stay local files (in the shard's data directory, like a local log's): each is
//! written only after the stream holds every command it covers, records in its chain field the
//! stream sequence it covers, and carries the stream's genesis. A start restores the newest
//! one that belongs to the stream and reads only the messages after it. Local files rather
//! than JetStream's object store: a snapshot is a cache that any machine can rebuild from the
//! stream, and reading it locally keeps a restart off the network.

use std::path::{Path, PathBuf};

use ecomatch_exchange::{Exchange, Output, Sequenced};
use ecomatch_replay::snapshot;
use ecomatch_replica::{Kind, ReplicaError, Stream};

use crate::source::{opening_exchange, opening_of};
use ecomatch_exchange::opening::Opening;

/// A stream and the records of the current batch that it has not acknowledged yet.
pub(crate) struct Replicated {
    pub(crate) stream: Stream,
    pub(crate) pending: Vec<(Kind, Vec<u8>)>,
    /// The genesis the stream opens with.
    pub(crate) genesis: Vec<u8>,
    /// A checkpoint record every this many commands.
    pub(crate) checkpoint_every: u64,
    /// Where snapshots go, how often, and the next one due.
    pub(crate) snapshots: Option<Snapshots>,
}

/// Local snapshots of a replicated log.
pub(crate) struct Snapshots {
    pub(crate) dir: PathBuf,
    pub(crate) every: u64,
    pub(crate) next: u64,
}

/// The state a stream describes, rebuilt from its messages.
pub(crate) struct Rebuilt {
    pub(crate) exchange: Exchange,
    pub(crate) last_seq: u64,
    pub(crate) genesis: Vec<u8>,
    pub(crate) checkpoints: u64,
    /// The command the snapshot it started from covers, if it did.
    pub(crate) from_snapshot: Option<u64>,
}

impl Replicated {
    /// Queues a command for the stream.
    pub(crate) fn command(&mut self, cmd: &Sequenced) {
        let mut payload = Vec::with_capacity(64);
        ecomatch_exchange::wire::Writer(&mut payload).sequenced(cmd);
        self.pending.push((Kind::Command, payload));
    }

    /// Queues a checkpoint when one is due after command `seq`.
    pub(crate) fn after_apply(&mut self, seq: u64, ex: &Exchange) {
        if self.checkpoint_every > 0 && seq % self.checkpoint_every == 0 {
            self.pending
                .push((Kind::Checkpoint, ex.state_hash().0.to_vec()));
        }
    }

    /// Writes a snapshot when one is due after command `seq`, which the stream must already
    /// hold. A snapshot that cannot be written is reported and skipped: the stream, not the
    /// snapshot, is what must be durable.
    pub(crate) fn snapshot_if_due(&mut self, seq: u64, ex: &Exchange) {
        let Some(s) = &mut self.snapshots else {
            return;
        };
        if s.every == 0 || seq < s.next {
            return;
        }
        s.next = (seq / s.every + 1) * s.every;
        let at = snapshot::Point {
            seq,
            chain: self.stream.last(),
        };
        let written = snapshot::write(
            &s.dir,
            at,
            &ex.state_hash().0,
            &self.genesis,
            &ex.snapshot(),
        );
        if let Err(e) = written {
            tracing::warn!(seq, error = %e, "a snapshot could not be written");
        }
    }

    /// Appends the batch and waits for the cluster's acknowledgement of every record.
    pub(crate) fn commit(&mut self) -> Result<(), ReplicaError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let result = self.stream.append(&self.pending);
        self.pending.clear();
        result
    }
}

/// Starts a new stream with `opening` as its genesis, or rebuilds the state of the one there
/// (whose genesis then decides the market): every command applied in order, every checkpoint
/// compared with the state hash.
pub(crate) fn open(
    stream: &mut Stream,
    opening: &Opening,
    snapshots: Option<&Path>,
) -> Result<Rebuilt, String> {
    if stream.last() > 0 {
        if let Some(start) = snapshots.and_then(|dir| newest_snapshot(stream, dir)) {
            let seq = start.1;
            match read_from(stream, Some(start)) {
                Ok(rebuilt) => return Ok(rebuilt),
                Err(why) => {
                    tracing::warn!(snapshot = seq, %why, "the snapshot does not continue the stream: reading it from its genesis");
                }
            }
        }
    }
    if stream.last() == 0 {
        let exchange = opening_exchange(opening).map_err(|e| e.to_string())?;
        let genesis = opening.encode();
        stream
            .append(&[(Kind::Genesis, genesis.clone())])
            .map_err(|e| e.to_string())?;
        return Ok(Rebuilt {
            exchange,
            last_seq: 0,
            genesis,
            checkpoints: 0,
            from_snapshot: None,
        });
    }
    read_from(stream, None)
}

/// A restored snapshot: the state, the command it covers, the stream sequence it covers, and
/// the stream's genesis.
type Start = (Exchange, u64, u64, Vec<u8>);

/// The newest snapshot in `dir` that belongs to this stream and restores to its recorded hash.
fn newest_snapshot(stream: &mut Stream, dir: &Path) -> Option<Start> {
    let (Kind::Genesis, genesis) = stream.get(1).ok()? else {
        return None;
    };
    for (_, path) in snapshot::list(dir).ok()? {
        let Ok(snap) = snapshot::read(&path) else {
            continue;
        };
        let Some(at) = snap.chain.filter(|&at| at <= stream.last()) else {
            continue;
        };
        if snap.genesis != genesis {
            continue;
        }
        let base = opening_of(&genesis)
            .and_then(|o| opening_exchange(&o))
            .ok()?;
        let Ok(ex) = Exchange::restore(base, &snap.payload) else {
            continue;
        };
        if ex.state_hash().0 == snap.state_hash {
            return Some((ex, snap.seq, at, genesis));
        }
    }
    None
}

/// Reads the stream from its genesis, or from after a restored snapshot.
fn read_from(stream: &mut Stream, start: Option<Start>) -> Result<Rebuilt, String> {
    let (mut state, mut last_seq, from, from_snapshot) = match start {
        Some((ex, seq, at, genesis)) => (Some((ex, genesis)), seq, at + 1, Some(seq)),
        None => (None, 0, 1, None),
    };
    let mut checkpoints = 0u64;
    let mut out: Vec<Output> = Vec::new();
    stream
        .read(from, |n, kind, payload| match (kind, &mut state) {
            (Kind::Genesis, None) if n == 1 => {
                let o = opening_of(payload).map_err(|e| e.to_string())?;
                let ex = opening_exchange(&o).map_err(|e| e.to_string())?;
                state = Some((ex, payload.to_vec()));
                Ok(())
            }
            (Kind::Command, Some((ex, _))) => {
                let cmd = ecomatch_exchange::wire::Reader(payload)
                    .sequenced()
                    .map_err(|e| e.to_string())?;
                if cmd.seq.0 != last_seq + 1 {
                    return Err(format!("command {} after {last_seq}", cmd.seq.0));
                }
                out.clear();
                ex.apply(&cmd, &mut out);
                last_seq = cmd.seq.0;
                Ok(())
            }
            (Kind::Checkpoint, Some((ex, _))) => {
                if ex.state_hash().0.as_slice() != payload {
                    return Err(format!(
                        "the state after command {last_seq} differs from the checkpoint: the \
                         stream was written by a different engine version or is damaged"
                    ));
                }
                checkpoints += 1;
                Ok(())
            }
            (kind, _) => Err(format!("a {kind:?} record where it cannot be")),
        })
        .map_err(|e| e.to_string())?;
    let (exchange, genesis) = state.ok_or("the stream has no genesis")?;
    Ok(Rebuilt {
        exchange,
        last_seq,
        genesis,
        checkpoints,
        from_snapshot,
    })
}
