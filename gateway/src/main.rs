//! The `ecomatch` command line.

use anyhow::Result;
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
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Demo => ecomatch_gateway::demo::run(&mut std::io::stdout().lock())?,
    }
    Ok(())
}
