//! Replies: exchange outputs as JSON objects, `to` and `type` first, decimals as strings.

use std::time::{Duration, UNIX_EPOCH};

use ecomatch_engine::book::BookError;
use ecomatch_engine::book::Side;
use ecomatch_engine::id::{AccountId, InstrumentId, Timestamp};
use ecomatch_engine::quantity::{Price, Qty};
use ecomatch_exchange::{Exchange, Message, Output, Recipient, Reject};
use ecomatch_risk::account::AccountStatus;
use ecomatch_risk::error::LedgerError;
use ecomatch_risk::gate::GateError;
use ecomatch_risk::ledger::LotBalance;
use serde_json::{Map, Value, json};

/// The name of a recipient: an account's name, or `public`.
pub fn recipient_name(ex: &Exchange, to: Recipient) -> String {
    match to {
        Recipient::Public => "public".into(),
        Recipient::Account(a) => ex
            .ledger()
            .account(a)
            .map_or_else(|_| a.to_string(), |acc| acc.name.clone()),
    }
}

/// An RFC 3339 time with milliseconds, from the command's timestamp (never a clock).
pub fn rfc3339(t: Timestamp) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_nanos(t.0)).to_string()
}

pub(super) struct Units<'a> {
    pub(super) ex: &'a Exchange,
    pub(super) inst: InstrumentId,
}

impl Units<'_> {
    pub(super) fn px(&self, p: Price) -> String {
        p.to_decimal(self.spec().tick).to_string()
    }

    pub(super) fn q(&self, q: Qty) -> String {
        q.to_decimal(self.spec().lot).to_string()
    }

    fn spec(&self) -> &ecomatch_engine::instrument::InstrumentSpec {
        self.ex
            .listing(self.inst)
            .expect("listed instrument")
            .instrument
            .spec()
    }
}

fn fen(v: ecomatch_engine::quantity::Cash) -> String {
    v.to_string()
}

fn status_str(s: AccountStatus) -> &'static str {
    match s {
        AccountStatus::Active => "active",
        AccountStatus::Suspended => "suspended",
        AccountStatus::Killed => "killed",
    }
}

/// One output as a JSON object (its `req_id`, on the direct reply to the sender, is added when
/// it is written: [`super::text`]). `context` is the instrument the command was about, so that
/// refusals can speak in its prices and units.
pub fn encode(ex: &Exchange, out: &Output, context: Option<InstrumentId>) -> Value {
    let mut m = Map::new();
    m.insert("to".into(), recipient_name(ex, out.to).into());
    let body = match out.msg {
        Message::Reject(r) => {
            json!({"type": "reject", "code": r.code(), "message": reject_message(ex, &r, context)})
        }
        ref msg => body(ex, msg, out.seq),
    };
    let Value::Object(body) = body else {
        unreachable!("bodies are objects")
    };
    m.extend(body);
    Value::Object(m)
}

fn body(ex: &Exchange, msg: &Message, seq: u64) -> Value {
    match *msg {
        Message::Order(r) => order_body(ex, &r),
        Message::Fill(f) => fill_body(ex, &f),
        Message::Reject(r) => json!({"type": "reject", "code": r.code(), "message": r.to_string()}),
        Message::Done { command } => json!({"type": "done", "op": command}),
        Message::Cash(b) => {
            json!({"type": "cash", "available": fen(b.available), "held": fen(b.held)})
        }
        Message::Holding {
            instrument,
            balance,
        } => {
            let mut v = json!({"type": "holding"});
            v.as_object_mut()
                .expect("object")
                .extend(json_fields(holding(ex, instrument, balance)));
            v
        }
        Message::Status(s) => json!({"type": "account_status", "status": status_str(s)}),
        Message::Block(b) => block_body(ex, &b),
        Message::AuctionDone {
            command,
            auction_id,
        } => json!({"type": "done", "op": command, "auction_id": auction_id.to_string()}),
        Message::Bid(b) => super::sealed::bid_body(ex, &b),
        Message::SealedFill(f) => super::sealed::fill_body(ex, &f),
        Message::AuctionOpened(_)
        | Message::SealedTrade { .. }
        | Message::Allocation { .. }
        | Message::AuctionResult(_) => super::sealed::public_body(ex, msg, seq),
        _ => public_body(ex, msg, seq),
    }
}

