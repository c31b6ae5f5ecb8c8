//! Adapter for `lobster` 0.7.0 (ISC). Single-threaded book, `u128` order ids,
//! `u64` prices and quantities; every operation goes through `OrderBook::execute`.

use super::stream::{StreamOp, TopOfBook};
use lobster::{OrderBook, OrderType, Side};

/// A `lobster::OrderBook` driven by [`StreamOp`]s.
#[derive(Debug)]
pub struct LobsterPeer {
    book: OrderBook,
}

impl Default for LobsterPeer {
    fn default() -> Self {
        Self::new()
    }
}

impl LobsterPeer {
    /// `OrderBook::default()`: arena of 10,000 preallocated order slots,
    /// per-level queue capacity 10, stats tracking off (stats tracking would
    /// clone every `OrderEvent` with its fills `Vec`).
    pub fn new() -> Self {
        Self {
            book: OrderBook::default(),
        }
    }

    /// One `execute` call per op. Ids are widened `u64 -> u128` (no map needed).
    /// The returned `OrderEvent` is dropped; the crate itself allocates a fills
    /// `Vec` only when an order trades (`Vec::new()` is allocation-free).
    #[inline]
    pub fn apply(&mut self, op: &StreamOp) {
        let order = match *op {
            StreamOp::Limit {
                id,
                buy,
                price,
                qty,
            } => OrderType::Limit {
                id: u128::from(id),
                side: if buy { Side::Bid } else { Side::Ask },
                qty,
                price,
            },
            StreamOp::Cancel { id } => OrderType::Cancel { id: u128::from(id) },
            StreamOp::Market { id, buy, qty } => OrderType::Market {
                id: u128::from(id),
                side: if buy { Side::Bid } else { Side::Ask },
                qty,
            },
        };
        let _ = self.book.execute(order);
    }

    /// Best prices come from `max_bid()` / `min_ask()` (O(1), cached by the
    /// crate). The crate exposes no per-level quantity accessor, so the
    /// quantity is read from `depth()`, which walks and allocates every
    /// level (its `levels` argument only sizes the Vecs; bids come out in
    /// ascending price order). Not meant for the timed path.
    pub fn top(&self) -> TopOfBook {
        let depth = self.book.depth(1);
        let qty_at = |levels: &[lobster::BookLevel], price: u64| {
            levels
                .iter()
                .find(|l| l.price == price)
                .map_or(0, |l| l.qty)
        };
        TopOfBook {
            bid: self.book.max_bid().map(|p| (p, qty_at(&depth.bids, p))),
            ask: self.book.min_ask().map(|p| (p, qty_at(&depth.asks, p))),
        }
    }
}
