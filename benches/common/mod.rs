//! Shared pieces of the benchmarks: the seeded stream and one adapter per book.

#![allow(dead_code)]

pub mod eco;
pub mod lobster_peer;
pub mod orderbook_rs_peer;
pub mod stream;

use stream::{StreamOp, TopOfBook};

/// Ops that build the resting book before the timed part of the mixed stream.
pub const PREFILL: usize = 1_000;
/// Ops in the timed part of the mixed stream.
pub const MIXED: usize = 20_000;
/// The stream's seed.
pub const SEED: u64 = 0x5EED;

/// A book driven by the common stream.
pub trait Peer {
    /// An empty book.
    fn new() -> Self;
    /// Applies one operation.
    fn apply(&mut self, op: &StreamOp);
    /// Best bid and ask with their quantities.
    fn top(&self) -> TopOfBook;
}

impl Peer for eco::EcoPeer {
    fn new() -> Self {
        eco::EcoPeer::new()
    }
    fn apply(&mut self, op: &StreamOp) {
        eco::EcoPeer::apply(self, op);
    }
    fn top(&self) -> TopOfBook {
        eco::EcoPeer::top(self)
    }
}

impl Peer for lobster_peer::LobsterPeer {
    fn new() -> Self {
        lobster_peer::LobsterPeer::new()
    }
    fn apply(&mut self, op: &StreamOp) {
        lobster_peer::LobsterPeer::apply(self, op);
    }
    fn top(&self) -> TopOfBook {
        lobster_peer::LobsterPeer::top(self)
    }
}

impl Peer for orderbook_rs_peer::OrderbookRsPeer {
    fn new() -> Self {
        orderbook_rs_peer::OrderbookRsPeer::new()
    }
    fn apply(&mut self, op: &StreamOp) {
        orderbook_rs_peer::OrderbookRsPeer::apply(self, op);
    }
    fn top(&self) -> TopOfBook {
        orderbook_rs_peer::OrderbookRsPeer::top(self)
    }
}

/// The benchmark stream: `PREFILL` adds, then `MIXED` mixed operations.
pub fn stream() -> Vec<StreamOp> {
    stream::gen_stream(SEED, PREFILL, MIXED).0
}

/// A book with the prefill applied (outside the timed part).
pub fn prefilled<P: Peer>(ops: &[StreamOp]) -> P {
    let mut p = P::new();
    for op in &ops[..PREFILL] {
        p.apply(op);
    }
    p
}

/// Applies the whole stream, checking the top of book every 1,000 ops against `reference`.
pub fn replay_checked<P: Peer>(ops: &[StreamOp], reference: &[TopOfBook]) -> P {
    let mut p = P::new();
    for (i, op) in ops.iter().enumerate() {
        p.apply(op);
        if i % 1_000 == 999 {
            assert_eq!(
                p.top(),
                reference[i / 1_000],
                "top of book differs after op {i}"
            );
        }
    }
    p
}

/// The reference model's top of book after every 1,000 ops.
pub fn reference_tops(ops: &[StreamOp]) -> Vec<TopOfBook> {
    let mut r = stream::RefBook::default();
    let mut tops = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        r.apply(op);
        if i % 1_000 == 999 {
            tops.push(r.top());
        }
    }
    tops
}
