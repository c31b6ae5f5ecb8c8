//! Auctions through the exchange (`Exchange::apply`, gate, holds, reports and all), as users
//! meet them rather than as `engine::auction` alone:
//!
//! - `call_collect/N`: N orders collected in one call on the demo carbon sink (book capacity
//!   raised to 2M orders), each with its hold and its public `auction` message: time per
//!   collected order.
//! - `call_uncross/N`: ending that call: the uncross, the settlement of every trade, the
//!   remainders into the book or expired, the level updates.
//! - `sealed/100000`: a sealed-bid auction of 100,000 bids from 1,000 bidders (100 each, the
//!   most one bidder may have): opening, every bid with its WCI collateral, and the close with
//!   the settlement of every winner.
//!
//! Orders: buys and sells over the whole ±10 % band around 50.00, 1 % market orders, 1–100
//! lots, from 1,000 accounts, so that the call crosses.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ecomatch_engine::auction::sealed::{Format, TieBreak, Undersubscribed};
use ecomatch_engine::book::{Phase, Side, Tif};
use ecomatch_engine::id::{AccountId, AuctionId, InstrumentId, Seq, Timestamp};
use ecomatch_engine::instrument::Instrument;
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::command::AuctionTerms;
use ecomatch_exchange::{Command, Exchange, Genesis, Message, OrderRequest, Output, Sequenced};
use ecomatch_risk::account::{Account, AccountKind, AccountStatus};

const TRADERS: u32 = 1_000;

fn fcs() -> InstrumentId {
    InstrumentId::new("LS-FCS-2024").expect("demo instrument")
}

/// The demo market with room for 2M orders on the carbon sink and 1,000 more enterprises,
/// each with cash and carbon sinks to spare.
fn genesis() -> (Genesis, Vec<AccountId>) {
    let mut g = ecomatch_exchange::demo::genesis();
    let mut spec = g.listings[0].instrument.spec().clone();
    assert_eq!(spec.id, fcs());
    spec.capacity.max_orders = 1 << 21;
    g.listings[0].instrument = Instrument::new(spec).expect("a valid instrument");
    let first = g.accounts.len() as u32;
    let traders: Vec<AccountId> = (first..first + TRADERS).map(AccountId).collect();
    for (i, &a) in traders.iter().enumerate() {
        g.accounts.push(Account {
            name: format!("trader-{i}"),
            kind: AccountKind::Enterprise,
            region: "莲都".into(),
            municipality: "丽水".into(),
            basin: None,
            affiliation: None,
            status: AccountStatus::Active,
        });
        g.opening.push(Command::Deposit {
            account: a,
            amount: Cash::from_fen(1 << 50),
        });
        g.opening.push(Command::Issue {
            account: a,
            instrument: fcs(),
            qty: Qty::from_lots(1 << 30),
        });
    }
    (g, traders)
}

struct Run {
    ex: Exchange,
    out: Vec<Output>,
    time: u64,
}

impl Run {
    fn new(g: &Genesis) -> Self {
        Self {
            ex: Exchange::new(g.clone()).expect("the bench market starts"),
            out: Vec::with_capacity(1 << 16),
            time: 0,
        }
    }

    fn apply(&mut self, actor: AccountId, command: Command) {
        self.time += 1;
        let cmd = Sequenced {
            seq: Seq(self.ex.last_seq().0 + 1),
            time: Timestamp(self.time),
            actor,
            command,
        };
        self.out.clear();
        self.ex.apply(&cmd, &mut self.out);
    }

    fn refused(&self) -> bool {
        self.out.iter().any(|o| matches!(o.msg, Message::Reject(_)))
    }
}

/// `n` orders of the traders, seeded.
fn orders(traders: &[AccountId], n: usize) -> Vec<(AccountId, Command)> {
    let mut x = 0x5EED_u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let side = if x & 1 == 0 { Side::Buy } else { Side::Sell };
            let price = (x % 100 != 0).then(|| Price::from_ticks(4_500 + (x >> 8) % 1_001));
            let command = Command::NewOrder(OrderRequest {
                instrument: fcs(),
                side,
                price,
                qty: Qty::from_lots(1 + (x >> 32) % 100),
                tif: if price.is_some() { Tif::Gtc } else { Tif::Ioc },
                post_only: false,
                stp: None,
                client_order_id: None,
            });
            (traders[(x >> 20) as usize % traders.len()], command)
        })
        .collect()
}

