//! Side by side on the same seeded stream: ecomatch, `lobster` and `orderbook-rs`.
//!
//! Before any time is reported, all three replay the whole stream and must agree with a
//! reference model on the top of book every 1,000 operations and at the end.

#![allow(missing_docs)] // criterion_group! generates undocumented items

mod common;

use common::eco::EcoPeer;
use common::lobster_peer::LobsterPeer;
use common::orderbook_rs_peer::OrderbookRsPeer;
use common::{MIXED, PREFILL, Peer, prefilled, reference_tops, replay_checked, stream};
use criterion::{BatchSize, Criterion, Throughput, black_box, criterion_group, criterion_main};

fn bench_one<P: Peer>(c: &mut Criterion, name: &str, ops: &[common::stream::StreamOp]) {
    let mut g = c.benchmark_group("mixed_stream");
    g.throughput(Throughput::Elements(MIXED as u64));
    g.bench_function(name, |b| {
        b.iter_batched(
            || prefilled::<P>(ops),
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

fn peers(c: &mut Criterion) {
    let ops = stream();
    let tops = reference_tops(&ops);
    let eco = replay_checked::<EcoPeer>(&ops, &tops);
    let lob = replay_checked::<LobsterPeer>(&ops, &tops);
    let obr = replay_checked::<OrderbookRsPeer>(&ops, &tops);
    assert_eq!(eco.top(), lob.top(), "ecomatch and lobster end differently");
    assert_eq!(
        eco.top(),
        obr.top(),
        "ecomatch and orderbook-rs end differently"
    );
    eco.book().check_invariants();
    eprintln!("all three agree: final top of book {:?}", eco.top());
    bench_one::<EcoPeer>(c, "ecomatch", &ops);
    bench_one::<LobsterPeer>(c, "lobster", &ops);
    bench_one::<OrderbookRsPeer>(c, "orderbook-rs", &ops);
}

criterion_group!(benches, peers);
criterion_main!(benches);
