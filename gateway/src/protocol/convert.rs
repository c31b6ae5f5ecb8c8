//! Requests into exchange commands, at the edge: names into ids and decimals into ticks, lots
//! and fen, exactly (a price off the tick is refused, never rounded), against the catalogue,
//! so that the core thread never parses. Three requests name an order, a bid or an auction
//! whose instrument only the state knows; they leave the edge as a [`Pending`] draft with
//! their decimals read, and the core converts them with that instrument's tick and lot.

use ecomatch_engine::auction::sealed::{Format, TieBreak, Undersubscribed};
use ecomatch_engine::book::{Phase, Side, Stp, Tif};
use ecomatch_engine::id::{AccountId, AuctionId, BidId, BlockId, InstrumentId, OrderId};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::catalog::{Catalog, Product};
use ecomatch_exchange::command::AuctionTerms;
use ecomatch_exchange::sealed::DEFAULT_LIMIT_BPS;
use ecomatch_exchange::{ClientOrderId, Command, Exchange, OrderRequest};
use ecomatch_risk::account::AccountStatus;
use ecomatch_risk::gate::GepRecord;
use rust_decimal::Decimal;

use super::error::{EdgeCode, EdgeError};
use super::field::{account, converted, decimal, id_of, instrument, lots, qty, ticks};
use super::format::parse_time;
use super::request::{
    AmendBidReq, AmendReq, CashReq, FormatW, KindW, NewOrderReq, OpenAuctionReq, PhaseW, QtyReq,
    Query, Request, SideW, StatusW, StpW, TieBreakW, TifW, UndersubscribedW,
};

/// A request converted at the edge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Draft {
    /// A command, ready to be sequenced.
    Command(Command),
    /// A query, which takes no sequence number.
    Query(Query),
    /// A command whose prices and quantities wait for the instrument of what it names.
    Pending(Pending),
}

/// A command naming an order, a bid or an auction, with its decimals read but not yet in
/// that instrument's ticks and lots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    /// `amend_order`.
    AmendOrder {
        /// The order.
        order_id: OrderId,
        /// The new price.
        price: Option<Decimal>,
        /// The new total quantity.
        qty: Option<Decimal>,
    },
    /// `sealed_bid`.
    SealedBid {
        /// The auction.
        auction_id: AuctionId,
        /// The bid's price.
        price: Decimal,
        /// The bid's quantity.
        qty: Decimal,
    },
    /// `amend_bid`.
    AmendBid {
        /// The bid.
        bid_id: BidId,
        /// The new price.
        price: Option<Decimal>,
        /// The new quantity.
        qty: Option<Decimal>,
    },
    /// `release_pledge` and `enforce_pledge`: quantities and prices in the pledged
    /// instrument's lots and ticks.
    Pledge(super::pledge::PendingPledge),
}

/// `get_book`: the instrument, and a depth inside the contract's 1–100 levels.
fn book_query(catalog: &Catalog, r: &super::request::BookReq) -> Result<Query, EdgeError> {
    let depth = usize::from(r.depth.unwrap_or(10));
    if !(1..=100).contains(&depth) {
        return Err(EdgeError::new(
            EdgeCode::BadDepth,
            format!("depth {depth}: from 1 to 100 levels"),
        ));
    }
    Ok(Query::Book {
        instrument: instrument(catalog, &r.instrument)?.id,
        depth,
    })
}

fn price(p: &Product, s: &str) -> Result<Price, EdgeError> {
    ticks(p, decimal("price", s)?)
}

/// The amount of a deposit or withdrawal in a market of `shards` shards.
fn cash_of_shard(shards: u32, r: &CashReq) -> Result<Cash, EdgeError> {
    match r.shard {
        Some(k) if k >= shards => Err(EdgeError::new(
            EdgeCode::UnknownShard,
            format!(
                "shard {k} does not exist: this market has {shards} (0 to {})",
                shards - 1
            ),
        )),
        _ => converted("amount", Cash::from_decimal(decimal("amount", &r.amount)?)),
    }
}

impl CashReq {
    /// The shard named, 0 (the home shard) when none is.
    pub fn shard(&self) -> u32 {
        self.shard.unwrap_or(0)
    }
}

fn order_id(s: &str) -> Result<OrderId, EdgeError> {
    id_of("order_id", EdgeCode::BadOrderId, s).map(OrderId)
}

fn block_id(s: &str) -> Result<BlockId, EdgeError> {
    id_of("block_id", EdgeCode::BadBlockId, s).map(BlockId)
}

fn auction_id(s: &str) -> Result<AuctionId, EdgeError> {
    id_of("auction_id", EdgeCode::BadAuctionId, s).map(AuctionId)
}