/// A public market-data message, with its per-instrument sequence number.
fn public_body(ex: &Exchange, msg: &Message, seq: u64) -> Value {
    match *msg {
        Message::Trade {
            instrument,
            trade_id,
            price,
            qty,
            aggressor,
            time,
        } => {
            let u = Units {
                ex,
                inst: instrument,
            };
            json!({"type": "trade", "instrument": instrument.as_str(), "seq": seq,
                "trade_id": trade_id.to_string(), "price": u.px(price), "qty": u.q(qty),
                "aggressor": aggressor.as_str(), "time": rfc3339(time)})
        }
        Message::Level {
            instrument,
            side,
            price,
            qty,
        } => {
            let u = Units {
                ex,
                inst: instrument,
            };
            json!({"type": "book_update", "instrument": instrument.as_str(), "seq": seq,
                "side": side.as_str(), "price": u.px(price), "qty": u.q(qty)})
        }
        Message::Indicative {
            instrument,
            price,
            volume,
            surplus,
            surplus_side,
        } => {
            let u = Units {
                ex,
                inst: instrument,
            };
            json!({"type": "auction", "instrument": instrument.as_str(), "seq": seq,
                "indicative_price": price.map(|p| u.px(p)), "volume": u.q(volume), "surplus": u.q(surplus),
                "surplus_side": surplus_side.map(Side::as_str)})
        }
        Message::AuctionTrade {
            instrument,
            trade_id,
            price,
            qty,
            time,
        }
        | Message::BlockTrade {
            instrument,
            trade_id,
            price,
            qty,
            time,
        } => {
            let u = Units {
                ex,
                inst: instrument,
            };
            let kind = if matches!(msg, Message::BlockTrade { .. }) {
                "block_trade"
            } else {
                "auction_trade"
            };
            json!({"type": kind, "instrument": instrument.as_str(), "seq": seq,
                "trade_id": trade_id.to_string(), "price": u.px(price), "qty": u.q(qty), "time": rfc3339(time)})
        }
        Message::Phase { instrument, phase } => {
            json!({"type": "phase", "instrument": instrument.as_str(),
            "seq": seq, "phase": phase.as_str()})
        }
        Message::Reference {
            instrument,
            price,
            band_lo,
            band_hi,
        } => {
            let u = Units {
                ex,
                inst: instrument,
            };
            json!({"type": "reference_price", "instrument": instrument.as_str(), "seq": seq,
                "price": u.px(price), "band": [u.px(band_lo), u.px(band_hi)]})
        }
        _ => unreachable!("private messages are encoded by body()"),
    }
}

/// An execution report.
fn order_body(ex: &Exchange, r: &ecomatch_exchange::output::OrderReport) -> Value {
    let u = Units {
        ex,
        inst: r.instrument,
    };
    let mut v = json!({"type": "order", "order_id": r.order_id.to_string()});
    let o = v.as_object_mut().expect("object");
    if let Some(c) = r.client_order_id {
        o.insert("client_order_id".into(), c.as_str().into());
    }
    o.extend(json_fields(json!({
                "instrument": r.instrument.as_str(), "side": r.side.as_str(), "price": u.px(r.price),
                "qty": u.q(r.qty), "filled_qty": u.q(r.filled), "leaves_qty": u.q(r.leaves), "status": r.status.as_str(),
            })));
    if let Some(reason) = r.reason {
        o.insert("reason".into(), reason.as_str().into());
    }
    v
}

/// A fill report.
fn fill_body(ex: &Exchange, f: &ecomatch_exchange::output::FillReport) -> Value {
    let u = Units {
        ex,
        inst: f.instrument,
    };
    let mut v = json!({"type": "fill", "order_id": f.order_id.to_string()});
    let o = v.as_object_mut().expect("object");
    if let Some(c) = f.client_order_id {
        o.insert("client_order_id".into(), c.as_str().into());
    }
    o.extend(json_fields(json!({
                "instrument": f.instrument.as_str(), "trade_id": f.trade_id.to_string(), "side": f.side.as_str(),
                "price": u.px(f.price), "qty": u.q(f.qty), "leaves_qty": u.q(f.leaves), "status": f.status.as_str(),
                "liquidity": f.liquidity.as_str(), "fee": f.fee.to_string(),
            })));
    v
}

/// A block trade proposal report.
fn block_body(ex: &Exchange, b: &ecomatch_exchange::block::BlockReport) -> Value {
    let u = Units {
        ex,
        inst: b.instrument,
    };
    let mut v = json!({"type": "block", "block_id": b.block_id.to_string(), "instrument": b.instrument.as_str(),
                "side": b.side.as_str(), "counterparty": recipient_name(ex, Recipient::Account(b.counterparty)),
                "price": u.px(b.price), "qty": u.q(b.qty), "expires_at": rfc3339(b.expires), "status": b.status.as_str()});
    if let Some(t) = b.trade_id {
        let o = v.as_object_mut().expect("object");
        o.insert("trade_id".into(), t.to_string().into());
        o.insert("fee".into(), b.fee.to_string().into());
    }
    v
}

