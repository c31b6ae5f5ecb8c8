//! The binary form of logged commands, which the exchange crate owns (it is the exchange's
//! command set); re-exported here where the log uses it.

pub use ecomatch_exchange::wire::{DecodeError, Reader, Writer};