/// The exchange in a call on the carbon sink.
fn in_call(g: &Genesis) -> Run {
    let mut r = Run::new(g);
    let op = r.ex.fee_account();
    r.apply(
        op,
        Command::SetPhase {
            instrument: fcs(),
            phase: Phase::Call,
        },
    );
    assert!(!r.refused());
    r
}

fn collect(r: &mut Run, orders: &[(AccountId, Command)]) {
    for &(actor, command) in orders {
        r.apply(actor, command);
        debug_assert!(!r.refused(), "{:?}", r.out);
    }
}

fn call(c: &mut Criterion) {
    let (g, traders) = genesis();
    let mut group = c.benchmark_group("call");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for n in [10_000usize, 100_000, 1_000_000] {
        let stream = orders(&traders, n);
        group.bench_function(format!("collect/{n}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let mut r = in_call(&g);
                    let t = Instant::now();
                    collect(&mut r, &stream);
                    total += t.elapsed();
                }
                total
            });
        });
        group.bench_function(format!("uncross/{n}"), |b| {
            b.iter_batched(
                || {
                    let mut r = in_call(&g);
                    collect(&mut r, &stream);
                    r
                },
                |mut r| {
                    let op = r.ex.fee_account();
                    r.apply(
                        op,
                        Command::SetPhase {
                            instrument: fcs(),
                            phase: Phase::Continuous,
                        },
                    );
                    assert!(!r.refused());
                    r
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();
}

const BIDS_PER_BIDDER: usize = 100;

fn terms(seller: AccountId) -> AuctionTerms {
    AuctionTerms {
        instrument: fcs(),
        seller,
        offer: Qty::from_lots(2_000_000),
        reserve: Price::from_ticks(4_500),
        cap: None,
        format: Format::Uniform,
        tie_break: TieBreak::Random,
        bidder_limit_bps: 2_500,
        group_limit_bps: 2_500,
        undersubscribed: Undersubscribed::SellAtReserve,
        opens: Timestamp(0),
        closes: Timestamp(1 << 40),
        seed: [7; 32],
    }
}

/// Opens an auction of the first trader's carbon sinks.
fn open(g: &Genesis, traders: &[AccountId]) -> (Run, AuctionId) {
    let mut r = Run::new(g);
    let op = r.ex.fee_account();
    r.apply(op, Command::OpenSealedAuction(terms(traders[0])));
    let auction_id = r
        .out
        .iter()
        .find_map(|o| match o.msg {
            Message::AuctionDone { auction_id, .. } => Some(auction_id),
            _ => None,
        })
        .expect("the auction opens");
    (r, auction_id)
}

/// Every trader but the seller bids 100 times.
fn bid(r: &mut Run, auction_id: AuctionId, traders: &[AccountId]) {
    let mut x = 0xB1D5_u64;
    for &bidder in &traders[1..] {
        for _ in 0..BIDS_PER_BIDDER {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            r.apply(
                bidder,
                Command::SealedBid {
                    auction_id,
                    price: Price::from_ticks(4_500 + x % 1_500),
                    qty: Qty::from_lots(1 + (x >> 16) % 50),
                },
            );
            debug_assert!(!r.refused(), "{:?}", r.out);
        }
    }
}

fn sealed(c: &mut Criterion) {
    let (g, traders) = genesis();
    let bids = (traders.len() - 1) * BIDS_PER_BIDDER;
    let mut group = c.benchmark_group("sealed");
    group.sample_size(10);
    group.bench_function(format!("bid/{bids}"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (mut r, auction_id) = open(&g, &traders);
                let t = Instant::now();
                bid(&mut r, auction_id, &traders);
                total += t.elapsed();
            }
            total
        });
    });
    group.bench_function(format!("close/{bids}"), |b| {
        b.iter_batched(
            || {
                let (mut r, auction_id) = open(&g, &traders);
                bid(&mut r, auction_id, &traders);
                (r, auction_id)
            },
            |(mut r, auction_id)| {
                r.time = 1 << 41;
                let op = r.ex.fee_account();
                r.apply(op, Command::CloseSealedAuction { auction_id });
                assert!(!r.refused());
                r
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, call, sealed);
criterion_main!(benches);
