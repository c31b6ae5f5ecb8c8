//! Property test of the exchange core: random command streams over several accounts and
//! instruments of the demo market (order entry, cancels, amends and every operator command,
//! some of them from accounts that may not send them).
//!
//! After every command: the exchange's own invariants hold ([`Exchange::check_invariants`]);
//! the ledger's totals of cash and of each instrument moved only by the deposits, withdrawals,
//! issues and retirements that succeeded; every hold matches the resting orders that justify
//! it, recomputed here from the public books; what each account holds is what the registry gave
//! it plus what it bought minus what it sold; no county's GEP usage passes its allowance; and a
//! refused command produced one reject and left the state hash as it was. Each stream is then
//! replayed on a fresh exchange, which must give the same outputs and the same state hash.
//!
//! The exchange is the demo's genesis with one change: each book's price window is cut to
//! 80 %–125 % of the instrument's reference price and its capacity to 256 orders and levels.
//! The demo books span up to a million ticks and preallocate 100,000 order slots, so one
//! `demo::exchange()` takes about 30 ms to build and one `check_invariants` (which scans every
//! level and the free list) about 6 ms: thousands of streams checked after every step would
//! take a quarter of an hour. The streams never leave the narrowed window (reference prices stay
//! within ±10 %, so every band lies inside it; prices outside it are refused by the band as in
//! the demo) and never rest more than 60 orders, so the narrowing changes no outcome. The second
//! test proves it on a sample of streams: the real `demo::exchange()` and the narrowed exchange
//! give identical outputs and state hashes after every command.
//!
//! `ECOMATCH_PROPTEST_CASES` sets the number of streams (default 5,000); with `--nocapture` the
//! test prints how often each command was accepted or refused, and why.

#![allow(clippy::too_many_lines)] // the generator and the checks read better whole

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Instant;

use ecomatch_engine::book::{Phase, Side, Stp, Tif};
use ecomatch_engine::id::{AccountId, InstrumentId, OrderId, Seq, Timestamp};
use ecomatch_engine::instrument::{BookCapacity, Instrument};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::hash::StateHash;
use ecomatch_exchange::{
    ClientOrderId, Command, Exchange, Genesis, Message, OrderRequest, Output, Recipient, Reject,
    Sequenced, demo,
};
use ecomatch_risk::account::AccountStatus;
use ecomatch_risk::fee::fee;
use ecomatch_risk::gate::GepRecord;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

#[path = "random_streams/checks.rs"]
mod checks;
#[path = "random_streams/commands.rs"]
mod commands;
#[path = "random_streams/universe.rs"]
mod universe;

use checks::*;
use commands::*;
use universe::*;

// ---------------------------------------------------------------------------------------------
// Running streams.

/// Counts of what the streams did, printed with `--nocapture`.
#[derive(Default)]
struct Stats {
    streams: u64,
    steps: u64,
    trades: u64,
    outcomes: BTreeMap<(&'static str, &'static str), u64>,
    /// Steps after which a county's GEP usage stood exactly at its allowance.
    gep_at_cap: u64,
}

impl Stats {
    fn print(&self, what: &str, elapsed: std::time::Duration) {
        println!(
            "{what}: {} streams, {} commands, {} trades in {elapsed:.1?}; \
             {} steps with a county at its GEP allowance",
            self.streams, self.steps, self.trades, self.gep_at_cap
        );
        for ((command, outcome), n) in &self.outcomes {
            println!("  {command:<20} {outcome:<24} {n}");
        }
    }
}

fn cases() -> u32 {
    std::env::var("ECOMATCH_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        // Report the minimal stream in the failure; write no regression file into the tree.
        failure_persistence: None,
        ..Config::default()
    })
}

