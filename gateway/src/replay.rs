//! `ecomatch replay`: the auditor's view of a log. Rebuilds the exchange as of any sequence
//! number, checks every checkpoint on the way, and prints the state hash, a book, and the
//! trades (optionally as CSV), without changing the log.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use ecomatch_engine::book::Side;
use ecomatch_engine::id::{InstrumentId, Seq, Timestamp, TradeId};
use ecomatch_engine::quantity::{Price, Qty};

use ecomatch_exchange::{Catalog, Exchange, Message};

use crate::protocol::{recipient, rfc3339};
use crate::sequencer::StartError;

/// What to replay and what to show.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Stop after this command (default: the whole log).
    pub to: Option<u64>,
    /// Treat a torn tail as an error instead of a warning.
    pub verify: bool,
    /// Print this instrument's book at the end.
    pub book: Option<String>,
}

/// One trade, with both sides named.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TradeRow {
    /// Trade id.
    pub trade_id: u64,
    /// Command sequence number.
    pub seq: u64,
    /// RFC 3339 time.
    pub time: String,
    /// Instrument.
    pub instrument: String,
    /// Price (decimal).
    pub price: String,
    /// Quantity (decimal).
    pub qty: String,
    /// The taker's side (`buy`, `sell`), or how the trade was made: `auction` (a call
    /// auction's uncross), `block`, `sealed` (a sealed-bid auction).
    pub aggressor: String,
    /// Buyer account.
    pub buyer: String,
    /// Seller account.
    pub seller: String,
}

/// The result of a replay.
pub struct Report {
    /// The state as of the last command replayed.
    pub exchange: Exchange,
    /// Commands replayed.
    pub commands: u64,
    /// Checkpoints verified.
    pub checkpoints: u64,
    /// Segments read.
    pub segments: u64,
    /// Every trade, in order.
    pub trades: Vec<TradeRow>,
    /// A torn tail, if the log has one: (file, offset).
    pub torn: Option<(std::path::PathBuf, u64)>,
}

/// Replays the log in `dir`.
pub fn replay(dir: &Path, opts: &Options) -> Result<Report, StartError> {
    let mut trades: Vec<TradeRow> = Vec::new();
    let mut sides: BTreeMap<TradeId, (String, String)> = BTreeMap::new();
    // Account names and instrument steps never change after genesis: the catalogue of the
    // log's market is enough to name them.
    let names: std::cell::RefCell<Option<Arc<Catalog>>> = std::cell::RefCell::new(None);
    let genesis = |payload: &[u8]| {
        let opening = crate::source::opening_of(payload).map_err(|e| e.to_string())?;
        *names.borrow_mut() = Some(Arc::new(Catalog::of(&opening.market)));
        crate::source::opening_exchange(&opening).map_err(|e| e.to_string())
    };
    let mut collect = |cmd: &ecomatch_exchange::Sequenced, outs: &[ecomatch_exchange::Output]| {
        let names = names.borrow();
        let names = names.as_ref().expect("genesis first");
        for o in outs {
            if let Some((trade, side)) = trade_side(&o.msg) {
                note_side(&mut sides, trade, side, recipient(names, o.to).into_owned());
            } else if let Some((instrument, trade_id, t, how)) = print(&o.msg) {
                trades.push(row(
                    names, &mut sides, cmd.seq.0, instrument, trade_id, t, how,
                ));
            }
        }
    };
    let mut progress = Progress::new(opts.to);
    let rec = ecomatch_replay::recover(dir, opts.to.map(Seq), genesis, |cmd, outs| {
        collect(cmd, outs);
        progress.tick(cmd.seq.0);
    })
    .map_err(StartError::Log)?;
    progress.done();
    let torn = rec.end.torn.as_ref().map(|t| (t.file.clone(), t.offset));
    if opts.verify {
        if let Some(t) = &rec.end.torn {
            return Err(StartError::Log(ecomatch_replay::LogError::Corrupt {
                file: t.file.clone(),
                offset: t.offset,
                damage: ecomatch_replay::Damage::Truncated,
            }));
        }
    }
    Ok(Report {
        exchange: rec.exchange,
        commands: rec.commands,
        checkpoints: rec.checkpoints,
        segments: rec.end.segments,
        trades,
        torn,
    })
}

/// A progress line on stderr for long replays, redrawn every 100,000 commands, and only when
/// stderr is a terminal (so logs and pipes stay clean).
struct Progress {
    to: Option<u64>,
    shown: bool,
    on: bool,
}

impl Progress {
    fn new(to: Option<u64>) -> Self {
        Self {
            to,
            shown: false,
            on: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }
    }

    fn tick(&mut self, seq: u64) {
        if !self.on || seq % 100_000 != 0 {
            return;
        }
        match self.to {
            Some(to) if to > 0 => {
                eprint!("\rreplaying: {seq} of {to} commands ({}%)", seq * 100 / to);
            }
            _ => eprint!("\rreplaying: {seq} commands"),
        }
        self.shown = true;
    }

    fn done(&self) {
        if self.shown {
            eprintln!();
        }
    }
}

/// The trade and the recipient's side of a private report of a trade.
fn trade_side(msg: &Message) -> Option<(TradeId, Side)> {
    match *msg {
        Message::Fill(f) => Some((f.trade_id, f.side)),
        Message::SealedFill(f) => Some((f.trade_id, f.side)),
        Message::Block(b) => b.trade_id.map(|t| (t, b.side)),
        _ => None,
    }
}

