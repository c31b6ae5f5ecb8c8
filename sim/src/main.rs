//! `ecomatch-sim`: runs seeds of the whole-exchange simulation and reports what they did; a
//! failing seed is shrunk and written under tests/sim/ as a regression.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Parser;
use ecomatch_sim::run::Cadence;

/// Whole-exchange deterministic simulation: every invariant after every command.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// The first seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How many seeds, from the first.
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// Commands per seed (default: `$ECOMATCH_SIM_COMMANDS`, else 100,000).
    #[arg(long)]
    commands: Option<u64>,
    /// Where a failing stream is written.
    #[arg(long, default_value = "tests/sim")]
    regressions: PathBuf,
    /// How long shrinking a failure may take, in seconds.
    #[arg(long, default_value_t = 300)]
    shrink_secs: u64,
    /// Also run each seed through a sharded market beside a whole one (this many requests).
    #[arg(long)]
    shards: Option<u64>,
    /// Also run each seed's storage faults (streams of this many requests).
    #[arg(long)]
    storage: Option<u64>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let commands = args.commands.unwrap_or_else(|| {
        std::env::var("ECOMATCH_SIM_COMMANDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000)
    });
    let started = Instant::now();
    let mut total = 0;
    for seed in args.seed..args.seed + args.seeds {
        let t0 = Instant::now();
        match ecomatch_sim::simulate(seed, commands, Cadence::default()) {
            Ok(s) => {
                total += s.commands;
                let secs = t0.elapsed().as_secs_f64();
                println!(
                    "seed {seed}: {} commands ({} refused), {} edge refusals, {} queries, {} trades, \
                     {} snapshot round trips, {} replays; {:.0} commands/s",
                    s.commands,
                    s.refused,
                    s.edge_refused,
                    s.queries,
                    s.trades,
                    s.snapshots,
                    s.replays,
                    s.commands as f64 / secs
                );
                let mut codes: Vec<_> = s.codes.iter().collect();
                codes.sort_by_key(|c| std::cmp::Reverse(*c.1));
                let top: Vec<String> = codes
                    .iter()
                    .take(8)
                    .map(|(c, n)| format!("{c} {n}"))
                    .collect();
                println!("  refusals: {}", top.join(", "));
                let pledges: Vec<String> =
                    s.pledges.iter().map(|(k, n)| format!("{k} {n}")).collect();
                println!("  pledges and disposals: {}", pledges.join(", "));
            }
            Err(f) => {
                println!("{f}");
                eprintln!("shrinking (at most {} s)...", args.shrink_secs);
                let lines = ecomatch_sim::shrink(&f, Duration::from_secs(args.shrink_secs));
                let path = ecomatch_sim::write_regression(&args.regressions, &f, &lines)?;
                println!("shrunk to {} requests: {}", lines.len(), path.display());
                bail!("seed {seed} failed");
            }
        }
        if let Some(n) = args.shards {
            match ecomatch_sim::shards::compare(seed, n) {
                Ok(c) => println!(
                    "  sharded ({} shards): {} requests, {} public messages and {} trades agree",
                    c.shards, c.requests, c.public, c.trades
                ),
                Err(e) => bail!("{e}"),
            }
        }
        if let Some(n) = args.storage {
            match ecomatch_sim::faults::storage(seed, n) {
                Ok(c) => println!(
                    "  storage: {} acknowledged before the disk failed, {} crashes, {} damages refused",
                    c.acknowledged, c.crashes, c.damages
                ),
                Err(e) => bail!("{e}"),
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{total} commands checked in {secs:.1} s ({:.0} commands/s)",
        total as f64 / secs
    );
    Ok(())
}
