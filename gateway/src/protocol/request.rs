//! Requests: JSON in, exchange commands out.

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
use serde::Deserialize;
use serde_json::{Map, Value};

use super::EdgeError;

/// A request line taken apart: the fields every request may carry, and the request itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    /// Echoed on the direct reply.
    pub req_id: Option<Value>,
    /// `ecomatch script` only: the acting account's name.
    pub actor: Option<String>,
    /// `ecomatch script` only: the time, RFC 3339 or milliseconds since the epoch.
    pub at: Option<Value>,
    /// The request, or why it could not be read.
    pub request: Result<Request, EdgeError>,
}

/// Every request of the protocol.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Enter an order.
    NewOrder(NewOrderReq),
    /// Cancel an order.
    CancelOrder(OrderRef),
    /// Amend an order.
    AmendOrder(AmendReq),
    /// Operator: credit cash.
    Deposit(CashReq),
    /// Operator: debit cash.
    Withdraw(CashReq),
    /// Operator: issue lots.
    Issue(QtyReq),
    /// Retire lots (holder or operator).
    Retire(QtyReq),
    /// Operator: a county's verified GEP target and achievement.
    SetGep(GepReq),
    /// Operator: an approved requirement.
    SetNeed(QtyReq),
    /// Operator: the reference price.
    SetReferencePrice(PriceReq),
    /// Operator: the trading phase.
    SetPhase(PhaseReq),
    /// Operator: suspend or reactivate an account.
    SetAccountStatus(StatusReq),
    /// Operator: the kill switch.
    Kill(AccountReq),
    /// Operator: cancel anyone's order.
    OperatorCancel(OrderRef),
    /// Propose a block trade to a counterparty.
    ProposeBlock(ProposeBlockReq),
    /// Accept a block trade proposal.
    AcceptBlock(BlockRef),
    /// Decline (counterparty) or withdraw (proposer) a block trade proposal.
    DeclineBlock(BlockRef),
    /// Operator: open a sealed-bid auction of a seller's quantity.
    OpenSealedAuction(OpenAuctionReq),
    /// A sealed bid in an open auction.
    SealedBid(SealedBidReq),
    /// Amend one of the sender's sealed bids.
    AmendBid(AmendBidReq),
    /// Withdraw one of the sender's sealed bids.
    WithdrawBid(BidRef),
    /// Operator: close a sealed-bid auction and publish its result.
    CloseSealedAuction(AuctionRef),
    /// Query: the book of an instrument.
    GetBook(BookReq),
    /// Query: the sender's balances.
    GetAccount(Empty),
    /// Query: every county's record and trading of a GEP indicator.
    GetGep(InstrumentReq),
}

impl Request {
    /// Whether only operators may send it. The exchange refuses these from anyone else too;
    /// the server checks first so that a participant's attempt never reaches the log.
    pub fn operator_only(&self) -> bool {
        matches!(
            self,
            Self::Deposit(_)
                | Self::Withdraw(_)
                | Self::Issue(_)
                | Self::SetGep(_)
                | Self::SetNeed(_)
                | Self::SetReferencePrice(_)
                | Self::SetPhase(_)
                | Self::SetAccountStatus(_)
                | Self::Kill(_)
                | Self::OperatorCancel(_)
                | Self::OpenSealedAuction(_)
                | Self::CloseSealedAuction(_)
        )
    }

    /// The request's `op`, for metrics.
    pub fn op(&self) -> &'static str {
        match self {
            Self::NewOrder(_) => "new_order",
            Self::CancelOrder(_) => "cancel_order",
            Self::AmendOrder(_) => "amend_order",
            Self::Deposit(_) => "deposit",
            Self::Withdraw(_) => "withdraw",
            Self::Issue(_) => "issue",
            Self::Retire(_) => "retire",
            Self::SetGep(_) => "set_gep",
            Self::SetNeed(_) => "set_need",
            Self::SetReferencePrice(_) => "set_reference_price",
            Self::SetPhase(_) => "set_phase",
            Self::SetAccountStatus(_) => "set_account_status",
            Self::Kill(_) => "kill",
            Self::OperatorCancel(_) => "operator_cancel",
            Self::ProposeBlock(_) => "propose_block",
            Self::AcceptBlock(_) => "accept_block",
            Self::DeclineBlock(_) => "decline_block",
            Self::GetBook(_) => "get_book",
            Self::GetAccount(_) => "get_account",
            Self::GetGep(_) => "get_gep",
            Self::OpenSealedAuction(_) => "open_sealed_auction",
            Self::SealedBid(_) => "sealed_bid",
            Self::AmendBid(_) => "amend_bid",
            Self::WithdrawBid(_) => "withdraw_bid",
            Self::CloseSealedAuction(_) => "close_sealed_auction",
        }
    }
}

