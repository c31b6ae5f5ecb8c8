//! The exchange's outputs and the answers to queries as protocol messages: integers become
//! decimals through the catalogue (the one formatter), accounts become names. Every
//! [`Message`] variant has its arm, so a new output is a compile error here, never a message
//! the server cannot write.

use ecomatch_engine::book::{BookError, Side};
use ecomatch_engine::id::{AccountId, AuctionId, InstrumentId, Timestamp, TradeId};
use ecomatch_engine::quantity::{Price, Qty};
use ecomatch_exchange::catalog::{self, Catalog, Product};
use ecomatch_exchange::report::{AuctionNotice, AuctionResult, BidReport, SealedFill};
use ecomatch_exchange::{Message, Output, Recipient, Reject};
use ecomatch_risk::account::AccountStatus;
use ecomatch_risk::error::LedgerError;
use ecomatch_risk::gate::GateError;
use ecomatch_risk::ledger::{CashBalance, LotBalance};
use rust_decimal::Decimal;

use super::answer::{AccountView, Answer, BookView, GepView};
use super::error::EdgeError;
use super::format::hex;
use super::message::{self as m, Body, Shown, Time};

/// The product of an instrument an output names: the exchange names only what it lists, and
/// the catalogue lists everything of the market.
fn product(catalog: &Catalog, id: InstrumentId) -> &Product {
    catalog
        .product(id)
        .expect("outputs name listed instruments")
}

/// The name of a recipient: an account's name, or `public`.
pub fn recipient(catalog: &Catalog, to: Recipient) -> std::borrow::Cow<'_, str> {
    match to {
        Recipient::Public => "public".into(),
        Recipient::Account(a) => catalog.name(a),
    }
}

fn name(catalog: &Catalog, a: AccountId) -> String {
    catalog.name(a).into_owned()
}

fn cash(b: CashBalance) -> m::Cash {
    m::Cash {
        available: catalog::cash(b.available),
        held: catalog::cash(b.held),
    }
}

fn holding(p: &Product, b: LotBalance) -> m::Holding {
    m::Holding {
        instrument: Shown(p.id),
        available: p.qty(b.available),
        held: p.qty(b.held),
        pledged: None,
    }
}

/// The protocol name of an account status.
pub const fn status(s: AccountStatus) -> &'static str {
    match s {
        AccountStatus::Active => "active",
        AccountStatus::Suspended => "suspended",
        AccountStatus::Killed => "killed",
    }
}

/// One output as a message body. `context` is the instrument the command was about, so that
/// refusals can speak in its prices and units.
pub fn body(catalog: &Catalog, out: &Output, context: Option<InstrumentId>) -> Body {
    let seq = out.seq;
    match out.msg {
        Message::Reject(r) => Body::Reject(m::Reject {
            code: r.code(),
            message: reject_message(catalog, &r, context),
        }),
        Message::Done { command } => done(command, None),
        Message::AuctionDone {
            command,
            auction_id,
        } => done(command, Some(auction_id)),
        Message::Cash(b) => Body::Cash(cash(b)),
        Message::Holding {
            instrument,
            balance,
        } => Body::Holding(holding(product(catalog, instrument), balance)),
        Message::Status(s) => Body::AccountStatus(m::AccountStatus { status: status(s) }),
        Message::Order(r) => order(catalog, &r),
        Message::Fill(f) => fill(catalog, &f),
        Message::Block(b) => block(catalog, &b),
        Message::Bid(b) => bid(catalog, &b),
        Message::SealedFill(f) => sealed_fill(catalog, &f),
        Message::AuctionOpened(n) => opened(catalog, &n, seq),
        Message::Pledge(r) => super::pledge::report(catalog, &r),
        Message::Disposal(d) => super::pledge::disposal(catalog, &d, seq),
        Message::AuctionResult(r) => result(catalog, &r, seq),
        Message::SealedTrade {
            instrument,
            auction_id,
            trade_id,
            price,
            qty,
            time,
        } => sealed_trade(
            product(catalog, instrument),
            (seq, auction_id),
            (trade_id, price, qty),
            time,
        ),
        Message::Allocation {
            instrument,
            auction_id,
            bidder,
            qty,
            value,
        } => Body::Allocation(m::Allocation {
            instrument: Shown(instrument),
            seq,
            auction_id: Shown(auction_id),
            bidder: name(catalog, bidder),
            qty: product(catalog, instrument).qty(qty),
            value: catalog::cash(value),
        }),
        Message::Trade { .. }
        | Message::Level { .. }
        | Message::Indicative { .. }
        | Message::AuctionTrade { .. }
        | Message::BlockTrade { .. }
        | Message::Phase { .. }
        | Message::Reference { .. } => market_data(catalog, &out.msg, seq),
    }
}

