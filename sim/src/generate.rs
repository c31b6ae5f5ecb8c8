//! The request stream: one seed, a weighted choice over the whole protocol (every participant
//! request, every operator command, block trades, sealed auctions, queries) with plausible
//! values most of the time and wrong ones some of the time (off the tick or lot, outside the
//! band, unknown, foreign, filled or malformed ids, bad JSON), and time moving forward
//! irregularly. Each request is a line of `ecomatch script` input, so that any stream the
//! simulator makes is also a reproduction anyone can run.

use ecomatch_engine::book::Side;
use ecomatch_engine::id::{AccountId, InstrumentId};
use ecomatch_exchange::report::{
    BidStatus, BlockStatus, DisposalStatus, OrderStatus, PledgeStatus,
};
use ecomatch_exchange::{Exchange, Message, Output, Recipient};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::rng::Rng;

mod pledge;

/// What the generator knows of an instrument.
#[derive(Clone, Debug)]
struct Inst {
    id: InstrumentId,
    tick: Decimal,
    lot: Decimal,
    max_lots: u64,
    block_lots: u64,
}

/// The generator: the seed's choices, and what it has seen of ids so far.
pub struct Generator {
    rng: Rng,
    now_ms: u64,
    operator: String,
    accounts: Vec<(String, AccountId)>,
    instruments: Vec<Inst>,
    /// Order, block, auction and bid ids seen in reports (live or not), most recent last.
    orders: Vec<u64>,
    blocks: Vec<(u64, AccountId, AccountId)>,
    auctions: Vec<u64>,
    bids: Vec<(u64, AccountId)>,
    /// Pledges seen registered: (id, pledgor, pledgee).
    pledges: Vec<(u64, AccountId, AccountId)>,
    /// The accounts of kind pledgee.
    pledgees: Vec<String>,
    /// Deposits in place of withdrawals (for the sharded comparison, where cash must never
    /// run short in one sub-account).
    no_withdrawals: bool,
}

/// How often each kind of request comes: orders, cancels, amendments, queries, operator
/// commands, blocks, auction openings, bids, bid changes, auction closes, account statuses,
/// malformed requests, pledges.
const WEIGHTS: [u64; 13] = [40, 10, 8, 4, 14, 5, 4, 6, 2, 2, 2, 3, 4];

/// The start of simulated time: 2026-03-02T09:00:00Z, in ms since the epoch.
const START_MS: u64 = 1_772_442_000_000;

/// Keeps the last `n` of a list of seen ids.
fn remember<T>(v: &mut Vec<T>, item: T) {
    if v.len() >= 512 {
        v.drain(..256);
    }
    v.push(item);
}

impl Generator {
    /// A generator for the market `ex` starts from.
    pub fn new(rng: Rng, ex: &Exchange) -> Self {
        let ledger = ex.ledger();
        let operator = ledger
            .account(ex.fee_account())
            .map(|a| a.name.clone())
            .unwrap_or_default();
        let accounts = ledger
            .accounts()
            .map(|(id, a)| (a.name.clone(), id))
            .collect();
        let pledgees = ledger
            .accounts()
            .filter(|(_, a)| a.kind == ecomatch_risk::account::AccountKind::Pledgee)
            .map(|(_, a)| a.name.clone())
            .collect();
        let instruments = ex
            .listings()
            .map(|l| {
                let spec = l.instrument.spec();
                Inst {
                    id: spec.id,
                    tick: spec.tick,
                    lot: spec.lot,
                    max_lots: spec.fat_finger.max_order_qty.lots(),
                    block_lots: spec.block_threshold.lots(),
                }
            })
            .collect();
        Self {
            rng,
            now_ms: START_MS,
            operator,
            accounts,
            instruments,
            orders: Vec::new(),
            blocks: Vec::new(),
            auctions: Vec::new(),
            bids: Vec::new(),
            pledges: Vec::new(),
            pledgees,
            no_withdrawals: false,
        }
    }

    /// This generator, depositing where it would withdraw.
    #[must_use]
    pub fn without_withdrawals(mut self) -> Self {
        self.no_withdrawals = true;
        self
    }

