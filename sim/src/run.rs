//! One simulation: a market, a stream of request lines, and the checks after each. A line goes
//! through what `ecomatch script` does with it (the protocol decoder, the conversion with the
//! instrument's tick and lot, the exchange), and then through every check: no panic, the
//! exchange's own `check_invariants()`, the [`Model`], and from time to time a snapshot that
//! must restore to the same state and go on to say the same things, and a replay of the
//! commands since the last verified point that must reach the live state.

use std::panic::{AssertUnwindSafe, catch_unwind};

use ecomatch_engine::id::{InstrumentId, Seq, Timestamp};
use ecomatch_exchange::{Command, Exchange, Output, Sequenced};
use ecomatch_gateway::protocol::parse_time;
use ecomatch_gateway::protocol::{self, Query};

use crate::market::Market;
use crate::model::Model;

/// How often the heavier checks run.
#[derive(Clone, Copy, Debug)]
pub struct Cadence {
    /// Snapshot, restore, and run the next `shadow` commands on both copies, every this many.
    pub snapshot_every: u64,
    /// Commands the restored copy runs beside the live one.
    pub shadow: u32,
    /// Replay the commands since the last verified point, every this many.
    pub replay_every: u64,
    /// Compare the state hash before and after every refused command.
    pub hash_refusals: bool,
}

impl Default for Cadence {
    fn default() -> Self {
        Self {
            snapshot_every: 2_000,
            shadow: 1_000,
            replay_every: 10_000,
            hash_refusals: true,
        }
    }
}

/// What a run did, for the report.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Lines handled.
    pub lines: u64,
    /// Commands applied (sequenced).
    pub commands: u64,
    /// Commands the exchange refused.
    pub refused: u64,
    /// Requests refused before the exchange (decoding, conversion).
    pub edge_refused: u64,
    /// Queries answered.
    pub queries: u64,
    /// Trades of any kind.
    pub trades: u64,
    /// Snapshot round trips checked.
    pub snapshots: u64,
    /// Replays checked.
    pub replays: u64,
    /// Refusals by code.
    pub codes: std::collections::BTreeMap<&'static str, u64>,
    /// Pledges reaching each status (one count per change), and disposals closed.
    pub pledges: std::collections::BTreeMap<&'static str, u64>,
}

/// A simulation in progress.
pub struct Sim {
    market: Market,
    ex: Exchange,
    model: Model,
    cadence: Cadence,
    seq: u64,
    /// The state the commands in `since` start from (a snapshot, or the genesis).
    anchor: Option<Vec<u8>>,
    since: Vec<Sequenced>,
    /// A restored copy running beside the live exchange, and how many more commands it runs.
    shadow: Option<(Exchange, u32)>,
    /// What the run did.
    pub stats: Stats,
}

/// Every book is checked in full this often (in commands).
pub const FULL_CHECK_EVERY: u64 = 64;

/// The instrument a message is about, if any.
fn instrument_of(msg: &ecomatch_exchange::Message) -> Option<InstrumentId> {
    use ecomatch_exchange::Message;
    match msg {
        Message::Order(r) => Some(r.instrument),
        Message::Fill(f) => Some(f.instrument),
        Message::Holding { instrument, .. } => Some(*instrument),
        Message::Block(b) => Some(b.instrument),
        Message::Bid(b) => Some(b.instrument),
        Message::SealedFill(f) => Some(f.instrument),
        m => m.public_instrument(),
    }
}

fn caught<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        format!(
            "{what} panicked: {}",
            ecomatch_gateway::panic::message(p.as_ref())
        )
    })
}

impl Sim {
    /// A simulation of `market` from its genesis.
    pub fn new(market: Market, cadence: Cadence) -> Result<Self, String> {
        let ex = market.exchange()?;
        Ok(Self {
            model: Model::new(&ex),
            market,
            ex,
            cadence,
            seq: 0,
            anchor: None,
            since: Vec::new(),
            shadow: None,
            stats: Stats::default(),
        })
    }

    /// The exchange as it is now.
    pub fn exchange(&self) -> &Exchange {
        &self.ex
    }

    /// Handles one request line; the outputs of the command it became (none for a query or a
    /// refusal at the edge), or why a check failed.
    pub fn line(&mut self, line: &str) -> Result<Vec<Output>, String> {
        self.stats.lines += 1;
        let env = protocol::parse_line(line, true);
        let actor = env.actor.as_deref().and_then(|n| self.ex.ledger().find(n));
        let (Some(actor), Ok(time), Ok(request)) =
            (actor, parse_time(env.at.as_ref()), env.request)
        else {
            self.stats.edge_refused += 1;
            return Ok(Vec::new());
        };
        let converted = caught("the conversion", || {
            protocol::to_command(&self.ex, actor, &request)
        })?;
        match converted {
            Err(_) => {
                self.stats.edge_refused += 1;
                Ok(Vec::new())
            }
            Ok(Err(query)) => {
                self.stats.queries += 1;
                self.answer(actor, &query)?;
                Ok(Vec::new())
            }
            Ok(Ok(command)) => self.apply(actor, time, command),
        }
    }

    fn answer(&self, actor: ecomatch_engine::id::AccountId, query: &Query) -> Result<(), String> {
        let ex = &self.ex;
        caught("a query", || {
            let answer = protocol::answer(ex, actor, query);
            let body = protocol::answer_body(ex.catalog(), &answer);
            protocol::Framed::new(None, &body, None).text()
        })
        .map(drop)
    }