fn done(op: &'static str, auction_id: Option<AuctionId>) -> Body {
    Body::Done(m::Done {
        op,
        auction_id: auction_id.map(Shown),
    })
}

/// The public messages of trading in a book or a call auction, with the instrument's
/// sequence number.
fn market_data(catalog: &Catalog, msg: &Message, seq: u64) -> Body {
    let at = |i| (product(catalog, i), seq);
    match *msg {
        Message::Trade {
            instrument,
            trade_id,
            price,
            qty,
            aggressor,
            time,
        } => trade(at(instrument), (trade_id, price, qty), aggressor, time),
        Message::Level {
            instrument,
            side,
            price,
            qty,
        } => level(at(instrument), side, price, qty),
        Message::Indicative {
            instrument,
            price,
            volume,
            surplus,
            surplus_side,
        } => indicative(at(instrument), price, (volume, surplus), surplus_side),
        Message::AuctionTrade {
            instrument,
            trade_id,
            price,
            qty,
            time,
        } => Body::AuctionTrade(print(at(instrument), (trade_id, price, qty), time)),
        Message::BlockTrade {
            instrument,
            trade_id,
            price,
            qty,
            time,
        } => Body::BlockTrade(print(at(instrument), (trade_id, price, qty), time)),
        Message::Phase { instrument, phase } => Body::Phase(m::Phase {
            instrument: Shown(instrument),
            seq,
            phase: phase.as_str(),
        }),
        Message::Reference {
            instrument,
            price,
            band_lo,
            band_hi,
        } => reference(at(instrument), price, (band_lo, band_hi)),
        // The rest are encoded by `body`, which sends only the messages above here.
        other => body(
            catalog,
            &Output {
                to: Recipient::Public,
                reply: false,
                seq,
                msg: other,
            },
            None,
        ),
    }
}

/// Where a public message is: its instrument's product and sequence number.
type At<'a> = (&'a Product, u64);

/// A trade's id, price and quantity.
type Traded = (TradeId, Price, Qty);

fn trade(at: At<'_>, t: Traded, aggressor: Side, time: Timestamp) -> Body {
    let (p, seq) = at;
    Body::Trade(m::Trade {
        instrument: Shown(p.id),
        seq,
        trade_id: Shown(t.0),
        price: p.price(t.1),
        qty: p.qty(t.2),
        aggressor: aggressor.as_str(),
        time: Time(time),
    })
}

fn print(at: At<'_>, t: Traded, time: Timestamp) -> m::Print {
    let (p, seq) = at;
    m::Print {
        instrument: Shown(p.id),
        seq,
        trade_id: Shown(t.0),
        price: p.price(t.1),
        qty: p.qty(t.2),
        time: Time(time),
    }
}

fn level(at: At<'_>, side: Side, price: Price, qty: Qty) -> Body {
    let (p, seq) = at;
    Body::BookUpdate(m::BookUpdate {
        instrument: Shown(p.id),
        seq,
        side: side.as_str(),
        price: p.price(price),
        qty: p.qty(qty),
        checksum: None,
    })
}

fn indicative(at: At<'_>, price: Option<Price>, vs: (Qty, Qty), side: Option<Side>) -> Body {
    let (p, seq) = at;
    Body::Auction(m::Auction {
        instrument: Shown(p.id),
        seq,
        indicative_price: price.map(|x| p.price(x)),
        volume: p.qty(vs.0),
        surplus: p.qty(vs.1),
        surplus_side: side.map(Side::as_str),
    })
}

