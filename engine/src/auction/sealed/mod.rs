//! The single-sided sealed-bid auction (单向竞价; government reserve sales, issuance
//! auctions): one seller offers a quantity, buyers bid sealed (price, quantity) pairs during a
//! window, and at the close [`clear`] decides, purely and deterministically, who gets what
//! (DESIGN.md §3, the EU ETS Auctioning Regulation Art. 7 and the WCI practice).
//!
//! The rules, in the order [`clear`] applies them:
//! 1. Bids are taken from the highest price down. Within one price they are taken in the
//!    tie-break order: arrival ([`TieBreak::Time`] and [`TieBreak::ProRata`]) or a seeded
//!    random permutation of that price's bids ([`TieBreak::Random`]).
//! 2. Purchase limits: a bidder never wins more than `bidder_limit` lots in total, nor the
//!    members of one affiliation group more than `group_limit` together. A bid's quantity is
//!    cut to what its bidder and group may still win when its turn comes; the excess is simply
//!    not allocated (the bid is not refused: WCI caps, it does not disqualify).
//! 3. The walk stops at the marginal price, where the cumulative eligible quantity reaches the
//!    offer: that price is the clearing price. Bids above it win their eligible quantity in
//!    full; the bids at it share what is left by the tie-break: arrival order, or pro-rata to
//!    their eligible quantities rounded down to lots with the residual lots one each in a
//!    seeded random order, or the seeded random order with each bid filled whole in turn.
//! 4. Eligible demand below the offer: [`Undersubscribed::Cancel`] allocates nothing;
//!    [`Undersubscribed::SellAtReserve`] lets every bid win its eligible quantity and the
//!    rest returns to the seller. The clearing price is then the reserve price: as in WCI and
//!    RGGI, when demand does not cover the supply nothing set a price above the reserve, and
//!    every bid (all at or above the reserve) is accepted. With no eligible bid at all the
//!    auction is canceled under either policy: there is nothing to sell.
//! 5. Payment: [`Format::Uniform`] winners all pay the clearing price; [`Format::PayAsBid`]
//!    winners pay their own bid prices.
//!
//! Randomness comes only from the 32-byte seed of the [`Terms`], folded into the state of the
//! crate's splitmix64 generator, so the same bids and seed give the same outcome bit for bit,
//! and anyone given the seed after the result can recompute the draw.
//!
//! Collateral: [`collateral`] is what a bidder's schedule can cost at most. Under a uniform
//! price it is the WCI rule, max over the bidder's prices p of p × (its quantity bid at ≥ p)
//! ([`wci_collateral`]): whatever the clearing price c, the bidder wins at most its quantity
//! bid at ≥ c and pays c for each lot. Under pay-as-bid the WCI figure is not enough (bids of
//! 10 lots at 100 and 10 at 90 can cost 1,900 while the WCI rule gives 1,800), so the
//! collateral is the sum of the bids' values.
//!
//! Cost: one sort of the bids by price (O(n log n)), one pass down to the marginal price with
//! hash-map lookups of the remaining limits, one sort of the winners by bidder.

mod clear;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

pub use clear::clear;

use crate::id::{AccountId, BidId};
use crate::quantity::{Notional, Price, Qty};

/// How winners pay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// Every winner pays the clearing price (EU ETS, RGGI, WCI).
    Uniform,
    /// Every winner pays its own bid price.
    PayAsBid,
}

impl Format {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Uniform => "uniform",
            Self::PayAsBid => "pay_as_bid",
        }
    }
}

/// How the bids at the marginal price share what is left of the offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TieBreak {
    /// Arrival order: earlier bids fill in full first.
    Time,
    /// In proportion to the bids' eligible quantities, rounded down to lots; the residual lots
    /// go one each to bids drawn in a seeded random order.
    ProRata,
    /// A seeded random order of the tied bids, each filled whole in turn (EU ETS).
    Random,
}

impl TieBreak {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Time => "time",
            Self::ProRata => "pro_rata",
            Self::Random => "random",
        }
    }
}

/// What happens when the eligible bids total less than the offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Undersubscribed {
    /// Nothing is sold; the auction is canceled (EU ETS Art. 7(6)).
    Cancel,
    /// Every bid wins its eligible quantity at the reserve price (uniform) or its own price
    /// (pay-as-bid); the unsold rest returns to the seller.
    SellAtReserve,
}

impl Undersubscribed {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cancel => "cancel",
            Self::SellAtReserve => "sell_at_reserve",
        }
    }
}

/// The rules of one auction, fixed when it opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terms {
    /// The quantity offered; at least one lot.
    pub offer: Qty,
    /// The lowest acceptable bid price; every bid is at or above it.
    pub reserve: Price,
    /// The highest acceptable bid price, if any; every bid is at or below it.
    pub cap: Option<Price>,
    /// How winners pay.
    pub format: Format,
    /// How the marginal price is shared.
    pub tie_break: TieBreak,
    /// The most one bidder may win, in lots (see [`limit_of`]).
    pub bidder_limit: Qty,
    /// The most the bidders of one affiliation group may win together, in lots.
    pub group_limit: Qty,
    /// What happens when the eligible bids total less than the offer.
    pub undersubscribed: Undersubscribed,
    /// The seed of every random draw, committed (hashed) when the auction opens.
    pub seed: [u8; 32],
}