fn bid_id(s: &str) -> Result<BidId, EdgeError> {
    id_of("bid_id", EdgeCode::BadBidId, s).map(BidId)
}

const fn side(s: SideW) -> Side {
    match s {
        SideW::Buy => Side::Buy,
        SideW::Sell => Side::Sell,
    }
}

/// Converts a request against the catalogue of a market of `shards` shards, with exact
/// decimals.
pub fn convert(catalog: &Catalog, shards: u32, req: &Request) -> Result<Draft, EdgeError> {
    let command = match req {
        Request::NewOrder(r) => Command::NewOrder(new_order(catalog, r)?),
        Request::CancelOrder(r) => Command::CancelOrder {
            order_id: order_id(&r.order_id)?,
        },
        Request::OperatorCancel(r) => Command::OperatorCancel {
            order_id: order_id(&r.order_id)?,
        },
        Request::AmendOrder(r) => return amend(r),
        Request::Deposit(r) | Request::Withdraw(r) => cash_command(catalog, shards, req, r)?,
        Request::Issue(r) | Request::Retire(r) | Request::SetNeed(r) => {
            qty_command(catalog, req, r)?
        }
        Request::SetGep(r) => set_gep(catalog, r)?,
        Request::SetReferencePrice(r) => {
            let p = instrument(catalog, &r.instrument)?;
            Command::SetReferencePrice {
                instrument: p.id,
                price: price(p, &r.price)?,
            }
        }
        Request::SetPhase(r) => set_phase(catalog, r)?,
        Request::SetAccountStatus(r) => set_status(catalog, r)?,
        Request::Kill(r) => Command::Kill {
            account: account(catalog, &r.account)?,
        },
        Request::ProposeBlock(r) => propose_block(catalog, r)?,
        Request::AcceptBlock(r) => Command::AcceptBlock {
            block_id: block_id(&r.block_id)?,
        },
        Request::DeclineBlock(r) => Command::DeclineBlock {
            block_id: block_id(&r.block_id)?,
        },
        Request::OpenSealedAuction(r) => Command::OpenSealedAuction(open_auction(catalog, r)?),
        Request::SealedBid(r) => return sealed_bid(r),
        Request::AmendBid(r) => return amend_bid(r),
        Request::WithdrawBid(r) => Command::WithdrawBid {
            bid_id: bid_id(&r.bid_id)?,
        },
        Request::CloseSealedAuction(r) => Command::CloseSealedAuction {
            auction_id: auction_id(&r.auction_id)?,
        },
        Request::GetBook(r) => return book_query(catalog, r).map(Draft::Query),
        Request::GetAccount(_) => return Ok(Draft::Query(Query::Account)),
        Request::GetAccounts(_) => return Ok(Draft::Query(Query::Accounts)),
        Request::GetOrders(_) => return Ok(Draft::Query(Query::Orders)),
        Request::GetPledges(_) => return Ok(Draft::Query(Query::Pledges)),
        Request::GetBids(_) => return Ok(Draft::Query(Query::Bids)),
        Request::GetBlocks(_) => return Ok(Draft::Query(Query::Blocks)),
        Request::GetPermissions(_) => return Ok(Draft::Query(Query::Permissions)),
        Request::RegisterPledge(r) => super::pledge::register(catalog, r)?,
        Request::ConfirmPledge(r) => Command::ConfirmPledge {
            pledge_id: super::pledge::pledge_id(&r.pledge_id)?,
        },
        Request::DeclinePledge(r) => Command::DeclinePledge {
            pledge_id: super::pledge::pledge_id(&r.pledge_id)?,
        },
        Request::WithdrawEnforcement(r) => Command::WithdrawEnforcement {
            pledge_id: super::pledge::pledge_id(&r.pledge_id)?,
        },
        Request::ReleasePledge(r) => {
            return Ok(Draft::Pending(Pending::Pledge(super::pledge::release(r)?)));
        }
        Request::EnforcePledge(r) => {
            return Ok(Draft::Pending(Pending::Pledge(super::pledge::enforce(r)?)));
        }
        Request::GetGep(r) => {
            return Ok(Draft::Query(Query::Gep {
                instrument: instrument(catalog, &r.instrument)?.id,
            }));
        }
    };
    Ok(Draft::Command(command))
}

fn cash_command(
    catalog: &Catalog,
    shards: u32,
    req: &Request,
    r: &CashReq,
) -> Result<Command, EdgeError> {
    let (account, amount) = (account(catalog, &r.account)?, cash_of_shard(shards, r)?);
    Ok(if matches!(req, Request::Deposit(_)) {
        Command::Deposit { account, amount }
    } else {
        Command::Withdraw { account, amount }
    })
}