fn reference(at: At<'_>, price: Price, band: (Price, Price)) -> Body {
    let (p, seq) = at;
    Body::Reference(m::Reference {
        instrument: Shown(p.id),
        seq,
        price: p.price(price),
        band: [p.price(band.0), p.price(band.1)],
    })
}

fn sealed_trade(p: &Product, ids: (u64, AuctionId), t: Traded, time: Timestamp) -> Body {
    let (seq, auction_id) = ids;
    Body::SealedTrade(m::SealedTrade {
        instrument: Shown(p.id),
        seq,
        auction_id: Shown(auction_id),
        trade_id: Shown(t.0),
        price: p.price(t.1),
        qty: p.qty(t.2),
        time: Time(time),
    })
}

fn order(catalog: &Catalog, r: &ecomatch_exchange::report::OrderReport) -> Body {
    let p = product(catalog, r.instrument);
    Body::Order(m::Order {
        order_id: Shown(r.order_id),
        client_order_id: r.client_order_id.map(|c| c.as_str().to_owned()),
        instrument: Shown(r.instrument),
        side: r.side.as_str(),
        price: p.price(r.price),
        qty: p.qty(r.qty),
        filled_qty: p.qty(r.filled),
        leaves_qty: p.qty(r.leaves),
        status: r.status.as_str(),
        reason: r.reason.map(ecomatch_exchange::output::OrderReason::as_str),
    })
}

fn fill(catalog: &Catalog, f: &ecomatch_exchange::report::FillReport) -> Body {
    let p = product(catalog, f.instrument);
    Body::Fill(m::Fill {
        order_id: Shown(f.order_id),
        client_order_id: f.client_order_id.map(|c| c.as_str().to_owned()),
        instrument: Shown(f.instrument),
        trade_id: Shown(f.trade_id),
        side: f.side.as_str(),
        price: p.price(f.price),
        qty: p.qty(f.qty),
        leaves_qty: p.qty(f.leaves),
        status: f.status.as_str(),
        liquidity: f.liquidity.as_str(),
        fee: catalog::cash(f.fee),
    })
}

fn block(catalog: &Catalog, b: &ecomatch_exchange::report::BlockReport) -> Body {
    Body::Block(block_msg(catalog, b))
}

fn block_msg(catalog: &Catalog, b: &ecomatch_exchange::report::BlockReport) -> m::Block {
    let p = product(catalog, b.instrument);
    m::Block {
        block_id: Shown(b.block_id),
        instrument: Shown(b.instrument),
        side: b.side.as_str(),
        counterparty: name(catalog, b.counterparty),
        price: p.price(b.price),
        qty: p.qty(b.qty),
        expires_at: Time(b.expires),
        status: b.status.as_str(),
        trade_id: b.trade_id.map(Shown),
        fee: b.trade_id.map(|_| catalog::cash(b.fee)),
        proposer: name(catalog, b.proposer),
    }
}

fn bid(catalog: &Catalog, b: &BidReport) -> Body {
    Body::Bid(bid_msg(catalog, b))
}

fn bid_msg(catalog: &Catalog, b: &BidReport) -> m::Bid {
    let p = product(catalog, b.instrument);
    m::Bid {
        auction_id: Shown(b.auction_id),
        bid_id: Shown(b.bid_id),
        instrument: Shown(b.instrument),
        price: p.price(b.price),
        qty: p.qty(b.qty),
        filled_qty: p.qty(b.filled),
        status: b.status.as_str(),
        reason: b.reason.map(ecomatch_exchange::report::BidReason::as_str),
        collateral: catalog::cash(b.collateral),
    }
}

fn sealed_fill(catalog: &Catalog, f: &SealedFill) -> Body {
    let p = product(catalog, f.instrument);
    Body::SealedFill(m::SealedFill {
        auction_id: Shown(f.auction_id),
        instrument: Shown(f.instrument),
        trade_id: Shown(f.trade_id),
        side: f.side.as_str(),
        price: p.price(f.price),
        qty: p.qty(f.qty),
        fee: catalog::cash(f.fee),
    })
}

