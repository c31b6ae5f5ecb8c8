//! A deliberately simple reference model of the order book: each side one Vec kept in
//! priority order, every operation a linear scan. It exists to be obviously right, not fast.
//! It follows the rules stated in the book's documentation, written again from them.

#![allow(clippy::many_single_char_names, clippy::too_many_lines)]

use ecomatch_engine::book::{
    BookError, CancelReason, Capacity, Event, ExpireReason, NewOrder, Phase, Side, Stp, Tif,
};
use ecomatch_engine::id::{AccountId, OrderId};
use ecomatch_engine::quantity::{Price, Qty};

/// A resting order in the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MOrder {
    pub id: u64,
    pub account: u32,
    pub side: Side,
    pub price: u64,
    pub leaves: u64,
    pub filled: u64,
    pub tif: Tif,
    pub stp: Stp,
    pub post_only: bool,
}

/// The model book.
#[derive(Clone, Debug)]
pub struct Model {
    /// Bids, best (highest price, earliest) first.
    pub bids: Vec<MOrder>,
    /// Asks, best (lowest price, earliest) first.
    pub asks: Vec<MOrder>,
    pub phase: Phase,
    pub band: (u64, u64),
    pub max_orders: usize,
    pub max_levels: usize,
    pub last_id: Option<u64>,
}

fn level_ev(side: Side, price: u64, orders: &[MOrder]) -> Event {
    let at: Vec<&MOrder> = orders.iter().filter(|o| o.price == price).collect();
    Event::Level {
        side,
        price: Price::from_ticks(price),
        qty: Qty::from_lots(at.iter().map(|o| o.leaves).sum()),
        orders: at.len() as u32,
    }
}

fn cancel_ev(o: &MOrder, qty: u64, leaves: u64) -> Event {
    Event::Canceled {
        order_id: OrderId(o.id),
        account: AccountId(o.account),
        qty: Qty::from_lots(qty),
        leaves: Qty::from_lots(leaves),
        reason: CancelReason::SelfTrade,
    }
}

impl Model {
    pub fn new(band: (u64, u64), max_orders: usize, max_levels: usize) -> Self {
        Self {
            bids: vec![],
            asks: vec![],
            phase: Phase::Continuous,
            band,
            max_orders,
            max_levels,
            last_id: None,
        }
    }

    fn side(&mut self, side: Side) -> &mut Vec<MOrder> {
        match side {
            Side::Buy => &mut self.bids,
            Side::Sell => &mut self.asks,
        }
    }

