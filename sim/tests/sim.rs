//! The simulator in CI: several seeds, at least 200,000 simulated commands in all
//! (`ECOMATCH_SIM_COMMANDS` sets the total), every invariant after every command; and every
//! stream that once failed (tests/sim/*.jsonl, written by the simulator when it shrinks a
//! failure) must pass for good.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ecomatch_sim::run::Cadence;

const SEEDS: u64 = 8;

fn regressions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/sim")
}

#[test]
fn seeds_hold_every_invariant() {
    let total: u64 = std::env::var("ECOMATCH_SIM_COMMANDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let per_seed = total.div_ceil(SEEDS);
    let first: u64 = std::env::var("ECOMATCH_SIM_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut commands = 0;
    for seed in first..first + SEEDS {
        match ecomatch_sim::simulate(seed, per_seed, Cadence::default()) {
            Ok(stats) => commands += stats.commands,
            Err(failure) => {
                let lines = ecomatch_sim::shrink(&failure, Duration::from_secs(120));
                let path = ecomatch_sim::write_regression(&regressions(), &failure, &lines);
                panic!(
                    "{failure}\nshrunk to {} requests, written to {path:?}",
                    lines.len()
                );
            }
        }
    }
    assert!(commands >= total, "{commands} commands simulated");
}

/// The same streams through markets cut into two or three shards as `ecomatch serve` cuts
/// them, compared per instrument with one whole exchange.
#[test]
fn a_sharded_market_says_what_a_whole_one_says() {
    let (mut public, mut trades) = (0, 0);
    for seed in 1..=4 {
        let c = ecomatch_sim::shards::compare(seed, 10_000).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.shards >= 2);
        (public, trades) = (public + c.public, trades + c.trades);
    }
    assert!(
        public > 1_000 && trades > 100,
        "{public} public messages, {trades} trades"
    );
}

/// The stream logged through a failing disk, crashed at random bytes, damaged, and given a
/// snapshot its log lost: recovery returns exactly what was acknowledged, or refuses with the
/// file and offset.
#[test]
fn faults_below_the_core() {
    let mut acknowledged = 0;
    for seed in 1..=6 {
        let c = ecomatch_sim::faults::storage(seed, 1_500).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.crashes >= 8, "{c:?}");
        acknowledged += c.acknowledged;
    }
    assert!(acknowledged > 0);
}

#[test]
fn every_stream_that_once_failed_passes() {
    let Ok(entries) = std::fs::read_dir(regressions()) else {
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    for file in files {
        let (market, lines) = ecomatch_sim::read_regression(&file).expect("readable");
        if let Err((at, message)) = ecomatch_sim::check(&market, &lines, Cadence::default()) {
            panic!("{}: request {}: {message}", file.display(), at + 1);
        }
    }
}
