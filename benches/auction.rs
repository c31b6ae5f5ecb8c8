//! The call-auction uncross on 1,000,000 resting orders (DESIGN.md §7: under 200 ms): random
//! limit orders around a reference price, 1 % market orders, quantities of 1–100 lots, cleared
//! with time priority and with seeded pro-rata allocation, and the indicative price alone.
//!
//! And the clearing of a single-sided sealed-bid auction of 100,000 bids (`-- sealed`): 10,000
//! bidders, a quarter of them in 500 affiliation groups, prices over 1,500 ticks above the
//! reserve, 1–100 lots each, for an offer of 2,000,000 lots (bid-to-cover about 2.5), purchase
//! limits of 25 % per bidder and per group; uniform price with a random tie-break, uniform with
//! pro-rata, and pay-as-bid with time priority.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use ecomatch_engine::auction::sealed::{self, Format, TieBreak, Undersubscribed};
use ecomatch_engine::auction::{Allocation, CallOrder, indicative, uncross};
use ecomatch_engine::book::Side;
use ecomatch_engine::id::{AccountId, OrderId};
use ecomatch_engine::quantity::{Price, Qty};

const ORDERS: u64 = 1_000_000;
const REFERENCE: u64 = 100_000;

/// 1M orders: buys and sells spread over ±1,000 ticks around the reference, so that they cross.
fn book() -> Vec<CallOrder> {
    let mut x = 0x5EED_u64;
    (1..=ORDERS)
        .map(|id| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let side = if x & 1 == 0 { Side::Buy } else { Side::Sell };
            let price =
                (x % 100 != 0).then(|| Price::from_ticks(REFERENCE - 1_000 + (x >> 8) % 2_001));
            CallOrder {
                id: OrderId(id),
                account: AccountId((id % 5_000) as u32),
                side,
                price,
                qty: Qty::from_lots(1 + (x >> 32) % 100),
            }
        })
        .collect()
}

fn auction(c: &mut Criterion) {
    let orders = book();
    let reference = Some(Price::from_ticks(REFERENCE));
    let u = uncross(&orders, reference, Allocation::Time);
    eprintln!(
        "uncross of {ORDERS} orders: price {:?}, volume {} lots, {} fills",
        u.price().map(Price::ticks),
        u.volume().lots(),
        u.fills.len()
    );
    let mut g = c.benchmark_group("auction_1m_orders");
    g.sample_size(10);
    g.bench_function("indicative", |b| {
        b.iter(|| indicative(black_box(&orders), reference));
    });
    g.bench_function("uncross_time_priority", |b| {
        b.iter(|| uncross(black_box(&orders), reference, Allocation::Time));
    });
    g.bench_function("uncross_pro_rata", |b| {
        b.iter(|| {
            uncross(
                black_box(&orders),
                reference,
                Allocation::ProRata { seed: 7 },
            )
        });
    });
    g.finish();
}

const BIDS: u64 = 100_000;
const OFFER: u64 = 2_000_000;

/// 100k sealed bids from a fixed xorshift stream.
fn sealed_bids() -> Vec<sealed::Bid> {
    let mut x = 0x5EA1_ED00_u64;
    (1..=BIDS)
        .map(|id| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let bidder = (x % 10_000) as u32;
            sealed::Bid {
                id: ecomatch_engine::id::BidId(id),
                bidder: AccountId(bidder),
                group: (bidder % 4 == 0).then_some(bidder % 500),
                price: Price::from_ticks(4_500 + (x >> 16) % 1_500),
                qty: Qty::from_lots(1 + (x >> 40) % 100),
                seq: id,
            }
        })
        .collect()
}

fn sealed_terms(format: Format, tie_break: TieBreak) -> sealed::Terms {
    let offer = Qty::from_lots(OFFER);
    sealed::Terms {
        offer,
        reserve: Price::from_ticks(4_500),
        cap: Some(Price::from_ticks(6_000)),
        format,
        tie_break,
        bidder_limit: sealed::limit_of(offer, 2_500),
        group_limit: sealed::limit_of(offer, 2_500),
        undersubscribed: Undersubscribed::Cancel,
        seed: *b"ecomatch sealed-bid bench seed!!",
    }
}

fn sealed_auction(c: &mut Criterion) {
    let bids = sealed_bids();
    let o = sealed::clear(&sealed_terms(Format::Uniform, TieBreak::Random), &bids);
    eprintln!(
        "sealed auction of {BIDS} bids: {:?}, clearing price {:?}, {} lots sold, {} winning bids \
         of {} bidders, bid-to-cover {} bps",
        o.status,
        o.clearing_price.map(Price::ticks),
        o.sold.lots(),
        o.fills.len(),
        o.bidders,
        o.bid_to_cover.bps()
    );
    let mut g = c.benchmark_group("sealed_100k_bids");
    g.sample_size(20);
    for (name, format, tie_break) in [
        ("uniform_random_tie", Format::Uniform, TieBreak::Random),
        ("uniform_pro_rata", Format::Uniform, TieBreak::ProRata),
        ("pay_as_bid_time", Format::PayAsBid, TieBreak::Time),
    ] {
        let terms = sealed_terms(format, tie_break);
        g.bench_function(name, |b| b.iter(|| sealed::clear(&terms, black_box(&bids))));
    }
    g.finish();
}

criterion_group!(benches, auction, sealed_auction);
criterion_main!(benches);
