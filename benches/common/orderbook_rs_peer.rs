//! Adapter for `orderbook-rs` 0.15.3 (MIT). Concurrent book (crossbeam `SkipMap`
//! levels from `pricelevel` 0.10.2, `DashMap` order index, `RwLock` submit gate);
//! `u128` prices, `u64` quantities, `pricelevel::Id` order ids.

use super::stream::{StreamOp, TopOfBook};
use orderbook_rs::{Clock, Id, OrderBook, Side, StubClock, TimeInForce};
use std::sync::Arc;

/// An `orderbook_rs::OrderBook<()>` driven by [`StreamOp`]s.
pub struct OrderbookRsPeer {
    book: OrderBook<()>,
}

impl Default for OrderbookRsPeer {
    fn default() -> Self {
        Self::new()
    }
}

/// Order ids: `Id` has a `Sequential(u64)` variant (Copy, Hash, Eq), so the
/// stream's `u64` maps to it 1:1 with no map and no UUID construction.
/// (`Id::from_u64` would instead embed the u64 in a UUID: same cost, less clear.)
#[inline]
fn oid(id: u64) -> Id {
    Id::Sequential(id)
}

#[inline]
fn side(buy: bool) -> Side {
    if buy { Side::Buy } else { Side::Sell }
}

impl OrderbookRsPeer {
    /// `OrderBook::with_clock` with a `StubClock` (an atomic counter) instead of
    /// the default `MonotonicClock` (`SystemTime::now()` on every add): order
    /// timestamps are then deterministic and no clock is read per op. Priority
    /// within a level is by queue position, not timestamp, and GTC orders never
    /// read it, so matching is unchanged. No tick/lot size, no STP, no fees,
    /// no risk config, no listeners (all default off).
    pub fn new() -> Self {
        let clock: Arc<dyn Clock> = Arc::new(StubClock::new());
        Self {
            book: OrderBook::with_clock("PEER", clock),
        }
    }

    /// - Limit: `add_limit_order(id, price, qty, side, Gtc, None)`; user id
    ///   `Hash32::zero()`, matches a crossing part, rests the rest.
    /// - Cancel: `cancel_order(id)`; `Ok(None)` when the id is not resting.
    /// - Market: `match_market_order(id, qty, side)`, the public sweep that
    ///   `submit_market_order` calls after its kill-switch and (no-op) risk
    ///   checks; returns `Err(InsufficientLiquidity)` when the opposite side is
    ///   empty (the book is untouched), `Ok` with a partial fill otherwise;
    ///   the unfilled rest never rests.
    ///
    /// Results are ignored. The crate allocates per op on its own (an
    /// `Arc<OrderType>` per add, trade vectors in `MatchResult`, level nodes).
    #[inline]
    pub fn apply(&mut self, op: &StreamOp) {
        match *op {
            StreamOp::Limit {
                id,
                buy,
                price,
                qty,
            } => {
                let _ = self.book.add_limit_order(
                    oid(id),
                    u128::from(price),
                    qty,
                    side(buy),
                    TimeInForce::Gtc,
                    None,
                );
            }
            StreamOp::Cancel { id } => {
                let _ = self.book.cancel_order(oid(id));
            }
            StreamOp::Market { id, buy, qty } => {
                let _ = self.book.match_market_order(oid(id), qty, side(buy));
            }
        }
    }

    /// `best_bid()` / `best_ask()` (cached) and `total_quantity_at_price`
    /// (one `SkipMap` lookup; visible + hidden quantity of the level).
    pub fn top(&self) -> TopOfBook {
        let level = |price: u128, s: Side| {
            let qty = self
                .book
                .total_quantity_at_price(price, s)
                .ok()
                .flatten()
                .unwrap_or(0);
            (u64::try_from(price).expect("price fits u64"), qty)
        };
        TopOfBook {
            bid: self.book.best_bid().map(|p| level(p, Side::Buy)),
            ask: self.book.best_ask().map(|p| level(p, Side::Sell)),
        }
    }
}