fn set_gep(catalog: &Catalog, r: &super::request::GepReq) -> Result<Command, EdgeError> {
    let p = instrument(catalog, &r.instrument)?;
    let record = GepRecord {
        target: qty(p, "target", &r.target)?.lots(),
        achieved: qty(p, "achieved", &r.achieved)?.lots(),
    };
    Ok(Command::SetGep {
        account: account(catalog, &r.account)?,
        instrument: p.id,
        record,
    })
}

fn set_phase(catalog: &Catalog, r: &super::request::PhaseReq) -> Result<Command, EdgeError> {
    Ok(Command::SetPhase {
        instrument: instrument(catalog, &r.instrument)?.id,
        phase: match r.phase {
            PhaseW::Closed => Phase::Closed,
            PhaseW::Continuous => Phase::Continuous,
            PhaseW::Halted => Phase::Halted,
            PhaseW::Call => Phase::Call,
        },
    })
}

fn set_status(catalog: &Catalog, r: &super::request::StatusReq) -> Result<Command, EdgeError> {
    Ok(Command::SetAccountStatus {
        account: account(catalog, &r.account)?,
        status: match r.status {
            StatusW::Active => AccountStatus::Active,
            StatusW::Suspended => AccountStatus::Suspended,
        },
    })
}

fn propose_block(
    catalog: &Catalog,
    r: &super::request::ProposeBlockReq,
) -> Result<Command, EdgeError> {
    let p = instrument(catalog, &r.instrument)?;
    Ok(Command::ProposeBlock {
        instrument: p.id,
        counterparty: account(catalog, &r.counterparty)?,
        side: side(r.side),
        price: price(p, &r.price)?,
        qty: qty(p, "qty", &r.qty)?,
        expires: parse_time(Some(&r.expires_at))?,
    })
}

fn sealed_bid(r: &super::request::SealedBidReq) -> Result<Draft, EdgeError> {
    Ok(Draft::Pending(Pending::SealedBid {
        auction_id: auction_id(&r.auction_id)?,
        price: decimal("price", &r.price)?,
        qty: decimal("qty", &r.qty)?,
    }))
}

fn qty_command(catalog: &Catalog, req: &Request, r: &QtyReq) -> Result<Command, EdgeError> {
    let p = instrument(catalog, &r.instrument)?;
    let (account, instrument, qty) = (account(catalog, &r.account)?, p.id, qty(p, "qty", &r.qty)?);
    Ok(match req {
        Request::Issue(_) => Command::Issue {
            account,
            instrument,
            qty,
        },
        Request::Retire(_) => Command::Retire {
            account,
            instrument,
            qty,
        },
        _ => Command::SetNeed {
            account,
            instrument,
            qty,
        },
    })
}

