//! Requests into exchange commands: names into ids, and decimals into ticks, lots and fen,
//! exactly (a price off the tick is refused, never rounded).

use core::str::FromStr;

use ecomatch_engine::auction::sealed::{Format, TieBreak, Undersubscribed};
use ecomatch_engine::book::{Phase, Side, Stp, Tif};
use ecomatch_engine::id::{AccountId, InstrumentId, OrderId};
use ecomatch_engine::quantity::{Cash, ConvertError, Price, Qty};
use ecomatch_exchange::command::AuctionTerms;
use ecomatch_exchange::sealed::DEFAULT_LIMIT_BPS;
use ecomatch_exchange::{ClientOrderId, Command, Exchange, OrderRequest};
use ecomatch_risk::account::AccountStatus;
use ecomatch_risk::gate::GepRecord;
use rust_decimal::Decimal;

use super::EdgeError;
use super::request::{
    AmendBidReq, AmendReq, CashReq, FormatW, KindW, NewOrderReq, OpenAuctionReq, PhaseW, QtyReq,
    Query, Request, SideW, StatusW, StpW, TieBreakW, TifW, UndersubscribedW,
};

fn instrument(ex: &Exchange, s: &str) -> Result<InstrumentId, EdgeError> {
    InstrumentId::new(s)
        .ok()
        .filter(|id| ex.listing(*id).is_some())
        .ok_or_else(|| {
            EdgeError::new(
                "UNKNOWN_INSTRUMENT",
                format!("instrument {s} does not exist"),
            )
        })
}

fn account(ex: &Exchange, s: &str) -> Result<AccountId, EdgeError> {
    ex.ledger()
        .find(s)
        .ok_or_else(|| EdgeError::new("UNKNOWN_ACCOUNT", format!("account {s} does not exist")))
}

/// `get_book`: the instrument, and a depth inside the contract's 1–100 levels.
fn book_query(ex: &Exchange, r: &super::request::BookReq) -> Result<Query, EdgeError> {
    let depth = usize::from(r.depth.unwrap_or(10));
    if !(1..=100).contains(&depth) {
        return Err(EdgeError::new(
            "BAD_DEPTH",
            format!("depth {depth}: from 1 to 100 levels"),
        ));
    }
    Ok(Query::Book {
        instrument: instrument(ex, &r.instrument)?,
        depth,
    })
}

fn decimal(field: &str, s: &str) -> Result<Decimal, EdgeError> {
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    ok.then(|| Decimal::from_str(s).ok())
        .flatten()
        .ok_or_else(|| {
            EdgeError::new(
                "BAD_DECIMAL",
                format!("{field}: {s:?} is not a plain decimal number"),
            )
        })
}

fn converted<T>(field: &str, r: Result<T, ConvertError>) -> Result<T, EdgeError> {
    r.map_err(|e| {
        let code = match (field, e) {
            (_, ConvertError::Negative) => "NEGATIVE_VALUE",
            (_, ConvertError::TooLarge | ConvertError::BadStep) => "VALUE_TOO_LARGE",
            ("price", ConvertError::NotMultiple { .. }) => "PRICE_NOT_ON_TICK",
            ("amount", ConvertError::NotMultiple { .. }) => "AMOUNT_NOT_IN_FEN",
            (_, ConvertError::NotMultiple { .. }) => "QTY_NOT_ON_LOT",
        };
        EdgeError::new(code, format!("{field}: {e}"))
    })
}

fn price(ex: &Exchange, inst: InstrumentId, s: &str) -> Result<Price, EdgeError> {
    let tick = ex
        .listing(inst)
        .expect("checked instrument")
        .instrument
        .spec()
        .tick;
    converted("price", Price::from_decimal(decimal("price", s)?, tick))
}

fn qty(ex: &Exchange, inst: InstrumentId, field: &str, s: &str) -> Result<Qty, EdgeError> {
    let lot = ex
        .listing(inst)
        .expect("checked instrument")
        .instrument
        .spec()
        .lot;
    converted(field, Qty::from_decimal(decimal(field, s)?, lot))
}

fn cash(s: &str) -> Result<Cash, EdgeError> {
    converted("amount", Cash::from_decimal(decimal("amount", s)?))
}