/// The public `sealed_auction` notice of an opening, numbered `seq`.
pub fn opened(catalog: &Catalog, n: &AuctionNotice, seq: u64) -> Body {
    let p = product(catalog, n.instrument);
    Body::SealedAuction(m::SealedAuction {
        instrument: Shown(n.instrument),
        seq,
        auction_id: Shown(n.auction_id),
        seller: name(catalog, n.seller),
        offer: p.qty(n.offer),
        reserve: p.price(n.reserve),
        cap: n.cap.map(|c| p.price(c)),
        format: n.format.as_str(),
        tie_break: n.tie_break.as_str(),
        bidder_limit: p.qty(n.bidder_limit),
        group_limit: p.qty(n.group_limit),
        undersubscribed: n.undersubscribed.as_str(),
        opens_at: Time(n.opens),
        closes_at: Time(n.closes),
        seed_hash: hex(&n.seed_hash),
    })
}

/// The result. `bid_to_cover` is total bid over offer rounded down to four places; the two
/// quantities beside it give the exact ratio.
fn result(catalog: &Catalog, r: &AuctionResult, seq: u64) -> Body {
    let p = product(catalog, r.instrument);
    let bps = u128::from(r.total_bid.lots()) * 10_000 / u128::from(r.offer.lots().max(1));
    let cover =
        i128::try_from(bps).map_or_else(|_| Decimal::MAX, |b| Decimal::from_i128_with_scale(b, 4));
    let unsold = r.offer.checked_sub(r.sold).unwrap_or(Qty::ZERO);
    Body::SealedResult(m::SealedResult {
        instrument: Shown(r.instrument),
        seq,
        auction_id: Shown(r.auction_id),
        status: r.status.as_str(),
        clearing_price: r.clearing_price.map(|c| p.price(c)),
        offer: p.qty(r.offer),
        sold: p.qty(r.sold),
        unsold: p.qty(unsold),
        total_bid: p.qty(r.total_bid),
        bid_to_cover: cover,
        bidders: r.bidders,
        winners: r.winners,
        seed: hex(&r.seed),
        time: Time(r.time),
    })
}

/// A refusal at the edge as a message body.
pub fn refusal(e: &EdgeError) -> Body {
    Body::Reject(m::Reject {
        code: e.code.as_str(),
        message: e.message.clone(),
    })
}

/// A refusal's message, in the instrument's prices and units where the refusal has numbers.
pub fn reject_message(catalog: &Catalog, r: &Reject, context: Option<InstrumentId>) -> String {
    let Some(p) = context.and_then(|i| catalog.product(i)) else {
        return r.to_string();
    };
    let unit = p.unit();
    match *r {
        Reject::Book(BookError::PriceOutsideBand { price, lo, hi }) => format!(
            "price {} is outside the band {} to {}",
            p.price(price),
            p.price(lo),
            p.price(hi)
        ),
        Reject::Gate(GateError::QuotaExceeded {
            kind,
            used,
            asked,
            cap,
        }) => format!(
            "{} quota exceeded: {} resting or filled + {} asked > {} allowed ({unit})",
            kind.as_str(),
            p.lots(used),
            p.lots(asked),
            p.lots(cap)
        ),
        Reject::Gate(GateError::OrderTooLarge { qty, max }) => format!(
            "order of {} above the limit of {} ({unit})",
            p.qty(qty),
            p.qty(max)
        ),
        Reject::Ledger(LedgerError::InsufficientHoldings { needed, available }) => format!(
            "needs {}, has {} available ({unit})",
            p.qty(needed),
            p.qty(available)
        ),
        _ => r.to_string(),
    }
}

