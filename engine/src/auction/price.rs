//! Price determination: the book aggregated by price, cumulative quantities by a merge of the
//! two sides, and the four Xetra rules applied in one or two linear passes over the candidates.

use super::{CallOrder, Indicative};
use crate::book::Side;
use crate::quantity::{Price, Qty};

/// The limit quantity of one side at one price: the unit both passes work on, so that their
/// cost follows the number of prices, not the number of orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Level {
    /// The price in ticks.
    pub price: u64,
    /// The total quantity of the side's limit orders at that price, in lots.
    pub qty: u64,
}

/// The book aggregated by price, built once and shared by price determination and allocation
/// (which needs the levels of the side with surplus to find where the volume runs out).
#[derive(Clone, Debug, Default)]
pub(super) struct Aggregate {
    /// Buy limit levels, best (highest price) first.
    pub bids: Vec<Level>,
    /// Sell limit levels, best (lowest price) first.
    pub asks: Vec<Level>,
    /// Total quantity of buy market orders, which count at every price.
    pub buy_market: u64,
    /// Total quantity of sell market orders, which count at every price.
    pub sell_market: u64,
    /// Total buy quantity, market and limit: the cumulative buy below the lowest price.
    pub buy_total: u64,
}

impl Aggregate {
    /// The limit levels of `side`, best first: the order allocation fills them in.
    pub fn levels(&self, side: Side) -> &[Level] {
        match side {
            Side::Buy => &self.bids,
            Side::Sell => &self.asks,
        }
    }

    /// The market quantity of `side`, which fills before any limit of that side.
    pub fn market(&self, side: Side) -> u64 {
        match side {
            Side::Buy => self.buy_market,
            Side::Sell => self.sell_market,
        }
    }
}

/// Adds quantities of one side; their total is bounded by order-size limits, so an overflow
/// is a broken caller, reported loudly rather than wrapped.
fn add(a: u64, b: u64) -> u64 {
    a.checked_add(b)
        .expect("call auction: a side's total quantity overflows u64")
}

/// Sorts raw (price, qty) entries and merges equal prices, in place, so that aggregation costs
/// one sort and no map; `best_high` puts the highest price first (bids).
fn levels_of(mut raw: Vec<Level>, best_high: bool) -> Vec<Level> {
    raw.sort_unstable_by_key(|l| l.price);
    let mut kept = 0;
    for i in 0..raw.len() {
        if kept > 0 && raw[kept - 1].price == raw[i].price {
            raw[kept - 1].qty = add(raw[kept - 1].qty, raw[i].qty);
        } else {
            raw[kept] = raw[i];
            kept += 1;
        }
    }
    raw.truncate(kept);
    if best_high {
        raw.reverse();
    }
    raw
}

/// Aggregates the orders by side and price; zero quantities are skipped.
pub(super) fn aggregate(orders: &[CallOrder]) -> Aggregate {
    let (mut bids, mut asks) = (Vec::new(), Vec::new());
    let mut agg = Aggregate::default();
    let mut sell_total = 0u64;
    for o in orders.iter().filter(|o| !o.qty.is_zero()) {
        let qty = o.qty.lots();
        match o.side {
            Side::Buy => agg.buy_total = add(agg.buy_total, qty),
            Side::Sell => sell_total = add(sell_total, qty),
        }
        match (o.side, o.price) {
            (Side::Buy, None) => agg.buy_market += qty,
            (Side::Sell, None) => agg.sell_market += qty,
            (Side::Buy, Some(p)) => bids.push(Level {
                price: p.ticks(),
                qty,
            }),
            (Side::Sell, Some(p)) => asks.push(Level {
                price: p.ticks(),
                qty,
            }),
        }
    }
    agg.bids = levels_of(bids, true);
    agg.asks = levels_of(asks, false);
    agg
}

/// A walk over candidates: calls its argument with `(price, cumulative buy, cumulative sell)`
/// for each candidate in ascending price order. The rules run over any walk, so that the
/// whole book ([`scan`]) and an incrementally kept depth ([`super::depth`]) decide alike.
pub(super) type Walk<'a> = &'a dyn Fn(&mut dyn FnMut(u64, u64, u64));

/// Calls `f(price, cumulative buy, cumulative sell)` for every candidate (every distinct limit
/// price of either side) in ascending order, by merging the two sides' levels: the cumulative
/// sell grows with the asks passed, the cumulative buy is the total minus the bids below.
fn scan(agg: &Aggregate, f: &mut dyn FnMut(u64, u64, u64)) {
    let (bids, asks) = (&agg.bids, &agg.asks);
    let mut next_bid = bids.len(); // bids are descending: walk them from the back
    let mut next_ask = 0;
    let mut buy_below = 0u64;
    let mut sell_upto = agg.sell_market;
    loop {
        let bid = next_bid.checked_sub(1).map(|i| bids[i]);
        let ask = asks.get(next_ask).copied();
        let price = match (bid, ask) {
            (None, None) => break,
            (Some(b), None) => b.price,
            (None, Some(a)) => a.price,
            (Some(b), Some(a)) => b.price.min(a.price),
        };
        if let Some(a) = ask.filter(|a| a.price == price) {
            sell_upto += a.qty;
            next_ask += 1;
        }
        f(price, agg.buy_total - buy_below, sell_upto);
        if let Some(b) = bid.filter(|b| b.price == price) {
            buy_below += b.qty;
            next_bid -= 1;
        }
    }
}

/// The side whose cumulative quantity exceeds the other's, if any.
fn surplus_side(buy: u64, sell: u64) -> Option<Side> {
    match buy.cmp(&sell) {
        core::cmp::Ordering::Greater => Some(Side::Buy),
        core::cmp::Ordering::Less => Some(Side::Sell),
        core::cmp::Ordering::Equal => None,
    }
}