    fn side_ref(&self, side: Side) -> &Vec<MOrder> {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    fn levels(&self) -> usize {
        let mut prices: Vec<(Side, u64)> = self
            .bids
            .iter()
            .chain(&self.asks)
            .map(|o| (o.side, o.price))
            .collect();
        prices.sort();
        prices.dedup();
        prices.len()
    }

    fn has_level(&self, side: Side, price: u64) -> bool {
        self.side_ref(side).iter().any(|o| o.price == price)
    }

    /// True if a price on `side` meets a resting price on the other side.
    fn meets(side: Side, limit: u64, resting: u64) -> bool {
        match side {
            Side::Buy => resting <= limit,
            Side::Sell => resting >= limit,
        }
    }

    fn find(&self, id: u64) -> Result<(Side, usize), BookError> {
        for side in [Side::Buy, Side::Sell] {
            if let Some(i) = self.side_ref(side).iter().position(|o| o.id == id) {
                return Ok((side, i));
            }
        }
        if self.last_id.is_some_and(|l| id <= l) {
            Err(BookError::OrderNotOpen(OrderId(id)))
        } else {
            Err(BookError::UnknownOrder(OrderId(id)))
        }
    }

    fn check_phase(&self) -> Result<(), BookError> {
        match self.phase {
            Phase::Continuous => Ok(()),
            Phase::Closed => Err(BookError::MarketClosed),
            Phase::Halted => Err(BookError::MarketHalted),
            Phase::Call => Err(BookError::MarketInCall),
        }
    }

    fn check_price(&self, price: u64) -> Result<(), BookError> {
        if price == 0 {
            return Err(BookError::InvalidPrice);
        }
        if price < self.band.0 || price > self.band.1 {
            return Err(BookError::PriceOutsideBand {
                price: Price::from_ticks(price),
                lo: Price::from_ticks(self.band.0),
                hi: Price::from_ticks(self.band.1),
            });
        }
        Ok(())
    }

    /// Rests an order at the back of its price (after every order at an equal or better price).
    fn insert(&mut self, o: MOrder) {
        let side = o.side;
        let v = self.side(side);
        let pos = v
            .iter()
            .position(|r| match side {
                Side::Buy => r.price < o.price,
                Side::Sell => r.price > o.price,
            })
            .unwrap_or(v.len());
        v.insert(pos, o);
    }

    /// Matches `t` against the other side; returns (events, traded, self-trade stop).
    fn take(&mut self, t: &mut MOrder) -> (Vec<Event>, u64, bool) {
        let mut ev = Vec::new();
        let mut traded = 0;
        let opp = t.side.opposite();
        while t.leaves > 0 {
            let Some(price) = self.side_ref(opp).first().map(|o| o.price) else {
                break;
            };
            if !Self::meets(t.side, t.price, price) {
                break;
            }
            let mut changed = false;
            let mut stop = false;
            let mut i = 0;
            while t.leaves > 0
                && i < self.side_ref(opp).len()
                && self.side_ref(opp)[i].price == price
            {
                let m = self.side_ref(opp)[i].clone();
                if m.account == t.account {
                    match t.stp {
                        Stp::CancelNewest => {
                            stop = true;
                            break;
                        }
                        Stp::CancelOldest | Stp::CancelBoth => {
                            self.side(opp).remove(i);
                            ev.push(cancel_ev(&m, m.leaves, 0));
                            changed = true;
                            if t.stp == Stp::CancelBoth {
                                stop = true;
                                break;
                            }
                        }
                        Stp::Decrement => {
                            let d = t.leaves.min(m.leaves);
                            t.leaves -= d;
                            ev.push(cancel_ev(&m, d, m.leaves - d));
                            ev.push(cancel_ev(t, d, t.leaves));
                            changed = true;
                            if d == m.leaves {
                                self.side(opp).remove(i);
                            } else {
                                self.side(opp)[i].leaves -= d;
                                i += 1;
                            }
                        }
                    }
                } else {
                    let q = t.leaves.min(m.leaves);
                    t.leaves -= q;
                    traded += q;
                    changed = true;
                    ev.push(Event::Trade {
                        maker: OrderId(m.id),
                        maker_account: AccountId(m.account),
                        taker: OrderId(t.id),
                        taker_account: AccountId(t.account),
                        aggressor: t.side,
                        price: Price::from_ticks(price),
                        qty: Qty::from_lots(q),
                        maker_leaves: Qty::from_lots(m.leaves - q),
                        taker_leaves: Qty::from_lots(t.leaves),
                    });
                    if q == m.leaves {
                        self.side(opp).remove(i);
                    } else {
                        let r = &mut self.side(opp)[i];
                        r.leaves -= q;
                        r.filled += q;
                        i += 1;
                    }
                }
            }
            if changed {
                ev.push(level_ev(opp, price, self.side_ref(opp)));
            }
            if stop {
                return (ev, traded, true);
            }
        }
        (ev, traded, false)
    }

    /// Enters a new order, with the same rules as the book.
    pub fn submit(&mut self, o: &NewOrder) -> Result<Vec<Event>, BookError> {
        self.check_phase()?;
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
        if self.last_id.is_some_and(|l| o.id.0 <= l) {
            return Err(BookError::DuplicateOrderId(o.id));
        }
        let price = o.price.map_or(
            match o.side {
                Side::Buy => self.band.1,
                Side::Sell => self.band.0,
            },
            Price::ticks,
        );
        self.check_price(price)?;
        let opp_best = self.side_ref(o.side.opposite()).first().map(|r| r.price);
        if o.post_only && opp_best.is_some_and(|b| Self::meets(o.side, price, b)) {
            return Err(BookError::PostOnlyWouldTake);
        }
        let mut t = MOrder {
            id: o.id.0,
            account: o.account.0,
            side: o.side,
            price,
            leaves: o.qty.lots(),
            filled: 0,
            tif: o.tif,
            stp: o.stp,
            post_only: o.post_only,
        };
        // Try it on a copy: a FOK that would not fill in full, or a rest that would not fit
        // after matching, leaves the book as it was.
        let mut trial = self.clone();
        let mut tt = t.clone();
        let (tev, traded, stop) = trial.take(&mut tt);
        let would_rest = o.tif.rests() && !stop && tt.leaves > 0;
        if would_rest {
            let count = trial.bids.len() + trial.asks.len();
            if count >= trial.max_orders {
                return Err(BookError::BookFull(Capacity::Orders));
            }
            if !trial.has_level(o.side, price) && trial.levels() >= trial.max_levels {
                return Err(BookError::BookFull(Capacity::Levels));
            }
        }
        self.last_id = Some(o.id.0);
        let mut ev = vec![Event::Accepted {
            order_id: o.id,
            account: o.account,
            side: o.side,
            price: Price::from_ticks(price),
            qty: o.qty,
        }];
        if o.tif == Tif::Fok && traded < o.qty.lots() {
            ev.push(expired(&t, ExpireReason::FokUnfillable));
            return Ok(ev);
        }
        *self = trial;
        self.last_id = Some(o.id.0);
        ev.extend(tev);
        t.leaves = tt.leaves;
        t.filled = traded;
        self.finish(t, stop, &mut ev);
        Ok(ev)
    }

    fn finish(&mut self, t: MOrder, stop: bool, ev: &mut Vec<Event>) {
        if t.leaves == 0 {
            return;
        }
        if stop {
            ev.push(Event::Canceled {
                order_id: OrderId(t.id),
                account: AccountId(t.account),
                qty: Qty::from_lots(t.leaves),
                leaves: Qty::ZERO,
                reason: CancelReason::SelfTrade,
            });
        } else if t.tif.rests() {
            let (side, price) = (t.side, t.price);
            self.insert(t);
            ev.push(level_ev(side, price, self.side_ref(side)));
        } else {
            ev.push(expired(&t, ExpireReason::IocRemainder));
        }
    }

    pub fn cancel(&mut self, id: u64) -> Result<Vec<Event>, BookError> {
        let (side, i) = self.find(id)?;
        let o = self.side(side).remove(i);
        Ok(vec![
            level_ev(side, o.price, self.side_ref(side)),
            Event::Canceled {
                order_id: OrderId(o.id),
                account: AccountId(o.account),
                qty: Qty::from_lots(o.leaves),
                leaves: Qty::ZERO,
                reason: CancelReason::Requested,
            },
        ])
    }

    pub fn amend(
        &mut self,
        id: u64,
        price: Option<u64>,
        qty: Option<u64>,
    ) -> Result<Vec<Event>, BookError> {
        self.check_phase()?;
        let (side, i) = self.find(id)?;
        let o = self.side_ref(side)[i].clone();
        let total = qty.unwrap_or(o.filled + o.leaves);
        if total == 0 {
            return Err(BookError::InvalidQuantity);
        }
        if total <= o.filled {
            return Err(BookError::AmendQtyTooLow {
                filled: Qty::from_lots(o.filled),
            });
        }
        let leaves = total - o.filled;
        let new_price = match price {
            Some(p) => {
                self.check_price(p)?;
                p
            }
            None => o.price,
        };
        let amended = |leaves: u64, keep: bool| Event::Amended {
            order_id: OrderId(o.id),
            account: AccountId(o.account),
            price: Price::from_ticks(new_price),
            qty: Qty::from_lots(o.filled + leaves),
            leaves: Qty::from_lots(leaves),
            priority_kept: keep,
        };
        if new_price == o.price && leaves <= o.leaves {
            self.side(side)[i].leaves = leaves;
            let mut ev = vec![amended(leaves, true)];
            if leaves < o.leaves {
                ev.push(level_ev(side, o.price, self.side_ref(side)));
            }
            return Ok(ev);
        }
        let opp_best = self.side_ref(side.opposite()).first().map(|r| r.price);
        if o.post_only && opp_best.is_some_and(|b| Self::meets(side, new_price, b)) {
            return Err(BookError::PostOnlyWouldTake);
        }
        let alone = self
            .side_ref(side)
            .iter()
            .filter(|r| r.price == o.price)
            .count()
            == 1;
        let frees = new_price != o.price && alone;
        let needs = !self.has_level(side, new_price);
        if needs && !frees && self.levels() >= self.max_levels {
            return Err(BookError::BookFull(Capacity::Levels));
        }
        let mut t = self.side(side).remove(i);
        let mut ev = vec![
            level_ev(side, o.price, self.side_ref(side)),
            amended(leaves, false),
        ];
        t.price = new_price;
        t.leaves = leaves;
        let (tev, traded, stop) = self.take(&mut t);
        ev.extend(tev);
        t.filled += traded;
        self.finish(t, stop, &mut ev);
        Ok(ev)
    }

    pub fn expire_day(&mut self) -> Vec<Event> {
        let mut ev = Vec::new();
        for side in [Side::Buy, Side::Sell] {
            let mut prices: Vec<u64> = self.side_ref(side).iter().map(|o| o.price).collect();
            prices.dedup();
            for p in prices {
                let day: Vec<MOrder> = self
                    .side_ref(side)
                    .iter()
                    .filter(|o| o.price == p && o.tif == Tif::Day)
                    .cloned()
                    .collect();
                self.side(side)
                    .retain(|o| !(o.price == p && o.tif == Tif::Day));
                for o in &day {
                    ev.push(expired(o, ExpireReason::EndOfDay));
                }
                if !day.is_empty() {
                    ev.push(level_ev(side, p, self.side_ref(side)));
                }
            }
        }
        ev
    }
}

fn expired(o: &MOrder, reason: ExpireReason) -> Event {
    Event::Expired {
        order_id: OrderId(o.id),
        account: AccountId(o.account),
        qty: Qty::from_lots(o.leaves),
        reason,
    }
}
