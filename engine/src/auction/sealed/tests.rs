//! Unit tests of the sealed-bid auction with exact expected allocations. Prices are in ticks
//! of 0.01 CNY, quantities in lots of one tonne.

use super::clear::fold;
use super::*;

/// A bid whose id, arrival and bidder are all `id`; `group` 0 means no group.
fn bid(id: u64, group: u32, price: u64, qty: u64) -> Bid {
    Bid {
        id: BidId(id),
        bidder: AccountId(id as u32),
        group: (group > 0).then_some(group),
        price: Price::from_ticks(price),
        qty: Qty::from_lots(qty),
        seq: id,
    }
}

/// A bid of a named bidder (several bids per bidder: a WCI bid schedule).
fn bid_of(id: u64, bidder: u32, price: u64, qty: u64) -> Bid {
    Bid {
        bidder: AccountId(bidder),
        ..bid(id, 0, price, qty)
    }
}

fn seed(n: u64) -> [u8; 32] {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&n.to_le_bytes());
    s
}

/// Terms over `offer` lots with a reserve of 40.00, no cap, limits of `limit_bps` each.
fn terms(offer: u64, tie_break: TieBreak, limit_bps: u16) -> Terms {
    let offer = Qty::from_lots(offer);
    Terms {
        offer,
        reserve: Price::from_ticks(4_000),
        cap: None,
        format: Format::Uniform,
        tie_break,
        bidder_limit: limit_of(offer, limit_bps),
        group_limit: limit_of(offer, limit_bps),
        undersubscribed: Undersubscribed::Cancel,
        seed: seed(1),
    }
}

/// The fills as (bid id, lots), in input order.
fn won(o: &Outcome) -> Vec<(u64, u64)> {
    o.fills.iter().map(|f| (f.bid.0, f.qty.lots())).collect()
}

/// An EU ETS-style auction of 1,000 t: the bids at 51.00 ask 600 where 450 are left.
fn eu_ets_bids() -> Vec<Bid> {
    vec![
        bid(1, 0, 5_200, 300),
        bid(2, 0, 5_150, 250),
        bid(3, 0, 5_100, 200),
        bid(4, 0, 5_100, 200),
        bid(5, 0, 5_100, 200),
        bid(6, 0, 5_000, 100),
    ]
}

#[test]
fn eu_ets_uniform_price_with_a_random_tie_at_the_clearing_price() {
    let mut t = terms(1_000, TieBreak::Random, 4_000);
    t.seed = seed(0);
    let o = clear(&t, &eu_ets_bids());
    assert_eq!(o.status, Status::Cleared);
    assert_eq!(o.clearing_price, Some(Price::from_ticks(5_100)));
    assert_eq!(o.sold, Qty::from_lots(1_000));
    // Seed 0 draws bid 4 last at 51.00: bids 3 and 5 fill whole, bid 4 takes the last 50.
    assert_eq!(won(&o), [(1, 300), (2, 250), (3, 200), (4, 50), (5, 200)]);
    assert!(o.fills.iter().all(|f| f.price == Price::from_ticks(5_100)));
    assert_eq!(o.bid_to_cover.bid, Qty::from_lots(1_250));
    assert_eq!(o.bid_to_cover.bps(), 12_500);
    assert_eq!(o.bidders, 6);
    assert_eq!(o.totals.len(), 5);
    assert_eq!(
        o.totals[0],
        BidderTotal {
            bidder: AccountId(1),
            qty: Qty::from_lots(300),
            value: Notional::from_tick_lots(300 * 5_100),
        }
    );
    // Other seeds cut another of the tied bids; the bids above 51.00 never change.
    t.seed = seed(4);
    let other = clear(&t, &eu_ets_bids());
    assert_eq!(
        won(&other),
        [(1, 300), (2, 250), (3, 50), (4, 200), (5, 200)]
    );
    assert_eq!(other.clearing_price, o.clearing_price);
    t.seed = seed(1);
    let third = clear(&t, &eu_ets_bids());
    assert_eq!(
        won(&third),
        [(1, 300), (2, 250), (3, 200), (4, 200), (5, 50)]
    );
    // The same seed always gives the same draw.
    t.seed = seed(0);
    assert_eq!(clear(&t, &eu_ets_bids()), o);
}