/// Runs one stream with every check after every command, then replays it on a fresh
/// exchange.
fn run_stream(u: &Universe, cmds: &[Cmd], stats: &RefCell<Stats>) -> Result<(), TestCaseError> {
    let mut ex = u.template.clone();
    let mut expected = Expected::at_genesis(&ex);
    check_state(u, &ex, &expected)?;
    let mut log: Vec<(Sequenced, Vec<Output>)> = Vec::with_capacity(cmds.len());
    let mut last_order = 0u64;
    let mut hash = ex.state_hash();
    let mut st = Stats::default();
    for (step, c) in cmds.iter().enumerate() {
        let (actor, command) = resolve(u, &ex, last_order, c);
        let seq = step as u64 + 1;
        let cmd = Sequenced {
            seq: Seq(seq),
            time: Timestamp(seq * 1_000_000),
            actor,
            command,
        };
        let mut out = Vec::new();
        ex.apply(&cmd, &mut out);
        ex.check_invariants();
        let after = ex.state_hash();
        let reject = check_outputs(u, &ex, &cmd, &out, hash, after)
            .map_err(|e| TestCaseError::fail(format!("step {step}: {cmd:?}: {e}")))?;
        if reject.is_none() {
            expected.applied(&cmd.command);
        }
        check_state(u, &ex, &expected)
            .map_err(|e| TestCaseError::fail(format!("after step {step}: {cmd:?}: {e}")))?;
        for o in &out {
            match o.msg {
                Message::Order(r) => last_order = last_order.max(r.order_id.0),
                Message::Fill(f) => last_order = last_order.max(f.order_id.0),
                Message::Trade { .. } => st.trades += 1,
                _ => {}
            }
        }
        let gep = u.instruments[GEP];
        st.gep_at_cap += u64::from(u.counties.iter().any(|&(county, record)| {
            let usage = ex.usage(county, gep);
            let buy = record.allowance(Side::Buy);
            let sell = record.allowance(Side::Sell);
            (buy > 0 && usage.open_buy + usage.bought == buy)
                || (sell > 0 && usage.open_sell + usage.sold == sell)
        }));
        *st.outcomes
            .entry((cmd.command.name(), reject.map_or("ok", |r| r.code())))
            .or_default() += 1;
        st.steps += 1;
        hash = after;
        log.push((cmd, out));
    }
    // Determinism: the same commands on a fresh exchange say the same and end in the same state.
    let mut fresh = narrowed_exchange();
    for (step, (cmd, want)) in log.iter().enumerate() {
        let mut got = Vec::new();
        fresh.apply(cmd, &mut got);
        prop_assert_eq!(&got, want, "replay of step {}: {:?}", step, cmd);
    }
    prop_assert_eq!(fresh.state_hash(), hash, "replay ends in another state");
    let mut s = stats.borrow_mut();
    s.streams += 1;
    s.steps += st.steps;
    s.trades += st.trades;
    s.gep_at_cap += st.gep_at_cap;
    for (k, n) in st.outcomes {
        *s.outcomes.entry(k).or_default() += n;
    }
    Ok(())
}

#[test]
fn random_streams_keep_the_exchange_consistent() {
    let u = Universe::new();
    let stats = RefCell::new(Stats::default());
    let start = Instant::now();
    let result = runner(cases()).run(&stream(), |cmds| run_stream(&u, &cmds, &stats));
    stats.borrow().print("random streams", start.elapsed());
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The narrowed books change nothing: the same streams on the real `demo::exchange()` give
/// the same outputs and the same state hash after every command.
#[test]
fn narrowed_books_behave_as_the_demo_exchange() {
    let u = Universe::new();
    let start = Instant::now();
    let result = runner((cases() / 50).max(1)).run(&stream(), |cmds| {
        let mut narrow = u.template.clone();
        let mut full = demo::exchange();
        prop_assert_eq!(narrow.state_hash(), full.state_hash(), "genesis");
        let mut last_order = 0u64;
        for (step, c) in cmds.iter().enumerate() {
            let (actor, command) = resolve(&u, &narrow, last_order, c);
            let seq = step as u64 + 1;
            let cmd = Sequenced {
                seq: Seq(seq),
                time: Timestamp(seq * 1_000_000),
                actor,
                command,
            };
            let (mut a, mut b) = (Vec::new(), Vec::new());
            narrow.apply(&cmd, &mut a);
            full.apply(&cmd, &mut b);
            prop_assert_eq!(&a, &b, "step {}: {:?}", step, cmd);
            prop_assert_eq!(narrow.state_hash(), full.state_hash(), "step {}", step);
            for o in &a {
                if let Message::Order(r) = o.msg {
                    last_order = last_order.max(r.order_id.0);
                }
            }
        }
        full.check_invariants();
        Ok(())
    });
    println!("demo equivalence: {:.1?}", start.elapsed());
    if let Err(e) = result {
        panic!("{e}");
    }
}
