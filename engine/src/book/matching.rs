//! Order entry, matching, amendment and removal: the mutating half of [`OrderBook`].

use super::event::{CancelReason, Event, ExpireReason};
use super::ladder::Ladder;
use super::order::{NewOrder, Phase, Side, Stp, Tif};
use super::pool::{NIL, Slot};
use super::{BookError, Capacity, OrderBook};
use crate::id::{AccountId, OrderId};
use crate::quantity::{Price, Qty};

/// An incoming order while it matches.
#[derive(Clone, Copy, Debug)]
struct Taker {
    id: OrderId,
    account: AccountId,
    side: Side,
    /// Limit as an index into the window.
    limit: u32,
    /// Open quantity.
    leaves: Qty,
    /// Quantity traded so far in this pass.
    traded: Qty,
    stp: Stp,
}

/// How a matching pass ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TakeEnd {
    /// Nothing more to match: the taker is filled, or the book no longer crosses its limit.
    Done,
    /// Self-trade prevention canceled the rest of the taker.
    SelfTradeStop,
}

/// What a matching pass would do, worked out without changing the book.
#[derive(Clone, Copy, Debug, Default)]
struct Plan {
    /// Quantity that would trade.
    traded: u64,
    /// Quantity that would be left to rest (zero if self-trade prevention cancels it).
    rests: u64,
    /// Order slots the pass would free.
    freed_slots: u32,
    /// Price levels the pass would empty.
    freed_levels: u32,
}

impl OrderBook {
    /// Enters a new order: it matches what it can and, per its time in force, rests or expires.
    pub fn submit(&mut self, order: &NewOrder, out: &mut Vec<Event>) -> Result<(), BookError> {
        self.check_phase()?;
        let limit = self.validate_new(order)?;
        let mut taker = Taker {
            id: order.id,
            account: order.account,
            side: order.side,
            limit,
            leaves: order.qty,
            traded: Qty::ZERO,
            stp: order.stp,
        };
        if order.post_only && self.crosses(order.side, limit) {
            return Err(BookError::PostOnlyWouldTake);
        }
        let must_plan =
            order.tif == Tif::Fok || (order.tif.rests() && !self.has_room(order.side, limit));
        let plan = must_plan.then(|| self.plan(&taker));
        if let Some(plan) = plan {
            if order.tif.rests() && plan.rests > 0 && !self.has_room_after(order.side, limit, &plan)
            {
                return Err(BookError::BookFull(self.full_capacity(&plan)));
            }
        }
        self.last_id = Some(order.id);
        out.push(Event::Accepted {
            order_id: order.id,
            account: order.account,
            side: order.side,
            price: self.price_of(limit),
            qty: order.qty,
        });
        if order.tif == Tif::Fok && plan.is_some_and(|p| p.traded < order.qty.lots()) {
            out.push(Self::expired(&taker, ExpireReason::FokUnfillable));
            return Ok(());
        }
        let end = self.take(&mut taker, out);
        self.finish_taker(&taker, end, order, out);
        Ok(())
    }

