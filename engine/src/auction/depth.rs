//! A call auction's depth kept up to date as orders arrive and leave, so that the indicative
//! price after every change costs O(log W) in the width W of the price window instead of a
//! pass over every order.
//!
//! Four Fenwick trees over the window hold, per price, the bid quantity, the ask quantity,
//! whether the price holds any quantity, and `asks at p + bids at p − 1`, whose prefix sum
//! at p is `A(≤p) + B(<p)`. The cumulative sell at p is `sell market + A(≤p)` and the
//! cumulative buy `buy market + bids − B(<p)`, so `sell − buy` grows with p and the lowest
//! price where the sell side catches up is one descent of the last tree.
//!
//! The volume `min(buy, sell)` rises below that crossing and falls above it, so the
//! candidates rules 1 and 2 keep lie beside it: on each side, the nearest candidate and at
//! most one more, which ties with it only when one of the two holds quantity of one side
//! alone. The four rules then run ([`super::price::decide`]) over the three candidates on
//! each side of the crossing, exactly as [`super::indicative`] runs them over the whole
//! book; `depth_matches_the_full_determination` checks the two agree.

use super::Indicative;
use super::price::{self, Sides};
use crate::book::Side;
use crate::quantity::{Price, Qty};

/// Candidates looked at on each side of the crossing: more than can ever tie (two).
const AROUND: usize = 3;

/// A Fenwick tree of sums over `0..n`.
#[derive(Clone, Debug)]
struct Fenwick {
    tree: Vec<u64>,
}

impl Fenwick {
    fn new(n: usize) -> Self {
        Self {
            tree: vec![0; n + 1],
        }
    }

    fn add(&mut self, i: usize, v: u64) {
        let mut k = i + 1;
        while k < self.tree.len() {
            self.tree[k] = self.tree[k]
                .checked_add(v)
                .expect("call depth: a side's total quantity overflows u64");
            k += k & k.wrapping_neg();
        }
    }

    /// Takes away what was added before: no node can go below zero.
    fn sub(&mut self, i: usize, v: u64) {
        let mut k = i + 1;
        while k < self.tree.len() {
            self.tree[k] = self.tree[k]
                .checked_sub(v)
                .expect("call depth: removing more than was added");
            k += k & k.wrapping_neg();
        }
    }

    /// The sum over `0..=i`.
    fn prefix(&self, i: usize) -> u64 {
        let mut k = i + 1;
        let mut sum = 0;
        while k > 0 {
            sum += self.tree[k];
            k &= k - 1;
        }
        sum
    }

    /// The sum over `0..i`.
    fn before(&self, i: usize) -> u64 {
        if i == 0 { 0 } else { self.prefix(i - 1) }
    }

    /// The value at `i`.
    fn at(&self, i: usize) -> u64 {
        self.prefix(i) - self.before(i)
    }

    /// The lowest `i` whose prefix sum reaches `target` (> 0), if the whole sum does.
    fn lower_bound(&self, target: u64) -> Option<usize> {
        let n = self.tree.len() - 1;
        let mut pos = 0;
        let mut left = target;
        let mut step = n.next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next <= n && self.tree[next] < left {
                pos = next;
                left -= self.tree[next];
            }
            step >>= 1;
        }
        (pos < n).then_some(pos)
    }
}

/// The quantities of a call auction by price (see the module documentation).
#[derive(Clone, Debug)]
pub struct Depth {
    /// The lowest price of the window, in ticks.
    lo: u64,
    /// The window's width.
    width: usize,
    bids: Fenwick,
    asks: Fenwick,
    /// At i: asks at i plus bids at i − 1.
    cross: Fenwick,
    /// 1 where the price holds any quantity.
    occupied: Fenwick,
    buy_market: u64,
    sell_market: u64,
    bid_total: u64,
    ask_total: u64,
}

impl Depth {
    /// An empty depth for limit prices from `lo` to `hi`.
    ///
    /// # Panics
    /// If `lo` is above `hi`.
    pub fn new(lo: Price, hi: Price) -> Self {
        assert!(lo <= hi, "an empty price window");
        let width = usize::try_from(hi.ticks() - lo.ticks() + 1).expect("window fits memory");
        Self {
            lo: lo.ticks(),
            width,
            bids: Fenwick::new(width),
            asks: Fenwick::new(width),
            cross: Fenwick::new(width),
            occupied: Fenwick::new(width),
            buy_market: 0,
            sell_market: 0,
            bid_total: 0,
            ask_total: 0,
        }
    }

