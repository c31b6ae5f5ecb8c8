//! The same stream through a sharded market and through one whole exchange: cut as `ecomatch
//! serve` cuts it (`gateway::source::cut`), routed as the server routes (by instrument, by id,
//! or to every shard), and compared per instrument: the same public messages with the same
//! numbers, the same refusals. Ids are the one thing that differ (a shard numbers in its own
//! interleaved space), so the comparison maps them: every id the whole exchange gives is paired
//! with the one the shard gave for the same request, and requests are rewritten with it.
//!
//! Cash is the other: opening cash lives in the home shard, so every account gets ample cash in
//! every shard (and in the whole exchange) before the stream starts, and the stream withdraws
//! none; a refusal for want of cash in one sub-account would be a difference of the setup, not
//! of the engine.

use std::collections::BTreeMap;

use ecomatch_engine::id::{AccountId, InstrumentId, Timestamp};
use ecomatch_engine::quantity::Cash;
use ecomatch_exchange::report::{
    BidStatus, BlockStatus, DisposalStatus, OrderStatus, PledgeStatus,
};
use ecomatch_exchange::shard::IdSpace;
use ecomatch_exchange::{Command, Message, Output, Recipient};
use ecomatch_gateway::config::Source;
use ecomatch_gateway::protocol::{self, ShardKey};
use serde_json::Value;

use crate::generate::Generator;
use crate::market::Market;
use crate::node::{Node, Outcome};
use crate::rng::Rng;

/// The ids the whole exchange gave, paired with the sharded market's, by kind.
#[derive(Default)]
struct Ids {
    maps: BTreeMap<&'static str, BTreeMap<u64, u64>>,
}

const ID_FIELDS: [&str; 5] = ["order_id", "block_id", "auction_id", "bid_id", "pledge_id"];

impl Ids {
    /// The ids of what a command created, by kind, in the order reported.
    fn created(out: &[Output]) -> Vec<(&'static str, u64)> {
        out.iter()
            .filter_map(|o| match o.msg {
                Message::Order(r) if o.reply && r.status == OrderStatus::New => {
                    Some(("order_id", r.order_id.0))
                }
                Message::Block(b) if o.reply && b.status == BlockStatus::Proposed => {
                    Some(("block_id", b.block_id.0))
                }
                Message::AuctionDone {
                    command: "open_sealed_auction",
                    auction_id,
                } => Some(("auction_id", auction_id.0)),
                Message::Bid(b) if o.reply && b.status == BidStatus::New => {
                    Some(("bid_id", b.bid_id.0))
                }
                Message::Pledge(p) if o.reply && p.status == PledgeStatus::Pending => {
                    Some(("pledge_id", p.pledge_id.0))
                }
                Message::Disposal(d) if d.status == DisposalStatus::Opened => {
                    Some(("auction_id", d.auction_id.0))
                }
                _ => None,
            })
            .collect()
    }

    fn learn(&mut self, whole: &[Output], sharded: &[Output]) -> Result<(), String> {
        let (a, b) = (Self::created(whole), Self::created(sharded));
        if a.len() != b.len() {
            return Err(format!("created {a:?} whole, {b:?} sharded"));
        }
        for ((kind, w), (_, s)) in a.into_iter().zip(b) {
            self.maps.entry(kind).or_default().insert(w, s);
        }
        Ok(())
    }

    /// The request for the sharded market: every known id replaced by its twin, every unknown
    /// numeric one by an id no shard ever gives (so that both refuse it alike).
    fn rewrite(&self, line: &str) -> String {
        let Ok(mut v) = serde_json::from_str::<Value>(line) else {
            return line.to_owned();
        };
        for field in ID_FIELDS {
            let Some(Value::String(s)) = v.get(field) else {
                continue;
            };
            let Ok(id) = s.parse::<u64>() else { continue };
            let twin = self
                .maps
                .get(field)
                .and_then(|m| m.get(&id).copied())
                .unwrap_or(u64::MAX - 1_000 + id % 1_000);
            v[field] = Value::String(twin.to_string());
        }
        v.to_string()
    }
}

