//! The `ecomatch` command line.

use std::io::{self, BufReader};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use ecomatch_gateway::config::Source;
use ecomatch_gateway::{audit, script};
use ecomatch_replay::FsyncPolicy;

/// ecomatch: an exchange core for ecological products and environmental rights.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Fsync {
    /// fsync every commit: nothing acknowledged is lost.
    Always,
    /// Group commit: fsync every --batch-records records or --batch-micros µs.
    Batch,
    /// Never fsync (tests and benchmarks).
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Walk through the continuous order book on the demo instrument (LS-FCS-2024).
    Demo,
    /// Read JSON-lines requests (with "as" and "at") on stdin, write every message on stdout.
    Script {
        /// A TOML market configuration; the built-in demo market when absent.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Log every command to this directory (recovering the log already there), and reply
        /// only once a command is durable.
        #[arg(long)]
        log: Option<PathBuf>,
        /// When the log is made durable.
        #[arg(long, value_enum, default_value = "always")]
        fsync: Fsync,
        /// Group commit: records per batch.
        #[arg(long, default_value_t = 1000)]
        batch_records: u32,
        /// Group commit: the longest a record waits, in µs.
        #[arg(long, default_value_t = 2000)]
        batch_micros: u64,
        /// Write a state-hash checkpoint every this many commands.
        #[arg(long, default_value_t = 10_000)]
        checkpoint_every: u64,
    },
    /// Replay a log: rebuild the state as of any sequence number, verify every checkpoint,
    /// print the state hash, a book, and export the trades.
    Replay {
        /// The log directory.
        dir: PathBuf,
        /// Stop after this command sequence number.
        #[arg(long)]
        to: Option<u64>,
        /// Fail on a torn last record instead of warning.
        #[arg(long)]
        verify: bool,
        /// Write every trade to this CSV file.
        #[arg(long)]
        trades: Option<PathBuf>,
        /// Print this instrument's book.
        #[arg(long)]
        book: Option<String>,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Demo => ecomatch_gateway::demo::run(&mut io::stdout().lock())?,
        Command::Script {
            config,
            log,
            fsync,
            batch_records,
            batch_micros,
            checkpoint_every,
        } => {
            let source = Source::from_path(config.as_deref())?;
            let mut driver = match log {
                None => {
                    script::Driver::new(source.exchange().context("loading the configuration")?)
                }
                Some(dir) => {
                    let policy = match fsync {
                        Fsync::Always => FsyncPolicy::Always,
                        Fsync::Batch => FsyncPolicy::Batch {
                            records: batch_records.max(1),
                            micros: batch_micros,
                        },
                        Fsync::Never => FsyncPolicy::Never,
                    };
                    if checkpoint_every == 0 {
                        bail!("--checkpoint-every must be positive");
                    }
                    let (driver, resumed) =
                        script::Driver::with_log(&dir, &source, policy, checkpoint_every)
                            .with_context(|| format!("opening the log in {}", dir.display()))?;
                    if resumed.commands > 0 {
                        eprintln!(
                            "recovered {} commands from {}",
                            resumed.commands,
                            dir.display()
                        );
                    }
                    if let Some((file, offset, bytes)) = resumed.truncated {
                        eprintln!(
                            "cut off a torn last record: {} at offset {offset} ({bytes} bytes)",
                            file.display()
                        );
                    }
                    driver
                }
            };
            let mut out = io::BufWriter::new(io::stdout().lock());
            driver.run(&mut BufReader::new(io::stdin().lock()), &mut out)?;
        }
        Command::Replay {
            dir,
            to,
            verify,
            trades,
            book,
        } => {
            let opts = audit::Options { to, verify, book };
            let report = audit::replay(&dir, &opts)
                .with_context(|| format!("replaying {}", dir.display()))?;
            if let Some(path) = trades {
                let mut f = io::BufWriter::new(
                    std::fs::File::create(&path)
                        .with_context(|| format!("creating {}", path.display()))?,
                );
                audit::write_trades_csv(&report.trades, &mut f)?;
            }
            audit::print_report(&report, &opts, &mut io::stdout().lock())?;
        }
    }
    Ok(())
}
