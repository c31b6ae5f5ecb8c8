//! Faults below the core, driven by the seed: the simulator's stream is logged through a disk
//! that fails (a write refused for lack of space, a short write, a failed fsync, at a random
//! commit), then the log is crashed at a random byte, damaged (a flipped bit in a closed
//! segment, a missing or duplicated segment) and given a snapshot its log never held. For each
//! the rules of `replay` must hold:
//!
//! - nothing is acknowledged that is not durable: recovery returns exactly the commands whose
//!   commit succeeded, in the state the live exchange had then;
//! - a crash loses at most the record it cut, which recovery reports as torn, and the log
//!   continues after it;
//! - any other damage stops recovery with the file and offset: never a silent repair;
//! - good data is never rewritten: the committed bytes are the same after the failure.

use std::path::{Path, PathBuf};

use ecomatch_exchange::Exchange;
use ecomatch_exchange::hash::StateHash;
use ecomatch_replay::fault::Faults;
use ecomatch_replay::{FsyncPolicy, LogError, LogWriter, recover_with};

use crate::generate::Generator;
use crate::market::Market;
use crate::node::{Node, Outcome};
use crate::rng::Rng;

/// What a storage run checked.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    /// Commands logged before the disk failed.
    pub acknowledged: u64,
    /// Crash points recovered.
    pub crashes: u64,
    /// Damages refused with a file and offset.
    pub damages: u64,
}

/// A scratch directory for one run, removed afterwards.
struct Scratch(PathBuf);

