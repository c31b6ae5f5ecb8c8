//! The `ecomatch` command line.

use std::io::{self, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use ecomatch_gateway::config::Source;
use ecomatch_gateway::sequencer::{Every, Sequencer};
use ecomatch_gateway::{replay, script, server};
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
    /// Run the exchange: the WebSocket server on the built-in demo market, or on --config.
    Serve(ServeArgs),
    /// Read JSON-lines requests (with "as" and "at") on stdin, write every message on stdout.
    Script(ScriptArgs),
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
        /// Write the pledge register (as of --to) to this CSV file.
        #[arg(long)]
        pledges: Option<PathBuf>,
    },
    /// End-to-end load over WebSocket on loopback: starts the server on the demo market and
    /// sweeps request rates, reporting throughput and p50/p99/p99.9 acknowledgement latency
    /// (corrected for coordinated omission).
    Loadgen(LoadgenArgs),
    /// Move the log segments and older snapshots that the newest snapshot covers into
    /// DIR/archive/ (after checking that the snapshot restores).
    Archive(ArchiveArgs),
    /// Copy a replicated log (a JetStream stream, as `serve --log` names it) into a local log
    /// directory, which `ecomatch replay` and `ecomatch archive` then read like any other.
    Export(ExportArgs),
}

#[derive(Args)]
struct ExportArgs {
    /// The stream: `jetstream://host:port,.../MARKET`.
    log: String,
    /// The shard whose stream to copy.
    #[arg(long, default_value_t = 0)]
    shard: usize,
    /// A new local log directory.
    dir: PathBuf,
}

#[derive(Args)]
struct ServeArgs {
    /// A TOML market configuration with an optional [server] table; the demo when absent.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where to listen (overrides the configuration); port 0 picks a free port.
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// The log directory (overrides the configuration).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// When the log is made durable.
    #[arg(long, value_enum, default_value = "always")]
    fsync: Fsync,
    /// The log on a NATS JetStream cluster instead of the data directory:
    /// `jetstream://host:port,host:port,.../MARKET` (one stream per shard, 3 replicas when three
    /// servers are named). A command is acknowledged once the cluster holds it.
    #[arg(long)]
    log: Option<String>,
    /// Write a snapshot of the state every this many commands (a restart starts from the
    /// newest; 100,000 by default).
    #[arg(long)]
    snapshot_every: Option<u64>,
    /// Follow the replicated log as a standby: market data and queries, no commands
    /// (`NOT_PRIMARY`). Needs --log or [server] log.
    #[arg(long)]
    standby: bool,
    /// TLS certificate chain (PEM); with --tls-key, the port speaks only TLS (wss://, https://).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Tests only: faults to inject, e.g. `core-panic@5,log-fsync-error@3`.
    #[arg(long, hide = true)]
    inject_fault: Option<server::settings::InjectedFaults>,
}

#[derive(Args)]
struct LoadgenArgs {
    /// Target rates (requests per second over all sessions), comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1000,5000,10000,20000,40000"
    )]
    rates: Vec<u32>,
    /// Seconds per rate.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Sessions sending at once (half sell, half buy).
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Shards: 1, or 2 (LS-FCS-2024 and QZ-FCS-2024 on their own core threads).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    shards: u8,
    /// The server's fsync policy.
    #[arg(long, value_enum, default_value = "always")]
    fsync: Fsync,
    /// The server's log directory (emptied first).
    #[arg(long, default_value = "ecomatch-loadgen")]
    data_dir: PathBuf,
    /// Drive a server already running (`ws://127.0.0.1:8080/ws`) instead of starting one; it
    /// must answer the demo accounts' API keys.
    #[arg(long)]
    url: Option<String>,
    /// The running server's process id, to report its CPU time per request.
    #[arg(long)]
    server_pid: Option<u32>,
}

#[derive(Args)]
struct ArchiveArgs {
    /// The log directory.
    dir: PathBuf,
}

#[derive(Args)]
struct ScriptArgs {
    /// A TOML market configuration; the built-in demo market when absent.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Log every command to this directory (recovering the log already there), and reply only
    /// once a command is durable.
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
    /// Write a snapshot of the state every this many commands (recovery starts from the newest
    /// one and replays only what follows it).
    #[arg(long, default_value_t = 100_000)]
    snapshot_every: u64,
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Demo => ecomatch_gateway::walkthrough::run(&mut io::stdout().lock())?,
        Command::Script(args) => run_script(&args)?,
        Command::Serve(args) => run_serve(&args)?,
        Command::Loadgen(args) => {
            let opts = ecomatch_gateway::loadgen::Options {
                rates: args.rates,
                seconds: args.seconds,
                connections: args.connections,
                shards: usize::from(args.shards),
                fsync: policy(args.fsync, 1000, 2000),
                data_dir: args.data_dir,
                url: args.url,
                server_pid: args.server_pid,
            };
            let steps = ecomatch_gateway::loadgen::run(&opts).map_err(anyhow::Error::msg)?;
            print!("{}", ecomatch_gateway::loadgen::table(&steps));
        }
        Command::Export(ExportArgs { log, shard, dir }) => {
            let target = ecomatch_replica::Target::parse(&log, shard)?;
            let n = ecomatch_gateway::sequencer::export(&target, &dir)
                .with_context(|| format!("exporting {log} to {}", dir.display()))?;
            println!(
                "{n} commands of {} written to {}",
                target.stream,
                dir.display()
            );
        }
        Command::Archive(ArchiveArgs { dir }) => {
            let genesis = |p: &[u8]| {
                ecomatch_gateway::source::opening_of(p)
                    .and_then(|o| ecomatch_gateway::source::opening_exchange(&o))
                    .map_err(|e| e.to_string())
            };
            let moved = ecomatch_replay::archive(&dir, genesis)
                .with_context(|| format!("archiving {}", dir.display()))?;
            if moved.is_empty() {
                println!("nothing to archive: no snapshot covers a whole segment yet");
            }
            for path in moved {
                println!("archived {}", path.display());
            }
        }
        Command::Replay {
            dir,
            to,
            verify,
            trades,
            book,
            pledges,
        } => {
            let opts = replay::Options { to, verify, book };
            let report = replay::replay(&dir, &opts)
                .with_context(|| format!("replaying {}", dir.display()))?;
            if let Some(path) = trades {
                let file = std::fs::File::create(&path)
                    .with_context(|| format!("creating {}", path.display()))?;
                replay::write_trades_csv(&report.trades, &mut io::BufWriter::new(file))?;
            }
            if let Some(path) = pledges {
                let file = std::fs::File::create(&path)
                    .with_context(|| format!("creating {}", path.display()))?;
                replay::write_pledges_csv(&report.exchange, &mut io::BufWriter::new(file))?;
            }
            replay::print_report(&report, &opts, &mut io::stdout().lock())?;
        }
    }
    Ok(())
}

