//! Property test of the sealed-bid auction: random offers, limits, policies and bid schedules
//! (several bids per bidder, bidders in groups), with the result checked rule by rule, and
//! time priority checked against a one-line greedy model.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;

/// Random bids: up to 60, 12 bidders in up to 3 groups (bidder % 4 == 0 has none), prices
/// in a narrow range so that ties are common.
fn bids() -> impl Strategy<Value = Vec<Bid>> {
    prop::collection::vec((0u32..12, 0u64..8, 1u64..60), 0..60).prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (bidder, price, qty))| Bid {
                id: BidId(1_000 + i as u64),
                bidder: AccountId(bidder),
                group: (bidder % 4 != 0).then_some(bidder % 3),
                price: Price::from_ticks(100 + price),
                qty: Qty::from_lots(qty),
                seq: 10 * i as u64 + 1,
            })
            .collect()
    })
}

fn terms() -> impl Strategy<Value = Terms> {
    (
        1u64..800,
        (500u16..=10_000, 500u16..=10_000),
        prop::sample::select(vec![TieBreak::Time, TieBreak::ProRata, TieBreak::Random]),
        any::<bool>(),
        any::<bool>(),
        any::<[u8; 32]>(),
    )
        .prop_map(|(offer, (bl, gl), tie_break, pab, sell, seed)| {
            let offer = Qty::from_lots(offer);
            Terms {
                offer,
                reserve: Price::from_ticks(100),
                cap: Some(Price::from_ticks(107)),
                format: if pab {
                    Format::PayAsBid
                } else {
                    Format::Uniform
                },
                tie_break,
                bidder_limit: limit_of(offer, bl),
                group_limit: limit_of(offer, gl),
                undersubscribed: if sell {
                    Undersubscribed::SellAtReserve
                } else {
                    Undersubscribed::Cancel
                },
                seed,
            }
        })
}

/// Time priority, literally: bids by price then arrival, each taking what its bidder, its
/// group and the offer still allow.
fn greedy(t: &Terms, bids: &[Bid]) -> BTreeMap<BidId, u64> {
    let mut sorted: Vec<&Bid> = bids.iter().collect();
    sorted.sort_by_key(|b| (core::cmp::Reverse(b.price), b.seq));
    let (mut left, mut per_bidder, mut per_group) =
        (t.offer.lots(), BTreeMap::new(), BTreeMap::new());
    let mut won = BTreeMap::new();
    for b in sorted {
        let mine: &mut u64 = per_bidder.entry(b.bidder).or_insert(t.bidder_limit.lots());
        let mut q = b.qty.lots().min(*mine).min(left);
        if let Some(g) = b.group {
            let ours: &mut u64 = per_group.entry(g).or_insert(t.group_limit.lots());
            q = q.min(*ours);
            *ours -= q;
        }
        *mine -= q;
        left -= q;
        if q > 0 {
            won.insert(b.id, q);
        }
    }
    won
}

fn check(t: &Terms, bids: &[Bid], o: &Outcome) {
    assert!(o.sold <= t.offer);
    let won: BTreeMap<BidId, u64> = o.fills.iter().map(|f| (f.bid, f.qty.lots())).collect();
    let (mut per_bidder, mut per_group) = (BTreeMap::new(), BTreeMap::new());
    for b in bids {
        let q = won.get(&b.id).copied().unwrap_or(0);
        *per_bidder.entry(b.bidder).or_insert(0u64) += q;
        if let Some(g) = b.group {
            *per_group.entry(g).or_insert(0u64) += q;
        }
    }
    assert!(per_bidder.values().all(|&q| q <= t.bidder_limit.lots()));
    assert!(per_group.values().all(|&q| q <= t.group_limit.lots()));
    let Some(clearing) = o.clearing_price else {
        assert!(o.fills.is_empty() && o.status == Status::Canceled);
        return;
    };
    if o.status == Status::Cleared {
        assert_eq!(o.sold, t.offer);
    } else {
        assert_eq!((o.status, clearing), (Status::SoldAtReserve, t.reserve));
    }
    for b in bids {
        let q = won.get(&b.id).copied().unwrap_or(0);
        assert!(
            q == 0 || b.price >= clearing,
            "a winner below the clearing price"
        );
        // Strictly above the clearing price: filled, unless a limit it shares is used up.
        if b.price > clearing && q < b.qty.lots() {
            let bidder_full = per_bidder[&b.bidder] == t.bidder_limit.lots();
            let group_full = b
                .group
                .is_some_and(|g| per_group[&g] == t.group_limit.lots());
            assert!(
                bidder_full || group_full,
                "bid {} above the clearing price cut",
                b.id
            );
        }
    }
    for f in &o.fills {
        let b = bids.iter().find(|b| b.id == f.bid).unwrap();
        let want = match t.format {
            Format::Uniform => clearing,
            Format::PayAsBid => b.price,
        };
        assert_eq!(f.price, want);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn sealed_auctions_follow_the_rules(t in terms(), bids in bids()) {
        let o = clear(&t, &bids);
        check(&t, &bids, &o);
        // Deterministic for a seed, and independent of the order the bids are handed over in.
        prop_assert_eq!(&clear(&t, &bids), &o);
        let mut reversed = bids.clone();
        reversed.reverse();
        let r = clear(&t, &reversed);
        let sorted = |o: &Outcome| {
            let mut v: Vec<BidFill> = o.fills.clone();
            v.sort_by_key(|f| f.bid);
            v
        };
        prop_assert_eq!(sorted(&r), sorted(&o));
        prop_assert_eq!((r.status, r.clearing_price, &r.totals), (o.status, o.clearing_price, &o.totals));
        if t.tie_break == TieBreak::Time && o.status != Status::Canceled {
            let won: BTreeMap<BidId, u64> = o.fills.iter().map(|f| (f.bid, f.qty.lots())).collect();
            prop_assert_eq!(won, greedy(&t, &bids));
        }
    }
}