/// The candidates left after rules 1 and 2, summarised: enough to apply rule 3 directly, and
/// to run rule 4 as a second pass over the same (volume, surplus).
#[derive(Clone, Copy, Debug)]
struct Remaining {
    volume: u64,
    surplus: u64,
    lowest: u64,
    highest: u64,
    any_buy_surplus: bool,
    any_sell_surplus: bool,
}

/// Rules 1 and 2 in one pass: the candidates with the highest volume and, among them, the
/// lowest surplus; `None` if no candidate has a positive volume.
fn remaining(walk: Walk<'_>) -> Option<Remaining> {
    let mut best: Option<Remaining> = None;
    walk(&mut |price, buy, sell| {
        let (volume, surplus) = (buy.min(sell), buy.abs_diff(sell));
        if volume == 0 {
            return;
        }
        let side = surplus_side(buy, sell);
        match &mut best {
            Some(r) if r.volume == volume && r.surplus == surplus => {
                r.highest = price;
                r.any_buy_surplus |= side == Some(Side::Buy);
                r.any_sell_surplus |= side == Some(Side::Sell);
            }
            Some(r) if r.volume > volume || (r.volume == volume && r.surplus < surplus) => {}
            _ => {
                best = Some(Remaining {
                    volume,
                    surplus,
                    lowest: price,
                    highest: price,
                    any_buy_surplus: side == Some(Side::Buy),
                    any_sell_surplus: side == Some(Side::Sell),
                });
            }
        }
    });
    best
}

/// Rule 4: among the remaining candidates, the one nearest to `twice_target / 2` (targets are
/// doubled so that the middle of two prices stays an integer), the higher one on a tie; with
/// its surplus side.
fn nearest(walk: Walk<'_>, r: &Remaining, twice_target: u128) -> (u64, Option<Side>) {
    let mut best: Option<(u128, u64, Option<Side>)> = None;
    walk(&mut |price, buy, sell| {
        if buy.min(sell) != r.volume || buy.abs_diff(sell) != r.surplus {
            return;
        }
        let distance = (2 * u128::from(price)).abs_diff(twice_target);
        // Ascending scan: `<=` lets the higher of two equally near candidates win.
        if best.is_none_or(|(d, _, _)| distance <= d) {
            best = Some((distance, price, surplus_side(buy, sell)));
        }
    });
    let (_, price, side) = best.expect("rule 4 runs only when candidates remain");
    (price, side)
}

/// What the rules need beside the candidates: the market quantities of each side and
/// whether any limit order exists.
#[derive(Clone, Copy, Debug)]
pub(super) struct Sides {
    /// Total quantity of buy market orders.
    pub buy_market: u64,
    /// Total quantity of sell market orders.
    pub sell_market: u64,
    /// Whether the book holds a limit order of either side.
    pub limits: bool,
}

/// Determines the auction price by the four rules (see the module documentation) over the
/// candidates `walk` yields in ascending order. `best` is the best bid and ask, published
/// when nothing is executable.
pub(super) fn decide(
    walk: Walk<'_>,
    sides: Sides,
    best: (Option<Price>, Option<Price>),
    reference: Option<Price>,
) -> Indicative {
    let mut result = Indicative {
        price: None,
        volume: Qty::ZERO,
        surplus: Qty::ZERO,
        surplus_side: None,
        best_bid: best.0,
        best_ask: best.1,
    };
    let Some(r) = remaining(walk) else {
        // No limit is executable. With market orders on both sides every candidate would have
        // had a positive volume, so there is no limit at all: only market orders, which
        // uncross at the reference price, or not at all without one.
        if sides.buy_market > 0 && sides.sell_market > 0 {
            debug_assert!(!sides.limits);
            if let Some(reference) = reference {
                let (buy, sell) = (sides.buy_market, sides.sell_market);
                result.price = Some(reference);
                result.volume = Qty::from_lots(buy.min(sell));
                result.surplus = Qty::from_lots(buy.abs_diff(sell));
                result.surplus_side = surplus_side(buy, sell);
            }
        }
        return result;
    };
    let (price, side) = if r.any_buy_surplus && !r.any_sell_surplus {
        (r.highest, Some(Side::Buy)) // rule 3, pressure on the buy side
    } else if r.any_sell_surplus && !r.any_buy_surplus {
        (r.lowest, Some(Side::Sell)) // rule 3, pressure on the sell side
    } else {
        let twice_target = match reference {
            Some(p) => 2 * u128::from(p.ticks()),
            None => u128::from(r.lowest) + u128::from(r.highest),
        };
        nearest(walk, &r, twice_target)
    };
    result.price = Some(Price::from_ticks(price));
    result.volume = Qty::from_lots(r.volume);
    result.surplus = Qty::from_lots(r.surplus);
    result.surplus_side = side;
    result
}

/// Aggregates the book and determines the auction price by the four rules, returning the
/// aggregate for the allocation that follows.
pub(super) fn determine(orders: &[CallOrder], reference: Option<Price>) -> (Aggregate, Indicative) {
    let agg = aggregate(orders);
    let sides = Sides {
        buy_market: agg.buy_market,
        sell_market: agg.sell_market,
        limits: !(agg.bids.is_empty() && agg.asks.is_empty()),
    };
    let best = (
        agg.bids.first().map(|l| Price::from_ticks(l.price)),
        agg.asks.first().map(|l| Price::from_ticks(l.price)),
    );
    let walk = |f: &mut dyn FnMut(u64, u64, u64)| scan(&agg, f);
    let indicative = decide(&walk, sides, best, reference);
    (agg, indicative)
}