    /// Amends a resting order's price and/or total quantity (filled + open).
    ///
    /// A smaller quantity at the same price keeps time priority; a price change or a larger
    /// quantity sends the order to the back, and a new price that crosses the book trades at
    /// once, like a new order.
    pub fn amend(
        &mut self,
        id: OrderId,
        price: Option<Price>,
        qty: Option<Qty>,
        out: &mut Vec<Event>,
    ) -> Result<(), BookError> {
        self.check_phase()?;
        let slot = self.slot_of(id)?;
        let o = *self.pool.get(slot);
        let total = qty.unwrap_or(o.filled.checked_add(o.leaves).expect("qty overflow"));
        if total.is_zero() {
            return Err(BookError::InvalidQuantity);
        }
        let leaves = total.checked_sub(o.filled).filter(|l| !l.is_zero());
        let leaves = leaves.ok_or(BookError::AmendQtyTooLow { filled: o.filled })?;
        let idx = match price {
            Some(p) => self.validate_price(p)?,
            None => o.idx,
        };
        if idx == o.idx && leaves <= o.leaves {
            self.reduce_in_place(slot, leaves, out);
            return Ok(());
        }
        if o.post_only && self.crosses(o.side, idx) {
            return Err(BookError::PostOnlyWouldTake);
        }
        let own_level = self.ladder(o.side).level(o.idx).count;
        let frees_level = idx != o.idx && own_level == 1;
        let needs_level = !self.ladder(o.side).is_occupied(idx);
        if needs_level && !frees_level && self.levels_in_use >= self.cap.max_levels {
            return Err(BookError::BookFull(Capacity::Levels));
        }
        self.requeue(slot, idx, leaves, out);
        Ok(())
    }

    fn check_phase(&self) -> Result<(), BookError> {
        match self.phase {
            Phase::Continuous => Ok(()),
            Phase::Closed => Err(BookError::MarketClosed),
            Phase::Halted => Err(BookError::MarketHalted),
            Phase::Call => Err(BookError::MarketInCall),
        }
    }

    /// Checks a new order and returns its limit as a window index.
    fn validate_new(&self, o: &NewOrder) -> Result<u32, BookError> {
        if o.qty.is_zero() {
            return Err(BookError::InvalidQuantity);
        }
        if o.post_only && o.price.is_none() {
            return Err(BookError::InvalidOrder(
                "a market order cannot be post-only",
            ));
        }
        if o.post_only && !o.tif.rests() {
            return Err(BookError::InvalidOrder(
                "a post-only order must be GTC or DAY",
            ));
        }
        if self.last_id.is_some_and(|last| o.id <= last) {
            return Err(BookError::DuplicateOrderId(o.id));
        }
        let price = o.price.unwrap_or(match o.side {
            Side::Buy => self.band.1,
            Side::Sell => self.band.0,
        });
        self.validate_price(price)
    }

    fn validate_price(&self, price: Price) -> Result<u32, BookError> {
        if price.ticks() == 0 {
            return Err(BookError::InvalidPrice);
        }
        let (lo, hi) = self.band;
        if price < lo || price > hi {
            return Err(BookError::PriceOutsideBand { price, lo, hi });
        }
        Ok(self
            .index_of(price)
            .expect("the band lies inside the window"))
    }

    /// True if an order on `side` limited at `idx` would meet the opposite best.
    pub(super) fn crosses(&self, side: Side, idx: u32) -> bool {
        match side {
            Side::Buy => self.asks.best().is_some_and(|a| a <= idx),
            Side::Sell => self.bids.best().is_some_and(|b| b >= idx),
        }
    }

    /// True if an order could rest at `idx` without freeing anything first.
    fn has_room(&self, side: Side, idx: u32) -> bool {
        !self.pool.is_full()
            && (self.ladder(side).is_occupied(idx) || self.levels_in_use < self.cap.max_levels)
    }

    fn has_room_after(&self, side: Side, idx: u32, plan: &Plan) -> bool {
        let slots = !self.pool.is_full() || plan.freed_slots > 0;
        let levels = self.ladder(side).is_occupied(idx)
            || self.levels_in_use - plan.freed_levels < self.cap.max_levels;
        slots && levels
    }

    fn full_capacity(&self, plan: &Plan) -> Capacity {
        if self.pool.is_full() && plan.freed_slots == 0 {
            Capacity::Orders
        } else {
            Capacity::Levels
        }
    }

