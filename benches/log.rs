//! The command log: append with group commit, and reading it back (scan and decode, and a full
//! replay through the exchange). Commands are those of a realistic trading stream on the demo
//! market (new orders, cancels, market orders), ~60 bytes each on disk.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::path::{Path, PathBuf};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ecomatch_engine::book::{Side, Tif};
use ecomatch_engine::id::{AccountId, InstrumentId, OrderId, Seq, Timestamp};
use ecomatch_engine::quantity::{Price, Qty};
use ecomatch_exchange::{Command, OrderRequest, Sequenced, demo};
use ecomatch_replay::{FsyncPolicy, LogWriter, recover, scan};

const COMMANDS: u64 = 200_000;

fn stream() -> Vec<Sequenced> {
    let ex = demo::exchange();
    let traders: Vec<AccountId> = ["lishui-coop", "zj-cement", "ls-paper", "qz-chem"]
        .iter()
        .map(|n| ex.ledger().find(n).expect("demo"))
        .collect();
    let inst = InstrumentId::new("LS-FCS-2024").expect("demo");
    let mut x = 0x5EED_u64;
    let mut orders = 0u64;
    (1..=COMMANDS)
        .map(|seq| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let actor = traders[(x % 4) as usize];
            let command = if x % 10 < 3 && orders > 0 {
                Command::CancelOrder {
                    order_id: OrderId(1 + (x >> 8) % orders),
                }
            } else {
                orders += 1;
                Command::NewOrder(OrderRequest {
                    instrument: inst,
                    side: if x & 16 == 0 { Side::Buy } else { Side::Sell },
                    price: Some(Price::from_ticks(4_900 + (x >> 8) % 200)),
                    qty: Qty::from_lots(1 + (x >> 20) % 5),
                    tif: Tif::Gtc,
                    post_only: false,
                    stp: None,
                    client_order_id: None,
                })
            };
            Sequenced {
                seq: Seq(seq),
                time: Timestamp(seq * 1_000),
                actor,
                command,
            }
        })
        .collect()
}

fn fresh_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ecomatch-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn write_log(dir: &Path, cmds: &[Sequenced], policy: FsyncPolicy, batch: usize) {
    let mut log = LogWriter::create(dir, b"builtin:demo", policy, 64 << 20).expect("create");
    for chunk in cmds.chunks(batch) {
        for c in chunk {
            log.append(c).expect("append");
        }
        log.commit().expect("commit");
    }
}

fn append(c: &mut Criterion, cmds: &[Sequenced]) {
    let mut g = c.benchmark_group("log_append");
    g.throughput(Throughput::Elements(cmds.len() as u64));
    g.sample_size(10);
    for (name, policy, batch) in [
        ("no_fsync_commit_per_1000", FsyncPolicy::Never, 1000),
        ("group_commit_fsync_per_1000", FsyncPolicy::Always, 1000),
        ("group_commit_fsync_per_10000", FsyncPolicy::Always, 10_000),
    ] {
        g.bench_function(name, |b| {
            b.iter_batched(
                || fresh_dir(name),
                |dir| {
                    write_log(&dir, cmds, policy, batch);
                    dir
                },
                BatchSize::PerIteration,
            );
        });
    }
    g.finish();
}

fn read(c: &mut Criterion, cmds: &[Sequenced]) {
    let dir = fresh_dir("read");
    write_log(&dir, cmds, FsyncPolicy::Never, 1000);
    let mut g = c.benchmark_group("log_read");
    g.throughput(Throughput::Elements(cmds.len() as u64));
    g.sample_size(10);
    g.bench_function("scan_and_decode", |b| {
        b.iter(|| {
            let mut n = 0u64;
            scan(&dir, |r| {
                if r.kind == ecomatch_replay::segment::Kind::Command {
                    ecomatch_replay::codec::Reader(r.payload)
                        .sequenced()
                        .expect("decode");
                    n += 1;
                }
                Ok(())
            })
            .expect("scan");
            assert_eq!(n, COMMANDS);
        });
    });
    g.bench_function("replay_through_the_exchange", |b| {
        b.iter(|| {
            let r = recover(&dir, None, |_| Ok(demo::exchange()), |_, _| {}).expect("recover");
            assert_eq!(r.commands, COMMANDS);
        });
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn all(c: &mut Criterion) {
    let cmds = stream();
    append(c, &cmds);
    read(c, &cmds);
}

criterion_group!(benches, all);
criterion_main!(benches);
