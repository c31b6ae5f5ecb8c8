//! The clearing walk of a sealed-bid auction: price priority, purchase limits, the marginal
//! price shared by the tie-break, the undersubscription policy, and the checks of the result.

use core::cmp::Reverse;
use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use super::{
    Bid, BidFill, BidToCover, BidderTotal, Format, Outcome, Status, Terms, TieBreak,
    Undersubscribed,
};
use crate::auction::allocate::{SplitMix64, pro_rata};
use crate::id::{AccountId, BidId};
use crate::quantity::{Notional, Price, Qty};

/// The seed as the generator's state: its four little-endian 64-bit words mixed in turn (a
/// multiply and a rotation after each), so that every bit of the committed seed takes part in
/// the draw and equal words do not cancel out as they would under a plain XOR.
pub(super) fn fold(seed: &[u8; 32]) -> u64 {
    seed.chunks_exact(8).fold(0, |acc: u64, w| {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        (acc ^ u64::from_le_bytes(word))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(31)
    })
}

/// What each bidder and group may still win.
struct Limits {
    bidder: FxHashMap<AccountId, u64>,
    group: FxHashMap<u32, u64>,
    bidder_limit: u64,
    group_limit: u64,
}

impl Limits {
    fn new(terms: &Terms) -> Self {
        Self {
            bidder: FxHashMap::default(),
            group: FxHashMap::default(),
            bidder_limit: terms.bidder_limit.lots(),
            group_limit: terms.group_limit.lots(),
        }
    }

    /// The part of `b` its bidder and group may still win, taken from their limits.
    fn take(&mut self, b: &Bid) -> u64 {
        let Self {
            bidder,
            group,
            bidder_limit,
            group_limit,
        } = self;
        let mine = bidder.entry(b.bidder).or_insert(*bidder_limit);
        let mut q = b.qty.lots().min(*mine);
        if let Some(g) = b.group {
            let ours = group.entry(g).or_insert(*group_limit);
            q = q.min(*ours);
            *ours -= q;
        }
        *mine -= q;
        q
    }
}

/// Where the walk down the prices stopped.
struct Walk {
    /// Lots won, per bid in input order.
    alloc: Vec<u64>,
    /// The offer not taken.
    left: u64,
    /// The price where the offer ran out, if it did.
    marginal: Option<Price>,
}

/// Clears the auction: see the module documentation for the rules. `bids` may come in any
/// order; ids and arrival numbers are unique.
///
/// Panics if the offer is zero, a bid has no quantity or lies outside the reserve and the cap
/// (the caller refuses those), if the total bid or a bidder's value overflows 64 bits (order
/// size limits and the collateral held rule that out), or if an invariant of the result fails.
pub fn clear(terms: &Terms, bids: &[Bid]) -> Outcome {
    assert!(!terms.offer.is_zero(), "an auction offers at least one lot");
    for b in bids {
        assert!(!b.qty.is_zero(), "bid {} has no quantity", b.id);
        assert!(b.price >= terms.reserve, "bid {} below the reserve", b.id);
        assert!(
            terms.cap.is_none_or(|cap| b.price <= cap),
            "bid {} above the cap",
            b.id
        );
    }
    // Sorting the keys beside the indices keeps the comparisons in cache.
    let mut keyed: Vec<(Reverse<Price>, u64, BidId, usize)> = bids
        .iter()
        .enumerate()
        .map(|(i, b)| (Reverse(b.price), b.seq, b.id, i))
        .collect();
    keyed.sort_unstable();
    let mut order: Vec<usize> = keyed.into_iter().map(|k| k.3).collect();
    let walk = walk(terms, bids, &mut order);
    let (status, clearing, alloc) = match (walk.marginal, terms.undersubscribed) {
        (Some(price), _) => (Status::Cleared, Some(price), walk.alloc),
        (None, Undersubscribed::SellAtReserve) if walk.left < terms.offer.lots() => {
            (Status::SoldAtReserve, Some(terms.reserve), walk.alloc)
        }
        (None, _) => (Status::Canceled, None, vec![0; bids.len()]),
    };
    let outcome = outcome(terms, bids, &alloc, status, clearing);
    verify(terms, bids, &alloc, &outcome);
    outcome
}

/// Walks the prices from the highest down, level by level, until the offer runs out.
fn walk(terms: &Terms, bids: &[Bid], order: &mut [usize]) -> Walk {
    let mut alloc = vec![0u64; bids.len()];
    let mut left = terms.offer.lots();
    let mut limits = Limits::new(terms);
    let mut rng = SplitMix64::new(fold(&terms.seed));
    let mut start = 0;
    while start < order.len() {
        let price = bids[order[start]].price;
        let len = order[start..]
            .iter()
            .position(|&i| bids[i].price != price)
            .unwrap_or(order.len() - start);
        let level = &mut order[start..start + len];
        if terms.tie_break == TieBreak::Random {
            shuffle(level, &mut rng);
        }
        let mut eligible: Vec<u64> = level.iter().map(|&i| limits.take(&bids[i])).collect();
        let total: u128 = eligible.iter().map(|&q| u128::from(q)).sum();
        if total > u128::from(left) {
            share(terms, &mut eligible, left);
            for (&i, &q) in level.iter().zip(&eligible) {
                alloc[i] = q;
            }
            return Walk {
                alloc,
                left: 0,
                marginal: Some(price),
            };
        }
        for (&i, &q) in level.iter().zip(&eligible) {
            alloc[i] = q;
        }
        left -= total as u64;
        if left == 0 {
            return Walk {
                alloc,
                left,
                marginal: Some(price),
            };
        }
        start += len;
    }
    Walk {
        alloc,
        left,
        marginal: None,
    }
}

