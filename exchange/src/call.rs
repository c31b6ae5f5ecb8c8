//! Periodic call auctions in the exchange: while a market is in its call phase, new orders
//! pass the same pre-trade checks and holds as in continuous trading but collect here instead
//! of matching; the indicative price is published after every change; when the call ends the
//! market uncrosses at one price ([`ecomatch_engine::auction`]), fills settle delivery versus
//! payment, and what is left of limit orders goes into the book (IOC and market remainders
//! expire). Resting book orders take part in the uncross like the collected ones, in order-id
//! (arrival) order. GEP indicators allocate pro-rata, seeded by the uncross command's time
//! (which is in the log, and the same however the market is cut into shards), every other
//! family by time priority.

use std::collections::BTreeMap;

use ecomatch_engine::auction::{self, Allocation, CallOrder, Depth};
use ecomatch_engine::book::{
    BookError, CancelReason, Capacity, ExpireReason, OrderBook, OrderView, Phase, Side, Stp, Tif,
};
use ecomatch_engine::id::{AccountId, OrderId, Timestamp};
use ecomatch_engine::quantity::{Price, Qty};
use ecomatch_risk::error::LedgerError;
use ecomatch_risk::gate;

use crate::command::OrderRequest;
use crate::output::{Liquidity, Message, OrderReason, OrderStatus, Output, Reject};
use crate::state::{CallEntry, Exchange, OpenOrder};

/// One order taking part in an uncross, with what decides its fate afterwards.
#[derive(Clone, Copy, Debug)]
struct Participant {
    /// As the auction sees it.
    order: CallOrder,
    tif: Tif,
    stp: Stp,
    post_only: bool,
    /// A collected market order: never rests after the uncross.
    market: bool,
}

/// An order collected for a call auction, as the exchange holds it: what tests and tools need
/// to recompute the holds and quotas it backs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Collected {
    /// The order.
    pub id: OrderId,
    /// Its owner.
    pub account: AccountId,
    /// Buy or sell.
    pub side: Side,
    /// Its limit; `None` for a market order.
    pub limit: Option<Price>,
    /// The price its cash was held at: the limit, or a market order's band edge on arrival.
    pub held_at: Price,
    /// Its open quantity.
    pub leaves: Qty,
    /// Its time in force.
    pub tif: Tif,
}

