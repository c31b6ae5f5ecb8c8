//! The continuous order book of one instrument: price-time priority, owned by one thread.
//!
//! Layout: each side is a flat array of price levels over the book's price window (the band
//! of these markets is narrow, so the array is small), each level a FIFO list threaded through
//! a preallocated pool of order slots, and a two-level bitset to find the next occupied level.
//! Entering, matching and canceling orders never allocate once the book is built: the pool, the
//! ladders and the id index are sized from [`BookCapacity`] up front, and a request that would
//! need more gets a [`BookError::BookFull`] refusal.
//!
//! Every request either fails with a [`BookError`] and changes nothing, or succeeds and
//! appends the [`Event`]s that describe the change to the caller's buffer.

mod error;
mod event;
mod invariants;
mod ladder;
mod matching;
mod order;
mod pool;
mod restore;

pub use error::{BookError, Capacity};
pub use event::{CancelReason, Event, ExpireReason};
pub use order::{NewOrder, Phase, Side, Stp, Tif};

use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::id::{AccountId, OrderId};
use crate::instrument::{BookCapacity, Instrument};
use crate::quantity::{Price, Qty};
use ladder::Ladder;
use pool::Pool;

/// A price level as seen from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LevelView {
    /// The price.
    pub price: Price,
    /// Total resting quantity.
    pub qty: Qty,
    /// Number of resting orders.
    pub orders: u32,
}

/// A resting order as seen from outside.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderView {
    /// The order id.
    pub id: OrderId,
    /// The owner.
    pub account: AccountId,
    /// The side.
    pub side: Side,
    /// The limit price.
    pub price: Price,
    /// Open quantity.
    pub leaves: Qty,
    /// Quantity filled so far.
    pub filled: Qty,
    /// Time in force.
    pub tif: Tif,
    /// Self-trade prevention mode.
    pub stp: Stp,
    /// Post-only flag.
    pub post_only: bool,
}

/// The continuous order book of one instrument.
#[derive(Clone, Debug)]
pub struct OrderBook {
    cap: BookCapacity,
    band: (Price, Price),
    phase: Phase,
    bids: Ladder,
    asks: Ladder,
    pool: Pool,
    index: FxHashMap<OrderId, u32>,
    levels_in_use: u32,
    arrivals: u64,
    last_id: Option<OrderId>,
}

impl OrderBook {
    /// An empty, closed book with the given capacity, its band the whole price window.
    ///
    /// # Panics
    /// If the capacity is invalid; [`Instrument::new`] validates it.
    pub fn new(cap: BookCapacity) -> Self {
        assert!(
            cap.max_orders > 0 && cap.max_levels > 0,
            "book capacity must be positive"
        );
        assert!(
            cap.min_price.ticks() > 0 && cap.min_price <= cap.max_price,
            "empty price window"
        );
        assert!(
            cap.window() <= BookCapacity::MAX_WINDOW,
            "price window too wide"
        );
        let window = cap.window() as usize;
        Self {
            cap,
            band: (cap.min_price, cap.max_price),
            phase: Phase::Closed,
            bids: Ladder::new(window, true),
            asks: Ladder::new(window, false),
            pool: Pool::with_capacity(cap.max_orders),
            index: FxHashMap::with_capacity_and_hasher(cap.max_orders as usize, FxBuildHasher),
            levels_in_use: 0,
            arrivals: 0,
            last_id: None,
        }
    }

    /// An empty, closed book for an instrument, with the instrument's current price band.
    pub fn for_instrument(instrument: &Instrument) -> Self {
        let mut book = Self::new(instrument.spec().capacity);
        let (lo, hi) = instrument.price_limits();
        book.set_band(lo, hi);
        book
    }

    /// The trading phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Changes the trading phase, reporting a [`Event::Phase`] if it changed.
    pub fn set_phase(&mut self, phase: Phase, out: &mut Vec<Event>) {
        if self.phase != phase {
            self.phase = phase;
            out.push(Event::Phase { phase });
        }
    }

    /// The band new prices must lie in, inclusive.
    pub fn band(&self) -> (Price, Price) {
        self.band
    }

    /// Sets the band, cut to the price window. Resting orders outside it stay where they are.
    ///
    /// # Panics
    /// If `lo > hi` or the band does not meet the window.
    pub fn set_band(&mut self, lo: Price, hi: Price) {
        let lo = lo.max(self.cap.min_price);
        let hi = hi.min(self.cap.max_price);
        assert!(
            lo <= hi,
            "price band {lo}..={hi} is empty or outside the window"
        );
        self.band = (lo, hi);
    }

    /// The capacity the book was built with.
    pub fn capacity(&self) -> &BookCapacity {
        &self.cap
    }

    /// The number of resting orders.
    pub fn len(&self) -> usize {
        self.pool.live() as usize
    }

    /// True if no order rests.
    pub fn is_empty(&self) -> bool {
        self.pool.live() == 0
    }

