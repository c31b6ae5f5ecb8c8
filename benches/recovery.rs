//! Recovery of a 10M-command log: from a snapshot 100,000 commands before its end plus the
//! commands after it (what a restart does: the server snapshots every 100,000 commands), and
//! a full replay from the genesis (what an audit of the whole log does). A restart's time
//! should not grow with the log before the snapshot: compare `ECOMATCH_RECOVERY_COMMANDS=1000000`.
//!
//! The log is built once, outside the timed part: a balanced trading stream on the demo market
//! (new orders ~55 %, cancels by the owner ~35 %, market orders ~10 %; the book stays around
//! 2,000 resting orders), with a checkpoint every 100,000 commands and the snapshot.
//! `ECOMATCH_RECOVERY_COMMANDS` changes the size.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use ecomatch_engine::book::{Side, Tif};
use ecomatch_engine::id::{AccountId, InstrumentId, OrderId, Seq, Timestamp};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::{Command, Exchange, OrderRequest, Sequenced, demo};
use ecomatch_replay::{FsyncPolicy, LogWriter, recover_with};

struct Stream {
    x: u64,
    traders: Vec<AccountId>,
    live: Vec<(u64, AccountId)>,
    next_order: u64,
}

impl Stream {
    fn next(&mut self, seq: u64) -> Sequenced {
        self.x ^= self.x << 13;
        self.x ^= self.x >> 7;
        self.x ^= self.x << 17;
        let x = self.x;
        let mut actor = self.traders[(x % 4) as usize];
        let side = if x & 16 == 0 { Side::Buy } else { Side::Sell };
        // Keep the book near 2,000 orders: above 2,500 only cancels, below 1,500 only adds.
        let pick = if self.live.len() > 2_500 {
            15
        } else if self.live.len() < 1_500 {
            0
        } else {
            (x >> 8) % 20
        };
        let command = if pick < 11 {
            self.next_order += 1;
            self.live.push((self.next_order, actor));
            let off = 1 + (x >> 24) % 150;
            let px = if side == Side::Buy {
                5_000 - off
            } else {
                5_000 + off
            };
            order(side, Some(px), 1 + (x >> 40) % 10)
        } else if pick < 18 {
            let (id, owner) = self
                .live
                .swap_remove(((x >> 32) % self.live.len() as u64) as usize);
            actor = owner;
            Command::CancelOrder {
                order_id: OrderId(id),
            }
        } else {
            self.next_order += 1;
            order(side, None, 1 + (x >> 40) % 20)
        };
        Sequenced {
            seq: Seq(seq),
            time: Timestamp(seq * 1_000),
            actor,
            command,
        }
    }
}

fn order(side: Side, price: Option<u64>, qty: u64) -> Command {
    Command::NewOrder(OrderRequest {
        instrument: InstrumentId::new("LS-FCS-2024").expect("demo"),
        side,
        price: price.map(Price::from_ticks),
        qty: Qty::from_lots(qty),
        tif: if price.is_some() { Tif::Gtc } else { Tif::Ioc },
        post_only: false,
        stp: None,
        client_order_id: None,
    })
}

/// The demo exchange with deep pockets for the four traders (these are the log's first commands).
fn funding(ex: &Exchange, traders: &[AccountId]) -> Vec<Command> {
    let fcs = InstrumentId::new("LS-FCS-2024").expect("demo");
    let _ = ex;
    traders
        .iter()
        .flat_map(|&a| {
            [
                Command::Deposit {
                    account: a,
                    amount: Cash::from_fen(1 << 50),
                },
                Command::Issue {
                    account: a,
                    instrument: fcs,
                    qty: Qty::from_lots(1 << 40),
                },
            ]
        })
        .collect()
}

/// Where the snapshot is: 100,000 commands before the end (half way in a short log).
fn snapshot_at(n: u64) -> u64 {
    n.saturating_sub(100_000).max(n / 2)
}

fn build(dir: &PathBuf, n: u64) {
    let mut ex = demo::exchange();
    let traders: Vec<AccountId> = ["lishui-coop", "zj-cement", "ls-paper", "qz-chem"]
        .iter()
        .map(|t| ex.ledger().find(t).expect("demo"))
        .collect();
    let op = ex.fee_account();
    let mut log =
        LogWriter::create(dir, b"builtin:demo", FsyncPolicy::Never, 64 << 20).expect("create");
    let mut seq = 0;
    let mut out = Vec::new();
    for command in funding(&ex, &traders) {
        seq += 1;
        let cmd = Sequenced {
            seq: Seq(seq),
            time: Timestamp(0),
            actor: op,
            command,
        };
        log.append(&cmd).expect("append");
        ex.apply(&cmd, &mut out);
    }
    let mut stream = Stream {
        x: 0x5EED,
        traders,
        live: Vec::new(),
        next_order: 0,
    };
    let started = Instant::now();
    let mut rejects = 0u64;
    while seq < n {
        seq += 1;
        let cmd = stream.next(seq);
        log.append(&cmd).expect("append");
        out.clear();
        ex.apply(&cmd, &mut out);
        rejects += out
            .iter()
            .filter(|o| matches!(o.msg, ecomatch_exchange::Message::Reject(_)))
            .count() as u64;
        if seq % 100_000 == 0 {
            log.checkpoint(&ex.state_hash().0).expect("checkpoint");
        }
        if seq % 10_000 == 0 {
            log.commit().expect("commit");
        }
        if seq == snapshot_at(n) {
            log.commit().expect("commit");
            ecomatch_replay::snapshot::write(
                dir,
                log.point(),
                &ex.state_hash().0,
                b"builtin:demo",
                &ex.snapshot(),
            )
            .expect("snapshot");
        }
    }
    log.commit().expect("commit");
    let bytes: u64 = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").metadata().expect("meta").len())
        .sum();
    eprintln!(
        "built a {n}-command log ({:.0} MiB, {} resting at the end, {rejects} refused: cancels of filled orders) in {:.1} s",
        bytes as f64 / f64::from(1u32 << 20),
        ex.book(InstrumentId::new("LS-FCS-2024").expect("demo"))
            .expect("book")
            .len(),
        started.elapsed().as_secs_f64()
    );
}

fn recovery(c: &mut Criterion) {
    let n: u64 = std::env::var("ECOMATCH_RECOVERY_COMMANDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let dir = std::env::temp_dir().join(format!("ecomatch-recovery-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    build(&dir, n);
    let mut g = c.benchmark_group("recovery");
    g.sample_size(10);
    g.bench_function("snapshot_plus_tail", |b| {
        b.iter(|| {
            let r = recover_with(&dir, None, true, |_| Ok(demo::exchange()), |_, _| {})
                .expect("recover");
            assert_eq!((r.from_snapshot, r.end.last_seq), (Some(snapshot_at(n)), n));
        });
    });
    g.bench_function("full_replay_from_genesis", |b| {
        b.iter(|| {
            let r = recover_with(&dir, None, false, |_| Ok(demo::exchange()), |_, _| {})
                .expect("recover");
            assert_eq!(r.end.last_seq, n);
        });
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, recovery);
criterion_main!(benches);