    /// Learns the ids a command's outputs mention.
    pub fn observe(&mut self, outputs: &[Output]) {
        for o in outputs {
            match (o.to, o.msg) {
                (_, Message::Order(r)) if r.status == OrderStatus::New => {
                    remember(&mut self.orders, r.order_id.0);
                }
                (Recipient::Account(me), Message::Block(b))
                    if b.status == BlockStatus::Proposed =>
                {
                    remember(&mut self.blocks, (b.block_id.0, me, b.counterparty));
                }
                (_, Message::AuctionDone { auction_id, .. }) => {
                    remember(&mut self.auctions, auction_id.0);
                }
                (Recipient::Account(me), Message::Bid(b)) if b.status == BidStatus::New => {
                    remember(&mut self.bids, (b.bid_id.0, me));
                }
                (_, Message::Pledge(p)) if o.reply && p.status == PledgeStatus::Pending => {
                    remember(&mut self.pledges, (p.pledge_id.0, p.pledgor, p.pledgee));
                }
                (_, Message::Disposal(d)) if d.status == DisposalStatus::Opened => {
                    remember(&mut self.auctions, d.auction_id.0);
                }
                _ => {}
            }
        }
    }

    /// The next request line, for the exchange as it is now.
    pub fn next_line(&mut self, ex: &Exchange) -> String {
        self.now_ms += match self.rng.below(100) {
            0 => self.rng.range(60_000, 7_200_000),
            1..=5 => self.rng.range(1_000, 120_000),
            _ => self.rng.range(0, 1_000),
        };
        let (who, body) = match self.rng.weighted(&WEIGHTS) {
            0 => self.new_order(ex),
            1 => self.cancel(ex),
            2 => self.amend(ex),
            3 => self.query(),
            4 => self.operator_command(ex),
            5 => self.block(),
            6 => self.open_auction(ex),
            7 => self.bid(ex),
            8 => self.amend_or_withdraw_bid(),
            9 => self.close_auction(),
            10 => self.kill_or_status(),
            11 => return self.malformed(),
            _ => self.pledge(ex),
        };
        let mut line = json!({"as": who, "at": self.now_ms});
        if let (Value::Object(l), Value::Object(b)) = (&mut line, body) {
            l.extend(b);
        }
        line.to_string()
    }

    fn participant(&mut self) -> (String, AccountId) {
        if self.rng.chance(1, 200) {
            return ("nobody".into(), AccountId(u32::MAX));
        }
        self.rng.pick(&self.accounts).clone()
    }

    fn inst(&mut self) -> (String, Inst) {
        let i = self.rng.pick(&self.instruments).clone();
        if self.rng.chance(1, 100) {
            return ("XX-NOPE".into(), i);
        }
        (i.id.as_str().to_owned(), i)
    }

    /// A price near the reference in force, mostly on the tick and inside the band.
    fn price(&mut self, ex: &Exchange, i: &Inst) -> String {
        let (lo, hi) = ex.book(i.id).map_or((1, 100), |b| {
            let (lo, hi) = b.band();
            (lo.ticks(), hi.ticks())
        });
        let ticks = match self.rng.below(100) {
            0 => 0,
            1 => u64::MAX / 2,
            2..=6 => hi.saturating_add(self.rng.range(1, 50)),
            7..=9 => lo.saturating_sub(self.rng.range(1, 50)).max(1),
            _ => self.rng.range(lo, hi.max(lo)),
        };
        let p = Decimal::from(ticks) * i.tick;
        match self.rng.below(100) {
            0 => format!("{p}1"),
            1 => format!("-{p}"),
            2 => "1e3".into(),
            _ => p.to_string(),
        }
    }

    /// A quantity, mostly a few lots.
    fn qty(&mut self, i: &Inst) -> String {
        let lots = match self.rng.below(100) {
            0 => 0,
            1 => i.max_lots.saturating_add(1),
            2..=4 => self.rng.range(100, 10_000),
            _ => self.rng.range(1, 30),
        };
        let q = Decimal::from(lots) * i.lot;
        match self.rng.below(100) {
            0 => format!("{q}3"),
            1 => "18446744073709551616".into(),
            _ => q.to_string(),
        }
    }

    /// Mostly an account that may trade this side of the instrument now (so that most orders
    /// get past the gate and trade), else anyone.
    fn trader(&mut self, ex: &Exchange, i: &Inst, side: Side) -> String {
        let listing = ex.listing(i.id);
        let able: Vec<String> = self
            .accounts
            .iter()
            .filter(|(_, id)| {
                let account = ex.ledger().account(*id);
                matches!((listing, account), (Some(l), Ok(a)) if l.eligibility.check(a, side).is_ok())
            })
            .map(|(n, _)| n.clone())
            .collect();
        if able.is_empty() || self.rng.chance(1, 8) {
            self.participant().0
        } else {
            self.rng.pick(&able).clone()
        }
    }

