//! The simulator's own account of what the exchange must hold after every command, computed
//! from scratch and independently of the exchange's bookkeeping: the holds that PROTOCOL.md's
//! Holds rule gives for every open order, collected order, sealed bid and offer; the open and
//! traded quantities the quotas count; cash and every instrument's lots conserved except by
//! deposits, withdrawals, issuance and retirement; gap-free public sequence numbers; a refusal
//! that says one thing to its sender and changes nothing; and every output encodable as the
//! protocol's JSON.

use std::collections::BTreeMap;

use ecomatch_engine::auction::sealed::Format;
use ecomatch_engine::book::Side;
use ecomatch_engine::id::{AccountId, InstrumentId};
use ecomatch_engine::quantity::Price;
use ecomatch_exchange::block::BlockStatus;
use ecomatch_exchange::hash::StateHash;
use ecomatch_exchange::{Command, Exchange, Message, Output, Recipient, Sequenced};
use ecomatch_gateway::protocol;

/// Expected totals and tallies, carried from command to command.
#[derive(Clone, Debug)]
pub struct Model {
    cash: u128,
    lots: BTreeMap<InstrumentId, u128>,
    traded: BTreeMap<(AccountId, InstrumentId), (u64, u64)>,
    public_seq: BTreeMap<InstrumentId, u64>,
}

/// What recomputing the holds from scratch gives, per account.
#[derive(Default)]
struct Holds {
    cash: BTreeMap<AccountId, u128>,
    lots: BTreeMap<(AccountId, InstrumentId), u128>,
    open: BTreeMap<(AccountId, InstrumentId, Side), u128>,
}

/// Fails with a message naming what differs.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            return Err(format!($($arg)*));
        }
    };
}

impl Model {
    /// The model of an exchange as it starts (the genesis, or a restored snapshot).
    pub fn new(ex: &Exchange) -> Self {
        let ledger = ex.ledger();
        let mut traded = BTreeMap::new();
        let mut lots = BTreeMap::new();
        let mut public_seq = BTreeMap::new();
        for l in ex.listings() {
            let i = l.instrument.spec().id;
            lots.insert(i, u128::from(ledger.total_holding(i).lots()));
            public_seq.insert(i, ex.public_seq(i).unwrap_or(0));
            for (a, _) in ledger.accounts() {
                let u = ex.usage(a, i);
                traded.insert((a, i), (u.bought, u.sold));
            }
        }
        Self {
            cash: u128::from(ledger.total_cash().fen()),
            lots,
            traded,
            public_seq,
        }
    }

    /// Checks the exchange after `cmd` said `outputs`; `before` is the state hash before it,
    /// when the caller took one.
    pub fn after(
        &mut self,
        ex: &Exchange,
        cmd: &Sequenced,
        outputs: &[Output],
        before: Option<StateHash>,
    ) -> Result<(), String> {
        let refused = outputs.iter().find_map(|o| match o.msg {
            Message::Reject(r) => Some(r),
            _ => None,
        });
        if let Some(r) = refused {
            ensure!(
                outputs.len() == 1
                    && outputs[0].reply
                    && outputs[0].to == Recipient::Account(cmd.actor),
                "a refusal ({}) says one thing, to its sender: {outputs:?}",
                r.code()
            );
            if let Some(b) = before {
                ensure!(
                    ex.state_hash() == b,
                    "a refusal ({}) changed the state",
                    r.code()
                );
            }
        } else {
            self.count(cmd, outputs);
        }
        self.sequences(outputs)?;
        Self::encodable(ex, cmd, outputs)?;
        self.conserved(ex)?;
        self.holds(ex)
    }

