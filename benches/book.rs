//! Benchmarks of the ecomatch book alone: add, cancel, an aggressive sweep, and the mixed
//! stream on a realistic book (~1,000 resting orders over ~750 levels).

#![allow(missing_docs)] // criterion_group! generates undocumented items

mod common;

use common::eco::{EcoPeer, bench_book};
use common::stream::{MID, StreamOp};
use common::{MIXED, PREFILL, prefilled, stream};
use criterion::{BatchSize, Criterion, Throughput, black_box, criterion_group, criterion_main};
use ecomatch_engine::book::{CancelReason, NewOrder, OrderBook, Side};
use ecomatch_engine::id::OrderId;

const BATCH: u64 = 1_000;

/// The prefilled realistic book and the next free order id.
fn realistic(ops: &[StreamOp]) -> (OrderBook, u64) {
    let peer: EcoPeer = prefilled(ops);
    (peer.book().clone(), PREFILL as u64 + 1)
}

fn add(c: &mut Criterion, ops: &[StreamOp]) {
    let (book, first) = realistic(ops);
    let mut g = c.benchmark_group("book");
    g.throughput(Throughput::Elements(BATCH));
    g.bench_function("add_passive", |b| {
        let mut ev = Vec::with_capacity(64);
        b.iter_batched_ref(
            || book.clone(),
            |book| {
                for i in 0..BATCH {
                    ev.clear();
                    let px = MID - 1 - (i * 7) % 300;
                    let o = NewOrder::limit(first + i, 1, Side::Buy, px, 1 + i % 9);
                    book.submit(black_box(&o), &mut ev).unwrap();
                }
            },
            BatchSize::LargeInput,
        );
    });
    g.bench_function("cancel", |b| {
        let mut ev = Vec::with_capacity(64);
        b.iter_batched_ref(
            || {
                let mut book = book.clone();
                for i in 0..BATCH {
                    let o = NewOrder::limit(first + i, 1, Side::Sell, MID + 1 + (i * 7) % 300, 3);
                    book.submit(&o, &mut Vec::new()).unwrap();
                }
                book
            },
            |book| {
                for i in 0..BATCH {
                    ev.clear();
                    book.cancel(
                        black_box(OrderId(first + i)),
                        CancelReason::Requested,
                        &mut ev,
                    )
                    .unwrap();
                }
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

fn sweep(c: &mut Criterion) {
    // Ten ask levels of ten orders each; a market buy takes five levels (50 fills).
    let mut book = bench_book();
    let mut id = 0;
    for level in 0..10 {
        for _ in 0..10 {
            id += 1;
            book.submit(
                &NewOrder::limit(id, id as u32, Side::Sell, MID + level, 2),
                &mut Vec::new(),
            )
            .unwrap();
        }
    }
    let mut g = c.benchmark_group("book");
    g.throughput(Throughput::Elements(1));
    g.bench_function("sweep_5_levels_50_fills", |b| {
        let mut ev = Vec::with_capacity(256);
        b.iter_batched_ref(
            || book.clone(),
            |book| {
                ev.clear();
                book.submit(
                    black_box(&NewOrder::market(1_000, 0, Side::Buy, 100)),
                    &mut ev,
                )
                .unwrap();
            },
            BatchSize::SmallInput,
        );
    });
    g.finish();
}

fn mixed(c: &mut Criterion, ops: &[StreamOp]) {
    let mut g = c.benchmark_group("book");
    g.throughput(Throughput::Elements(MIXED as u64));
    g.bench_function("mixed_stream", |b| {
        b.iter_batched(
            || prefilled::<EcoPeer>(ops),
            |mut p| {
                for op in &ops[PREFILL..] {
                    p.apply(black_box(op));
                }
                p
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

fn all(c: &mut Criterion) {
    let ops = stream();
    add(c, &ops);
    sweep(c);
    mixed(c, &ops);
}

criterion_group!(benches, all);
criterion_main!(benches);