/// A public trade print: instrument, trade, (price, quantity, time), and how it traded (the
/// taker's side, or `auction`, `block`, `sealed`).
type Print = (InstrumentId, TradeId, (Price, Qty, Timestamp), &'static str);

fn print(msg: &Message) -> Option<Print> {
    match *msg {
        Message::Trade {
            instrument,
            trade_id,
            price,
            qty,
            aggressor,
            time,
        } => Some((instrument, trade_id, (price, qty, time), aggressor.as_str())),
        Message::AuctionTrade {
            instrument,
            trade_id,
            price,
            qty,
            time,
        } => Some((instrument, trade_id, (price, qty, time), "auction")),
        Message::BlockTrade {
            instrument,
            trade_id,
            price,
            qty,
            time,
        } => Some((instrument, trade_id, (price, qty, time), "block")),
        Message::SealedTrade {
            instrument,
            trade_id,
            price,
            qty,
            time,
            ..
        } => Some((instrument, trade_id, (price, qty, time), "sealed")),
        _ => None,
    }
}

fn note_side(
    sides: &mut BTreeMap<TradeId, (String, String)>,
    trade: TradeId,
    side: Side,
    who: String,
) {
    let e = sides.entry(trade).or_default();
    if side == Side::Buy {
        e.0 = who;
    } else {
        e.1 = who;
    }
}

/// A CSV row for a trade, with the buyer and seller noted from its fills.
fn row(
    names: &Catalog,
    sides: &mut BTreeMap<TradeId, (String, String)>,
    seq: u64,
    instrument: InstrumentId,
    trade_id: TradeId,
    (price, qty, time): (
        ecomatch_engine::quantity::Price,
        ecomatch_engine::quantity::Qty,
        ecomatch_engine::id::Timestamp,
    ),
    aggressor: &str,
) -> TradeRow {
    let p = names
        .product(instrument)
        .expect("trades name listed instruments");
    let (buyer, seller) = sides.remove(&trade_id).unwrap_or_default();
    TradeRow {
        trade_id: trade_id.0,
        seq,
        time: rfc3339(time),
        instrument: instrument.to_string(),
        price: p.price(price).to_string(),
        qty: p.qty(qty).to_string(),
        aggressor: aggressor.into(),
        buyer,
        seller,
    }
}

/// Writes trades as CSV with a header line.
pub fn write_trades_csv(rows: &[TradeRow], out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "trade_id,seq,time,instrument,price,qty,aggressor,buyer,seller"
    )?;
    for r in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            r.trade_id, r.seq, r.time, r.instrument, r.price, r.qty, r.aggressor, r.buyer, r.seller
        )?;
    }
    Ok(())
}

/// Writes the pledge register as the replayed state holds it (as of `--to`), one pledge a
/// line in id order, with a header line: what a bank or an auditor reconciles against.
pub fn write_pledges_csv(ex: &Exchange, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "pledge_id,status,pledgor,pledgee,instrument,qty,secured_amount,maturity,recovered,auction_id"
    )?;
    let catalog = ex.catalog();
    for (id, p) in ex.pledges() {
        let qty = catalog
            .product(p.instrument)
            .map_or_else(|| p.qty.lots().to_string(), |x| x.qty(p.qty).to_string());
        writeln!(
            out,
            "{id},{},{},{},{},{qty},{},{},{},{}",
            p.status.as_str(),
            catalog.name(p.pledgor),
            catalog.name(p.pledgee),
            p.instrument,
            ecomatch_exchange::catalog::cash(p.secured),
            crate::protocol::rfc3339(p.maturity),
            ecomatch_exchange::catalog::cash(p.recovered),
            p.auction.map(|a| a.0.to_string()).unwrap_or_default(),
        )?;
    }
    Ok(())
}

/// Prints the summary, and the book of `opts.book` if asked.
pub fn print_report(report: &Report, opts: &Options, out: &mut impl Write) -> io::Result<()> {
    let ex = &report.exchange;
    writeln!(
        out,
        "replayed {} commands (to seq {}) from {} segments",
        report.commands,
        ex.last_seq(),
        report.segments
    )?;
    writeln!(out, "checkpoints verified: {}", report.checkpoints)?;
    writeln!(out, "trades: {}", report.trades.len())?;
    if let Some((file, offset)) = &report.torn {
        writeln!(
            out,
            "warning: torn last record at {} offset {offset} (ignored)",
            file.display()
        )?;
    }
    writeln!(out, "state hash: {}", ex.state_hash())?;
    if let Some(name) = &opts.book {
        let inst = InstrumentId::new(name)
            .ok()
            .filter(|i| ex.book(*i).is_some());
        let Some(inst) = inst else {
            writeln!(out, "no instrument {name}")?;
            return Ok(());
        };
        let book = ex.book(inst).expect("checked");
        let p = ex.catalog().product(inst).expect("listed");
        writeln!(out, "book {name} ({}):", book.phase().as_str())?;
        let asks: Vec<_> = book.levels(Side::Sell).take(100).collect();
        let bids = book.levels(Side::Buy).take(100);
        let asks = asks.into_iter().rev().map(|l| ("ask", l));
        for (label, l) in asks.chain(bids.map(|l| ("bid", l))) {
            let (px, q) = (p.price(l.price).to_string(), p.qty(l.qty));
            writeln!(out, "  {label} {px:>12} x {q}")?;
        }
    }
    Ok(())
}
