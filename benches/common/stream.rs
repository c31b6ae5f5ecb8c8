//! The seeded benchmark stream shared by the book benchmarks and the side-by-side peers:
//! about 1,000 resting orders over about 750 price levels around a mid price, then a mix of
//! adds (~60 %), cancels of live orders (~30 %) and market orders (~10 %).
//!
//! Adds never cross the opposite best, so only market orders trade: that keeps the stream
//! inside the semantics all three books share (see BENCHMARKS.md for each peer's caveats).

#![allow(dead_code, clippy::pedantic)]

use std::collections::{BTreeMap, HashMap, VecDeque};

/// One operation of the benchmark stream. Prices are integer ticks, quantities integer lots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamOp {
    /// A limit order that rests if not fully matched (GTC).
    Limit {
        id: u64,
        buy: bool,
        price: u64,
        qty: u64,
    },
    /// Cancel a resting order (may be already gone: then it is a no-op).
    Cancel { id: u64 },
    /// A market order: matches against the opposite side, the rest is dropped (never rests).
    Market { id: u64, buy: bool, qty: u64 },
}

/// Best bid and best ask: (price, total quantity at that price), `None` if empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopOfBook {
    pub bid: Option<(u64, u64)>,
    pub ask: Option<(u64, u64)>,
}

// ---------------------------------------------------------------- PRNG

/// xorshift64 (Marsaglia 13/7/17). Deterministic, no `rand` crate.
pub struct XorShift64(u64);