impl Exchange {
    /// The orders collected for an instrument's call auction, in arrival order (none outside
    /// a call phase, or for an unknown instrument).
    pub fn collected(
        &self,
        instrument: ecomatch_engine::id::InstrumentId,
    ) -> impl Iterator<Item = Collected> + '_ {
        let call = self
            .by_id
            .get(&instrument)
            .map(|&m| &self.markets[m as usize].call);
        call.into_iter().flat_map(|c| c.values()).map(|e| {
            let o = &self.orders[&e.id];
            Collected {
                id: e.id,
                account: o.account,
                side: o.side,
                limit: e.limit,
                held_at: o.price,
                leaves: o.leaves(),
                tif: e.tif,
            }
        })
    }

    /// The checks the book makes on entry, made here for orders that will not reach it yet.
    pub(crate) fn validate_call(&self, m: u32, req: &OrderRequest) -> Result<(), Reject> {
        if req.qty.is_zero() {
            return Err(BookError::InvalidQuantity.into());
        }
        if req.post_only {
            return Err(
                BookError::InvalidOrder("post-only has no meaning in a call auction").into(),
            );
        }
        if req.tif == Tif::Fok {
            return Err(BookError::InvalidOrder("FOK is not accepted in a call auction").into());
        }
        let market = &self.markets[m as usize];
        if let Some(price) = req.price {
            let (lo, hi) = market.book.band();
            if price.ticks() == 0 {
                return Err(BookError::InvalidPrice.into());
            }
            if price < lo || price > hi {
                return Err(BookError::PriceOutsideBand { price, lo, hi }.into());
            }
        }
        // Collected orders rest in the book after the uncross: the book's capacity bounds the
        // call too, and keeps an instrument's auction from growing without end.
        let taking_part = market.book.len() + market.call.len();
        if taking_part >= market.book.capacity().max_orders as usize {
            return Err(BookError::BookFull(Capacity::Orders).into());
        }
        if market.depth.as_ref().is_some_and(|d| !d.fits(req.qty)) {
            return Err(LedgerError::Overflow.into());
        }
        Ok(())
    }

    /// Collects an order that passed the gate and whose cash or lots are already reserved.
    pub(crate) fn enter_call(
        &mut self,
        m: u32,
        actor: AccountId,
        req: &OrderRequest,
        hold: (Price, u64),
        out: &mut Vec<Output>,
    ) {
        let id = OrderId(self.ids.after(self.next_order));
        let o = self.record_open(id, actor, m, req, hold);
        let market = &mut self.markets[m as usize];
        market.call.insert(
            id,
            CallEntry {
                id,
                limit: req.price,
                tif: req.tif,
            },
        );
        // On arrival a market order's hold is at the band's edge: it takes part as a market
        // order (see `call_price`).
        if let Some(d) = &mut market.depth {
            d.add(req.side, req.price, req.qty);
        }
        self.markets[m as usize].book.note_last_id(id);
        let instrument = self.markets[m as usize].listing.instrument.spec().id;
        out.push(crate::trading::report(
            &o,
            id,
            instrument,
            OrderStatus::New,
            None,
            true,
        ));
        self.publish_indicative(m, out);
    }

    /// Cancels a collected order; false if `id` is not one.
    pub(crate) fn cancel_call(
        &mut self,
        m: u32,
        id: OrderId,
        reason: CancelReason,
        out: &mut Vec<Output>,
    ) -> bool {
        let market = &mut self.markets[m as usize];
        let Some(e) = market.call.remove(&id) else {
            return false;
        };
        let o = self.orders[&id];
        let leaves = o.leaves();
        let price = call_price(market.book.band(), o.side, e.limit, o.price);
        if let Some(d) = &mut market.depth {
            d.remove(o.side, price, leaves);
        }
        self.close_part(
            m,
            id,
            leaves,
            OrderStatus::Canceled,
            OrderReason::Canceled(reason),
            out,
        );
        true
    }

    /// Everything that takes part in the market's auction, in arrival (order-id) order.
    ///
    /// A collected market order keeps the limit its cash was held at (the band's edge on its
    /// side when it arrived): it takes part as a market order while that is still the edge
    /// (every auction price lies inside the band, so it accepts them all), and as a limit at
    /// its held price once a reference move has widened the band past it, so that the uncross
    /// never prices it beyond what it holds.
    fn participants(&self, m: u32) -> Vec<Participant> {
        let market = &self.markets[m as usize];
        let (lo, hi) = market.book.band();
        let mut v: Vec<Participant> = market
            .book
            .orders()
            .map(|o| Participant {
                order: CallOrder {
                    id: o.id,
                    account: o.account,
                    side: o.side,
                    price: Some(o.price),
                    qty: o.leaves,
                },
                tif: o.tif,
                stp: o.stp,
                post_only: o.post_only,
                market: false,
            })
            .collect();
        for e in market.call.values() {
            let o = &self.orders[&e.id];
            let price = call_price((lo, hi), o.side, e.limit, o.price);
            v.push(Participant {
                order: CallOrder {
                    id: e.id,
                    account: o.account,
                    side: o.side,
                    price,
                    qty: o.leaves(),
                },
                tif: e.tif,
                stp: Stp::CancelNewest,
                post_only: false,
                market: e.limit.is_none(),
            });
        }
        v.sort_unstable_by_key(|p| p.order.id);
        v
    }

    /// Cancels every open order of market `m` (resting or collected) whose limit lies outside
    /// the band now in force, in order-id order: after a reference move nothing may rest or
    /// wait for an auction at a price the band no longer allows. A collected market order's
    /// limit is the edge it was held at.
    pub(crate) fn cancel_outside_band(&mut self, m: u32, time: Timestamp, out: &mut Vec<Output>) {
        let market = &self.markets[m as usize];
        let (lo, hi) = market.book.band();
        let outside = |p: Price| p < lo || p > hi;
        let mut ids: Vec<OrderId> = market
            .book
            .orders()
            .filter(|o| outside(o.price))
            .map(|o| o.id)
            .collect();
        ids.extend(
            market
                .call
                .values()
                .filter(|e| outside(self.orders[&e.id].price))
                .map(|e| e.id),
        );
        ids.sort_unstable();
        for id in ids {
            self.withdraw_order(m, id, CancelReason::OutsideBand, time, out)
                .expect("an open order of this market can be canceled");
        }
    }

    /// Publishes the indicative price, volume and surplus of a market in its call phase, from
    /// its depth: O(log W), whatever the number of orders.
    pub(crate) fn publish_indicative(&mut self, m: u32, out: &mut Vec<Output>) {
        let reference = self.markets[m as usize]
            .listing
            .instrument
            .spec()
            .reference_price;
        // Every order taking part was admitted within the call's totals (and a restored call
        // was checked to fit), so the depth is there; were it not, nothing is published.
        let depth = self.ensure_depth(m);
        debug_assert!(depth.is_ok(), "the call's totals fit");
        let Ok(depth) = depth else { return };
        let ind = depth.indicative(reference);
        let spec = self.markets[m as usize].listing.instrument.spec();
        let msg = Message::Indicative {
            instrument: spec.id,
            price: ind.price,
            volume: ind.volume,
            surplus: ind.surplus,
            surplus_side: ind.surplus_side,
        };
        out.push(self.public(m, msg));
    }

    /// Whether the quantities of every order taking part in the market's call add up within 64
    /// bits (a restored snapshot is checked with this before its depth is ever built).
    pub(crate) fn call_fits(&self, m: u32) -> bool {
        self.participants(m)
            .iter()
            .try_fold(0u64, |t, p| t.checked_add(p.order.qty.lots()))
            .is_some()
    }

    /// The market's call depth, built from its orders if it is not kept yet (after a restore).
    pub(crate) fn ensure_depth(&mut self, m: u32) -> Result<&Depth, Reject> {
        if self.markets[m as usize].depth.is_none() {
            self.rebuild_depth(m)?;
        }
        self.markets[m as usize]
            .depth
            .as_ref()
            .ok_or_else(|| LedgerError::Overflow.into())
    }

    /// Builds the market's call depth from every order taking part, over a window that holds
    /// the band and every limit; `Err` if their total quantity overflows 64 bits (only a
    /// crafted snapshot or an absurd market gets there), with nothing changed.
    pub(crate) fn rebuild_depth(&mut self, m: u32) -> Result<(), Reject> {
        let parts = self.participants(m);
        let total = parts
            .iter()
            .try_fold(0u64, |t, p| t.checked_add(p.order.qty.lots()));
        if total.is_none() {
            return Err(LedgerError::Overflow.into());
        }
        let (mut lo, mut hi) = self.markets[m as usize].book.band();
        for p in parts.iter().filter_map(|p| p.order.price) {
            (lo, hi) = (lo.min(p), hi.max(p));
        }
        let mut depth = Depth::new(lo, hi);
        for p in &parts {
            depth.add(p.order.side, p.order.price, p.order.qty);
        }
        self.markets[m as usize].depth = Some(depth);
        Ok(())
    }

    /// During a call the kept depth decides as the whole auction would: the indicative price,
    /// volume and surplus from the depth equal those recomputed from every order taking part.
    pub(crate) fn check_depth(&self, m: u32) {
        let market = &self.markets[m as usize];
        if market.book.phase() != Phase::Call {
            assert!(market.depth.is_none(), "a call depth outside a call");
            return;
        }
        let Some(depth) = &market.depth else {
            return; // not built since a restore: built from the orders when first needed
        };
        let orders: Vec<CallOrder> = self.participants(m).iter().map(|p| p.order).collect();
        let reference = market.listing.instrument.spec().reference_price;
        assert_eq!(
            depth.indicative(reference),
            auction::indicative(&orders, reference),
            "the call depth of market {m} drifted from its orders"
        );
    }

    /// A resting order leaves the book during a call (a cancel, a sweep): the depth follows.
    pub(crate) fn leave_depth(&mut self, m: u32, id: OrderId, qty: Qty) {
        let market = &mut self.markets[m as usize];
        if let (Some(d), Some(o)) = (&mut market.depth, self.orders.get(&id)) {
            d.remove(o.side, Some(o.price), qty);
        }
    }

    /// Ends the call: uncross, settle, and put what is left into a fresh book (still in the
    /// call phase; the caller sets the next phase).
    pub(crate) fn uncross_market(&mut self, m: u32, time: Timestamp, out: &mut Vec<Output>) {
        let parts = self.participants(m);
        let orders: Vec<CallOrder> = parts.iter().map(|p| p.order).collect();
        let listing = &self.markets[m as usize].listing;
        let allocation = if gate::is_gep(&listing.instrument) {
            // Seeded by the command's time, not its sequence number: a market cut into shards
            // numbers its commands per shard, and must allocate as the whole market would.
            Allocation::ProRata { seed: time.0 }
        } else {
            Allocation::Time
        };
        let result = auction::uncross(
            &orders,
            listing.instrument.spec().reference_price,
            allocation,
        );
        let old_levels = levels(&self.markets[m as usize].book);
        let market = &mut self.markets[m as usize];
        // Every order takes part: the book empties (keeping its allocation) and what is left
        // after the uncross goes back in arrival order.
        market.book.clear();
        market.book.note_last_id(OrderId(self.next_order));
        market.call.clear();
        market.depth = None;
        if let Some(price) = result.price() {
            self.settle_uncross(m, price, &result.fills, time, out);
        }
        for p in parts {
            let Some(o) = self.orders.get(&p.order.id).copied() else {
                continue;
            };
            self.rest_or_expire(m, &p, &o, out);
        }
        let new_levels = levels(&self.markets[m as usize].book);
        self.publish_level_changes(m, &old_levels, &new_levels, out);
    }

    /// Pairs the buy and sell fills in order and settles each pair at the auction price. A buy
    /// never pairs with a sell of its own account (the ledger refuses a self-settlement, and a
    /// wash trade is no trade): it takes the next sell of another account, and any allocated
    /// quantity left with only its own account on the other side is canceled on both sides as
    /// self-trade prevention. Both sides shrink by the same amount, so the rest stays uncrossed.
    fn settle_uncross(
        &mut self,
        m: u32,
        price: Price,
        fills: &[auction::AuctionFill],
        time: Timestamp,
        out: &mut Vec<Output>,
    ) {
        let side = |s| {
            fills
                .iter()
                .filter(move |f: &&auction::AuctionFill| f.side == s)
                .map(|f| (f.order, f.account, f.qty.lots()))
        };
        let mut buys: Vec<(OrderId, AccountId, u64)> = side(Side::Buy).collect();
        let mut sells: Vec<(OrderId, AccountId, u64)> = side(Side::Sell).collect();
        let mut first = 0;
        for b in &mut buys {
            let mut j = first;
            while b.2 > 0 && j < sells.len() {
                if sells[j].2 == 0 || sells[j].1 == b.1 {
                    j += 1;
                    continue;
                }
                let q = b.2.min(sells[j].2);
                self.settle_pair(m, b.0, sells[j].0, price, Qty::from_lots(q), time, out);
                b.2 -= q;
                sells[j].2 -= q;
            }
            while first < sells.len() && sells[first].2 == 0 {
                first += 1;
            }
        }
        let left = |v: &[(OrderId, AccountId, u64)]| v.iter().map(|x| x.2).sum::<u64>();
        assert_eq!(left(&buys), left(&sells), "unpaired buys and sells balance");
        for (id, _, q) in buys.into_iter().chain(sells).filter(|x| x.2 > 0) {
            let all = self.orders[&id].leaves().lots() == q;
            let status = if all {
                OrderStatus::Canceled
            } else {
                OrderStatus::Replaced
            };
            let why = OrderReason::Canceled(CancelReason::SelfTrade);
            self.close_part(m, id, Qty::from_lots(q), status, why, out);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn settle_pair(
        &mut self,
        m: u32,
        buy: OrderId,
        sell: OrderId,
        price: Price,
        qty: Qty,
        time: Timestamp,
        out: &mut Vec<Output>,
    ) {
        let reports = [(buy, Liquidity::Auction), (sell, Liquidity::Auction)];
        let trade_id = self.settle_fill(m, (buy, sell), price, qty, reports, out);
        let instrument = self.markets[m as usize].listing.instrument.spec().id;
        out.push(self.public(
            m,
            Message::AuctionTrade {
                instrument,
                trade_id,
                price,
                qty,
                time,
            },
        ));
    }

    /// What is left of an order after the uncross: limit GTC and DAY orders go into the book,
    /// the rest (market orders among them) expires.
    fn rest_or_expire(&mut self, m: u32, p: &Participant, o: &OpenOrder, out: &mut Vec<Output>) {
        let id = p.order.id;
        let leaves = o.leaves();
        let rests = !p.market && p.tif.rests();
        if rests {
            let view = OrderView {
                id,
                account: o.account,
                side: o.side,
                price: o.price,
                leaves,
                filled: o.filled,
                tif: p.tif,
                stp: p.stp,
                post_only: p.post_only,
            };
            if self.markets[m as usize].book.restore(&view).is_ok() {
                return;
            }
        }
        let reason = OrderReason::Expired(if rests {
            ExpireReason::BookFull
        } else {
            ExpireReason::AuctionRemainder
        });
        self.close_part(m, id, leaves, OrderStatus::Expired, reason, out);
    }

    /// Public level updates for every level the uncross changed, in (side, price) order.
    fn publish_level_changes(
        &mut self,
        m: u32,
        old: &[(Side, Price, Qty)],
        new: &[(Side, Price, Qty)],
        out: &mut Vec<Output>,
    ) {
        let instrument = self.markets[m as usize].listing.instrument.spec().id;
        let key = |&(s, p, q): &(Side, Price, Qty)| ((s == Side::Sell, p), q);
        let old: BTreeMap<(bool, Price), Qty> = old.iter().map(key).collect();
        let mut changes: BTreeMap<(bool, Price), Qty> =
            old.keys().map(|&k| (k, Qty::ZERO)).collect();
        for (k, q) in new.iter().map(key) {
            if old.get(&k) == Some(&q) {
                changes.remove(&k);
            } else {
                changes.insert(k, q);
            }
        }
        for ((sell, price), qty) in changes {
            let side = if sell { Side::Sell } else { Side::Buy };
            out.push(self.public(
                m,
                Message::Level {
                    instrument,
                    side,
                    price,
                    qty,
                },
            ));
        }
    }
}

/// The price an order collected for a call takes part at: its limit; for a market order,
/// none (it accepts every auction price) while the price its cash or lots were held at is
/// still the band's edge on its side, and that held price once a reference move has widened
/// the band past it, so that the uncross never prices it beyond what it holds.
fn call_price(
    band: (Price, Price),
    side: Side,
    limit: Option<Price>,
    held: Price,
) -> Option<Price> {
    let inside = match side {
        Side::Buy => held < band.1,
        Side::Sell => held > band.0,
    };
    limit.or_else(|| inside.then_some(held))
}

fn levels(book: &OrderBook) -> Vec<(Side, Price, Qty)> {
    [Side::Buy, Side::Sell]
        .into_iter()
        .flat_map(|s| book.levels(s).map(move |l| (s, l.price, l.qty)))
        .collect()
}
