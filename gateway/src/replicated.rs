//! The sequencer's replicated log: commands and checkpoints go to a NATS JetStream stream
//! (see `ecomatch-replica`) instead of local segment files, and a start rebuilds the state by
//! reading the stream from its genesis, on whatever machine it runs.
//!
//! Order of durability: a batch's records are appended to the stream, and only once the cluster
//! has acknowledged all of them does the core release their replies. A deposed primary's append
//! is fenced, so it can acknowledge nothing after a standby took over.

use ecomatch_exchange::{Exchange, Output, Sequenced};
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
}

/// The state a stream describes, rebuilt from its messages.
pub(crate) struct Rebuilt {
    pub(crate) exchange: Exchange,
    pub(crate) last_seq: u64,
    pub(crate) genesis: Vec<u8>,
    pub(crate) checkpoints: u64,
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
pub(crate) fn open(stream: &mut Stream, opening: &Opening) -> Result<Rebuilt, String> {
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
        });
    }
    let mut state: Option<(Exchange, Vec<u8>)> = None;
    let (mut last_seq, mut checkpoints) = (0u64, 0u64);
    let mut out: Vec<Output> = Vec::new();
    stream
        .read(1, |n, kind, payload| match (kind, &mut state) {
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
    })
}
