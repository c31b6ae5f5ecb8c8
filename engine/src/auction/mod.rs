//! Auctions: the periodic call auction (this module: pure price determination and allocation,
//! DESIGN.md §3) and the single-sided sealed-bid auction of a seller's offer ([`sealed`]).
//!
//! During the call phase orders only collect; nothing matches. After every change the venue
//! publishes the [`indicative`] price, volume and imbalance, and at the end of the call the
//! book is [`uncross`]ed at ONE price chosen by the Xetra rules, applied in this order:
//!
//! 1. maximise the executable volume, `min(cumulative buy, cumulative sell)` at the price;
//! 2. among those, minimise the surplus `|cumulative buy − cumulative sell|`;
//! 3. market pressure: if every remaining candidate has its surplus on the buy side, take the
//!    highest; if every one has it on the sell side, the lowest;
//! 4. otherwise the candidate nearest to the reference price; a reference exactly in the middle
//!    of two candidates gives the higher one.
//!
//! Candidates are the limit prices present in the book. Market orders (`price: None`) count at
//! every price and have the highest priority. A book holding only market orders on both sides
//! uncrosses at the reference price. Details the rules leave open, and what we do:
//! - no reference price where rule 4 needs one: the candidate nearest to the middle of the
//!   remaining candidates (the middle exactly between two -> the higher), so that the result
//!   never leans to one end of an undecided range;
//! - only market orders on both sides and no reference price: no price, nothing executes. A
//!   price would have to be invented, and the operator sets a reference price instead;
//! - orders of zero quantity are ignored (the book never holds them).
//!
//! Allocation: every executable order of the side without surplus fills in full. On the side
//! with surplus, orders fill in price priority (market orders first, then limits from the best
//! price) until the volume is used up; the one level where it runs out (the marginal level,
//! usually the uncross price itself) is shared by [`Allocation::Time`] or
//! [`Allocation::ProRata`]. No order ever fills at a price worse than its limit or beyond its
//! quantity, and both sides fill exactly the volume; [`uncross`] asserts all three.
//!
//! Cost: one sort of the limit orders by price (O(n log n)), then linear passes over price
//! levels and orders, with a handful of allocations; no scan of orders per candidate. The
//! functions are pure: the same orders and arguments give the same result, bit for bit.

mod allocate;
mod depth;
mod price;
pub mod sealed;

pub use depth::Depth;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

use crate::book::Side;
use crate::id::{AccountId, OrderId};
use crate::quantity::{Price, Qty};

/// An order resting in a call auction, as the caller hands it over. The caller passes them in
/// arrival order, because time priority (and nothing else) is taken from their position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallOrder {
    /// The exchange order id, reported back in the fills so the caller can settle.
    pub id: OrderId,
    /// The owner, reported back in the fills so the caller need not look it up to settle.
    pub account: AccountId,
    /// Buy or sell.
    pub side: Side,
    /// The limit price; `None` for a market order, which accepts any auction price and has
    /// priority over every limit.
    pub price: Option<Price>,
    /// The open quantity in lots.
    pub qty: Qty,
}

impl CallOrder {
    /// A limit order, in the raw units tests and tools write by hand (ticks, lots).
    pub const fn limit(id: u64, account: u32, side: Side, price: u64, qty: u64) -> Self {
        Self {
            id: OrderId(id),
            account: AccountId(account),
            side,
            price: Some(Price::from_ticks(price)),
            qty: Qty::from_lots(qty),
        }
    }

    /// A market order, in the raw units tests and tools write by hand (lots).
    pub const fn market(id: u64, account: u32, side: Side, qty: u64) -> Self {
        Self {
            id: OrderId(id),
            account: AccountId(account),
            side,
            price: None,
            qty: Qty::from_lots(qty),
        }
    }

    /// True if this order accepts `price`: a market order always, a buy if its limit is at
    /// least `price`, a sell if its limit is at most `price`. The one place that decides "never
    /// worse than the limit", shared by allocation, its checks and the tests.
    pub fn executable_at(&self, price: Price) -> bool {
        match (self.side, self.price) {
            (_, None) => true,
            (Side::Buy, Some(limit)) => limit >= price,
            (Side::Sell, Some(limit)) => limit <= price,
        }
    }
}

/// What the venue publishes during the call phase, and the price the uncross will use: the
/// result of the price determination for the book as it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Indicative {
    /// The auction price, or `None` when nothing is executable.
    pub price: Option<Price>,
    /// The executable volume at that price (zero without a price).
    pub volume: Qty,
    /// The imbalance at that price: `|cumulative buy − cumulative sell|` (zero without a price).
    pub surplus: Qty,
    /// The side the surplus is on; `None` when balanced or without a price.
    pub surplus_side: Option<Side>,
    /// The highest buy limit, published in place of a price when nothing is executable.
    pub best_bid: Option<Price>,
    /// The lowest sell limit, published in place of a price when nothing is executable.
    pub best_ask: Option<Price>,
}

/// How the marginal price level of the side with surplus is shared, chosen per instrument
/// (time priority for most, pro-rata e.g. for GEP indicators where arrival time should not
/// decide between county governments).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Allocation {
    /// Arrival order: earlier orders fill in full before later ones get anything.
    Time,
    /// In proportion to the quantities at the marginal level, rounded down to whole lots; the
    /// residual lots go one each to orders drawn in a random order from `seed`, which the
    /// caller takes from the command log so that replay reproduces the draw.
    ProRata {
        /// The seed of the residual-lot draw.
        seed: u64,
    },
}

/// One order's execution in the uncross, all at the uncross price: what the caller settles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuctionFill {
    /// The order that executes.
    pub order: OrderId,
    /// Its owner, so settlement needs no lookup.
    pub account: AccountId,
    /// Its side.
    pub side: Side,
    /// The executed quantity: at least one lot, at most the order's quantity.
    pub qty: Qty,
}

/// The result of an uncross: the price determination and the fills. Orders without a fill,
/// and the unfilled rest of partly filled ones, are the caller's to carry into continuous
/// trading or to expire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uncross {
    /// The price determination the fills were made at (the last indicative values).
    pub indicative: Indicative,
    /// One entry per executing order, in the orders' arrival order (the input order), so the
    /// list is deterministic and produced without a sort.
    pub fills: Vec<AuctionFill>,
}

impl Uncross {
    /// The uncross price, or `None` if nothing executed.
    pub fn price(&self) -> Option<Price> {
        self.indicative.price
    }

    /// The executed volume, equal on both sides.
    pub fn volume(&self) -> Qty {
        self.indicative.volume
    }
}

/// Determines the auction price for `orders` (in arrival order) as it stands, for publication
/// during the call phase. `reference` is the instrument's reference price (typically the last
/// auction or closing price), used by rule 4 and by a book of only market orders.
///
/// Panics if one side's total quantity overflows 64 bits, which order-size limits rule out.
pub fn indicative(orders: &[CallOrder], reference: Option<Price>) -> Indicative {
    price::determine(orders, reference).1
}

/// Uncrosses `orders` (in arrival order): determines the price as [`indicative`] does, then
/// the fills, with the marginal level shared by `allocation`.
///
/// Panics if one side's total quantity overflows 64 bits, or if an internal invariant fails
/// (both sides fill the volume; no fill beyond an order's quantity or worse than its limit).
pub fn uncross(orders: &[CallOrder], reference: Option<Price>, allocation: Allocation) -> Uncross {
    let (book, indicative) = price::determine(orders, reference);
    let fills = match indicative.price {
        Some(price) => allocate::fills(orders, &book, price, indicative, allocation),
        None => Vec::new(),
    };
    Uncross { indicative, fills }
}