/// Which shard a request belongs to, as far as the request itself says: the server maps an
/// instrument to the shard that trades it, and an id to the shard that numbered it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardKey<'a> {
    /// The shard that trades this instrument.
    Instrument(&'a str),
    /// The shard that numbered this id (an order, block proposal, auction or bid).
    Id(&'a str),
    /// A shard named by number (the sub-account of a deposit or withdrawal).
    Shard(u32),
    /// Every shard: an account's status, the kill switch, and `get_account`.
    Every,
}

impl Request {
    /// Which shard the request belongs to.
    pub fn shard_key(&self) -> ShardKey<'_> {
        use ShardKey::{Every, Id, Instrument, Shard};
        match self {
            Self::NewOrder(r) => Instrument(&r.instrument),
            Self::Issue(r) | Self::Retire(r) | Self::SetNeed(r) => Instrument(&r.instrument),
            Self::SetGep(r) => Instrument(&r.instrument),
            Self::SetReferencePrice(r) => Instrument(&r.instrument),
            Self::SetPhase(r) => Instrument(&r.instrument),
            Self::ProposeBlock(r) => Instrument(&r.instrument),
            Self::OpenSealedAuction(r) => Instrument(&r.instrument),
            Self::GetBook(r) => Instrument(&r.instrument),
            Self::GetGep(r) => Instrument(&r.instrument),
            Self::CancelOrder(r) | Self::OperatorCancel(r) => Id(&r.order_id),
            Self::AmendOrder(r) => Id(&r.order_id),
            Self::AcceptBlock(r) | Self::DeclineBlock(r) => Id(&r.block_id),
            Self::SealedBid(r) => Id(&r.auction_id),
            Self::CloseSealedAuction(r) => Id(&r.auction_id),
            Self::AmendBid(r) => Id(&r.bid_id),
            Self::WithdrawBid(r) => Id(&r.bid_id),
            Self::Deposit(r) | Self::Withdraw(r) => Shard(r.shard()),
            Self::SetAccountStatus(_) | Self::Kill(_) | Self::GetAccount(_) => Every,
        }
    }
}

/// A request that reads and changes nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// Levels of a book.
    Book {
        /// The instrument.
        instrument: InstrumentId,
        /// How many levels per side.
        depth: usize,
    },
    /// The sender's balances.
    Account,
    /// Every county's GEP record and trading of a GEP indicator.
    Gep {
        /// The indicator.
        instrument: InstrumentId,
    },
}

/// `new_order`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrderReq {
    instrument: String,
    side: SideW,
    #[serde(rename = "type")]
    kind: KindW,
    price: Option<String>,
    qty: String,
    tif: Option<TifW>,
    post_only: Option<bool>,
    stp: Option<StpW>,
    client_order_id: Option<String>,
}

/// `cancel_order`, `operator_cancel`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRef {
    order_id: String,
}

/// `amend_order`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendReq {
    order_id: String,
    price: Option<String>,
    qty: Option<String>,
}

/// `deposit`, `withdraw`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CashReq {
    account: String,
    amount: String,
    /// The shard whose sub-account is credited or debited (default 0, the home shard).
    shard: Option<u32>,
}

/// `issue`, `retire`, `set_need`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QtyReq {
    account: String,
    instrument: String,
    qty: String,
}

/// `set_gep`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GepReq {
    account: String,
    instrument: String,
    target: String,
    achieved: String,
}