    /// The window: the lowest and highest limit price it holds.
    pub fn window(&self) -> (Price, Price) {
        let hi = self.lo + (self.width as u64 - 1);
        (Price::from_ticks(self.lo), Price::from_ticks(hi))
    }

    /// The quantity of every order, both sides: every sum the depth keeps is at most this, so
    /// an order fits when `total + qty` does not overflow 64 bits.
    pub fn total(&self) -> u64 {
        self.buy_market + self.sell_market + self.bid_total + self.ask_total
    }

    /// Whether an order of `qty` can arrive without any sum overflowing.
    pub fn fits(&self, qty: Qty) -> bool {
        self.total().checked_add(qty.lots()).is_some()
    }

    /// Whether a limit at `price` fits the window.
    pub fn holds(&self, price: Price) -> bool {
        let (lo, hi) = self.window();
        lo <= price && price <= hi
    }

    fn index(&self, price: Price) -> usize {
        assert!(
            self.holds(price),
            "price {price:?} outside the call depth's window"
        );
        (price.ticks() - self.lo) as usize
    }

    fn level(&self, i: usize) -> u64 {
        self.bids.at(i) + self.asks.at(i)
    }

    /// An order of `qty` arrives: a limit at `price`, or a market order (`None`).
    ///
    /// # Panics
    /// If a limit lies outside the window, or the order does not [`Self::fits`].
    pub fn add(&mut self, side: Side, price: Option<Price>, qty: Qty) {
        let q = qty.lots();
        if q == 0 {
            return;
        }
        assert!(
            self.fits(qty),
            "call depth: the total quantity overflows u64"
        );
        let Some(price) = price else {
            match side {
                Side::Buy => self.buy_market = self.buy_market.checked_add(q).expect("overflow"),
                Side::Sell => self.sell_market = self.sell_market.checked_add(q).expect("overflow"),
            }
            return;
        };
        let i = self.index(price);
        let empty = self.level(i) == 0;
        match side {
            Side::Buy => {
                self.bids.add(i, q);
                self.bid_total = self.bid_total.checked_add(q).expect("overflow");
                if i + 1 < self.width {
                    self.cross.add(i + 1, q);
                }
            }
            Side::Sell => {
                self.asks.add(i, q);
                self.ask_total = self.ask_total.checked_add(q).expect("overflow");
                self.cross.add(i, q);
            }
        }
        if empty {
            self.occupied.add(i, 1);
        }
    }

    /// `qty` of an order [`Self::add`]ed before leaves (in part or in full).
    ///
    /// # Panics
    /// If more leaves than arrived at that price and side.
    pub fn remove(&mut self, side: Side, price: Option<Price>, qty: Qty) {
        let q = qty.lots();
        if q == 0 {
            return;
        }
        let Some(price) = price else {
            let market = match side {
                Side::Buy => &mut self.buy_market,
                Side::Sell => &mut self.sell_market,
            };
            *market = market.checked_sub(q).expect("removing more than was added");
            return;
        };
        let i = self.index(price);
        match side {
            Side::Buy => {
                self.bids.sub(i, q);
                self.bid_total -= q;
                if i + 1 < self.width {
                    self.cross.sub(i + 1, q);
                }
            }
            Side::Sell => {
                self.asks.sub(i, q);
                self.ask_total -= q;
                self.cross.sub(i, q);
            }
        }
        if self.level(i) == 0 {
            self.occupied.sub(i, 1);
        }
    }

    /// The `k`-th (from 1) price holding quantity, as an index.
    fn nth(&self, k: u64) -> Option<usize> {
        (k >= 1).then(|| self.occupied.lower_bound(k)).flatten()
    }

    /// `(price, cumulative buy, cumulative sell)` at index `i`.
    fn candidate(&self, i: usize) -> (u64, u64, u64) {
        let buy = self.buy_market + self.bid_total - self.bids.before(i);
        let sell = self.sell_market + self.asks.prefix(i);
        (self.lo + i as u64, buy, sell)
    }