    /// Works out what matching `t` would do, in the same order as [`Self::take`].
    #[allow(clippy::many_single_char_names)] // q, s, m, f, d: the quantities of the walk
    fn plan(&self, t: &Taker) -> Plan {
        let opp = self.ladder(t.side.opposite());
        let mut plan = Plan::default();
        let mut q = t.leaves.lots();
        let mut lvl = opp.best();
        while let Some(idx) = lvl.filter(|&i| q > 0 && Self::crosses_at(t.side, i, t.limit)) {
            let mut left = opp.level(idx).count;
            let mut s = opp.level(idx).head;
            let mut stop = false;
            while s != NIL && q > 0 && !stop {
                let m = self.pool.get(s);
                let removed = if m.account == t.account {
                    match t.stp {
                        Stp::CancelNewest => {
                            stop = true;
                            false
                        }
                        Stp::CancelOldest => true,
                        Stp::CancelBoth => {
                            stop = true;
                            true
                        }
                        Stp::Decrement => {
                            let d = q.min(m.leaves.lots());
                            q -= d;
                            d == m.leaves.lots()
                        }
                    }
                } else {
                    let f = q.min(m.leaves.lots());
                    q -= f;
                    plan.traded += f;
                    f == m.leaves.lots()
                };
                if removed {
                    plan.freed_slots += 1;
                    left -= 1;
                }
                s = m.next;
            }
            if left == 0 {
                plan.freed_levels += 1;
            }
            if stop {
                return plan;
            }
            lvl = opp.next_worse(idx);
        }
        plan.rests = q;
        plan
    }

    fn crosses_at(side: Side, level: u32, limit: u32) -> bool {
        match side {
            Side::Buy => level <= limit,
            Side::Sell => level >= limit,
        }
    }

    /// Matches `t` against the opposite side, best level first, each level in time priority.
    fn take(&mut self, t: &mut Taker, out: &mut Vec<Event>) -> TakeEnd {
        let opp_side = t.side.opposite();
        while !t.leaves.is_zero() {
            let Some(idx) = self.ladder(opp_side).best() else {
                break;
            };
            if !Self::crosses_at(t.side, idx, t.limit) {
                break;
            }
            let (changed, stop) = self.take_level(t, idx, out);
            if changed {
                self.push_level_delta(opp_side, idx, out);
            }
            if stop {
                return TakeEnd::SelfTradeStop;
            }
        }
        TakeEnd::Done
    }

    /// Matches `t` within one level; returns (level changed, self-trade stop).
    fn take_level(&mut self, t: &mut Taker, idx: u32, out: &mut Vec<Event>) -> (bool, bool) {
        let opp_side = t.side.opposite();
        let price = self.price_of(idx);
        let mut changed = false;
        let mut s = self.ladder(opp_side).level(idx).head;
        while s != NIL && !t.leaves.is_zero() {
            let m = *self.pool.get(s);
            let next = m.next;
            if m.account == t.account {
                match t.stp {
                    Stp::CancelNewest => return (changed, true),
                    Stp::CancelOldest | Stp::CancelBoth => {
                        self.remove_resting_quiet(s);
                        out.push(canceled(&m, m.leaves, CancelReason::SelfTrade));
                        if t.stp == Stp::CancelBoth {
                            return (true, true);
                        }
                    }
                    Stp::Decrement => self.decrement(t, s, out),
                }
            } else {
                self.fill(t, s, price, out);
            }
            changed = true;
            s = next;
        }
        (changed, false)
    }

    /// Trades `t` against the resting order in `slot`.
    fn fill(&mut self, t: &mut Taker, slot: u32, price: Price, out: &mut Vec<Event>) {
        let m = *self.pool.get(slot);
        let q = t.leaves.min(m.leaves);
        let maker_leaves = m.leaves.checked_sub(q).expect("fill within maker");
        t.leaves = t.leaves.checked_sub(q).expect("fill within taker");
        t.traded = t.traded.checked_add(q).expect("qty overflow");
        out.push(Event::Trade {
            maker: m.id,
            maker_account: m.account,
            taker: t.id,
            taker_account: t.account,
            aggressor: t.side,
            price,
            qty: q,
            maker_leaves,
            taker_leaves: t.leaves,
        });
        self.shrink_resting(slot, q, true);
    }