    fn new_order(&mut self, ex: &Exchange) -> (String, Value) {
        let (name, i) = self.inst();
        let buy = self.rng.chance(1, 2);
        let side = if buy { "buy" } else { "sell" };
        let who = self.trader(ex, &i, if buy { Side::Buy } else { Side::Sell });
        let market = self.rng.chance(1, 8);
        let mut o = json!({"op": "new_order", "instrument": name, "side": side,
            "type": if market { "market" } else { "limit" }, "qty": self.qty(&i)});
        if !market || self.rng.chance(1, 50) {
            o["price"] = self.price(ex, &i).into();
        }
        let tifs = ["gtc", "day", "ioc", "fok"];
        if self.rng.chance(2, 3) {
            o["tif"] = (*self.rng.pick(&tifs)).into();
        }
        if self.rng.chance(1, 10) {
            o["post_only"] = true.into();
        }
        let stps = ["cancel_newest", "cancel_oldest", "cancel_both", "decrement"];
        if self.rng.chance(1, 3) {
            o["stp"] = (*self.rng.pick(&stps)).into();
        }
        if self.rng.chance(1, 5) {
            o["client_order_id"] = format!("c{}", self.rng.below(1_000)).into();
        }
        (who, o)
    }

    /// An order id: mostly one of the actor's open orders, else a closed, foreign or unknown
    /// one, or a malformed one.
    fn order_id(&mut self, ex: &Exchange, who: AccountId) -> String {
        let own = ex.open_orders_of(who);
        match self.rng.below(10) {
            0..=5 if !own.is_empty() => self.rng.pick(&own).0.to_string(),
            6 | 7 if !self.orders.is_empty() => self.rng.pick(&self.orders).to_string(),
            8 => (self.rng.below(1_000_000) + 1).to_string(),
            _ => (*self.rng.pick(&["x", "", "-1", "0"])).to_owned(),
        }
    }

    fn cancel(&mut self, ex: &Exchange) -> (String, Value) {
        let (who, id) = self.participant();
        let order_id = self.order_id(ex, id);
        (who, json!({"op": "cancel_order", "order_id": order_id}))
    }

    fn amend(&mut self, ex: &Exchange) -> (String, Value) {
        let (who, id) = self.participant();
        let (_, i) = self.inst();
        let mut o = json!({"op": "amend_order", "order_id": self.order_id(ex, id)});
        if self.rng.chance(1, 2) {
            o["price"] = self.price(ex, &i).into();
        }
        if self.rng.chance(2, 3) {
            o["qty"] = self.qty(&i).into();
        }
        (who, o)
    }

    fn query(&mut self) -> (String, Value) {
        let (who, _) = self.participant();
        let (name, _) = self.inst();
        let q = match self.rng.below(3) {
            0 => json!({"op": "get_book", "instrument": name, "depth": self.rng.range(0, 120)}),
            1 => json!({"op": "get_account"}),
            _ => json!({"op": "get_gep", "instrument": name}),
        };
        (who, q)
    }

    /// The operator, or now and then someone who is not.
    fn op_actor(&mut self) -> String {
        if self.rng.chance(1, 20) {
            self.participant().0
        } else {
            self.operator.clone()
        }
    }

    fn cash(&mut self) -> String {
        match self.rng.below(20) {
            0 => "0.00".into(),
            1 => "0.001".into(),
            2 => "99999999999999999999.00".into(),
            _ => format!(
                "{}.{:02}",
                self.rng.range(1, 10_000_000),
                self.rng.below(100)
            ),
        }
    }