#[test]
fn time_priority_fills_the_earlier_tied_bids_first() {
    let o = clear(&terms(1_000, TieBreak::Time, 4_000), &eu_ets_bids());
    assert_eq!(won(&o), [(1, 300), (2, 250), (3, 200), (4, 200), (5, 50)]);
    // Arrival, not the position in the input, decides.
    let mut reversed = eu_ets_bids();
    reversed.reverse();
    let r = clear(&terms(1_000, TieBreak::Time, 4_000), &reversed);
    assert_eq!(won(&r), [(5, 50), (4, 200), (3, 200), (2, 250), (1, 300)]);
}

#[test]
fn pro_rata_shares_the_marginal_price_and_draws_the_residual() {
    // 100 lots left at 50.00 for three bids of 100: 33 each, one residual lot drawn.
    let bids = [
        bid(1, 0, 5_100, 200),
        bid(2, 0, 5_000, 100),
        bid(3, 0, 5_000, 100),
        bid(4, 0, 5_000, 100),
        bid(5, 0, 4_900, 500),
    ];
    let mut t = terms(300, TieBreak::ProRata, 10_000);
    let o = clear(&t, &bids);
    assert_eq!(o.clearing_price, Some(Price::from_ticks(5_000)));
    assert_eq!(won(&o), [(1, 200), (2, 33), (3, 33), (4, 34)]);
    let residual_to = |o: &Outcome| o.fills.iter().find(|f| f.qty.lots() == 34).map(|f| f.bid.0);
    let draws: Vec<Option<u64>> = (0..20)
        .map(|s| {
            t.seed = seed(s);
            residual_to(&clear(&t, &bids))
        })
        .collect();
    assert!(draws.iter().all(|d| matches!(d, Some(2..=4))));
    assert!(draws.contains(&Some(2)) && draws.contains(&Some(3)) && draws.contains(&Some(4)));
    // Unequal quantities share in proportion: 90 left for 200 and 100 -> 60 and 30.
    let bids = [
        bid(1, 0, 5_100, 210),
        bid(2, 0, 5_000, 200),
        bid(3, 0, 5_000, 100),
    ];
    let o = clear(&terms(300, TieBreak::ProRata, 10_000), &bids);
    assert_eq!(won(&o), [(1, 210), (2, 60), (3, 30)]);
    // The shares follow what the limits leave, not the quantities asked: with 100 t each at
    // most, bid 2 counts as 100 and the 100 left split 50 / 50.
    let mut t = terms(300, TieBreak::ProRata, 10_000);
    t.bidder_limit = Qty::from_lots(100);
    let o = clear(
        &t,
        &[
            bid(1, 0, 5_100, 100),
            bid(4, 0, 5_100, 110),
            bid(2, 0, 5_000, 200),
            bid(3, 0, 5_000, 100),
        ],
    );
    assert_eq!(won(&o), [(1, 100), (4, 100), (2, 50), (3, 50)]);
}

#[test]
fn a_bidder_never_wins_more_than_its_purchase_limit() {
    // 25 % of 1,000 t is 250 t. Bidder 1's schedule asks 400 at 60.00 and 100 more at 55.00:
    // 250 of the first, none of the second. The limit cuts bids, it does not refuse them.
    let bids = [
        bid_of(1, 1, 6_000, 400),
        bid_of(2, 1, 5_500, 100),
        bid_of(3, 2, 5_000, 300),
        bid_of(4, 3, 5_000, 500),
        bid_of(5, 4, 4_500, 200),
        bid_of(6, 5, 4_000, 300),
    ];
    let o = clear(&terms(1_000, TieBreak::Time, 2_500), &bids);
    assert_eq!(o.status, Status::Cleared);
    assert_eq!(o.clearing_price, Some(Price::from_ticks(4_000)));
    assert_eq!(won(&o), [(1, 250), (3, 250), (4, 250), (5, 200), (6, 50)]);
    assert_eq!(o.bid_to_cover.bps(), 18_000);
    assert_eq!(o.bidders, 5);
}