/// The amount of a deposit or withdrawal, once its shard is known to be this exchange.
fn cash_of_shard(ex: &Exchange, r: &CashReq) -> Result<Cash, EdgeError> {
    let (index, count) = ex.id_space().place();
    match r.shard {
        Some(k) if k >= count => Err(EdgeError::new(
            "UNKNOWN_SHARD",
            format!(
                "shard {k} does not exist: this market has {count} (0 to {})",
                count - 1
            ),
        )),
        // Only a misrouted request gets here: the server sends each to its shard.
        Some(k) if k != index => Err(EdgeError::new(
            "WRONG_SHARD",
            format!("shard {index} received a request for shard {k}"),
        )),
        _ => cash(&r.amount),
    }
}

impl CashReq {
    /// The shard named, 0 (the home shard) when none is.
    pub fn shard(&self) -> u32 {
        self.shard.unwrap_or(0)
    }
}

fn block_id(s: &str) -> Result<u64, EdgeError> {
    s.parse::<u64>()
        .map_err(|_| EdgeError::new("BAD_BLOCK_ID", format!("block_id {s:?} is not a block id")))
}

fn order_id(s: &str) -> Result<OrderId, EdgeError> {
    s.parse::<u64>()
        .map(OrderId)
        .map_err(|_| EdgeError::new("BAD_ORDER_ID", format!("order_id {s:?} is not an order id")))
}

/// Converts a request of `actor` into a command, or a query, with exact decimals.
pub fn to_command(
    ex: &Exchange,
    actor: AccountId,
    req: &Request,
) -> Result<Result<Command, Query>, EdgeError> {
    Ok(Ok(match req {
        Request::NewOrder(r) => Command::NewOrder(new_order(ex, r)?),
        Request::CancelOrder(r) => Command::CancelOrder {
            order_id: order_id(&r.order_id)?,
        },
        Request::OperatorCancel(r) => Command::OperatorCancel {
            order_id: order_id(&r.order_id)?,
        },
        Request::AmendOrder(r) => amend(ex, actor, r)?,
        Request::Deposit(r) => Command::Deposit {
            account: account(ex, &r.account)?,
            amount: cash_of_shard(ex, r)?,
        },
        Request::Withdraw(r) => Command::Withdraw {
            account: account(ex, &r.account)?,
            amount: cash_of_shard(ex, r)?,
        },
        Request::Issue(r) | Request::Retire(r) | Request::SetNeed(r) => qty_command(ex, req, r)?,
        Request::SetGep(r) => {
            let inst = instrument(ex, &r.instrument)?;
            let target = qty(ex, inst, "target", &r.target)?.lots();
            let achieved = qty(ex, inst, "achieved", &r.achieved)?.lots();
            Command::SetGep {
                account: account(ex, &r.account)?,
                instrument: inst,
                record: GepRecord { target, achieved },
            }
        }
        Request::SetReferencePrice(r) => {
            let inst = instrument(ex, &r.instrument)?;
            Command::SetReferencePrice {
                instrument: inst,
                price: price(ex, inst, &r.price)?,
            }
        }
        Request::SetPhase(r) => {
            let phase = match r.phase {
                PhaseW::Closed => Phase::Closed,
                PhaseW::Continuous => Phase::Continuous,
                PhaseW::Halted => Phase::Halted,
                PhaseW::Call => Phase::Call,
            };
            Command::SetPhase {
                instrument: instrument(ex, &r.instrument)?,
                phase,
            }
        }
        Request::SetAccountStatus(r) => {
            let status = match r.status {
                StatusW::Active => AccountStatus::Active,
                StatusW::Suspended => AccountStatus::Suspended,
            };
            Command::SetAccountStatus {
                account: account(ex, &r.account)?,
                status,
            }
        }
        Request::ProposeBlock(r) => {
            let inst = instrument(ex, &r.instrument)?;
            Command::ProposeBlock {
                instrument: inst,
                counterparty: account(ex, &r.counterparty)?,
                side: if r.side == SideW::Buy {
                    Side::Buy
                } else {
                    Side::Sell
                },
                price: price(ex, inst, &r.price)?,
                qty: qty(ex, inst, "qty", &r.qty)?,
                expires: crate::script::parse_time(Some(&r.expires_at))?,
            }
        }
        Request::AcceptBlock(r) => Command::AcceptBlock {
            block_id: block_id(&r.block_id)?,
        },
        Request::DeclineBlock(r) => Command::DeclineBlock {
            block_id: block_id(&r.block_id)?,
        },
        Request::OpenSealedAuction(_)
        | Request::SealedBid(_)
        | Request::AmendBid(_)
        | Request::WithdrawBid(_)
        | Request::CloseSealedAuction(_) => sealed_command(ex, actor, req)?,
        Request::Kill(r) => Command::Kill {
            account: account(ex, &r.account)?,
        },
        Request::GetBook(r) => return book_query(ex, r).map(Err),
        Request::GetAccount(_) => return Ok(Err(Query::Account)),
        Request::GetGep(r) => {
            return Ok(Err(Query::Gep {
                instrument: instrument(ex, &r.instrument)?,
            }));
        }
    }))
}