/// A refusal's message, in the instrument's prices and units where the refusal has numbers.
pub fn reject_message(ex: &Exchange, r: &Reject, context: Option<InstrumentId>) -> String {
    let Some(inst) = context.filter(|i| ex.listing(*i).is_some()) else {
        return r.to_string();
    };
    let u = Units { ex, inst };
    let unit = ex.listing(inst).expect("listed").instrument.family().unit();
    let lots = |n: u64| u.q(Qty::from_lots(n));
    match *r {
        Reject::Book(BookError::PriceOutsideBand { price, lo, hi }) => {
            format!(
                "price {} is outside the band {} to {}",
                u.px(price),
                u.px(lo),
                u.px(hi)
            )
        }
        Reject::Gate(GateError::QuotaExceeded {
            kind,
            used,
            asked,
            cap,
        }) => format!(
            "{} quota exceeded: {} resting or filled + {} asked > {} allowed ({unit})",
            kind.as_str(),
            lots(used),
            lots(asked),
            lots(cap)
        ),
        Reject::Gate(GateError::OrderTooLarge { qty, max }) => {
            format!(
                "order of {} above the limit of {} ({unit})",
                u.q(qty),
                u.q(max)
            )
        }
        Reject::Ledger(LedgerError::InsufficientHoldings { needed, available }) => {
            format!(
                "needs {}, has {} available ({unit})",
                u.q(needed),
                u.q(available)
            )
        }
        _ => r.to_string(),
    }
}

fn json_fields(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn holding(ex: &Exchange, instrument: InstrumentId, b: LotBalance) -> Value {
    let u = Units {
        ex,
        inst: instrument,
    };
    json!({"instrument": instrument.as_str(), "available": u.q(b.available),
        "held": u.q(b.held)})
}

/// The reply to `get_book`: the top `depth` levels of each side, best first.
pub fn book_snapshot(ex: &Exchange, instrument: InstrumentId, depth: usize) -> Value {
    let book = ex.book(instrument).expect("listed instrument");
    let u = Units {
        ex,
        inst: instrument,
    };
    let side = |s| {
        book.levels(s)
            .take(depth)
            .map(|l| json!([u.px(l.price), u.q(l.qty)]))
            .collect::<Vec<_>>()
    };
    json!({"type": "book", "instrument": instrument.as_str(), "phase": book.phase().as_str(),
        "bids": side(Side::Buy), "asks": side(Side::Sell)})
}

/// The reply to `get_gep`: every account with a GEP record for the indicator (counties), in
/// account order, with its target, achievement, what it may still trade, and what it has
/// bought, sold and has open.
pub fn gep_snapshot(ex: &Exchange, instrument: InstrumentId) -> Value {
    let u = Units {
        ex,
        inst: instrument,
    };
    let lots = |n: u64| u.q(Qty::from_lots(n));
    let counties: Vec<Value> = ex
        .ledger()
        .accounts()
        .filter_map(|(id, a)| {
            let rec = ex.gep_record(id, instrument)?;
            let used = ex.usage(id, instrument);
            let (short, surplus) = (
                rec.target.saturating_sub(rec.achieved),
                rec.achieved.saturating_sub(rec.target),
            );
            Some(json!({"account": a.name, "target": lots(rec.target), "achieved": lots(rec.achieved),
                "shortfall": lots(short), "surplus": lots(surplus), "bought": lots(used.bought),
                "sold": lots(used.sold), "open_buy": lots(used.open_buy), "open_sell": lots(used.open_sell)}))
        })
        .collect();
    json!({"type": "gep", "instrument": instrument.as_str(), "counties": counties})
}

/// The reply to `get_account`: status, cash and every holding of the account.
pub fn account_snapshot(ex: &Exchange, account: AccountId) -> Value {
    let a = ex.ledger().account(account).expect("known account");
    let cash = ex.ledger().cash(account).expect("known account");
    let holdings: Vec<Value> = ex
        .listings()
        .map(|l| l.instrument.spec().id)
        .filter_map(|i| {
            let b = ex.ledger().holding(account, i).ok()?;
            (!b.total().is_zero()).then(|| holding(ex, i, b))
        })
        .collect();
    json!({"type": "account", "account": a.name, "kind": a.kind.code(), "status": status_str(a.status),
        "cash": {"available": fen(cash.available), "held": fen(cash.held)}, "holdings": holdings})
}