/// A public message without the ids that differ between the two markets.
fn normal(msg: Message) -> Message {
    let mut m = msg;
    match &mut m {
        Message::Trade { trade_id, .. }
        | Message::AuctionTrade { trade_id, .. }
        | Message::BlockTrade { trade_id, .. } => trade_id.0 = 0,
        Message::SealedTrade {
            trade_id,
            auction_id,
            ..
        } => {
            trade_id.0 = 0;
            auction_id.0 = 0;
        }
        Message::Allocation { auction_id, .. } => auction_id.0 = 0,
        Message::AuctionOpened(n) => n.auction_id.0 = 0,
        Message::AuctionResult(r) => r.auction_id.0 = 0,
        Message::Disposal(d) => {
            d.auction_id.0 = 0;
            d.pledge_id.0 = 0;
        }
        _ => {}
    }
    m
}

/// Each instrument's public messages (with their numbers), normalized.
type Public = BTreeMap<InstrumentId, Vec<(u64, Message)>>;

/// The public messages per instrument, normalized, and the refusal codes.
fn summary(out: &[Output]) -> (Public, Vec<&'static str>) {
    let mut public: BTreeMap<InstrumentId, Vec<(u64, Message)>> = BTreeMap::new();
    let mut codes = Vec::new();
    for o in out {
        match (o.to, o.msg) {
            (Recipient::Public, m) => {
                if let Some(i) = m.public_instrument() {
                    public.entry(i).or_default().push((o.seq, normal(m)));
                }
            }
            (_, Message::Reject(r)) => codes.push(r.code()),
            _ => {}
        }
    }
    codes.sort_unstable();
    codes.dedup();
    (public, codes)
}

/// A sharded market and a whole one, fed the same stream.
struct Pair {
    whole: Node,
    shards: Vec<Node>,
    owner: BTreeMap<String, usize>,
    ids: Ids,
}

impl Pair {
    fn new(market: &Market, rng: &mut Rng) -> Result<Self, String> {
        let source = match market {
            Market::Demo => Source::Demo,
            Market::Toml(t) => Source::Toml(t.clone()),
        };
        let whole = Node::new(market.exchange()?);
        let names: Vec<String> = whole
            .ex
            .listings()
            .map(|l| l.instrument.spec().id.as_str().to_owned())
            .collect();
        let n = rng.range(2, 3) as usize;
        let mut assigned = vec![Vec::new(); n - 1];
        for name in &names {
            let k = rng.below(n as u64) as usize;
            if k > 0 {
                assigned[k - 1].push(name.clone());
            }
        }
        let sources =
            ecomatch_gateway::source::cut(&source, &assigned).map_err(|e| e.to_string())?;
        let shards = sources
            .iter()
            .map(|s| s.exchange().map(Node::new))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        let owner = shards
            .iter()
            .enumerate()
            .flat_map(|(k, s)| {
                s.ex.listings()
                    .map(move |l| (l.instrument.spec().id.as_str().to_owned(), k))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut pair = Self {
            whole,
            shards,
            owner,
            ids: Ids::default(),
        };
        pair.fund();
        Ok(pair)
    }

    /// Ample cash for every account in every shard, and in the whole exchange.
    fn fund(&mut self) {
        let op = self.whole.ex.fee_account();
        let accounts: Vec<AccountId> = self.whole.ex.ledger().accounts().map(|(a, _)| a).collect();
        for account in accounts {
            let command = Command::Deposit {
                account,
                amount: Cash::from_fen(1_000_000_000_000_000),
            };
            for node in core::iter::once(&mut self.whole).chain(self.shards.iter_mut()) {
                node.apply(op, Timestamp(0), command);
            }
        }
    }

    /// Where the server sends a request.
    fn route(&self, line: &str) -> Option<usize> {
        let env = protocol::parse_line(line, true);
        let Ok(request) = env.request else {
            return Some(0);
        };
        let n = self.shards.len();
        Some(match request.shard_key() {
            ShardKey::Every => return None,
            ShardKey::Instrument(name) => self.owner.get(name).copied().unwrap_or(0),
            ShardKey::Id(s) => s
                .trim()
                .parse::<u64>()
                .map_or(0, |id| IdSpace::shard_of(id, n as u32) as usize),
            ShardKey::Shard(k) => usize::try_from(k).ok().filter(|&k| k < n).unwrap_or(0),
        })
    }

    /// One request through both; the whole exchange's outputs.
    fn step(&mut self, line: &str) -> Result<Vec<Output>, String> {
        let whole = self.whole.line(line);
        let rewritten = self.ids.rewrite(line);
        let sharded = if let Some(k) = self.route(&rewritten) {
            self.shards[k].line(&rewritten)
        } else {
            merge(self.shards.iter_mut().map(|s| s.line(&rewritten)).collect())
        };
        match (&whole, &sharded) {
            (Outcome::Applied(w), Outcome::Applied(s)) => {
                let (a, b) = (summary(w), summary(s));
                if a != b {
                    return Err(format!(
                        "{line}\nthe sharded market differs:\n whole   {a:?}\n sharded {b:?}"
                    ));
                }
                self.ids.learn(w, s).map_err(|e| format!("{line}: {e}"))?;
            }
            (w, s) if w != s => {
                return Err(format!("{line}\nwhole {w:?}, sharded {s:?}"));
            }
            _ => {}
        }
        if let Outcome::Applied(w) = whole {
            return Ok(w);
        }
        Ok(Vec::new())
    }

    fn check(&self) -> Result<(), String> {
        for node in core::iter::once(&self.whole).chain(self.shards.iter()) {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| node.ex.check_invariants()))
                .map_err(|p| ecomatch_gateway::panic::message(p.as_ref()))?;
        }
        Ok(())
    }
}