    fn operator_command(&mut self, ex: &Exchange) -> (String, Value) {
        let who = self.op_actor();
        let (account, _) = self.participant();
        let (name, i) = self.inst();
        let cmd = match self.rng.weighted(&[3, 1, 3, 1, 1, 1, 3, 6, 1]) {
            1 if !self.no_withdrawals => {
                json!({"op": "withdraw", "account": account, "amount": self.cash()})
            }
            0 | 1 => json!({"op": "deposit", "account": account, "amount": self.cash()}),
            2 => {
                json!({"op": "issue", "account": account, "instrument": name, "qty": self.qty(&i)})
            }
            3 => {
                json!({"op": "retire", "account": account, "instrument": name, "qty": self.qty(&i)})
            }
            4 => json!({"op": "set_gep", "account": account, "instrument": name,
                "target": self.qty(&i), "achieved": self.qty(&i)}),
            5 => {
                json!({"op": "set_need", "account": account, "instrument": name, "qty": self.qty(&i)})
            }
            6 => {
                json!({"op": "set_reference_price", "instrument": name, "price": self.price(ex, &i)})
            }
            7 => {
                let phase = self.rng.pick(&[
                    "continuous",
                    "continuous",
                    "continuous",
                    "continuous",
                    "call",
                    "call",
                    "halted",
                    "closed",
                ]);
                json!({"op": "set_phase", "instrument": name, "phase": phase})
            }
            _ => {
                let owner = self.participant().1;
                json!({"op": "operator_cancel", "order_id": self.order_id(ex, owner)})
            }
        };
        let retire_own = cmd["op"] == "retire" && self.rng.chance(1, 2);
        (if retire_own { account } else { who }, cmd)
    }

    fn kill_or_status(&mut self) -> (String, Value) {
        let who = self.op_actor();
        let (account, _) = self.participant();
        let cmd = match self.rng.below(8) {
            0 => json!({"op": "kill", "account": account}),
            1 => json!({"op": "set_account_status", "account": account, "status": "suspended"}),
            _ => json!({"op": "set_account_status", "account": account, "status": "active"}),
        };
        (who, cmd)
    }

    fn block(&mut self) -> (String, Value) {
        let (who, me) = self.participant();
        let known = self.blocks.clone();
        match self.rng.below(5) {
            0 | 1 => {
                let (name, i) = self.inst();
                let (to, _) = self.participant();
                let lots = i.block_lots.max(1) * self.rng.range(1, 3);
                let price = Decimal::from(self.rng.range(1, 20_000)) * i.tick;
                let expires = self.now_ms + self.rng.range(0, 600_000);
                let side = if self.rng.chance(1, 2) { "buy" } else { "sell" };
                (
                    who,
                    json!({"op": "propose_block", "instrument": name, "counterparty": to,
                    "side": side, "price": price.to_string(),
                    "qty": (Decimal::from(lots) * i.lot).to_string(), "expires_at": expires}),
                )
            }
            k => {
                let op = if k == 4 {
                    "decline_block"
                } else {
                    "accept_block"
                };
                // Mostly as the party that may act on it.
                let pick = (!known.is_empty()).then(|| *self.rng.pick(&known));
                let (id, actor) = match pick {
                    Some((id, proposer, counterparty)) if self.rng.chance(4, 5) => {
                        let party = if op == "decline_block" && self.rng.chance(1, 2) {
                            proposer
                        } else {
                            counterparty
                        };
                        (id.to_string(), self.name_of(party).unwrap_or(who))
                    }
                    _ => (self.rng.below(50).to_string(), who),
                };
                let _ = me;
                (actor, json!({"op": op, "block_id": id}))
            }
        }
    }

    fn name_of(&self, id: AccountId) -> Option<String> {
        self.accounts
            .iter()
            .find(|(_, a)| *a == id)
            .map(|(n, _)| n.clone())
    }

    fn open_auction(&mut self, ex: &Exchange) -> (String, Value) {
        let who = self.op_actor();
        let (name, i) = self.inst();
        let seller = self.trader(ex, &i, Side::Sell);
        let reserve = self.price(ex, &i);
        let opens = self.now_ms + self.rng.range(0, 5_000);
        let closes = opens + self.rng.range(1, 1_800_000);
        let mut o = json!({"op": "open_sealed_auction", "instrument": name, "seller": seller,
            "offer": self.qty(&i), "reserve": reserve, "opens_at": opens, "closes_at": closes,
            "seed": format!("{:016x}{:016x}{:016x}{:016x}", self.rng.next_u64(),
                self.rng.next_u64(), self.rng.next_u64(), self.rng.next_u64())});
        if self.rng.chance(1, 3) {
            o["cap"] = self.price(ex, &i).into();
        }
        o["format"] = (*self.rng.pick(&["uniform", "pay_as_bid"])).into();
        o["tie_break"] = (*self.rng.pick(&["random", "time", "pro_rata"])).into();
        o["undersubscribed"] = (*self.rng.pick(&["cancel", "sell_at_reserve"])).into();
        if self.rng.chance(1, 2) {
            o["bidder_limit"] = (*self.rng.pick(&["25", "100", "0.5", "50.25", "0", "101"])).into();
        }
        if self.rng.chance(1, 3) {
            o["group_limit"] = (*self.rng.pick(&["25", "100", "60"])).into();
        }
        (who, o)
    }