#[test]
fn an_affiliation_group_shares_one_limit() {
    // Bidders 1 and 2 are one group: 300 t together (30 %), each at most 250 t (25 %).
    let offer = Qty::from_lots(1_000);
    let t = Terms {
        bidder_limit: limit_of(offer, 2_500),
        group_limit: limit_of(offer, 3_000),
        ..terms(1_000, TieBreak::Time, 2_500)
    };
    let bids = [
        bid(1, 7, 6_000, 250),
        bid(2, 7, 5_800, 250),
        bid(3, 0, 5_500, 400),
        bid(4, 0, 5_000, 600),
        bid(5, 8, 4_500, 300),
    ];
    let o = clear(&t, &bids);
    assert_eq!(o.clearing_price, Some(Price::from_ticks(4_500)));
    assert_eq!(won(&o), [(1, 250), (2, 50), (3, 250), (4, 250), (5, 200)]);
}

#[test]
fn undersubscribed_auctions_cancel_or_sell_at_the_reserve() {
    // 600 t bid for 1,000 offered.
    let bids = [
        bid(1, 0, 5_200, 300),
        bid(2, 0, 4_800, 200),
        bid(3, 0, 4_000, 100),
    ];
    let mut t = terms(1_000, TieBreak::Random, 10_000);
    let canceled = clear(&t, &bids);
    assert_eq!(canceled.status, Status::Canceled);
    assert_eq!(canceled.clearing_price, None);
    assert!(canceled.fills.is_empty() && canceled.totals.is_empty());
    assert_eq!(canceled.sold, Qty::ZERO);
    assert_eq!(canceled.bid_to_cover.bps(), 6_000);
    assert_eq!(canceled.bidders, 3);
    t.undersubscribed = Undersubscribed::SellAtReserve;
    let sold = clear(&t, &bids);
    assert_eq!(sold.status, Status::SoldAtReserve);
    assert_eq!(sold.clearing_price, Some(Price::from_ticks(4_000)));
    assert_eq!(won(&sold), [(1, 300), (2, 200), (3, 100)]);
    assert_eq!(sold.sold, Qty::from_lots(600));
    assert!(
        sold.fills
            .iter()
            .all(|f| f.price == Price::from_ticks(4_000))
    );
    // With limits, demand is what the limits leave: 3 × 250 < 1,000.
    let capped = [
        bid(1, 0, 5_000, 900),
        bid(2, 0, 5_000, 900),
        bid(3, 0, 5_000, 900),
    ];
    t.bidder_limit = Qty::from_lots(250);
    let o = clear(&t, &capped);
    assert_eq!(
        (o.status, o.sold),
        (Status::SoldAtReserve, Qty::from_lots(750))
    );
    // No bid at all: nothing to sell under either policy.
    assert_eq!(clear(&t, &[]).status, Status::Canceled);
}

#[test]
fn pay_as_bid_winners_pay_their_own_prices() {
    let mut t = terms(500, TieBreak::Time, 10_000);
    t.format = Format::PayAsBid;
    let bids = [
        bid_of(1, 1, 5_300, 200),
        bid_of(2, 2, 5_200, 200),
        bid_of(3, 1, 5_100, 200),
    ];
    let o = clear(&t, &bids);
    assert_eq!(o.clearing_price, Some(Price::from_ticks(5_100)));
    let paid: Vec<(u64, u64, u64)> = o
        .fills
        .iter()
        .map(|f| (f.bid.0, f.price.ticks(), f.qty.lots()))
        .collect();
    assert_eq!(paid, [(1, 5_300, 200), (2, 5_200, 200), (3, 5_100, 100)]);
    assert_eq!(o.totals[0].qty, Qty::from_lots(300));
    assert_eq!(
        o.totals[0].value,
        Notional::from_tick_lots(5_300 * 200 + 5_100 * 100)
    );
    // Undersubscribed and sold at the reserve: still each its own price.
    t.offer = Qty::from_lots(1_000);
    t.undersubscribed = Undersubscribed::SellAtReserve;
    let o = clear(&t, &bids);
    assert_eq!(o.clearing_price, Some(Price::from_ticks(4_000)));
    assert_eq!(o.fills[0].price, Price::from_ticks(5_300));
}

