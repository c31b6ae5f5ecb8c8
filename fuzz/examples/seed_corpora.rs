//! Writes the starting corpora of the fuzz targets from the project's own examples: every
//! request line of tests/golden and tests/sim (request), the logs those scenarios write (log),
//! the state after each as a snapshot (snapshot), the market TOMLs (market_toml), and each
//! scenario's commands in the log's encoding (command_stream).
//!
//! Usage: `cargo run --release --example seed_corpora` from fuzz/ (writes fuzz/corpus/<target>/).

use std::path::{Path, PathBuf};

#[path = "../fuzz_targets/small_market.rs"]
#[allow(dead_code)] // the example uses the TOML only
mod small_market;

use ecomatch_exchange::wire::Writer;
use ecomatch_gateway::config::Source;
use ecomatch_gateway::script::Script;
use ecomatch_gateway::sequencer::{Every, Sequencer};
use ecomatch_replay::FsyncPolicy;

fn put(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).expect("corpus dir");
    std::fs::write(dir.join(name), bytes).expect("corpus file");
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut scenarios: Vec<PathBuf> = ["tests/golden", "tests/sim"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).into_iter().flatten().flatten())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    scenarios.sort();
    let example = std::fs::read(root.join("docs/market.example.toml")).expect("example");
    put(&corpus.join("market_toml"), "example.toml", &example);
    for (n, path) in scenarios.iter().enumerate() {
        let text = std::fs::read_to_string(path).expect("scenario");
        for (k, line) in text.lines().filter(|l| l.starts_with('{')).enumerate() {
            put(&corpus.join("request"), &format!("{n}-{k}.json"), line.as_bytes());
        }
        let toml = path.with_extension("toml");
        let source = match std::fs::read_to_string(&toml) {
            Ok(t) => {
                put(&corpus.join("market_toml"), &format!("{n}.toml"), t.as_bytes());
                Source::Toml(t)
            }
            Err(_) => Source::Demo,
        };
        let dir = std::env::temp_dir().join(format!("ecomatch-seed-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let every = Every { checkpoint: 5, snapshot: 1_000_000 };
        let opening = source.opening().expect("a market");
        let (sequencer, _) = Sequencer::with_log(&dir, &opening, FsyncPolicy::Never, every)
            .expect("a log");
        let mut script = Script::new(sequencer, true);
        script
            .run(&mut std::io::BufReader::new(text.as_bytes()), &mut std::io::sink())
            .expect("the scenario runs");
        let driver = script.into_sequencer();
        let segment = std::fs::read(dir.join("0000000000.log")).expect("segment");
        put(&corpus.join("log"), &format!("{n}.log"), &[[0u8].as_slice(), &segment].concat());
        let mut commands = Vec::new();
        ecomatch_replay::scan(&dir, |r| {
            if r.kind == ecomatch_replay::segment::Kind::Command {
                if let Ok(cmd) = ecomatch_exchange::wire::Reader(r.payload).sequenced() {
                    Writer(&mut commands).sequenced(&cmd);
                }
            }
            Ok(())
        })
        .expect("scan");
        put(&corpus.join("command_stream"), &format!("{n}.bin"), &commands);
        put(&corpus.join("snapshot"), &format!("{n}.snap"), &driver.exchange().snapshot());
        // The snapshot target restores onto the small market: the same scenario there gives
        // seeds it can read (a snapshot of the demo's larger books is refused at its header).
        let small = ecomatch_gateway::config::parse(&small_market::toml()).expect("small market");
        let mut script = Script::new(Sequencer::new(small), false);
        script
            .run(&mut std::io::BufReader::new(text.as_bytes()), &mut std::io::sink())
            .expect("the scenario runs on the small market");
        let small = script.sequencer().exchange().snapshot();
        put(&corpus.join("snapshot"), &format!("{n}-small.snap"), &small);
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!("corpora written under {}", corpus.display());
}