    /// Self-trade prevention by decrement: both lose the smaller quantity, without a trade.
    fn decrement(&mut self, t: &mut Taker, slot: u32, out: &mut Vec<Event>) {
        let m = *self.pool.get(slot);
        let d = t.leaves.min(m.leaves);
        let maker_leaves = m.leaves.checked_sub(d).expect("decrement within maker");
        t.leaves = t.leaves.checked_sub(d).expect("decrement within taker");
        out.push(Event::Canceled {
            order_id: m.id,
            account: m.account,
            qty: d,
            leaves: maker_leaves,
            reason: CancelReason::SelfTrade,
        });
        out.push(Event::Canceled {
            order_id: t.id,
            account: t.account,
            qty: d,
            leaves: t.leaves,
            reason: CancelReason::SelfTrade,
        });
        self.shrink_resting(slot, d, false);
    }

    /// Takes `q` off a resting order (filled if `traded`), removing it when nothing is left.
    fn shrink_resting(&mut self, slot: u32, q: Qty, traded: bool) {
        let m = self.pool.get_mut(slot);
        m.leaves = m.leaves.checked_sub(q).expect("shrink within leaves");
        if traded {
            m.filled = m.filled.checked_add(q).expect("qty overflow");
        }
        let (side, idx, done) = (m.side, m.idx, m.leaves.is_zero());
        self.ladder_mut(side).reduce(idx, q);
        if done {
            self.remove_resting_quiet(slot);
        }
    }

    /// After matching: rest, expire, or cancel (self-trade) what is left of a new order.
    fn finish_taker(&mut self, t: &Taker, end: TakeEnd, o: &NewOrder, out: &mut Vec<Event>) {
        if t.leaves.is_zero() {
            return;
        }
        if end == TakeEnd::SelfTradeStop {
            out.push(Event::Canceled {
                order_id: t.id,
                account: t.account,
                qty: t.leaves,
                leaves: Qty::ZERO,
                reason: CancelReason::SelfTrade,
            });
        } else if o.tif.rests() {
            let slot = Slot {
                id: t.id,
                account: t.account,
                arrival: 0,
                leaves: t.leaves,
                filled: t.traded,
                idx: t.limit,
                prev: NIL,
                next: NIL,
                side: t.side,
                tif: o.tif,
                stp: o.stp,
                post_only: o.post_only,
                live: true,
            };
            let s = self
                .pool
                .alloc(slot)
                .expect("room was checked before matching");
            self.index.insert(t.id, s);
            self.enqueue(s, out);
        } else {
            debug_assert_ne!(o.tif, Tif::Fok, "an unfillable FOK never reaches matching");
            out.push(Self::expired(t, ExpireReason::IocRemainder));
        }
    }

    fn expired(t: &Taker, reason: ExpireReason) -> Event {
        Event::Expired {
            order_id: t.id,
            account: t.account,
            qty: t.leaves,
            reason,
        }
    }

    /// Puts an allocated, unlinked slot at the back of its level.
    pub(super) fn enqueue(&mut self, slot: u32, out: &mut Vec<Event>) {
        self.arrivals += 1;
        let s = self.pool.get_mut(slot);
        s.arrival = self.arrivals;
        let (side, idx, leaves) = (s.side, s.idx, s.leaves);
        let (ladder, pool) = match side {
            Side::Buy => (&mut self.bids, &mut self.pool),
            Side::Sell => (&mut self.asks, &mut self.pool),
        };
        if ladder.push_back(idx, slot, leaves, pool) {
            self.levels_in_use += 1;
            assert!(
                self.levels_in_use <= self.cap.max_levels,
                "level capacity overrun"
            );
        }
        self.push_level_delta(side, idx, out);
        debug_assert!(!self.is_crossed(), "book crossed after resting an order");
    }