/// One sealed bid, as the caller hands it over. A bidder may hold several bids at different
/// prices (a WCI bid schedule): each is an additional quantity wanted at its price or below.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bid {
    /// The caller's id of the bid, reported back in the fills.
    pub id: BidId,
    /// The bidder.
    pub bidder: AccountId,
    /// The bidder's affiliation group, if it has one; bidders of one group share the group
    /// limit.
    pub group: Option<u32>,
    /// The bid price: at or above the reserve, at or below the cap.
    pub price: Price,
    /// The quantity wanted: at least one lot.
    pub qty: Qty,
    /// Arrival: a unique, increasing number (the command's sequence number); decides time
    /// priority and the canonical order the random draws start from.
    pub seq: u64,
}

/// How an auction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// The eligible bids covered the offer: all of it is sold at the clearing price.
    Cleared,
    /// Undersubscribed and sold what was bid at the reserve; the rest returns to the seller.
    SoldAtReserve,
    /// Nothing sold: undersubscribed under [`Undersubscribed::Cancel`], or no eligible bid.
    Canceled,
}

impl Status {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cleared => "cleared",
            Self::SoldAtReserve => "sold_at_reserve",
            Self::Canceled => "canceled",
        }
    }
}

/// What one bid won.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BidFill {
    /// The bid.
    pub bid: BidId,
    /// Its bidder.
    pub bidder: AccountId,
    /// The price paid per lot: the clearing price (uniform) or the bid's own (pay-as-bid).
    pub price: Price,
    /// The quantity won: at least one lot, at most the bid's quantity.
    pub qty: Qty,
}

/// What one bidder won over all its bids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BidderTotal {
    /// The bidder.
    pub bidder: AccountId,
    /// The quantity won.
    pub qty: Qty,
    /// What it pays, Σ price × quantity over its fills, in tick-lots.
    pub value: Notional,
}

/// The bid-to-cover ratio, kept exact as two integers: total quantity bid over the offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BidToCover {
    /// The total quantity of every bid (before purchase limits).
    pub bid: Qty,
    /// The quantity offered.
    pub offer: Qty,
}

impl BidToCover {
    /// The ratio in basis points (1.0 = 10,000), rounded down.
    pub fn bps(self) -> u128 {
        u128::from(self.bid.lots()) * 10_000 / u128::from(self.offer.lots().max(1))
    }
}

/// The result of an auction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// The clearing price: the marginal bid price, the reserve when sold at the reserve,
    /// `None` when canceled.
    pub clearing_price: Option<Price>,
    /// The quantity sold, at most the offer.
    pub sold: Qty,
    /// One entry per winning bid, in the input order of the bids.
    pub fills: Vec<BidFill>,
    /// One entry per winning bidder, in account order.
    pub totals: Vec<BidderTotal>,
    /// Total bid over the offer.
    pub bid_to_cover: BidToCover,
    /// The number of distinct bidders with a bid.
    pub bidders: u32,
}

/// `bps` basis points of `offer`, rounded down to whole lots: a purchase limit given as a
/// share of the offer (25 % = 2,500).
pub fn limit_of(offer: Qty, bps: u16) -> Qty {
    let lots = u128::from(offer.lots()) * u128::from(bps) / 10_000;
    // Above 100 % the limit is the whole offer, which always fits.
    Qty::from_lots(lots.min(u128::from(offer.lots())) as u64)
}

/// The WCI bid guarantee of one bidder's bids: max over its prices p of p × (its quantity bid
/// at ≥ p), in tick-lots; zero without bids, `None` on overflow.
pub fn wci_collateral(bids: impl IntoIterator<Item = (Price, Qty)>) -> Option<Notional> {
    let mut v: Vec<(Price, Qty)> = bids.into_iter().collect();
    v.sort_unstable_by_key(|b| core::cmp::Reverse(b.0));
    let mut cumulative = Qty::ZERO;
    let mut most = Notional::default();
    for (price, qty) in v {
        cumulative = cumulative.checked_add(qty)?;
        // Before the last bid of a price is added this undercounts that price, but the
        // maximum is taken over every step, and the last step of each price counts it all.
        most = most.max(price.checked_mul(cumulative)?);
    }
    Some(most)
}

/// What one bidder's bids can cost at most under `format`, in tick-lots: the WCI rule for a
/// uniform price, the sum of the bids' values for pay-as-bid; `None` on overflow.
pub fn collateral(
    format: Format,
    bids: impl IntoIterator<Item = (Price, Qty)>,
) -> Option<Notional> {
    match format {
        Format::Uniform => wci_collateral(bids),
        Format::PayAsBid => bids
            .into_iter()
            .try_fold(Notional::default(), |sum, (p, q)| {
                let n = p.checked_mul(q)?.tick_lots();
                Some(Notional::from_tick_lots(sum.tick_lots().checked_add(n)?))
            }),
    }
}