/// The commands of sealed-bid auctions.
fn sealed_command(ex: &Exchange, actor: AccountId, req: &Request) -> Result<Command, EdgeError> {
    Ok(match req {
        Request::OpenSealedAuction(r) => Command::OpenSealedAuction(open_auction(ex, r)?),
        Request::SealedBid(r) => {
            let auction_id = id_of("auction_id", "BAD_AUCTION_ID", &r.auction_id)?;
            let inst = ex
                .auction_instrument(auction_id)
                .ok_or_else(|| EdgeError::new("UNKNOWN_AUCTION", "no open auction with this id"))?;
            Command::SealedBid {
                auction_id,
                price: price(ex, inst, &r.price)?,
                qty: qty(ex, inst, "qty", &r.qty)?,
            }
        }
        Request::AmendBid(r) => amend_bid(ex, actor, r)?,
        Request::WithdrawBid(r) => Command::WithdrawBid {
            bid_id: id_of("bid_id", "BAD_BID_ID", &r.bid_id)?,
        },
        Request::CloseSealedAuction(r) => Command::CloseSealedAuction {
            auction_id: id_of("auction_id", "BAD_AUCTION_ID", &r.auction_id)?,
        },
        _ => unreachable!("only sealed-bid auction requests come here"),
    })
}

fn qty_command(ex: &Exchange, req: &Request, r: &QtyReq) -> Result<Command, EdgeError> {
    let inst = instrument(ex, &r.instrument)?;
    let (account, qty) = (account(ex, &r.account)?, qty(ex, inst, "qty", &r.qty)?);
    Ok(match req {
        Request::Issue(_) => Command::Issue {
            account,
            instrument: inst,
            qty,
        },
        Request::Retire(_) => Command::Retire {
            account,
            instrument: inst,
            qty,
        },
        _ => Command::SetNeed {
            account,
            instrument: inst,
            qty,
        },
    })
}

fn new_order(ex: &Exchange, r: &NewOrderReq) -> Result<OrderRequest, EdgeError> {
    let inst = instrument(ex, &r.instrument)?;
    let price = match (r.kind, &r.price) {
        (KindW::Limit, Some(p)) => Some(price(ex, inst, p)?),
        (KindW::Limit, None) => {
            return Err(EdgeError::new(
                "MISSING_PRICE",
                "a limit order needs a price",
            ));
        }
        (KindW::Market, None) => None,
        (KindW::Market, Some(_)) => {
            return Err(EdgeError::new(
                "UNEXPECTED_PRICE",
                "a market order has no price",
            ));
        }
    };
    let client_order_id = match &r.client_order_id {
        Some(s) => Some(ClientOrderId::new(s).ok_or_else(|| {
            EdgeError::new(
                "BAD_CLIENT_ORDER_ID",
                "client_order_id: 1 to 36 printable ASCII characters",
            )
        })?),
        None => None,
    };
    let default_tif = if price.is_some() { Tif::Gtc } else { Tif::Ioc };
    Ok(OrderRequest {
        instrument: inst,
        side: if r.side == SideW::Buy {
            Side::Buy
        } else {
            Side::Sell
        },
        price,
        qty: qty(ex, inst, "qty", &r.qty)?,
        tif: r.tif.map_or(default_tif, |t| match t {
            TifW::Gtc => Tif::Gtc,
            TifW::Day => Tif::Day,
            TifW::Ioc => Tif::Ioc,
            TifW::Fok => Tif::Fok,
        }),
        post_only: r.post_only.unwrap_or(false),
        stp: r.stp.map(|s| match s {
            StpW::CancelNewest => Stp::CancelNewest,
            StpW::CancelOldest => Stp::CancelOldest,
            StpW::CancelBoth => Stp::CancelBoth,
            StpW::Decrement => Stp::Decrement,
        }),
        client_order_id,
    })
}

