//! The exchange core in memory: pre-trade gate, holds, book and settlement, one thread.
//!
//! A seeded stream on the demo market's carbon sink: four participants post passive limits
//! around 50.00 (bids 48.00–49.99, asks 50.01–52.00), cancel their orders, and send market
//! orders that sweep. Every command goes through `Exchange::apply` exactly as `ecomatch script`
//! would send it, reports and all.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{BatchSize, Criterion, Throughput, black_box, criterion_group};
use ecomatch_engine::book::{Side, Tif};
use ecomatch_engine::id::{AccountId, InstrumentId, OrderId, Seq, Timestamp};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::{Command, Exchange, Message, OrderRequest, Sequenced, demo};

const PREFILL: usize = 1_000;
const TIMED: usize = 20_000;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn fcs() -> InstrumentId {
    InstrumentId::new("LS-FCS-2024").expect("demo instrument")
}

/// The demo exchange, with plenty of cash and carbon sinks for the four traders.
fn exchange(traders: &[AccountId]) -> Exchange {
    let mut ex = demo::exchange();
    let op = ex.fee_account();
    let mut out = Vec::new();
    for (i, &a) in traders.iter().enumerate() {
        for command in [
            Command::Deposit {
                account: a,
                amount: Cash::from_fen(1 << 50),
            },
            Command::Issue {
                account: a,
                instrument: fcs(),
                qty: Qty::from_lots(1 << 40),
            },
        ] {
            let seq = Seq(ex.last_seq().0 + 1);
            ex.apply(
                &Sequenced {
                    seq,
                    time: Timestamp(i as u64),
                    actor: op,
                    command,
                },
                &mut out,
            );
        }
    }
    assert!(
        !out.iter().any(|o| matches!(o.msg, Message::Reject(_))),
        "setup refused"
    );
    ex
}

fn order(side: Side, price: Option<u64>, qty: u64) -> Command {
    Command::NewOrder(OrderRequest {
        instrument: fcs(),
        side,
        price: price.map(Price::from_ticks),
        qty: Qty::from_lots(qty),
        tif: if price.is_some() { Tif::Gtc } else { Tif::Ioc },
        post_only: false,
        stp: None,
        client_order_id: None,
    })
}

/// The command stream, sequenced after the setup commands.
fn stream(traders: &[AccountId], first_seq: u64) -> Vec<Sequenced> {
    let mut rng = Rng(0x5EED_C0DE);
    let (mut next_order, mut live) = (0u64, Vec::new());
    let mut cmds = Vec::with_capacity(PREFILL + TIMED);
    for i in 0..PREFILL + TIMED {
        let mut actor = traders[rng.below(traders.len() as u64) as usize];
        let pick = if i < PREFILL { 0 } else { rng.below(10) };
        let command = if pick < 6 || live.is_empty() {
            let off = 1 + rng.below(200).min(rng.below(200));
            let side = if rng.below(2) == 0 {
                Side::Buy
            } else {
                Side::Sell
            };
            let px = if side == Side::Buy {
                5_000 - off
            } else {
                5_000 + off
            };
            next_order += 1;
            live.push((next_order, actor));
            order(side, Some(px), 1 + rng.below(10))
        } else if pick < 9 {
            // Cancels come from the order's owner.
            let (id, owner) = live.swap_remove(rng.below(live.len() as u64) as usize);
            actor = owner;
            Command::CancelOrder {
                order_id: OrderId(id),
            }
        } else {
            next_order += 1;
            order(
                if rng.below(2) == 0 {
                    Side::Buy
                } else {
                    Side::Sell
                },
                None,
                1 + rng.below(30),
            )
        };
        let seq = first_seq + 1 + i as u64;
        cmds.push(Sequenced {
            seq: Seq(seq),
            time: Timestamp(seq * 1_000),
            actor,
            command,
        });
    }
    cmds
}

/// The funded exchange and the whole stream (prefill first).
fn setup() -> (Exchange, Vec<Sequenced>) {
    let traders: Vec<AccountId> = {
        let ex = demo::exchange();
        ["lishui-coop", "zj-cement", "ls-paper", "qz-chem"]
            .iter()
            .map(|n| ex.ledger().find(n).expect("demo account"))
            .collect()
    };
    let base = exchange(&traders);
    let cmds = stream(&traders, base.last_seq().0);
    (base, cmds)
}

fn core(c: &mut Criterion) {
    let (base, cmds) = setup();
    // Check the stream once: it trades, it mostly passes the gate, and the state stays sound.
    let mut ex = base.clone();
    let mut out = Vec::new();
    let (mut rejects, mut trades) = (0, 0);
    for cmd in &cmds {
        out.clear();
        ex.apply(cmd, &mut out);
        rejects += out
            .iter()
            .filter(|o| matches!(o.msg, Message::Reject(_)))
            .count();
        trades += out
            .iter()
            .filter(|o| matches!(o.msg, Message::Trade { .. }))
            .count();
    }
    ex.check_invariants();
    eprintln!(
        "core stream: {} commands, {trades} trades, {rejects} rejects (cancels of filled orders), {} resting at the end",
        cmds.len(),
        ex.book(fcs()).expect("book").len()
    );
    let prefilled = || {
        let mut ex = base.clone();
        let mut out = Vec::new();
        for cmd in &cmds[..PREFILL] {
            ex.apply(cmd, &mut out);
        }
        (ex, Vec::with_capacity(1024))
    };
    let mut g = c.benchmark_group("core");
    g.throughput(Throughput::Elements(TIMED as u64));
    g.bench_function("gate_book_settle", |b| {
        b.iter_batched(
            prefilled,
            |(mut ex, mut out)| {
                apply_timed(&mut ex, &cmds[PREFILL..], &mut out);
                (ex, out)
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

/// Applies the timed part of the stream once. Not inlined, so that
/// `valgrind --tool=callgrind --toggle-collect='*apply_timed*'` counts its instructions alone.
#[inline(never)]
fn apply_timed(ex: &mut Exchange, cmds: &[Sequenced], out: &mut Vec<ecomatch_exchange::Output>) {
    for cmd in cmds {
        out.clear();
        ex.apply(black_box(cmd), out);
    }
}

/// With `ECOMATCH_BENCH_ONCE` set, the stream runs once outside criterion (for callgrind).
fn once() {
    let (base, cmds) = setup();
    let mut ex = base;
    let mut out = Vec::with_capacity(1024);
    apply_timed(&mut ex, &cmds[..PREFILL], &mut out);
    apply_timed_counted(&mut ex, &cmds[PREFILL..], &mut out);
    ex.check_invariants();
}

/// The timed part, under a name of its own for callgrind's `--toggle-collect`.
#[inline(never)]
fn apply_timed_counted(
    ex: &mut Exchange,
    cmds: &[Sequenced],
    out: &mut Vec<ecomatch_exchange::Output>,
) {
    apply_timed(ex, cmds, out);
}

criterion_group!(benches, core);

fn main() {
    if std::env::var_os("ECOMATCH_BENCH_ONCE").is_some() {
        once();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