    /// Totals moved by an applied operator command, and trades reported.
    fn count(&mut self, cmd: &Sequenced, outputs: &[Output]) {
        match cmd.command {
            Command::Deposit { amount, .. } => self.cash += u128::from(amount.fen()),
            Command::Withdraw { amount, .. } => self.cash -= u128::from(amount.fen()),
            Command::Issue {
                instrument, qty, ..
            } => *self.lots.entry(instrument).or_default() += u128::from(qty.lots()),
            Command::Retire {
                instrument, qty, ..
            } => *self.lots.entry(instrument).or_default() -= u128::from(qty.lots()),
            _ => {}
        }
        for o in outputs {
            let Recipient::Account(a) = o.to else {
                continue;
            };
            let (inst, side, qty) = match o.msg {
                Message::Fill(f) => (f.instrument, f.side, f.qty),
                Message::SealedFill(f) => (f.instrument, f.side, f.qty),
                Message::Block(b) if b.status == BlockStatus::Executed => {
                    (b.instrument, b.side, b.qty)
                }
                _ => continue,
            };
            let t = self.traded.entry((a, inst)).or_default();
            match side {
                Side::Buy => t.0 += qty.lots(),
                Side::Sell => t.1 += qty.lots(),
            }
        }
    }

    /// Every public message takes its instrument's next number.
    fn sequences(&mut self, outputs: &[Output]) -> Result<(), String> {
        for o in outputs {
            match (o.to, o.msg.public_instrument()) {
                (Recipient::Public, Some(i)) => {
                    let last = self.public_seq.entry(i).or_default();
                    ensure!(o.seq == *last + 1, "{i}: public seq {} after {last}", o.seq);
                    *last = o.seq;
                }
                (Recipient::Public, None) => {
                    return Err(format!("public without an instrument: {o:?}"));
                }
                (Recipient::Account(_), _) => {
                    ensure!(o.seq == 0, "a private message with a seq: {o:?}");
                }
            }
        }
        Ok(())
    }

    /// Every output turns into the protocol's JSON.
    fn encodable(ex: &Exchange, cmd: &Sequenced, outputs: &[Output]) -> Result<(), String> {
        let context = cmd.command.instrument();
        for o in outputs {
            let catalog = ex.catalog();
            let body = protocol::body(catalog, o, context);
            let to = protocol::recipient(catalog, o.to);
            let text = protocol::Framed::new(Some(&to), &body, None).text();
            ensure!(
                serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                "unreadable output: {text}"
            );
        }
        Ok(())
    }

    fn conserved(&self, ex: &Exchange) -> Result<(), String> {
        let ledger = ex.ledger();
        ensure!(
            u128::from(ledger.total_cash().fen()) == self.cash,
            "cash: {} in the ledger, {} deposited net",
            ledger.total_cash().fen(),
            self.cash
        );
        for (i, expected) in &self.lots {
            // Pledged lots are still their pledgor's: conserved with the rest.
            let total: u128 = ledger
                .accounts()
                .map(|(a, _)| {
                    let b = ledger.holding(a, *i).map_or(0, |b| b.total().lots());
                    u128::from(b) + u128::from(ledger.pledged(a, *i).lots())
                })
                .sum();
            ensure!(
                total == *expected,
                "{i}: {total} lots held, {expected} issued net"
            );
        }
        Ok(())
    }

    /// The holds, open quantities and traded quantities, recomputed and compared.
    fn holds(&self, ex: &Exchange) -> Result<(), String> {
        let want = recompute(ex)?;
        let ledger = ex.ledger();
        for (a, _) in ledger.accounts() {
            let cash = ledger.cash(a).map_err(|e| e.to_string())?;
            let expect = want.cash.get(&a).copied().unwrap_or(0);
            ensure!(
                u128::from(cash.held.fen()) == expect,
                "account {a}: {} fen held, the open orders and bids need {expect}",
                cash.held
            );
            for l in ex.listings() {
                let i = l.instrument.spec().id;
                let h = ledger.holding(a, i).map_err(|e| e.to_string())?;
                let expect = want.lots.get(&(a, i)).copied().unwrap_or(0);
                ensure!(
                    u128::from(h.held.lots()) == expect,
                    "account {a}: {} lots of {i} held, the open sells and offers need {expect}",
                    h.held
                );
                let u = ex.usage(a, i);
                let open = |s| want.open.get(&(a, i, s)).copied().unwrap_or(0);
                ensure!(
                    (u128::from(u.open_buy), u128::from(u.open_sell))
                        == (open(Side::Buy), open(Side::Sell)),
                    "account {a}, {i}: open {}/{} counted, {}/{} open",
                    u.open_buy,
                    u.open_sell,
                    open(Side::Buy),
                    open(Side::Sell)
                );
                let t = self.traded.get(&(a, i)).copied().unwrap_or((0, 0));
                ensure!(
                    (u.bought, u.sold) == t,
                    "account {a}, {i}: bought/sold {}/{} counted, {}/{} reported",
                    u.bought,
                    u.sold,
                    t.0,
                    t.1
                );
            }
        }
        Ok(())
    }
}