impl XorShift64 {
    pub fn new(seed: u64) -> Self {
        // the state must never be 0; scramble small seeds a little
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// Uniform-ish in 0..n (modulo bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

// ---------------------------------------------------------------- reference model

/// Price-time priority book: price -> FIFO of (id, remaining qty).
#[derive(Default)]
pub struct RefBook {
    bids: BTreeMap<u64, VecDeque<(u64, u64)>>,
    asks: BTreeMap<u64, VecDeque<(u64, u64)>>,
    /// resting id -> (buy, price)
    loc: HashMap<u64, (bool, u64)>,
}

impl RefBook {
    pub fn apply(&mut self, op: &StreamOp) {
        match *op {
            StreamOp::Limit {
                id,
                buy,
                price,
                qty,
            } => {
                let rest = self.sweep(buy, qty, Some(price));
                if rest > 0 {
                    let side = if buy { &mut self.bids } else { &mut self.asks };
                    side.entry(price).or_default().push_back((id, rest));
                    self.loc.insert(id, (buy, price));
                }
            }
            StreamOp::Cancel { id } => {
                if let Some((buy, price)) = self.loc.remove(&id) {
                    let side = if buy { &mut self.bids } else { &mut self.asks };
                    let q = side.get_mut(&price).expect("level of a resting order");
                    let pos = q
                        .iter()
                        .position(|&(i, _)| i == id)
                        .expect("order in its level");
                    q.remove(pos);
                    if q.is_empty() {
                        side.remove(&price);
                    }
                }
            }
            StreamOp::Market { buy, qty, .. } => {
                self.sweep(buy, qty, None);
            }
        }
    }

    /// Matches `qty` against the opposite side, best price first, FIFO within
    /// a level, stopping at `limit` if any. Returns the unfilled quantity.
    fn sweep(&mut self, buy: bool, mut qty: u64, limit: Option<u64>) -> u64 {
        let RefBook { bids, asks, loc } = self;
        let opp = if buy { asks } else { bids };
        while qty > 0 {
            let entry = if buy {
                opp.first_entry()
            } else {
                opp.last_entry()
            };
            let Some(mut level) = entry else { break };
            let p = *level.key();
            if let Some(l) = limit {
                if (buy && p > l) || (!buy && p < l) {
                    break;
                }
            }
            let q = level.get_mut();
            while qty > 0 {
                let Some(front) = q.front_mut() else { break };
                if front.1 <= qty {
                    qty -= front.1;
                    let id = front.0;
                    q.pop_front();
                    loc.remove(&id);
                } else {
                    front.1 -= qty;
                    qty = 0;
                }
            }
            if q.is_empty() {
                level.remove();
            }
        }
        qty
    }

    fn best_bid(&self) -> Option<u64> {
        self.bids.last_key_value().map(|(p, _)| *p)
    }
    fn best_ask(&self) -> Option<u64> {
        self.asks.first_key_value().map(|(p, _)| *p)
    }
    pub fn top(&self) -> TopOfBook {
        let sum = |q: &VecDeque<(u64, u64)>| q.iter().map(|&(_, x)| x).sum::<u64>();
        TopOfBook {
            bid: self.bids.last_key_value().map(|(p, q)| (*p, sum(q))),
            ask: self.asks.first_key_value().map(|(p, q)| (*p, sum(q))),
        }
    }
}

// ---------------------------------------------------------------- stream generator

pub const MID: u64 = 100_000;
/// Bids rest in MID-375..=MID-1, asks in MID+1..=MID+375: 750 price levels.
pub const HALF_RANGE: u64 = 375;
const TARGET_LOW: usize = 900;
const TARGET_HIGH: usize = 1_100;

#[derive(Default, Debug)]
pub struct Mix {
    pub adds: usize,
    pub cancels: usize,
    pub markets: usize,
    pub min_live: usize,
    pub max_live: usize,
}

/// `prefill` passive adds, then `n` ops drawn 60% add / 30% cancel of a live
/// id / 10% market. An add becomes a cancel above 1_100 resting orders and a
/// cancel becomes an add below 900, which holds the book near 1_000 orders.
/// Limit qty 1..=10, market qty 1..=30 (sweeps ~3 orders, sometimes a level).
/// Add prices: offset 1 + min(U, U) from MID (triangular, denser near the
/// touch), then clamped so a bid stays below the best ask and an ask above
/// the best bid: adds never cross, only market orders trade.
pub fn gen_stream(seed: u64, prefill: usize, n: usize) -> (Vec<StreamOp>, Mix) {
    #[derive(Clone, Copy, PartialEq)]
    enum Kind {
        Add,
        Cancel,
        Market,
    }
    let mut rng = XorShift64::new(seed);
    let mut book = RefBook::default(); // tracks live ids and the touch
    let mut live: Vec<u64> = Vec::new(); // ids added, pruned lazily once gone
    let mut next_id: u64 = 1;
    let mut ops = Vec::with_capacity(prefill + n);
    let mut mix = Mix {
        min_live: usize::MAX,
        ..Mix::default()
    };

    for i in 0..prefill + n {
        let mut kind = if i < prefill {
            Kind::Add
        } else {
            match rng.below(100) {
                0..60 => Kind::Add,
                60..90 => Kind::Cancel,
                _ => Kind::Market,
            }
        };
        let resting = book.loc.len();
        if kind == Kind::Add && resting > TARGET_HIGH {
            kind = Kind::Cancel;
        } else if kind == Kind::Cancel && resting < TARGET_LOW {
            kind = Kind::Add;
        }

        let op = match kind {
            Kind::Add => {
                let buy = rng.next() & 1 == 0;
                let off = 1 + rng.below(HALF_RANGE).min(rng.below(HALF_RANGE));
                let mut price = if buy { MID - off } else { MID + off };
                if buy {
                    if let Some(a) = book.best_ask() {
                        price = price.min(a - 1);
                    }
                } else if let Some(b) = book.best_bid() {
                    price = price.max(b + 1);
                }
                let qty = 1 + rng.below(10);
                let id = next_id;
                next_id += 1;
                live.push(id);
                mix.adds += 1;
                StreamOp::Limit {
                    id,
                    buy,
                    price,
                    qty,
                }
            }
            Kind::Cancel => {
                mix.cancels += 1;
                loop {
                    let k = rng.below(live.len() as u64) as usize;
                    let id = live[k];
                    if book.loc.contains_key(&id) {
                        break StreamOp::Cancel { id };
                    }
                    live.swap_remove(k); // filled by a market order: prune
                }
            }
            Kind::Market => {
                let buy = rng.next() & 1 == 0;
                let qty = 1 + rng.below(30);
                let id = next_id;
                next_id += 1;
                mix.markets += 1;
                StreamOp::Market { id, buy, qty }
            }
        };
        book.apply(&op);
        if i >= prefill {
            mix.min_live = mix.min_live.min(book.loc.len());
            mix.max_live = mix.max_live.max(book.loc.len());
        }
        ops.push(op);
    }
    (ops, mix)
}

// ---------------------------------------------------------------- tests