fn amend(ex: &Exchange, actor: AccountId, r: &AmendReq) -> Result<Command, EdgeError> {
    let id = order_id(&r.order_id)?;
    if r.price.is_none() && r.qty.is_none() {
        return Err(EdgeError::new(
            "BAD_REQUEST",
            "amend_order needs a price or a qty",
        ));
    }
    // Converting needs the order's instrument. Another account's order, or one that is not
    // open, is passed on unconverted so that the exchange refuses it as unknown (an edge error
    // about ticks would reveal that someone else's order exists).
    let Some(inst) = ex.order_instrument(id, actor) else {
        return Ok(Command::AmendOrder {
            order_id: id,
            price: None,
            qty: None,
        });
    };
    let price = r.price.as_deref().map(|p| price(ex, inst, p)).transpose()?;
    let qty = r
        .qty
        .as_deref()
        .map(|q| qty(ex, inst, "qty", q))
        .transpose()?;
    Ok(Command::AmendOrder {
        order_id: id,
        price,
        qty,
    })
}

/// An auction or bid id: a decimal string.
fn id_of(field: &str, code: &'static str, s: &str) -> Result<u64, EdgeError> {
    s.parse::<u64>()
        .map_err(|_| EdgeError::new(code, format!("{field} {s:?} is not an id")))
}

/// A purchase limit in percent of the offer (`"25"`, `"12.5"`), exactly in basis points.
fn limit_bps(field: &str, s: Option<&str>) -> Result<u16, EdgeError> {
    let Some(s) = s else {
        return Ok(DEFAULT_LIMIT_BPS);
    };
    let bad = || {
        EdgeError::new(
            "BAD_PURCHASE_LIMIT",
            format!("{field}: a percentage of the offer in steps of 0.01, above 0 and at most 100"),
        )
    };
    let bps = decimal(field, s)?
        .checked_mul(Decimal::ONE_HUNDRED)
        .ok_or_else(bad)?;
    if !bps.fract().is_zero() || bps <= Decimal::ZERO || bps > Decimal::from(10_000) {
        return Err(bad());
    }
    rust_decimal::prelude::ToPrimitive::to_u16(&bps).ok_or_else(bad)
}

/// The seed: 32 bytes as 64 hexadecimal digits.
fn seed(s: &str) -> Result<[u8; 32], EdgeError> {
    let bad = || EdgeError::new("BAD_SEED", "seed: 64 hexadecimal digits (32 bytes)");
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

fn open_auction(ex: &Exchange, r: &OpenAuctionReq) -> Result<AuctionTerms, EdgeError> {
    let inst = instrument(ex, &r.instrument)?;
    Ok(AuctionTerms {
        instrument: inst,
        seller: account(ex, &r.seller)?,
        offer: qty(ex, inst, "offer", &r.offer)?,
        reserve: price(ex, inst, &r.reserve)?,
        cap: r.cap.as_deref().map(|p| price(ex, inst, p)).transpose()?,
        format: match r.format.unwrap_or(FormatW::Uniform) {
            FormatW::Uniform => Format::Uniform,
            FormatW::PayAsBid => Format::PayAsBid,
        },
        tie_break: match r.tie_break.unwrap_or(TieBreakW::Random) {
            TieBreakW::Time => TieBreak::Time,
            TieBreakW::ProRata => TieBreak::ProRata,
            TieBreakW::Random => TieBreak::Random,
        },
        bidder_limit_bps: limit_bps("bidder_limit", r.bidder_limit.as_deref())?,
        group_limit_bps: limit_bps("group_limit", r.group_limit.as_deref())?,
        undersubscribed: match r.undersubscribed.unwrap_or(UndersubscribedW::Cancel) {
            UndersubscribedW::Cancel => Undersubscribed::Cancel,
            UndersubscribedW::SellAtReserve => Undersubscribed::SellAtReserve,
        },
        opens: crate::script::parse_time(Some(&r.opens_at))?,
        closes: crate::script::parse_time(Some(&r.closes_at))?,
        seed: seed(&r.seed)?,
    })
}

fn amend_bid(ex: &Exchange, actor: AccountId, r: &AmendBidReq) -> Result<Command, EdgeError> {
    let bid_id = id_of("bid_id", "BAD_BID_ID", &r.bid_id)?;
    if r.price.is_none() && r.qty.is_none() {
        return Err(EdgeError::new(
            "BAD_REQUEST",
            "amend_bid needs a price or a qty",
        ));
    }
    // As for amend_order: another account's bid goes on unconverted, to be refused as unknown
    // by the exchange without revealing that it exists.
    let Some(inst) = ex.bid_instrument(bid_id, actor) else {
        return Ok(Command::AmendBid {
            bid_id,
            price: None,
            qty: None,
        });
    };
    Ok(Command::AmendBid {
        bid_id,
        price: r.price.as_deref().map(|p| price(ex, inst, p)).transpose()?,
        qty: r
            .qty
            .as_deref()
            .map(|q| qty(ex, inst, "qty", q))
            .transpose()?,
    })
}