    fn apply(
        &mut self,
        actor: ecomatch_engine::id::AccountId,
        time: Timestamp,
        command: Command,
    ) -> Result<Vec<Output>, String> {
        self.seq += 1;
        let cmd = Sequenced {
            seq: Seq(self.seq),
            time,
            actor,
            command,
        };
        let before = self.cadence.hash_refusals.then(|| self.ex.state_hash());
        let mut out = Vec::new();
        caught("apply", || self.ex.apply(&cmd, &mut out))?;
        self.check_books(&cmd, &out)?;
        self.model.after(&self.ex, &cmd, &out, before)?;
        self.tally(&out);
        self.follow(&cmd, &out)?;
        self.since.push(cmd);
        self.periodic()?;
        Ok(out)
    }

    /// The exchange's own `check_invariants()`: the books the command touched (its instrument
    /// and every one its outputs name) after every command, every book every
    /// [`FULL_CHECK_EVERY`] commands (a book's full check walks its whole price window and
    /// order pool; an untouched book has not changed).
    fn check_books(&self, cmd: &Sequenced, out: &[Output]) -> Result<(), String> {
        if self.seq % FULL_CHECK_EVERY == 0 {
            return caught("check_invariants", || self.ex.check_invariants());
        }
        let mut touched: Vec<InstrumentId> = cmd.command.instrument().into_iter().collect();
        touched.extend(out.iter().filter_map(|o| instrument_of(&o.msg)));
        touched.sort_unstable();
        touched.dedup();
        caught("check_invariants", || {
            self.ex
                .check_invariants_of(|i| touched.binary_search(&i).is_ok());
        })
    }

    fn tally(&mut self, out: &[Output]) {
        use ecomatch_exchange::Message;
        self.stats.commands += 1;
        for o in out {
            match o.msg {
                Message::Reject(r) => {
                    self.stats.refused += 1;
                    *self.stats.codes.entry(r.code()).or_default() += 1;
                }
                Message::Trade { .. }
                | Message::AuctionTrade { .. }
                | Message::BlockTrade { .. }
                | Message::SealedTrade { .. } => self.stats.trades += 1,
                // Counted once per change: the pledgor's copy (the first) only.
                Message::Pledge(p) if o.to == ecomatch_exchange::Recipient::Account(p.pledgor) => {
                    *self.stats.pledges.entry(p.status.as_str()).or_default() += 1;
                }
                Message::Disposal(d) => {
                    let key = match d.status {
                        ecomatch_exchange::report::DisposalStatus::Opened => "disposal opened",
                        ecomatch_exchange::report::DisposalStatus::Withdrawn => {
                            "disposal withdrawn"
                        }
                        ecomatch_exchange::report::DisposalStatus::Closed => "disposal closed",
                    };
                    *self.stats.pledges.entry(key).or_default() += 1;
                }
                _ => {}
            }
        }
    }

    /// The restored copy, if one runs, must say exactly what the live exchange said.
    fn follow(&mut self, cmd: &Sequenced, live: &[Output]) -> Result<(), String> {
        let Some((shadow, left)) = &mut self.shadow else {
            return Ok(());
        };
        let mut out = Vec::new();
        caught("apply on the restored copy", || shadow.apply(cmd, &mut out))?;
        if out != live {
            return Err(format!(
                "the restored copy said something else to command {}: {out:?} vs {live:?}",
                cmd.seq
            ));
        }
        *left -= 1;
        if *left == 0 {
            if shadow.state_hash() != self.ex.state_hash() {
                return Err("the restored copy ended in another state".into());
            }
            self.shadow = None;
        }
        Ok(())
    }

    fn base(&self) -> Result<Exchange, String> {
        self.market.exchange()
    }

    fn periodic(&mut self) -> Result<(), String> {
        let n = self.seq;
        if n % self.cadence.snapshot_every == 0 && self.shadow.is_none() {
            let bytes = self.ex.snapshot();
            let back = Exchange::restore(self.base()?, &bytes)
                .map_err(|e| format!("the snapshot at {n} does not restore: {e}"))?;
            if back.state_hash() != self.ex.state_hash() {
                return Err(format!("the snapshot at {n} restores to another state"));
            }
            if back.snapshot() != bytes {
                return Err(format!("restore(snapshot()).snapshot() differs at {n}"));
            }
            self.shadow = Some((back, self.cadence.shadow));
            self.stats.snapshots += 1;
        }
        if n % self.cadence.replay_every == 0 {
            self.replay()?;
        }
        Ok(())
    }

    /// Replays the commands since the last verified point, which must reach the live state;
    /// the live state becomes the next verified point.
    pub fn replay(&mut self) -> Result<(), String> {
        let mut ex = match &self.anchor {
            None => self.base()?,
            Some(bytes) => Exchange::restore(self.base()?, bytes)
                .map_err(|e| format!("the replay's starting snapshot: {e}"))?,
        };
        let mut out = Vec::new();
        for cmd in &self.since {
            out.clear();
            caught("replay", || ex.apply(cmd, &mut out))?;
        }
        if ex.state_hash() != self.ex.state_hash() {
            return Err(format!(
                "a replay of commands {}..={} reaches another state",
                self.since.first().map_or(0, |c| c.seq.0),
                self.seq
            ));
        }
        self.anchor = Some(self.ex.snapshot());
        self.since.clear();
        self.stats.replays += 1;
        Ok(())
    }
}