fn run_serve(args: &ServeArgs) -> Result<()> {
    tracing_subscriber::fmt()
        .with_writer(io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&io::stderr()))
        .with_target(false)
        .init();
    let mut settings = match &args.config {
        None => server::settings::demo(
            args.data_dir
                .clone()
                .unwrap_or_else(|| "ecomatch-data".into()),
        ),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            server::settings::from_toml(&text, args.data_dir.clone())
                .with_context(|| format!("loading {}", path.display()))?
        }
    };
    if let Some(listen) = args.listen {
        settings.listen = listen;
    }
    settings.fsync = policy(args.fsync, 1000, 2000);
    if let Some(log) = &args.log {
        ecomatch_replica::Target::parse(log, 0)?;
        settings.log = Some(log.clone());
    }
    if let Some(n) = args.snapshot_every {
        anyhow::ensure!(n > 0, "--snapshot-every must be positive");
        settings.every.snapshot = n;
    }
    if args.standby {
        anyhow::ensure!(
            settings.log.is_some(),
            "--standby follows a replicated log: give --log jetstream://... or [server] log"
        );
        settings.standby = true;
    }
    if let Some(faults) = &args.inject_fault {
        tracing::warn!(?faults, "injecting faults: a test run, not a deployment");
        settings.faults = faults.clone();
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        settings.tls = Some((cert.clone(), key.clone()));
    }
    let scheme = if settings.tls.is_some() {
        ("wss", "https")
    } else {
        ("ws", "http")
    };
    let demo = args.config.is_none();
    let log = settings
        .log
        .clone()
        .unwrap_or_else(|| settings.data_dir.display().to_string());
    server::serve(settings, |addr| {
        println!("ecomatch listening on {addr}");
        let (ws, http) = scheme;
        println!("  WebSocket:  {ws}://{addr}/ws");
        println!("  dashboard:  {http}://{addr}/");
        println!("  metrics:    {http}://{addr}/metrics");
        println!("  log:        {log}");
        if demo {
            println!("demo API keys (login with {{\"op\":\"login\",\"api_key\":\"...\"}}):");
            for (account, key) in server::settings::demo_keys() {
                println!("  {account:<16} {key}");
            }
        }
    })?;
    Ok(())
}

fn policy(fsync: Fsync, records: u32, micros: u64) -> FsyncPolicy {
    match fsync {
        Fsync::Always => FsyncPolicy::Always,
        Fsync::Batch => FsyncPolicy::Batch {
            records: records.max(1),
            micros,
        },
        Fsync::Never => FsyncPolicy::Never,
    }
}

fn run_script(args: &ScriptArgs) -> Result<()> {
    let source = Source::from_path(args.config.as_deref())?;
    let sequencer = match &args.log {
        None => Sequencer::new(source.exchange().context("loading the configuration")?),
        Some(dir) => open_log(args, dir, &source)?,
    };
    let mut script = script::Script::new(sequencer, args.log.is_some());
    let mut out = io::BufWriter::new(io::stdout().lock());
    script.run(&mut BufReader::new(io::stdin().lock()), &mut out)?;
    if args.log.is_some() {
        // What `ecomatch replay` of the log must print too (stdout holds only the replies).
        let s = script.sequencer();
        eprintln!(
            "state hash after command {}: {}",
            s.last_seq(),
            s.exchange().state_hash()
        );
    }
    Ok(())
}

fn open_log(args: &ScriptArgs, dir: &Path, source: &Source) -> Result<Sequencer> {
    let policy = policy(args.fsync, args.batch_records, args.batch_micros);
    if args.checkpoint_every == 0 || args.snapshot_every == 0 {
        bail!("--checkpoint-every and --snapshot-every must be positive");
    }
    let every = Every {
        checkpoint: args.checkpoint_every,
        snapshot: args.snapshot_every,
    };
    let opening = source.opening()?;
    let (sequencer, resumed) = Sequencer::with_log(dir, &opening, policy, every)
        .with_context(|| format!("opening the log in {}", dir.display()))?;
    for why in &resumed.skipped_snapshots {
        eprintln!("skipped a snapshot: {why}");
    }
    match resumed.from_snapshot {
        Some(s) => eprintln!(
            "recovered from the snapshot at {s} and {} commands after it",
            resumed.commands
        ),
        None if resumed.commands > 0 => eprintln!(
            "recovered {} commands from {}",
            resumed.commands,
            dir.display()
        ),
        None => {}
    }
    if let Some((file, offset, bytes)) = resumed.truncated {
        eprintln!(
            "cut off a torn last record: {} at offset {offset} ({bytes} bytes)",
            file.display()
        );
    }
    Ok(sequencer)
}