    /// Same price, smaller (or equal) quantity: keeps its place in the queue.
    fn reduce_in_place(&mut self, slot: u32, leaves: Qty, out: &mut Vec<Event>) {
        let o = *self.pool.get(slot);
        let by = o.leaves.checked_sub(leaves).expect("reduction");
        self.pool.get_mut(slot).leaves = leaves;
        self.ladder_mut(o.side).reduce(o.idx, by);
        out.push(Event::Amended {
            order_id: o.id,
            account: o.account,
            price: self.price_of(o.idx),
            qty: o.filled.checked_add(leaves).expect("qty overflow"),
            leaves,
            priority_kept: true,
        });
        if !by.is_zero() {
            self.push_level_delta(o.side, o.idx, out);
        }
    }

    /// Loses priority: leaves its level, may trade at a new price, and rests at the back.
    fn requeue(&mut self, slot: u32, idx: u32, leaves: Qty, out: &mut Vec<Event>) {
        let o = *self.pool.get(slot);
        self.unlink_resting(slot);
        self.push_level_delta(o.side, o.idx, out);
        out.push(Event::Amended {
            order_id: o.id,
            account: o.account,
            price: self.price_of(idx),
            qty: o.filled.checked_add(leaves).expect("qty overflow"),
            leaves,
            priority_kept: false,
        });
        let mut t = Taker {
            id: o.id,
            account: o.account,
            side: o.side,
            limit: idx,
            leaves,
            traded: Qty::ZERO,
            stp: o.stp,
        };
        let end = self.take(&mut t, out);
        let s = self.pool.get_mut(slot);
        s.leaves = t.leaves;
        s.filled = s.filled.checked_add(t.traded).expect("qty overflow");
        s.idx = idx;
        if t.leaves.is_zero() || end == TakeEnd::SelfTradeStop {
            if end == TakeEnd::SelfTradeStop && !t.leaves.is_zero() {
                out.push(Event::Canceled {
                    order_id: o.id,
                    account: o.account,
                    qty: t.leaves,
                    leaves: Qty::ZERO,
                    reason: CancelReason::SelfTrade,
                });
            }
            self.index.remove(&o.id);
            self.pool.free(slot);
        } else {
            self.enqueue(slot, out);
        }
    }

    /// Removes a resting order and reports its level.
    pub(super) fn remove_resting(&mut self, slot: u32, out: &mut Vec<Event>) {
        let o = *self.pool.get(slot);
        self.remove_resting_quiet(slot);
        self.push_level_delta(o.side, o.idx, out);
    }

    /// Removes a resting order: out of its level, the index and the pool.
    pub(super) fn remove_resting_quiet(&mut self, slot: u32) {
        let id = self.pool.get(slot).id;
        self.unlink_resting(slot);
        self.index.remove(&id);
        self.pool.free(slot);
    }

    /// Takes a resting order out of its level, keeping its slot and index entry.
    fn unlink_resting(&mut self, slot: u32) {
        let o = *self.pool.get(slot);
        let (ladder, pool) = match o.side {
            Side::Buy => (&mut self.bids, &mut self.pool),
            Side::Sell => (&mut self.asks, &mut self.pool),
        };
        if ladder.unlink(o.idx, slot, o.leaves, pool) {
            self.levels_in_use -= 1;
        }
    }

    fn ladder_mut(&mut self, side: Side) -> &mut Ladder {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    pub(super) fn is_crossed(&self) -> bool {
        matches!((self.bids.best(), self.asks.best()), (Some(b), Some(a)) if b >= a)
    }
}

/// The event for canceling `qty` of resting order `m`, leaving nothing.
fn canceled(m: &Slot, qty: Qty, reason: CancelReason) -> Event {
    Event::Canceled {
        order_id: m.id,
        account: m.account,
        qty,
        leaves: Qty::ZERO,
        reason,
    }
}
