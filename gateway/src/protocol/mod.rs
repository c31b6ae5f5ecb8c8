//! The JSON protocol of ecomatch, shared by `ecomatch script` and the WebSocket server:
//! requests are JSON objects with an `op`, decimals are JSON strings, and every reply has a
//! `type` (see docs/PROTOCOL.md). This module turns requests into exchange commands, converting
//! decimals exactly with each instrument's tick and lot, and exchange outputs into JSON.

mod convert;
mod reply;
mod req_id;
mod request;
mod sealed;

pub use convert::to_command;
pub use reply::{account_snapshot, book_snapshot, encode, gep_snapshot, recipient_name, rfc3339};
pub use req_id::{ReqId, text};
pub use request::{Envelope, Query, Request, ShardKey, parse_line, parse_object};

use core::fmt;

/// A refusal at the edge, before a command reaches the exchange: the request could not be
/// read or converted. Codes are stable, like the exchange's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeError {
    /// The stable code.
    pub code: &'static str,
    /// What was wrong, for a person.
    pub message: String,
}

impl EdgeError {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for EdgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for EdgeError {}

/// Bytes as lowercase hexadecimal (seeds, their hashes, API key hashes).
pub fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
            // Writing to a String cannot fail.
            let _ = write!(s, "{b:02x}");
            s
        })
}