/// Every shard's outcome of an account-wide request, as one: all their outputs if they
/// applied it (each shard cancels its own orders, refuses an unknown account alike), else the
/// home shard's outcome.
fn merge(all: Vec<Outcome>) -> Outcome {
    if !all.iter().any(|o| matches!(o, Outcome::Applied(_))) {
        return all.into_iter().next().unwrap_or(Outcome::Query);
    }
    let mut out = Vec::new();
    for o in all {
        if let Outcome::Applied(v) = o {
            out.extend(v);
        }
    }
    Outcome::Applied(out)
}

/// What a comparison compared.
#[derive(Clone, Copy, Debug, Default)]
pub struct Compared {
    /// Shards the market was cut into.
    pub shards: usize,
    /// Requests sent to both.
    pub requests: u64,
    /// Public messages that agreed.
    pub public: u64,
    /// Trades among them.
    pub trades: u64,
}

/// Runs seed `seed` for `commands` requests through a sharded and a whole market.
pub fn compare(seed: u64, commands: u64) -> Result<Compared, String> {
    let mut rng = Rng::new(seed ^ 0x5ead_5eed);
    let market = Market::of_seed(&mut rng);
    let mut pair = Pair::new(&market, &mut rng)?;
    let mut generator = Generator::new(rng.fork(), &pair.whole.ex).without_withdrawals();
    let mut seen = Compared {
        shards: pair.shards.len(),
        requests: commands,
        ..Compared::default()
    };
    for n in 0..commands {
        let line = generator.next_line(&pair.whole.ex);
        let out = pair
            .step(&line)
            .map_err(|e| format!("seed {seed}, request {n}: {e}"))?;
        for o in out.iter().filter(|o| o.to == Recipient::Public) {
            seen.public += 1;
            seen.trades += u64::from(matches!(
                o.msg,
                Message::Trade { .. }
                    | Message::AuctionTrade { .. }
                    | Message::BlockTrade { .. }
                    | Message::SealedTrade { .. }
            ));
        }
        generator.observe(&out);
        if n % 256 == 255 {
            pair.check()
                .map_err(|e| format!("seed {seed}, request {n}: {e}"))?;
        }
    }
    pair.check()?;
    Ok(seen)
}