impl Scratch {
    fn new(seed: u64, what: &str) -> Self {
        let p =
            std::env::temp_dir().join(format!("ecomatch-sim-{what}-{}-{seed}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        Self(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn recover(
    dir: &Path,
    market: &Market,
    snapshots: bool,
) -> Result<ecomatch_replay::Recovered, LogError> {
    recover_with(dir, None, snapshots, |_| market.exchange(), |_, _| {})
}

/// The last segment file of a log.
fn last_segment(dir: &Path) -> Result<PathBuf, String> {
    let segs = ecomatch_replay::reader::segments(dir).map_err(|e| e.to_string())?;
    segs.last().cloned().ok_or_else(|| "no segment".into())
}

/// What a logged run went through: the state hash after every command (index = sequence
/// number), the last acknowledged sequence number, and the bytes of the last segment then.
struct Logged {
    hashes: Vec<StateHash>,
    acked: u64,
    committed: Vec<u8>,
}

/// Logs `commands` requests of the stream under `faults`, committing in random batches.
fn logged_run(
    rng: &mut Rng,
    market: &Market,
    dir: &Path,
    commands: u64,
    faults: Option<Faults>,
) -> Result<Logged, String> {
    let mut node = Node::new(market.exchange()?);
    let mut generator = Generator::new(rng.fork(), &node.ex);
    let segment = rng.range(4_096, 65_536);
    let mut log =
        LogWriter::create(dir, b"sim", FsyncPolicy::Always, segment).map_err(|e| e.to_string())?;
    if let Some(f) = faults {
        log.set_io(Box::new(f));
    }
    let mut run = Logged {
        hashes: vec![node.ex.state_hash()],
        acked: 0,
        committed: Vec::new(),
    };
    let mut batch = rng.range(1, 20);
    for _ in 0..commands {
        let line = generator.next_line(&node.ex);
        if let Outcome::Applied(out) = node.line(&line) {
            generator.observe(&out);
            run.hashes.push(node.ex.state_hash());
            let cmd = node.last.expect("an applied command");
            if log.append(&cmd).is_err() {
                break;
            }
            batch -= 1;
        }
        if batch == 0 {
            if log.commit().is_err() {
                break;
            }
            run.acked = node.seq;
            run.committed = std::fs::read(last_segment(dir)?).map_err(|e| e.to_string())?;
            batch = rng.range(1, 20);
        }
    }
    if !log.is_stopped() && log.commit().is_ok() {
        run.acked = node.seq;
        run.committed = std::fs::read(last_segment(dir)?).map_err(|e| e.to_string())?;
    }
    Ok(run)
}

/// The state hash after command `seq` of a run.
fn hash_at(run: &Logged, seq: u64) -> Option<StateHash> {
    run.hashes.get(usize::try_from(seq).ok()?).copied()
}

/// A run on a disk that fails once: recovery returns exactly the acknowledged prefix.
fn failing_disk(seed: u64, rng: &mut Rng, market: &Market, commands: u64) -> Result<u64, String> {
    let scratch = Scratch::new(seed, "disk");
    let at = rng.range(1, 60);
    let faults = match rng.below(3) {
        0 => Faults::new().fail_write(at),
        1 => Faults::new().short_write(at),
        _ => Faults::new().fail_sync(at),
    };
    let run = logged_run(rng, market, &scratch.0, commands, Some(faults.clone()))?;
    let r = recover(&scratch.0, market, false).map_err(|e| format!("{faults:?}: {e}"))?;
    if r.end.last_seq != run.acked || Some(r.exchange.state_hash()) != hash_at(&run, run.acked) {
        return Err(format!(
            "{faults:?}: recovered {} commands, {} were acknowledged",
            r.end.last_seq, run.acked
        ));
    }
    if r.end.torn.is_some() {
        return Err(format!("{faults:?}: a torn record was left behind"));
    }
    let now = std::fs::read(last_segment(&scratch.0)?).map_err(|e| e.to_string())?;
    if !run.committed.is_empty() && now != run.committed {
        return Err(format!("{faults:?}: the committed bytes changed"));
    }
    Ok(run.acked)
}

/// Crashes a clean log at random bytes of its last segment: a prefix comes back, the record
/// cut is reported torn, and the log goes on after it.
fn crashes(seed: u64, rng: &mut Rng, market: &Market, commands: u64) -> Result<u64, String> {
    let scratch = Scratch::new(seed, "crash");
    let run = logged_run(rng, market, &scratch.0, commands, None)?;
    let seg = last_segment(&scratch.0)?;
    let full = std::fs::read(&seg).map_err(|e| e.to_string())?;
    let mut n = 0;
    for _ in 0..8 {
        let cut = rng.range(64.min(full.len() as u64), full.len() as u64);
        std::fs::write(&seg, &full[..cut as usize]).map_err(|e| e.to_string())?;
        let r =
            recover(&scratch.0, market, false).map_err(|e| format!("crash at byte {cut}: {e}"))?;
        // What came back is a prefix of the run, in the state the live exchange had then.
        let seq = r.end.last_seq;
        if Some(r.exchange.state_hash()) != hash_at(&run, seq) || seq > run.acked {
            return Err(format!(
                "crash at byte {cut}: not the state after command {seq}"
            ));
        }
        let mut log = LogWriter::resume(&scratch.0, &r.end, FsyncPolicy::Always, 65_536)
            .map_err(|e| e.to_string())?;
        log.commit().map_err(|e| e.to_string())?;
        drop(log);
        let again = recover(&scratch.0, market, false).map_err(|e| e.to_string())?;
        if again.end.torn.is_some() || again.end.last_seq != seq {
            return Err(format!("crash at byte {cut}: the resumed log is not clean"));
        }
        std::fs::write(&seg, &full).map_err(|e| e.to_string())?;
        n += 1;
    }
    Ok(n)
}

/// Damage to a closed segment, a missing one, a duplicated one: refused with the file.
fn damages(seed: u64, rng: &mut Rng, market: &Market, commands: u64) -> Result<u64, String> {
    let scratch = Scratch::new(seed, "damage");
    logged_run(rng, market, &scratch.0, commands, None)?;
    let segs = ecomatch_replay::reader::segments(&scratch.0).map_err(|e| e.to_string())?;
    if segs.len() < 3 {
        return Ok(0);
    }
    let victim = &segs[rng.range(0, segs.len() as u64 - 2) as usize];
    let original = std::fs::read(victim).map_err(|e| e.to_string())?;
    let refused = |what: &str| -> Result<(), String> {
        match recover(&scratch.0, market, false) {
            Err(LogError::Corrupt { file, .. }) if file.parent() == Some(&scratch.0) => Ok(()),
            Err(e) => Err(format!("{what}: refused without a place: {e}")),
            Ok(r) => Err(format!("{what}: accepted ({} commands)", r.end.last_seq)),
        }
    };
    let mut flipped = original.clone();
    let at = rng.below(flipped.len() as u64) as usize;
    flipped[at] ^= 1 << rng.below(8);
    std::fs::write(victim, &flipped).map_err(|e| e.to_string())?;
    refused(&format!(
        "a bit flipped at byte {at} of {}",
        victim.display()
    ))?;
    std::fs::remove_file(victim).map_err(|e| e.to_string())?;
    refused("a missing segment")?;
    let next = &segs[segs.iter().position(|s| s == victim).expect("listed") + 1];
    std::fs::write(victim, std::fs::read(next).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    refused("a duplicated segment")?;
    std::fs::write(victim, &original).map_err(|e| e.to_string())?;
    recover(&scratch.0, market, false).map_err(|e| format!("restored: {e}"))?;
    Ok(3)
}

/// A snapshot of commands the log lost is never trusted.
fn orphan_snapshot(seed: u64, rng: &mut Rng, market: &Market, commands: u64) -> Result<(), String> {
    let scratch = Scratch::new(seed, "orphan");
    let run = logged_run(rng, market, &scratch.0, commands, None)?;
    let full = recover(&scratch.0, market, false).map_err(|e| e.to_string())?;
    let ex: &Exchange = &full.exchange;
    let at = ecomatch_replay::snapshot::Point {
        seq: full.end.last_seq,
        chain: full.end.chain,
    };
    ecomatch_replay::snapshot::write(&scratch.0, at, &ex.state_hash().0, b"sim", &ex.snapshot())
        .map_err(|e| e.to_string())?;
    let seg = last_segment(&scratch.0)?;
    let bytes = std::fs::read(&seg).map_err(|e| e.to_string())?;
    std::fs::write(&seg, &bytes[..bytes.len() * 2 / 3]).map_err(|e| e.to_string())?;
    let r = recover(&scratch.0, market, true).map_err(|e| e.to_string())?;
    if r.from_snapshot.is_some() && r.end.last_seq < full.end.last_seq {
        return Err("a snapshot beyond the log was trusted".into());
    }
    if Some(r.exchange.state_hash()) != hash_at(&run, r.end.last_seq) {
        return Err("the shortened log recovered to another state".into());
    }
    Ok(())
}

/// Every storage check, for seed `seed`, over streams of about `commands` commands.
pub fn storage(seed: u64, commands: u64) -> Result<Checked, String> {
    let mut rng = Rng::new(seed ^ 0xfa17_d15c);
    let market = Market::of_seed(&mut rng);
    let at = |what: &str, e: String| format!("seed {seed}, {what}: {e}");
    let acknowledged =
        failing_disk(seed, &mut rng, &market, commands).map_err(|e| at("failing disk", e))?;
    let crashes = crashes(seed, &mut rng, &market, commands).map_err(|e| at("crash", e))?;
    let damages = damages(seed, &mut rng, &market, commands).map_err(|e| at("damage", e))?;
    orphan_snapshot(seed, &mut rng, &market, commands).map_err(|e| at("snapshot", e))?;
    Ok(Checked {
        acknowledged,
        crashes,
        damages: damages + 1,
    })
}