/// The cash a buy holds per lot at `price`: the value of one lot plus its fee, rounded up.
fn per_lot(ex: &Exchange, i: InstrumentId, price: Price) -> u128 {
    let l = ex.listing(i).expect("listed");
    let value = u128::from(price.ticks()) * u128::from(l.instrument.cash_per_tick_lot().fen());
    value + fee(value, l.fee_bps)
}

/// A fee of `bps` on `value` fen, rounded up to the fen.
fn fee(value: u128, bps: u32) -> u128 {
    (value * u128::from(bps)).div_ceil(10_000)
}

/// PROTOCOL.md's Holds rule, applied to everything open.
fn recompute(ex: &Exchange) -> Result<Holds, String> {
    let mut h = Holds::default();
    for l in ex.listings() {
        let i = l.instrument.spec().id;
        let book = ex.book(i).ok_or("a listing without a book")?;
        let open = book
            .orders()
            .map(|o| (o.account, o.side, o.price, o.leaves))
            .chain(
                ex.collected(i)
                    .map(|c| (c.account, c.side, c.held_at, c.leaves)),
            );
        for (a, side, price, leaves) in open {
            let n = u128::from(leaves.lots());
            match side {
                Side::Buy => *h.cash.entry(a).or_default() += n * per_lot(ex, i, price),
                Side::Sell => *h.lots.entry((a, i)).or_default() += n,
            }
            *h.open.entry((a, i, side)).or_default() += n;
        }
    }
    for id in ex.open_auctions() {
        let v = ex
            .sealed_auction(id)
            .ok_or("an open auction that is not there")?;
        let (i, seller) = (v.terms.instrument, v.terms.seller);
        *h.lots.entry((seller, i)).or_default() += u128::from(v.terms.offer.lots());
        *h.open.entry((seller, i, Side::Sell)).or_default() += u128::from(v.terms.offer.lots());
        let mut bidders: Vec<AccountId> = v.bids.iter().map(|b| b.bidder).collect();
        bidders.dedup();
        let l = ex
            .listing(i)
            .ok_or("an auction of an unlisted instrument")?;
        let per = u128::from(l.instrument.cash_per_tick_lot().fen());
        for bidder in bidders {
            let bids: Vec<(u128, u128)> = v
                .bids
                .iter()
                .filter(|b| b.bidder == bidder)
                .map(|b| (u128::from(b.price.ticks()), u128::from(b.qty.lots())))
                .collect();
            let collateral = match v.terms.format {
                // WCI: max over the bid prices p of p × the quantity bid at p or more.
                Format::Uniform => {
                    let most = bids
                        .iter()
                        .map(|&(p, _)| {
                            p * bids.iter().filter(|b| b.0 >= p).map(|b| b.1).sum::<u128>()
                        })
                        .max()
                        .unwrap_or(0);
                    most * per + fee(most * per, l.fee_bps)
                }
                Format::PayAsBid => bids
                    .iter()
                    .map(|&(p, q)| p * q * per + fee(p * q * per, l.fee_bps))
                    .sum(),
            };
            *h.cash.entry(bidder).or_default() += collateral;
            let qty: u128 = bids.iter().map(|b| b.1).sum();
            *h.open.entry((bidder, i, Side::Buy)).or_default() += qty;
        }
    }
    Ok(h)
}
