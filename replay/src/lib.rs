//! # ecomatch-replay
//!
//! The sequenced command log of ecomatch: every command that changes state is appended, in
//! sequence, before its effects are acknowledged; the log is segmented, each record
//! length-prefixed with a CRC32C, a sequence number and a hash chain; group commit makes a batch
//! durable with one write and one fsync. Recovery reads the log back, cuts off a torn last
//! record, and stops with the file and offset on any other damage; replay rebuilds the exchange
//! to any sequence number and checks the state-hash checkpoints on the way.
//!
//! ## Invariants
//! - Records are gap-free in sequence and each continues the hash chain: a reordered, spliced,
//!   duplicated or missing record, or a missing segment, is detected.
//! - A record is either whole and checksummed, or it is the torn tail of the last segment.
//! - Replaying the same log gives the same outputs and the same state hash, bit for bit.
//!
//! ## Example
//! ```
//! use ecomatch_replay::{FsyncPolicy, LogWriter, recover};
//! use ecomatch_exchange::{demo, Command, Sequenced};
//! use ecomatch_engine::id::{Seq, Timestamp};
//! use ecomatch_engine::quantity::Cash;
//!
//! let dir = std::env::temp_dir().join(format!("ecomatch-doc-{}", std::process::id()));
//! let _ = std::fs::remove_dir_all(&dir);
//! let mut log = LogWriter::create(&dir, b"demo", FsyncPolicy::Never, 1 << 20).unwrap();
//! let mut ex = demo::exchange();
//! let op = ex.fee_account();
//! let cmd = Sequenced { seq: Seq(1), time: Timestamp(0), actor: op,
//!     command: Command::Deposit { account: op, amount: Cash::from_fen(100) } };
//! log.append(&cmd).unwrap();
//! log.commit().unwrap();
//! ex.apply(&cmd, &mut Vec::new());
//!
//! let back = recover(&dir, None, |_| Ok(demo::exchange()), |_, _| {}).unwrap();
//! assert_eq!(back.exchange.state_hash(), ex.state_hash());
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

pub mod codec;
pub mod error;
pub mod reader;
pub mod segment;
pub mod writer;

use std::path::Path;

use ecomatch_engine::id::Seq;
use ecomatch_exchange::{Exchange, Output, Sequenced};

pub use error::{Damage, LogError};
pub use reader::{ScanEnd, Torn, scan};
pub use writer::{DEFAULT_SEGMENT_BYTES, FsyncPolicy, LogWriter};

use segment::Kind;

/// The outcome of reading a log and replaying it.
pub struct Recovered {
    /// The exchange as of the last command replayed.
    pub exchange: Exchange,
    /// Where the scan ended (to resume appending).
    pub end: ScanEnd,
    /// Commands replayed.
    pub commands: u64,
    /// Checkpoints whose state hash was checked and matched.
    pub checkpoints: u64,
}

/// Reads the log in `dir` and replays it, up to and including command `to` if given.
///
/// `genesis` builds the starting exchange from the genesis record's payload; `outputs` sees
/// every command with what the exchange said to it (for audits and exports). Every checkpoint
/// on the way is checked against the replayed state. The log is not modified: a torn tail is
/// reported in [`Recovered::end`] for [`LogWriter::resume`] to cut off.
pub fn recover(
    dir: &Path,
    to: Option<Seq>,
    genesis: impl FnOnce(&[u8]) -> Result<Exchange, String>,
    mut outputs: impl FnMut(&Sequenced, &[Output]),
) -> Result<Recovered, LogError> {
    let mut genesis = Some(genesis);
    let mut ex: Option<Exchange> = None;
    let (mut commands, mut checkpoints) = (0u64, 0u64);
    let mut out = Vec::new();
    let end = scan(dir, |rec| {
        let corrupt = |damage| LogError::Corrupt {
            file: rec.file.to_path_buf(),
            offset: rec.offset,
            damage,
        };
        if to.is_some_and(|t| rec.seq > t.0) {
            return Ok(());
        }
        match rec.kind {
            Kind::Genesis => {
                let make = genesis.take().expect("one genesis");
                ex = Some(
                    make(rec.payload).map_err(|_| corrupt(Damage::Payload("genesis refused")))?,
                );
            }
            Kind::Command => {
                let cmd = codec::Reader(rec.payload)
                    .sequenced()
                    .map_err(|e| corrupt(Damage::Payload(e.0)))?;
                if cmd.seq.0 != rec.seq {
                    return Err(corrupt(Damage::Payload(
                        "sequence differs from the record's",
                    )));
                }
                out.clear();
                ex.as_mut().expect("genesis first").apply(&cmd, &mut out);
                outputs(&cmd, &out);
                commands += 1;
            }
            Kind::Checkpoint => {
                let hash: [u8; 32] = rec
                    .payload
                    .try_into()
                    .map_err(|_| corrupt(Damage::Payload("checkpoint is not 32 bytes")))?;
                if ex.as_ref().expect("genesis first").state_hash().0 != hash {
                    return Err(corrupt(Damage::CheckpointMismatch { seq: rec.seq }));
                }
                checkpoints += 1;
            }
        }
        Ok(())
    })?;
    let exchange = ex.ok_or_else(|| LogError::Empty(dir.to_path_buf()))?;
    Ok(Recovered {
        exchange,
        end,
        commands,
        checkpoints,
    })
}
