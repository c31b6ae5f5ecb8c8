//! The call-auction uncross on 1,000,000 resting orders (DESIGN.md §7: under 200 ms): random
//! limit orders around a reference price, 1 % market orders, quantities of 1–100 lots, cleared
//! with time priority and with seeded pro-rata allocation, and the indicative price alone.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{Criterion, black_box, criterion_group, criterion_main};
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

criterion_group!(benches, auction);
criterion_main!(benches);