    fn auction_id(&mut self, ex: &Exchange) -> String {
        let open: Vec<u64> = ex.open_auctions().map(|a| a.0).collect();
        match self.rng.below(10) {
            0..=7 if !open.is_empty() => self.rng.pick(&open).to_string(),
            8 if !self.auctions.is_empty() => self.rng.pick(&self.auctions).to_string(),
            _ => (*self.rng.pick(&["99", "x", "0"])).to_owned(),
        }
    }

    fn bid(&mut self, ex: &Exchange) -> (String, Value) {
        let auction_id = self.auction_id(ex);
        let inst = auction_id
            .parse()
            .ok()
            .and_then(|a| ex.auction_instrument(ecomatch_engine::id::AuctionId(a)))
            .and_then(|id| self.instruments.iter().find(|i| i.id == id).cloned());
        let i = inst.unwrap_or_else(|| self.rng.pick(&self.instruments).clone());
        let who = self.trader(ex, &i, Side::Buy);
        let price = self.price(ex, &i);
        (
            who,
            json!({"op": "sealed_bid", "auction_id": auction_id, "price": price,
            "qty": self.qty(&i)}),
        )
    }

    fn amend_or_withdraw_bid(&mut self) -> (String, Value) {
        let (who, me) = self.participant();
        let known = self.bids.clone();
        let (bid_id, actor) = match (!known.is_empty()).then(|| *self.rng.pick(&known)) {
            Some((id, bidder)) if self.rng.chance(4, 5) => {
                (id.to_string(), self.name_of(bidder).unwrap_or(who))
            }
            _ => (self.rng.below(100).to_string(), who),
        };
        let _ = me;
        let i = self.rng.pick(&self.instruments).clone();
        if self.rng.chance(1, 2) {
            return (actor, json!({"op": "withdraw_bid", "bid_id": bid_id}));
        }
        let mut o = json!({"op": "amend_bid", "bid_id": bid_id});
        if self.rng.chance(1, 2) {
            o["qty"] = self.qty(&i).into();
        } else {
            o["price"] = (Decimal::from(self.rng.range(1, 30_000)) * i.tick)
                .to_string()
                .into();
        }
        (actor, o)
    }

    fn close_auction(&mut self) -> (String, Value) {
        let who = self.op_actor();
        let id = match (!self.auctions.is_empty()).then(|| *self.rng.pick(&self.auctions)) {
            Some(id) => id.to_string(),
            None => "1".into(),
        };
        (who, json!({"op": "close_sealed_auction", "auction_id": id}))
    }

    /// A request the decoder must refuse without harm.
    fn malformed(&mut self) -> String {
        let (who, _) = self.participant();
        let at = self.now_ms;
        let bad = [
            format!(r#"{{"as":"{who}","at":{at},"op":"teleport"}}"#),
            format!(r#"{{"as":"{who}","at":{at},"op":"new_order","qty":5}}"#),
            format!(r#"{{"as":"{who}","at":{at},"op":"get_account","extra":[1,2]}}"#),
            format!(r#"{{"as":"{who}","at":"yesterday","op":"get_account"}}"#),
            format!(r#"{{"as":"{who}","at":{at},"op":"cancel_order","order_id":7"#),
            format!(r#"{{"at":{at},"op":"get_account"}}"#),
            format!("[{at}]"),
            format!(
                r#"{{"as":"{who}","at":{at},"op":"new_order","instrument":"SIM","side":"up","type":"limit","price":"1","qty":"1"}}"#
            ),
            format!(r#"{{"as":"{who}","at":{at},"op":"get_book","instrument":"x","depth":1e9}}"#),
            format!(
                r#"{{"as":"{who}","at":{at},"req_id":123456789012345678901234567890,"op":"get_account"}}"#
            ),
        ];
        self.rng.pick(&bad).clone()
    }
}