/// A uniform random permutation of one price's bids (which arrive in arrival order, so the
/// draw depends only on the bids and the seed).
fn shuffle(level: &mut [usize], rng: &mut SplitMix64) {
    for i in (1..level.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        level.swap(i, j);
    }
}

/// Shares `left` lots among the marginal bids' eligible quantities (in tie-break order, their
/// total above `left`), in place.
fn share(terms: &Terms, eligible: &mut [u64], left: u64) {
    match terms.tie_break {
        TieBreak::Time | TieBreak::Random => {
            let mut left = left;
            for q in eligible.iter_mut() {
                let take = (*q).min(left);
                left -= take;
                *q = take;
            }
        }
        TieBreak::ProRata => {
            // Bids the limits cut to nothing take no part, or a residual lot could reach one.
            let mut shares: Vec<u64> = eligible.iter().copied().filter(|&q| q > 0).collect();
            pro_rata(&mut shares, left, fold(&terms.seed));
            let mut shares = shares.into_iter();
            for q in eligible.iter_mut().filter(|q| **q > 0) {
                *q = shares.next().expect("one share per eligible bid");
            }
        }
    }
}

/// The fills, the bidders' totals and the figures of the result.
fn outcome(
    terms: &Terms,
    bids: &[Bid],
    alloc: &[u64],
    status: Status,
    clearing: Option<Price>,
) -> Outcome {
    let mut fills = Vec::new();
    let mut totals: BTreeMap<AccountId, (u64, u64)> = BTreeMap::new();
    for (b, &q) in bids.iter().zip(alloc).filter(|(_, q)| **q > 0) {
        let price = match terms.format {
            Format::Uniform => clearing.expect("a sale has a clearing price"),
            Format::PayAsBid => b.price,
        };
        let qty = Qty::from_lots(q);
        let value = price.checked_mul(qty).expect("a fill's value fits");
        let t = totals.entry(b.bidder).or_default();
        t.0 += q;
        t.1 =
            t.1.checked_add(value.tick_lots())
                .expect("a bidder's value fits");
        fills.push(BidFill {
            bid: b.id,
            bidder: b.bidder,
            price,
            qty,
        });
    }
    let totals: Vec<BidderTotal> = totals
        .into_iter()
        .map(|(bidder, (q, v))| BidderTotal {
            bidder,
            qty: Qty::from_lots(q),
            value: Notional::from_tick_lots(v),
        })
        .collect();
    let mut bidders: Vec<AccountId> = bids.iter().map(|b| b.bidder).collect();
    bidders.sort_unstable();
    bidders.dedup();
    let bid = bids
        .iter()
        .try_fold(Qty::ZERO, |sum, b| sum.checked_add(b.qty))
        .expect("the total bid fits");
    Outcome {
        status,
        clearing_price: clearing,
        sold: Qty::from_lots(totals.iter().map(|t| t.qty.lots()).sum()),
        fills,
        totals,
        bid_to_cover: BidToCover {
            bid,
            offer: terms.offer,
        },
        bidders: u32::try_from(bidders.len()).expect("fewer than 2^32 bidders"),
    }
}

/// Asserts what must hold of any result: nothing sold beyond the offer, no bid beyond its
/// quantity, no bidder or group beyond its limit, no winner below the clearing price.
fn verify(terms: &Terms, bids: &[Bid], alloc: &[u64], o: &Outcome) {
    assert!(o.sold <= terms.offer, "sold beyond the offer");
    assert_eq!(
        alloc.iter().sum::<u64>(),
        o.sold.lots(),
        "the fills add up to the quantity sold"
    );
    if o.status == Status::Cleared {
        assert_eq!(o.sold, terms.offer, "a cleared auction sells the offer");
    }
    let mut groups: FxHashMap<u32, u64> = FxHashMap::default();
    for (b, &q) in bids.iter().zip(alloc).filter(|(_, q)| **q > 0) {
        assert!(q <= b.qty.lots(), "bid {} filled beyond its quantity", b.id);
        let clearing = o.clearing_price.expect("fills have a clearing price");
        assert!(
            b.price >= clearing,
            "bid {} wins below the clearing price",
            b.id
        );
        if let Some(g) = b.group {
            *groups.entry(g).or_default() += q;
        }
    }
    for t in &o.totals {
        assert!(t.qty <= terms.bidder_limit, "{} above its limit", t.bidder);
    }
    for q in groups.values() {
        assert!(*q <= terms.group_limit.lots(), "a group above its limit");
    }
}