fn new_order(catalog: &Catalog, r: &NewOrderReq) -> Result<OrderRequest, EdgeError> {
    let p = instrument(catalog, &r.instrument)?;
    let limit = match (r.kind, &r.price) {
        (KindW::Limit, Some(x)) => Some(price(p, x)?),
        (KindW::Limit, None) => {
            return Err(EdgeError::new(
                EdgeCode::MissingPrice,
                "a limit order needs a price",
            ));
        }
        (KindW::Market, None) => None,
        (KindW::Market, Some(_)) => {
            return Err(EdgeError::new(
                EdgeCode::UnexpectedPrice,
                "a market order has no price",
            ));
        }
    };
    let client_order_id = match &r.client_order_id {
        Some(s) => Some(ClientOrderId::new(s).ok_or_else(|| {
            EdgeError::new(
                EdgeCode::BadClientOrderId,
                "client_order_id: 1 to 36 printable ASCII characters",
            )
        })?),
        None => None,
    };
    let default_tif = if limit.is_some() { Tif::Gtc } else { Tif::Ioc };
    Ok(OrderRequest {
        instrument: p.id,
        side: side(r.side),
        price: limit,
        qty: qty(p, "qty", &r.qty)?,
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

/// The new price and quantity of an amendment, read; one of them must be given.
fn amendment(
    op: &str,
    price: Option<&str>,
    qty: Option<&str>,
) -> Result<(Option<Decimal>, Option<Decimal>), EdgeError> {
    if price.is_none() && qty.is_none() {
        return Err(EdgeError::new(
            EdgeCode::BadRequest,
            format!("{op} needs a price or a qty"),
        ));
    }
    Ok((
        price.map(|x| decimal("price", x)).transpose()?,
        qty.map(|x| decimal("qty", x)).transpose()?,
    ))
}

fn amend(r: &AmendReq) -> Result<Draft, EdgeError> {
    let order_id = order_id(&r.order_id)?;
    let (price, qty) = amendment("amend_order", r.price.as_deref(), r.qty.as_deref())?;
    Ok(Draft::Pending(Pending::AmendOrder {
        order_id,
        price,
        qty,
    }))
}

fn amend_bid(r: &AmendBidReq) -> Result<Draft, EdgeError> {
    let bid_id = bid_id(&r.bid_id)?;
    let (price, qty) = amendment("amend_bid", r.price.as_deref(), r.qty.as_deref())?;
    Ok(Draft::Pending(Pending::AmendBid { bid_id, price, qty }))
}

/// A purchase limit in percent of the offer (`"25"`, `"12.5"`), exactly in basis points.
fn limit_bps(field: &str, s: Option<&str>) -> Result<u16, EdgeError> {
    let Some(s) = s else {
        return Ok(DEFAULT_LIMIT_BPS);
    };
    let bad = || {
        EdgeError::new(
            EdgeCode::BadPurchaseLimit,
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
    let bad = || EdgeError::new(EdgeCode::BadSeed, "seed: 64 hexadecimal digits (32 bytes)");
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

fn open_auction(catalog: &Catalog, r: &OpenAuctionReq) -> Result<AuctionTerms, EdgeError> {
    let p = instrument(catalog, &r.instrument)?;
    Ok(AuctionTerms {
        instrument: p.id,
        seller: account(catalog, &r.seller)?,
        offer: qty(p, "offer", &r.offer)?,
        reserve: price(p, &r.reserve)?,
        cap: r.cap.as_deref().map(|x| price(p, x)).transpose()?,
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
        opens: parse_time(Some(&r.opens_at))?,
        closes: parse_time(Some(&r.closes_at))?,
        seed: seed(&r.seed)?,
    })
}

impl Pending {
    /// The command, once the exchange that holds what it names gives its instrument.
    /// Another account's order or bid, or one that is not open, goes on unconverted, for the
    /// exchange to refuse as unknown: an edge error about ticks would reveal that someone
    /// else's order exists.
    pub fn resolve(self, ex: &Exchange, actor: AccountId) -> Result<Command, EdgeError> {
        let product = |i: Option<InstrumentId>| i.and_then(|i| ex.catalog().product(i));
        Ok(match self {
            Self::AmendOrder {
                order_id,
                price,
                qty,
            } => {
                let (price, qty) = match product(ex.order_instrument(order_id, actor)) {
                    None => (None, None),
                    Some(p) => amended(p, price, qty)?,
                };
                Command::AmendOrder {
                    order_id,
                    price,
                    qty,
                }
            }
            Self::SealedBid {
                auction_id,
                price,
                qty,
            } => {
                let p = product(ex.auction_instrument(auction_id)).ok_or_else(|| {
                    EdgeError::new(EdgeCode::UnknownAuction, "no open auction with this id")
                })?;
                Command::SealedBid {
                    auction_id,
                    price: ticks(p, price)?,
                    qty: lots(p, "qty", qty)?,
                }
            }
            Self::AmendBid { bid_id, price, qty } => {
                let (price, qty) = match product(ex.bid_instrument(bid_id, actor)) {
                    None => (None, None),
                    Some(p) => amended(p, price, qty)?,
                };
                Command::AmendBid { bid_id, price, qty }
            }
            Self::Pledge(p) => p.resolve(ex)?,
        })
    }
}

fn amended(
    p: &Product,
    price: Option<Decimal>,
    qty: Option<Decimal>,
) -> Result<(Option<Price>, Option<Qty>), EdgeError> {
    Ok((
        price.map(|x| ticks(p, x)).transpose()?,
        qty.map(|x| lots(p, "qty", x)).transpose()?,
    ))
}

impl Draft {
    /// The command or query, converting a pending draft against `ex` for `actor`.
    pub fn resolve(
        self,
        ex: &Exchange,
        actor: AccountId,
    ) -> Result<Result<Command, Query>, EdgeError> {
        match self {
            Self::Command(c) => Ok(Ok(c)),
            Self::Query(q) => Ok(Err(q)),
            Self::Pending(p) => p.resolve(ex, actor).map(Ok),
        }
    }
}

/// Converts a request of `actor` straight against one exchange holding the whole market (the
/// script front end, tests, the simulator): [`convert`] against its catalogue, then
/// [`Draft::resolve`].
pub fn to_command(
    ex: &Exchange,
    actor: AccountId,
    req: &Request,
) -> Result<Result<Command, Query>, EdgeError> {
    let shards = ex.id_space().place().1;
    convert(ex.catalog(), shards, req)?.resolve(ex, actor)
}
