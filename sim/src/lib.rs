//! # ecomatch-sim
//!
//! Whole-exchange deterministic simulation, after `TigerBeetle`'s VOPR and `FoundationDB`'s
//! simulator: one seed chooses a market (the demo, or a generated one) and a long weighted
//! stream of requests over the whole protocol, and every invariant is checked after every
//! command. A failing seed is a one-line reproduction; the simulator shrinks the stream to the
//! shortest failing one it can find and writes it under `tests/sim/` as a regression that
//! `ecomatch script --config` can replay and the test suite keeps running.
//!
//! ## Invariants checked after every command
//! - nothing panics (the decoder, the conversion, the exchange, the encoder of every output);
//! - `Exchange::check_invariants()`;
//! - the [`model`]: holds recomputed from scratch by PROTOCOL.md's Holds rule, open and traded
//!   quantities as the quotas count them, cash and lots conserved but for deposits,
//!   withdrawals, issuance and retirement, gap-free public sequence numbers, a refusal that
//!   says one thing to its sender and leaves the state hash unchanged;
//! - every few thousand commands a snapshot restores to the same state hash and re-encodes to
//!   the same bytes, and the restored copy says exactly what the live one says for the next
//!   thousand commands; a replay from the last verified point reaches the live state.
//!
//! ## Example
//! ```
//! use ecomatch_sim::{simulate, run::Cadence};
//!
//! let stats = simulate(7, 300, Cadence::default()).expect("seed 7 holds every invariant");
//! assert!(stats.commands >= 300);
//! ```

pub mod faults;
pub mod generate;
pub mod market;
pub mod model;
pub mod node;
pub mod rng;
pub mod run;
pub mod shards;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use generate::Generator;
use market::Market;
use rng::Rng;
use run::{Cadence, Sim, Stats};

/// A run that broke an invariant.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The seed.
    pub seed: u64,
    /// Its market.
    pub market: Market,
    /// The request lines up to and including the one whose command failed.
    pub lines: Vec<String>,
    /// What failed.
    pub message: String,
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "seed {} failed after {} requests: {}",
            self.seed,
            self.lines.len(),
            self.message
        )
    }
}

/// Runs seed `seed` for `commands` sequenced commands; the stats, or the failure (with the
/// lines that reproduce it).
pub fn simulate(seed: u64, commands: u64, cadence: Cadence) -> Result<Stats, Failure> {
    match drive(seed, commands, cadence, None) {
        Ok(stats) => Ok(stats),
        Err((at, market, message)) => {
            // The stream is a function of the seed: run it again, keeping the lines this time.
            let mut lines = Vec::new();
            let again = drive(seed, commands, cadence, Some((&mut lines, at)));
            let message = again.err().map_or(message, |e| e.2);
            Err(Failure {
                seed,
                market,
                lines,
                message,
            })
        }
    }
}

type Stop = (u64, Market, String);

/// The run itself; with `keep`, collects the lines up to line number `keep.1`.
fn drive(
    seed: u64,
    commands: u64,
    cadence: Cadence,
    mut keep: Option<(&mut Vec<String>, u64)>,
) -> Result<Stats, Stop> {
    let mut rng = Rng::new(seed);
    let market = Market::of_seed(&mut rng);
    let fail = |at, e| (at, market.clone(), e);
    let mut sim = Sim::new(market.clone(), cadence).map_err(|e| fail(0, e))?;
    let mut generator = Generator::new(rng.fork(), sim.exchange());
    let mut n = 0;
    while sim.stats.commands < commands {
        let line = generator.next_line(sim.exchange());
        if let Some((lines, last)) = &mut keep {
            lines.push(line.clone());
            if n > *last {
                break;
            }
        }
        let out = sim.line(&line).map_err(|e| fail(n, e))?;
        generator.observe(&out);
        n += 1;
    }
    sim.replay().map_err(|e| fail(n, e))?;
    Ok(sim.stats)
}

/// Runs `lines` on `market` from its genesis; the index and message of the first failure.
pub fn check(
    market: &Market,
    lines: &[String],
    cadence: Cadence,
) -> Result<Stats, (usize, String)> {
    let mut sim = Sim::new(market.clone(), cadence).map_err(|e| (0, e))?;
    for (i, line) in lines.iter().enumerate() {
        sim.line(line).map_err(|e| (i, e))?;
    }
    sim.replay().map_err(|e| (lines.len(), e))?;
    Ok(sim.stats)
}

/// What a failure is, without the numbers that change as the stream shrinks.
fn signature(message: &str) -> String {
    message
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .take(60)
        .collect()
}

/// The shortest stream it finds within `budget` that fails the same way: drops chunks of
/// lines, halving the chunk until single lines (delta debugging).
pub fn shrink(failure: &Failure, budget: Duration) -> Vec<String> {
    let start = Instant::now();
    let want = signature(&failure.message);
    let cadence = Cadence::default();
    let fails = |lines: &[String]| {
        check(&failure.market, lines, cadence).is_err_and(|(_, m)| signature(&m) == want)
    };
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // thousands of expected panics: keep them quiet
    let mut lines = failure.lines.clone();
    let mut chunk = lines.len().div_ceil(2).max(1);
    while start.elapsed() < budget {
        let mut i = 0;
        while i < lines.len() && start.elapsed() < budget {
            let mut candidate = lines.clone();
            candidate.drain(i..(i + chunk).min(lines.len()));
            if !candidate.is_empty() && fails(&candidate) {
                lines = candidate;
            } else {
                i += chunk;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    std::panic::set_hook(hook);
    lines
}

/// Writes a failing stream as a regression under `dir`: `seed-N.jsonl` (the requests, with the
/// failure as a comment) and, for a generated market, `seed-N.toml`. Returns the JSONL path.
pub fn write_regression(
    dir: &Path,
    failure: &Failure,
    lines: &[String],
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let stem = format!("seed-{}", failure.seed);
    let mut text = format!(
        "# ecomatch-sim seed {}: {}\n# replay: ecomatch script{} < this file\n",
        failure.seed,
        failure.message.replace('\n', " "),
        match failure.market {
            Market::Demo => String::new(),
            Market::Toml(_) => format!(" --config {stem}.toml"),
        }
    );
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    if let Market::Toml(t) = &failure.market {
        std::fs::write(dir.join(format!("{stem}.toml")), t)?;
    }
    let path = dir.join(format!("{stem}.jsonl"));
    std::fs::write(&path, text)?;
    Ok(path)
}

/// Reads a regression written by [`write_regression`]: its market and its lines.
pub fn read_regression(jsonl: &Path) -> std::io::Result<(Market, Vec<String>)> {
    let text = std::fs::read_to_string(jsonl)?;
    let toml = jsonl.with_extension("toml");
    let market = if toml.is_file() {
        Market::Toml(std::fs::read_to_string(toml)?)
    } else {
        Market::Demo
    };
    let lines = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    Ok((market, lines))
}