/// A query's answer as a message body.
pub fn answer(catalog: &Catalog, a: &Answer) -> Body {
    match a {
        Answer::Book(b) => book(catalog, b),
        Answer::Account(v) => account(catalog, v),
        Answer::Gep(g) => gep(catalog, g),
        Answer::Accounts(list) => Body::Accounts(m::Accounts {
            accounts: list
                .iter()
                .filter_map(|v| match account(catalog, v) {
                    Body::Account(a) => Some(a),
                    _ => None,
                })
                .collect(),
        }),
        Answer::Orders(list) => Body::Orders(m::Orders {
            orders: list.iter().map(|o| open_order(catalog, o)).collect(),
        }),
        Answer::Permissions(list) => Body::Permissions(m::Permissions {
            instruments: list
                .iter()
                .map(|&(i, buy, sell)| m::Permission {
                    instrument: Shown(i),
                    buy,
                    sell,
                })
                .collect(),
        }),
        Answer::Bids(list) => Body::Bids(m::Bids {
            bids: list.iter().map(|b| bid_msg(catalog, b)).collect(),
        }),
        Answer::Blocks(list) => Body::Blocks(m::Blocks {
            blocks: list.iter().map(|b| block_msg(catalog, b)).collect(),
        }),
        Answer::Pledges(list) => Body::Pledges(m::Pledges {
            pledges: list
                .iter()
                .map(|(id, p)| super::pledge::entry(catalog, *id, p))
                .collect(),
        }),
    }
}

/// An open order of `get_orders`, written as its execution report would be now.
fn open_order(catalog: &Catalog, o: &ecomatch_exchange::state::OpenOrderView) -> m::Order {
    let p = product(catalog, o.instrument);
    let leaves = o.qty.checked_sub(o.filled).unwrap_or(Qty::ZERO);
    m::Order {
        order_id: Shown(o.id),
        client_order_id: o.client_order_id.map(|c| c.as_str().to_owned()),
        instrument: Shown(o.instrument),
        side: o.side.as_str(),
        price: p.price(o.price),
        qty: p.qty(o.qty),
        filled_qty: p.qty(o.filled),
        leaves_qty: p.qty(leaves),
        status: if o.filled.is_zero() {
            "new"
        } else {
            "partially_filled"
        },
        reason: None,
    }
}

fn levels(p: &Product, levels: &[(Price, Qty)]) -> Vec<[Decimal; 2]> {
    levels
        .iter()
        .map(|&(price, qty)| [p.price(price), p.qty(qty)])
        .collect()
}

fn book(catalog: &Catalog, b: &BookView) -> Body {
    let p = product(catalog, b.instrument);
    Body::Book(m::Book {
        instrument: Shown(b.instrument),
        phase: b.phase.as_str(),
        bids: levels(p, &b.bids),
        asks: levels(p, &b.asks),
    })
}

fn account(catalog: &Catalog, v: &AccountView) -> Body {
    let party = catalog.party(v.account);
    Body::Account(m::Account {
        account: name(catalog, v.account),
        kind: party.map_or("", |x| x.kind.code()),
        status: status(v.status),
        cash: cash(v.cash),
        holdings: v
            .holdings
            .iter()
            .map(|&(i, b, pledged)| {
                let p = product(catalog, i);
                m::Holding {
                    pledged: (!pledged.is_zero()).then(|| p.qty(pledged)),
                    ..holding(p, b)
                }
            })
            .collect(),
        sub_accounts: v.sub_accounts.as_ref().map(|subs| {
            subs.iter()
                .map(|s| m::SubAccount {
                    shard: s.shard,
                    status: status(s.status),
                    cash: cash(s.cash),
                })
                .collect()
        }),
    })
}

fn gep(catalog: &Catalog, g: &GepView) -> Body {
    let p = product(catalog, g.instrument);
    let counties = g
        .counties
        .iter()
        .map(|c| {
            let (rec, used) = (c.record, c.usage);
            m::County {
                account: name(catalog, c.account),
                target: p.lots(rec.target),
                achieved: p.lots(rec.achieved),
                shortfall: p.lots(rec.target.saturating_sub(rec.achieved)),
                surplus: p.lots(rec.achieved.saturating_sub(rec.target)),
                bought: p.lots(used.bought),
                sold: p.lots(used.sold),
                open_buy: p.lots(used.open_buy),
                open_sell: p.lots(used.open_sell),
                may_buy: p.lots(used.headroom(Side::Buy, rec.allowance(Side::Buy))),
                may_sell: p.lots(used.headroom(Side::Sell, rec.allowance(Side::Sell))),
            }
        })
        .collect();
    Body::Gep(m::Gep {
        instrument: Shown(g.instrument),
        counties,
    })
}
