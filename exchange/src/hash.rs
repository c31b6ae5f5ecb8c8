//! The state hash: SHA-256 over the state's one canonical encoding, the snapshot's, so that a
//! replay can prove it reached the same state bit for bit and the hash and the snapshot can
//! never disagree on what the state is.
//!
//! The encoding is fixed-width little-endian integers and length-prefixed strings, visited in
//! a fixed order (markets in listing order, resting orders in book priority, accounts by id,
//! maps sorted by key), never `Debug` output or hash-map order.

use sha2::{Digest, Sha256};

use crate::state::Exchange;

/// A 32-byte SHA-256 state hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateHash(pub [u8; 32]);

impl core::fmt::Display for StateHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl core::fmt::Debug for StateHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "StateHash({self})")
    }
}

impl Exchange {
    /// The state hash: SHA-256 of the state's encoding ([`Exchange::snapshot`]'s, with the
    /// sequence number left out: a checkpoint records it beside the hash, and a refused
    /// command, which moves only the sequence, must leave the hash as it was).
    pub fn state_hash(&self) -> StateHash {
        StateHash(Sha256::digest(self.encode(0)).into())
    }
}