    /// The number of occupied price levels, both sides.
    pub fn level_count(&self) -> u32 {
        self.levels_in_use
    }

    /// The best level of a side.
    pub fn best(&self, side: Side) -> Option<LevelView> {
        let ladder = self.ladder(side);
        ladder.best().map(|i| self.level_view(ladder, i))
    }

    /// The occupied levels of a side, best first.
    pub fn levels(&self, side: Side) -> impl Iterator<Item = LevelView> + '_ {
        let ladder = self.ladder(side);
        ladder
            .occupied_from_best()
            .map(move |i| self.level_view(ladder, i))
    }

    /// The resting orders at one price, in time priority.
    pub fn orders_at(&self, side: Side, price: Price) -> impl Iterator<Item = OrderView> + '_ {
        let head = self
            .index_of(price)
            .map_or(pool::NIL, |i| self.ladder(side).level(i).head);
        core::iter::successors((head != pool::NIL).then_some(head), move |&s| {
            let next = self.pool.get(s).next;
            (next != pool::NIL).then_some(next)
        })
        .map(move |s| self.order_view(s))
    }

    /// All resting orders: bids best first, then asks best first, each level in time priority.
    pub fn orders(&self) -> impl Iterator<Item = OrderView> + '_ {
        [Side::Buy, Side::Sell].into_iter().flat_map(move |side| {
            self.levels(side)
                .flat_map(move |l| self.orders_at(side, l.price))
        })
    }

    /// A resting order by id.
    pub fn order(&self, id: OrderId) -> Option<OrderView> {
        self.index.get(&id).map(|&s| self.order_view(s))
    }

    /// Cancels the rest of a resting order.
    pub fn cancel(
        &mut self,
        id: OrderId,
        reason: CancelReason,
        out: &mut Vec<Event>,
    ) -> Result<Qty, BookError> {
        let slot = self.slot_of(id)?;
        let o = *self.pool.get(slot);
        self.remove_resting(slot, out);
        out.push(Event::Canceled {
            order_id: id,
            account: o.account,
            qty: o.leaves,
            leaves: Qty::ZERO,
            reason,
        });
        Ok(o.leaves)
    }

    /// Expires every DAY order (the end of the trading day): bids best first, then asks.
    pub fn expire_day_orders(&mut self, out: &mut Vec<Event>) {
        for side in [Side::Buy, Side::Sell] {
            let mut next = self.ladder(side).best();
            while let Some(idx) = next {
                // Find the next level first: this one may empty and vanish from the bitset.
                next = self.ladder(side).next_worse(idx);
                let mut s = self.ladder(side).level(idx).head;
                let mut changed = false;
                while s != pool::NIL {
                    let slot = s;
                    let o = *self.pool.get(slot);
                    s = o.next;
                    if o.tif == Tif::Day {
                        changed = true;
                        self.remove_resting_quiet(slot);
                        out.push(Event::Expired {
                            order_id: o.id,
                            account: o.account,
                            qty: o.leaves,
                            reason: ExpireReason::EndOfDay,
                        });
                    }
                }
                if changed {
                    self.push_level_delta(side, idx, out);
                }
            }
        }
    }

    fn ladder(&self, side: Side) -> &Ladder {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn index_of(&self, price: Price) -> Option<u32> {
        let off = price.ticks().checked_sub(self.cap.min_price.ticks())?;
        (price <= self.cap.max_price).then_some(off as u32)
    }

    fn price_of(&self, idx: u32) -> Price {
        Price::from_ticks(self.cap.min_price.ticks() + u64::from(idx))
    }

    fn level_view(&self, ladder: &Ladder, idx: u32) -> LevelView {
        let l = ladder.level(idx);
        LevelView {
            price: self.price_of(idx),
            qty: Qty::from_lots(l.qty),
            orders: l.count,
        }
    }

    fn order_view(&self, slot: u32) -> OrderView {
        let o = self.pool.get(slot);
        OrderView {
            id: o.id,
            account: o.account,
            side: o.side,
            price: self.price_of(o.idx),
            leaves: o.leaves,
            filled: o.filled,
            tif: o.tif,
            stp: o.stp,
            post_only: o.post_only,
        }
    }

    fn slot_of(&self, id: OrderId) -> Result<u32, BookError> {
        match self.index.get(&id) {
            Some(&s) => Ok(s),
            None if self.last_id.is_some_and(|last| id <= last) => Err(BookError::OrderNotOpen(id)),
            None => Err(BookError::UnknownOrder(id)),
        }
    }

    fn push_level_delta(&self, side: Side, idx: u32, out: &mut Vec<Event>) {
        let l = self.ladder(side).level(idx);
        out.push(Event::Level {
            side,
            price: self.price_of(idx),
            qty: Qty::from_lots(l.qty),
            orders: l.count,
        });
    }
}

#[cfg(test)]
mod tests;