    /// The candidates around the crossing, ascending: up to [`AROUND`] below the lowest
    /// candidate where the cumulative sell reaches the cumulative buy, it and the next ones.
    fn around_crossing(&self) -> Vec<(u64, u64, u64)> {
        let levels = self.occupied.prefix(self.width - 1);
        // The first index where A(≤p) + B(<p) reaches buy market + bids − sell market.
        let need = (self.buy_market + self.bid_total).saturating_sub(self.sell_market);
        let crossing = if need == 0 {
            Some(0)
        } else {
            self.cross.lower_bound(need)
        };
        // The rank of the first candidate at or above the crossing (levels + 1: none).
        let first = crossing.map_or(levels + 1, |i| self.occupied.before(i) + 1);
        let from = first.saturating_sub(AROUND as u64).max(1);
        let to = (first + AROUND as u64 - 1).min(levels);
        (from..=to)
            .filter_map(|k| self.nth(k))
            .map(|i| self.candidate(i))
            .collect()
    }

    /// The indicative price, volume and surplus of the auction as it stands, exactly as
    /// [`super::indicative`] gives them for the same orders.
    pub fn indicative(&self, reference: Option<Price>) -> Indicative {
        let near = self.around_crossing();
        let walk = |f: &mut dyn FnMut(u64, u64, u64)| {
            for &(p, buy, sell) in &near {
                f(p, buy, sell);
            }
        };
        let sides = Sides {
            buy_market: self.buy_market,
            sell_market: self.sell_market,
            limits: self.bid_total + self.ask_total > 0,
        };
        let price_at = |i: usize| Price::from_ticks(self.lo + i as u64);
        let best_bid = (self.bid_total > 0)
            .then(|| self.bids.lower_bound(self.bid_total))
            .flatten()
            .map(price_at);
        let best_ask = (self.ask_total > 0)
            .then(|| self.asks.lower_bound(1))
            .flatten()
            .map(price_at);
        price::decide(&walk, sides, (best_bid, best_ask), reference)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::auction::{CallOrder, indicative};

    fn order(id: u64, side: bool, price: Option<u64>, qty: u64) -> CallOrder {
        let side = if side { Side::Buy } else { Side::Sell };
        CallOrder {
            id: crate::id::OrderId(id),
            account: crate::id::AccountId(0),
            side,
            price: price.map(Price::from_ticks),
            qty: Qty::from_lots(qty),
        }
    }

    #[test]
    fn fenwick_bounds() {
        let mut f = Fenwick::new(10);
        f.add(3, 5);
        f.add(7, 2);
        assert_eq!(f.prefix(2), 0);
        assert_eq!(f.prefix(3), 5);
        assert_eq!(f.at(7), 2);
        assert_eq!(f.lower_bound(1), Some(3));
        assert_eq!(f.lower_bound(6), Some(7));
        assert_eq!(f.lower_bound(8), None);
        f.sub(3, 5);
        assert_eq!(f.lower_bound(1), Some(7));
    }

    #[test]
    fn an_empty_depth_has_no_price() {
        let d = Depth::new(Price::from_ticks(100), Price::from_ticks(200));
        let i = d.indicative(Some(Price::from_ticks(150)));
        assert_eq!(i, indicative(&[], Some(Price::from_ticks(150))));
        assert_eq!(i.price, None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// After every arrival and departure, the kept depth decides as the whole book does.
        #[test]
        fn depth_matches_the_full_determination(
            steps in prop::collection::vec(
                (any::<bool>(), prop::option::weighted(0.85, 0u64..24), 1u64..40, any::<bool>(), any::<u8>()),
                1..120,
            ),
            reference in prop::option::weighted(0.8, 0u64..24),
        ) {
            let (lo, hi) = (Price::from_ticks(1_000), Price::from_ticks(1_023));
            let reference = reference.map(|r| Price::from_ticks(1_000 + r));
            let mut d = Depth::new(lo, hi);
            let mut open: Vec<CallOrder> = Vec::new();
            for (n, (buy, price, qty, leave, pick)) in steps.into_iter().enumerate() {
                if leave && !open.is_empty() {
                    let o = open.remove(usize::from(pick) % open.len());
                    d.remove(o.side, o.price, o.qty);
                } else {
                    let o = order(n as u64, buy, price.map(|p| 1_000 + p), qty);
                    d.add(o.side, o.price, o.qty);
                    open.push(o);
                }
                prop_assert_eq!(d.indicative(reference), indicative(&open, reference));
            }
        }
    }
}
