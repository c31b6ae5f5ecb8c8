//! The `ecomatch` command line.

use std::io::{self, BufReader};
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

/// ecomatch: an exchange core for ecological products and environmental rights.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Demo => ecomatch_gateway::demo::run(&mut io::stdout().lock())?,
        Command::Script { config } => {
            let ex = match config {
                Some(path) => ecomatch_gateway::config::load(&path)
                    .with_context(|| format!("loading {}", path.display()))?,
                None => ecomatch_exchange::demo::exchange(),
            };
            let mut driver = ecomatch_gateway::script::Driver::new(ex);
            let mut out = io::BufWriter::new(io::stdout().lock());
            driver.run(BufReader::new(io::stdin().lock()), &mut out)?;
        }
    }
    Ok(())
}
