//! The ecomatch book driven by the common stream.

use super::stream::{MID, StreamOp, TopOfBook};
use ecomatch_engine::book::{CancelReason, Event, NewOrder, OrderBook, Phase, Side};
use ecomatch_engine::id::OrderId;
use ecomatch_engine::instrument::BookCapacity;
use ecomatch_engine::quantity::Price;

/// An [`OrderBook`] with a reused event buffer.
pub struct EcoPeer {
    book: OrderBook,
    events: Vec<Event>,
}

/// A book wide enough for the stream: ±2,000 ticks around the mid, room for 4,096 orders.
pub fn bench_book() -> OrderBook {
    let cap = BookCapacity {
        max_orders: 4_096,
        max_levels: 2_048,
        min_price: Price::from_ticks(MID - 2_000),
        max_price: Price::from_ticks(MID + 2_000),
    };
    let mut book = OrderBook::new(cap);
    book.set_phase(Phase::Continuous, &mut Vec::new());
    book
}

fn side(buy: bool) -> Side {
    if buy { Side::Buy } else { Side::Sell }
}

impl EcoPeer {
    /// An empty, open book.
    pub fn new() -> Self {
        Self {
            book: bench_book(),
            events: Vec::with_capacity(4_096),
        }
    }

    /// One request per op. Every order has its own account (the id), so self-trade
    /// prevention never fires; a market order is an IOC at the band edge.
    #[inline]
    pub fn apply(&mut self, op: &StreamOp) {
        self.events.clear();
        let r = match *op {
            StreamOp::Limit {
                id,
                buy,
                price,
                qty,
            } => self.book.submit(
                &NewOrder::limit(id, id as u32, side(buy), price, qty),
                &mut self.events,
            ),
            StreamOp::Cancel { id } => self
                .book
                .cancel(OrderId(id), CancelReason::Requested, &mut self.events)
                .map(|_| ()),
            StreamOp::Market { id, buy, qty } => self.book.submit(
                &NewOrder::market(id, id as u32, side(buy), qty),
                &mut self.events,
            ),
        };
        debug_assert!(
            r.is_ok() || matches!(op, StreamOp::Cancel { .. }),
            "{op:?}: {r:?}"
        );
    }

    /// Best bid and ask.
    pub fn top(&self) -> TopOfBook {
        let lv = |s| self.book.best(s).map(|l| (l.price.ticks(), l.qty.lots()));
        TopOfBook {
            bid: lv(Side::Buy),
            ask: lv(Side::Sell),
        }
    }

    /// The book.
    pub fn book(&self) -> &OrderBook {
        &self.book
    }
}