#[test]
fn the_offer_running_out_exactly_at_a_price_makes_it_the_clearing_price() {
    let bids = [
        bid(1, 0, 5_200, 600),
        bid(2, 0, 5_000, 400),
        bid(3, 0, 4_900, 400),
    ];
    let o = clear(&terms(1_000, TieBreak::Random, 10_000), &bids);
    assert_eq!(o.clearing_price, Some(Price::from_ticks(5_000)));
    assert_eq!(won(&o), [(1, 600), (2, 400)]);
}

#[test]
fn wci_collateral_is_the_most_the_schedule_can_cost() {
    let p = Price::from_ticks;
    let q = Qty::from_lots;
    let schedule = [(p(100), q(10)), (p(90), q(10)), (p(80), q(5))];
    // max(100 × 10, 90 × 20, 80 × 25) = 2,000.
    assert_eq!(
        wci_collateral(schedule),
        Some(Notional::from_tick_lots(2_000))
    );
    assert_eq!(
        collateral(Format::Uniform, schedule),
        Some(Notional::from_tick_lots(2_000))
    );
    // Pay-as-bid can cost every bid at its price: 1,000 + 900 + 400.
    assert_eq!(
        collateral(Format::PayAsBid, schedule),
        Some(Notional::from_tick_lots(2_300))
    );
    // Two bids at one price count together; the highest price alone may dominate.
    assert_eq!(
        wci_collateral([(p(50), q(3)), (p(50), q(4)), (p(10), q(1))]),
        Some(Notional::from_tick_lots(350))
    );
    assert_eq!(
        wci_collateral([(p(1_000), q(10)), (p(1), q(100))]),
        Some(Notional::from_tick_lots(10_000))
    );
    assert_eq!(wci_collateral([]), Some(Notional::default()));
    assert_eq!(wci_collateral([(p(u64::MAX), q(2))]), None);
    assert_eq!(
        collateral(Format::PayAsBid, [(p(u64::MAX), q(1)), (p(1), q(1))]),
        None
    );
}

#[test]
fn purchase_limits_round_down_to_lots() {
    let q = Qty::from_lots;
    assert_eq!(limit_of(q(1_000), 2_500), q(250));
    assert_eq!(limit_of(q(7), 2_500), q(1));
    assert_eq!(limit_of(q(3), 2_500), q(0));
    assert_eq!(limit_of(q(1_000), 10_000), q(1_000));
    assert_eq!(limit_of(q(1_000), 20_000), q(1_000));
    assert_eq!(limit_of(q(u64::MAX), 10_000), q(u64::MAX));
}

#[test]
fn every_bit_of_the_seed_takes_part_in_the_draw() {
    let mut states = vec![fold(&[0; 32])];
    for byte in 0..32 {
        for bit in [0, 7] {
            let mut s = [0u8; 32];
            s[byte] = 1 << bit;
            states.push(fold(&s));
        }
    }
    // Equal words must not cancel out.
    states.extend((1..=8u8).map(|b| fold(&[b; 32])));
    let n = states.len();
    states.sort_unstable();
    states.dedup();
    assert_eq!(states.len(), n, "distinct seeds, distinct states");
}

#[test]
#[should_panic(expected = "below the reserve")]
fn a_bid_below_the_reserve_is_the_callers_bug() {
    let _ = clear(&terms(10, TieBreak::Time, 10_000), &[bid(1, 0, 3_999, 1)]);
}

#[test]
#[should_panic(expected = "above the cap")]
fn a_bid_above_the_cap_is_the_callers_bug() {
    let mut t = terms(10, TieBreak::Time, 10_000);
    t.cap = Some(Price::from_ticks(5_000));
    let _ = clear(&t, &[bid(1, 0, 5_001, 1)]);
}
