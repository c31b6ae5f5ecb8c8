//! Why a log could not be read or written. Every error names the file and, where it applies,
//! the byte offset, so an operator can find the damage.

use std::path::PathBuf;

/// What is wrong at a place in the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Damage {
    /// The segment header is missing, of another format or version, or of the wrong index.
    BadHeader(&'static str),
    /// The record's checksum does not match its bytes.
    Checksum,
    /// The record's length or kind is impossible.
    BadRecord(&'static str),
    /// The record ends past the end of a segment that is not the last one.
    Truncated,
    /// A sequence number other than the next one.
    SequenceGap {
        /// The sequence number expected.
        expected: u64,
        /// The one found.
        found: u64,
    },
    /// The record does not continue the hash chain (reordered, spliced or duplicated).
    ChainBroken,
    /// The payload does not decode.
    Payload(&'static str),
    /// A segment file is missing between two others, or the first one is.
    MissingSegment,
    /// The replayed state does not have the state hash the checkpoint recorded.
    CheckpointMismatch {
        /// The command sequence number of the checkpoint.
        seq: u64,
    },
}

/// An error reading or writing a log.
#[derive(Debug)]
pub enum LogError {
    /// Damage at a place in a segment.
    Corrupt {
        /// The segment file.
        file: PathBuf,
        /// The byte offset of the damaged record or header.
        offset: u64,
        /// What is wrong.
        damage: Damage,
    },
    /// An I/O error.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The log holds no genesis record.
    Empty(PathBuf),
    /// An earlier write or fsync of this writer failed: what it held may not be durable, so
    /// it accepts nothing more (a retried fsync can report success for pages the kernel
    /// already dropped). Restart, which recovers what is on disk.
    Stopped(PathBuf),
}

impl core::fmt::Display for LogError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Corrupt {
                file,
                offset,
                damage,
            } => {
                write!(f, "{}: offset {offset}: ", file.display())?;
                match damage {
                    Damage::BadHeader(why) => write!(f, "bad segment header ({why})"),
                    Damage::Checksum => f.write_str("checksum mismatch"),
                    Damage::BadRecord(why) => write!(f, "bad record ({why})"),
                    Damage::Truncated => f.write_str("record cut short in a segment that is not the last"),
                    Damage::SequenceGap { expected, found } => write!(f, "sequence {found} where {expected} was expected"),
                    Damage::ChainBroken => f.write_str("record does not continue the hash chain (reordered, spliced or duplicated)"),
                    Damage::Payload(why) => write!(f, "undecodable payload ({why})"),
                    Damage::MissingSegment => f.write_str("segment file missing"),
                    Damage::CheckpointMismatch { seq } => write!(f, "state hash after seq {seq} differs from the checkpoint"),
                }
            }
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Empty(dir) => write!(f, "{}: no log here (no genesis record)", dir.display()),
            Self::Stopped(dir) => write!(
                f,
                "{}: the log stopped after a failed write or fsync; restart to recover",
                dir.display()
            ),
        }
    }
}

impl std::error::Error for LogError {}

/// Wraps an I/O error with its path.
pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> LogError {
    let path = path.into();
    move |source| LogError::Io { path, source }
}