/// `set_reference_price`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceReq {
    instrument: String,
    price: String,
}

/// `set_phase`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseReq {
    instrument: String,
    phase: PhaseW,
}

/// `set_account_status`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusReq {
    account: String,
    status: StatusW,
}

/// `kill`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountReq {
    account: String,
}

/// `propose_block`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposeBlockReq {
    instrument: String,
    counterparty: String,
    side: SideW,
    price: String,
    qty: String,
    expires_at: Value,
}

/// `accept_block`, `decline_block`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockRef {
    block_id: String,
}

/// `open_sealed_auction`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAuctionReq {
    instrument: String,
    seller: String,
    offer: String,
    reserve: String,
    cap: Option<String>,
    format: Option<FormatW>,
    tie_break: Option<TieBreakW>,
    bidder_limit: Option<String>,
    group_limit: Option<String>,
    undersubscribed: Option<UndersubscribedW>,
    opens_at: Value,
    closes_at: Value,
    seed: String,
}

/// `sealed_bid`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedBidReq {
    auction_id: String,
    price: String,
    qty: String,
}

/// `amend_bid`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendBidReq {
    bid_id: String,
    price: Option<String>,
    qty: Option<String>,
}

/// `withdraw_bid`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BidRef {
    bid_id: String,
}

/// `close_sealed_auction`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuctionRef {
    auction_id: String,
}

/// `get_book`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookReq {
    instrument: String,
    depth: Option<u16>,
}

/// `get_gep`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentReq {
    instrument: String,
}

/// A request without fields.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum SideW {
    Buy,
    Sell,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindW {
    Limit,
    Market,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TifW {
    Gtc,
    Day,
    Ioc,
    Fok,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StpW {
    CancelNewest,
    CancelOldest,
    CancelBoth,
    Decrement,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PhaseW {
    Closed,
    Continuous,
    Halted,
    Call,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FormatW {
    Uniform,
    PayAsBid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TieBreakW {
    Time,
    ProRata,
    Random,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum UndersubscribedW {
    Cancel,
    SellAtReserve,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StatusW {
    Active,
    Suspended,
}

/// Reads one request line. `script` says whether `as` and `at` are allowed.
pub fn parse_line(line: &str, script: bool) -> Envelope {
    let mut env = Envelope {
        req_id: None,
        actor: None,
        at: None,
        request: Err(EdgeError::new("BAD_JSON", "")),
    };
    let map: Map<String, Value> = match serde_json::from_str(line) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            env.request = Err(EdgeError::new("BAD_JSON", "a request is a JSON object"));
            return env;
        }
        Err(e) => {
            env.request = Err(EdgeError::new("BAD_JSON", e.to_string()));
            return env;
        }
    };
    parse_object(map, script)
}

/// Reads one request already parsed as a JSON object (the server looks at `op` first, to
/// handle its session requests itself). `script` says whether `as` and `at` are allowed.
pub fn parse_object(mut map: Map<String, Value>, script: bool) -> Envelope {
    let mut env = Envelope {
        req_id: None,
        actor: None,
        at: None,
        request: Err(EdgeError::new("BAD_JSON", "")),
    };
    env.req_id = map.remove("req_id");
    if script {
        env.actor = map.remove("as").and_then(|v| v.as_str().map(str::to_owned));
        env.at = map.remove("at");
    }
    let op = map.get("op").and_then(Value::as_str).map(str::to_owned);
    env.request = serde_json::from_value(Value::Object(map)).map_err(|e| {
        let msg = e.to_string();
        // serde names an unknown tag "unknown variant `op`": an unknown op, not a bad field.
        let unknown_op = op.is_some_and(|op| msg.starts_with(&format!("unknown variant `{op}`")));
        let code = if unknown_op {
            "UNKNOWN_OP"
        } else {
            "BAD_REQUEST"
        };
        EdgeError::new(code, msg)
    });
    env
}

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
        Request::GetBook(r) => {
            let depth = usize::from(r.depth.unwrap_or(10)).clamp(1, 100);
            return Ok(Err(Query::Book {
                instrument: instrument(ex, &r.instrument)?,
                depth,
            }));
        }
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
