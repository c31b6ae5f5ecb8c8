//! Replies of sealed-bid auctions: the bid reports and fills (private), the opening notice,
//! trades, allocations and result (public), decimals as strings, seeds in hexadecimal.

use ecomatch_engine::quantity::Qty;
use ecomatch_exchange::report::{AuctionNotice, AuctionResult, BidReport, SealedFill};
use ecomatch_exchange::{Exchange, Message, Recipient};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::hex;
use super::reply::{Units, recipient_name, rfc3339};

fn name(ex: &Exchange, a: ecomatch_engine::id::AccountId) -> String {
    recipient_name(ex, Recipient::Account(a))
}

/// A report on one sealed bid.
pub(super) fn bid_body(ex: &Exchange, b: &BidReport) -> Value {
    let u = Units {
        ex,
        inst: b.instrument,
    };
    let mut v = json!({"type": "bid", "auction_id": b.auction_id.to_string(), "bid_id": b.bid_id.to_string(),
        "instrument": b.instrument.as_str(), "price": u.px(b.price), "qty": u.q(b.qty),
        "filled_qty": u.q(b.filled), "status": b.status.as_str()});
    let o = v.as_object_mut().expect("object");
    if let Some(reason) = b.reason {
        o.insert("reason".into(), reason.as_str().into());
    }
    o.insert("collateral".into(), b.collateral.to_string().into());
    v
}

/// A trade of an auction, to the bidder or the seller.
pub(super) fn fill_body(ex: &Exchange, f: &SealedFill) -> Value {
    let u = Units {
        ex,
        inst: f.instrument,
    };
    json!({"type": "sealed_fill", "auction_id": f.auction_id.to_string(), "instrument": f.instrument.as_str(),
        "trade_id": f.trade_id.to_string(), "side": f.side.as_str(), "price": u.px(f.price),
        "qty": u.q(f.qty), "fee": f.fee.to_string()})
}

/// The public messages of an auction, with the instrument's sequence number.
pub(super) fn public_body(ex: &Exchange, msg: &Message, seq: u64) -> Value {
    match *msg {
        Message::AuctionOpened(n) => opened_body(ex, &n, seq),
        Message::SealedTrade {
            instrument,
            auction_id,
            trade_id,
            price,
            qty,
            time,
        } => {
            let u = Units {
                ex,
                inst: instrument,
            };
            json!({"type": "sealed_trade", "instrument": instrument.as_str(), "seq": seq,
                "auction_id": auction_id.to_string(), "trade_id": trade_id.to_string(),
                "price": u.px(price), "qty": u.q(qty), "time": rfc3339(time)})
        }
        Message::Allocation {
            instrument,
            auction_id,
            bidder,
            qty,
            value,
        } => {
            let u = Units {
                ex,
                inst: instrument,
            };
            json!({"type": "allocation", "instrument": instrument.as_str(), "seq": seq,
                "auction_id": auction_id.to_string(), "bidder": name(ex, bidder), "qty": u.q(qty),
                "value": value.to_string()})
        }
        Message::AuctionResult(r) => result_body(ex, &r, seq),
        _ => unreachable!("only the public messages of sealed-bid auctions come here"),
    }
}

fn opened_body(ex: &Exchange, n: &AuctionNotice, seq: u64) -> Value {
    let u = Units {
        ex,
        inst: n.instrument,
    };
    json!({"type": "sealed_auction", "instrument": n.instrument.as_str(), "seq": seq,
        "auction_id": n.auction_id.to_string(), "seller": name(ex, n.seller), "offer": u.q(n.offer),
        "reserve": u.px(n.reserve), "cap": n.cap.map(|c| u.px(c)), "format": n.format.as_str(),
        "tie_break": n.tie_break.as_str(), "bidder_limit": u.q(n.bidder_limit),
        "group_limit": u.q(n.group_limit), "undersubscribed": n.undersubscribed.as_str(),
        "opens_at": rfc3339(n.opens), "closes_at": rfc3339(n.closes), "seed_hash": hex(&n.seed_hash)})
}

/// The result. `bid_to_cover` is total bid over offer rounded down to four places; the two
/// quantities beside it give the exact ratio.
fn result_body(ex: &Exchange, r: &AuctionResult, seq: u64) -> Value {
    let u = Units {
        ex,
        inst: r.instrument,
    };
    let bps = u128::from(r.total_bid.lots()) * 10_000 / u128::from(r.offer.lots().max(1));
    let cover =
        i128::try_from(bps).map_or_else(|_| Decimal::MAX, |b| Decimal::from_i128_with_scale(b, 4));
    let unsold = r.offer.checked_sub(r.sold).unwrap_or(Qty::ZERO);
    json!({"type": "sealed_result", "instrument": r.instrument.as_str(), "seq": seq,
        "auction_id": r.auction_id.to_string(), "status": r.status.as_str(),
        "clearing_price": r.clearing_price.map(|p| u.px(p)), "offer": u.q(r.offer), "sold": u.q(r.sold),
        "unsold": u.q(unsold), "total_bid": u.q(r.total_bid), "bid_to_cover": cover.to_string(),
        "bidders": r.bidders, "winners": r.winners, "seed": hex(&r.seed), "time": rfc3339(r.time)})
}
