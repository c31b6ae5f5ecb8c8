//! Requests: the JSON shape of every request, read with exact field checking (unknown fields
//! and ops are refused); `convert` turns them into exchange commands.

use ecomatch_engine::id::InstrumentId;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::error::{EdgeCode, EdgeError};
use super::req_id::ReqId;

/// A request line taken apart: the fields every request may carry, and the request itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    /// Echoed on the direct reply, exactly as sent.
    pub req_id: Option<ReqId>,
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
    /// Query (operators): every account's status and balances.
    GetAccounts(Empty),
    /// Query: the sender's open orders.
    GetOrders(Empty),
    /// Query: every county's record and trading of a GEP indicator.
    GetGep(InstrumentReq),
    /// Pledge lots to a pledgee.
    RegisterPledge(RegisterPledgeReq),
    /// The pledgee confirms a pending pledge.
    ConfirmPledge(PledgeRef),
    /// The pledgee declines a pending pledge, or the pledgor withdraws it.
    DeclinePledge(PledgeRef),
    /// The pledgee releases lots of a pledge.
    ReleasePledge(ReleasePledgeReq),
    /// The pledgee (or an operator) enforces a matured pledge.
    EnforcePledge(EnforcePledgeReq),
    /// The pledgee (or an operator) withdraws an enforcement.
    WithdrawEnforcement(PledgeRef),
    /// Query: the sender's pledges (an operator's: all).
    GetPledges(Empty),
    /// Query: the sender's open sealed bids.
    GetBids(Empty),
    /// Query: the open block proposals the sender made or received.
    GetBlocks(Empty),
    /// Query: which instruments the sender may buy and sell.
    GetPermissions(Empty),
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
                | Self::GetAccounts(_)
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
            Self::GetAccounts(_) => "get_accounts",
            Self::GetOrders(_) => "get_orders",
            Self::GetGep(_) => "get_gep",
            Self::RegisterPledge(_) => "register_pledge",
            Self::ConfirmPledge(_) => "confirm_pledge",
            Self::DeclinePledge(_) => "decline_pledge",
            Self::ReleasePledge(_) => "release_pledge",
            Self::EnforcePledge(_) => "enforce_pledge",
            Self::WithdrawEnforcement(_) => "withdraw_enforcement",
            Self::GetPledges(_) => "get_pledges",
            Self::GetBids(_) => "get_bids",
            Self::GetBlocks(_) => "get_blocks",
            Self::GetPermissions(_) => "get_permissions",
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
            Self::RegisterPledge(r) => Instrument(&r.instrument),
            Self::ConfirmPledge(r) | Self::DeclinePledge(r) | Self::WithdrawEnforcement(r) => {
                Id(&r.pledge_id)
            }
            Self::ReleasePledge(r) => Id(&r.pledge_id),
            Self::EnforcePledge(r) => Id(&r.pledge_id),
            Self::CancelOrder(r) | Self::OperatorCancel(r) => Id(&r.order_id),
            Self::AmendOrder(r) => Id(&r.order_id),
            Self::AcceptBlock(r) | Self::DeclineBlock(r) => Id(&r.block_id),
            Self::SealedBid(r) => Id(&r.auction_id),
            Self::CloseSealedAuction(r) => Id(&r.auction_id),
            Self::AmendBid(r) => Id(&r.bid_id),
            Self::WithdrawBid(r) => Id(&r.bid_id),
            Self::Deposit(r) | Self::Withdraw(r) => Shard(r.shard()),
            Self::SetAccountStatus(_)
            | Self::Kill(_)
            | Self::GetAccount(_)
            | Self::GetAccounts(_)
            | Self::GetOrders(_)
            | Self::GetPledges(_)
            | Self::GetBids(_)
            | Self::GetBlocks(_)
            | Self::GetPermissions(_) => Every,
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
    /// Every account's status and balances.
    Accounts,
    /// The sender's open orders.
    Orders,
    /// The sender's pledges, as pledgor or pledgee (an operator's: all).
    Pledges,
    /// The sender's open sealed bids.
    Bids,
    /// The open block proposals the sender made or received.
    Blocks,
    /// Which instruments the sender may buy and sell.
    Permissions,
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
    pub(super) instrument: String,
    pub(super) side: SideW,
    #[serde(rename = "type")]
    pub(super) kind: KindW,
    pub(super) price: Option<String>,
    pub(super) qty: String,
    pub(super) tif: Option<TifW>,
    pub(super) post_only: Option<bool>,
    pub(super) stp: Option<StpW>,
    pub(super) client_order_id: Option<String>,
}

/// `cancel_order`, `operator_cancel`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRef {
    pub(super) order_id: String,
}

/// `amend_order`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendReq {
    pub(super) order_id: String,
    pub(super) price: Option<String>,
    pub(super) qty: Option<String>,
}

/// `deposit`, `withdraw`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CashReq {
    pub(super) account: String,
    pub(super) amount: String,
    /// The shard whose sub-account is credited or debited (default 0, the home shard).
    pub(super) shard: Option<u32>,
}

/// `issue`, `retire`, `set_need`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QtyReq {
    pub(super) account: String,
    pub(super) instrument: String,
    pub(super) qty: String,
}

/// `set_gep`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GepReq {
    pub(super) account: String,
    pub(super) instrument: String,
    pub(super) target: String,
    pub(super) achieved: String,
}

/// `set_reference_price`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceReq {
    pub(super) instrument: String,
    pub(super) price: String,
}

/// `set_phase`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseReq {
    pub(super) instrument: String,
    pub(super) phase: PhaseW,
}

/// `set_account_status`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusReq {
    pub(super) account: String,
    pub(super) status: StatusW,
}

/// `kill`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountReq {
    pub(super) account: String,
}

/// `propose_block`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposeBlockReq {
    pub(super) instrument: String,
    pub(super) counterparty: String,
    pub(super) side: SideW,
    pub(super) price: String,
    pub(super) qty: String,
    pub(super) expires_at: Value,
}

/// `register_pledge`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterPledgeReq {
    pub(super) pledgee: String,
    pub(super) instrument: String,
    pub(super) qty: String,
    pub(super) secured_amount: String,
    pub(super) maturity: Value,
}

/// `confirm_pledge`, `decline_pledge`, `withdraw_enforcement`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PledgeRef {
    pub(super) pledge_id: String,
}

/// `release_pledge`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleasePledgeReq {
    pub(super) pledge_id: String,
    pub(super) qty: String,
}

/// `enforce_pledge`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnforcePledgeReq {
    pub(super) pledge_id: String,
    pub(super) reserve: String,
    pub(super) closes_at: Value,
}

/// `accept_block`, `decline_block`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockRef {
    pub(super) block_id: String,
}

/// `open_sealed_auction`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAuctionReq {
    pub(super) instrument: String,
    pub(super) seller: String,
    pub(super) offer: String,
    pub(super) reserve: String,
    pub(super) cap: Option<String>,
    pub(super) format: Option<FormatW>,
    pub(super) tie_break: Option<TieBreakW>,
    pub(super) bidder_limit: Option<String>,
    pub(super) group_limit: Option<String>,
    pub(super) undersubscribed: Option<UndersubscribedW>,
    pub(super) opens_at: Value,
    pub(super) closes_at: Value,
    pub(super) seed: String,
}

/// `sealed_bid`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedBidReq {
    pub(super) auction_id: String,
    pub(super) price: String,
    pub(super) qty: String,
}

/// `amend_bid`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendBidReq {
    pub(super) bid_id: String,
    pub(super) price: Option<String>,
    pub(super) qty: Option<String>,
}

/// `withdraw_bid`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BidRef {
    pub(super) bid_id: String,
}

/// `close_sealed_auction`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuctionRef {
    pub(super) auction_id: String,
}

/// `get_book`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookReq {
    pub(super) instrument: String,
    pub(super) depth: Option<u16>,
}

/// `get_gep`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentReq {
    pub(super) instrument: String,
}

/// A request without fields.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum SideW {
    Buy,
    Sell,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum KindW {
    Limit,
    Market,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum TifW {
    Gtc,
    Day,
    Ioc,
    Fok,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum StpW {
    CancelNewest,
    CancelOldest,
    CancelBoth,
    Decrement,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum PhaseW {
    Closed,
    Continuous,
    Halted,
    Call,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum FormatW {
    Uniform,
    PayAsBid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum TieBreakW {
    Time,
    ProRata,
    Random,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum UndersubscribedW {
    Cancel,
    SellAtReserve,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum StatusW {
    Active,
    Suspended,
}

/// Reads one request line. `script` says whether `as` and `at` are allowed.
pub fn parse_line(line: &str, script: bool) -> Envelope {
    let mut env = Envelope {
        req_id: None,
        actor: None,
        at: None,
        request: Err(EdgeError::new(EdgeCode::BadJson, "")),
    };
    let map: Map<String, Value> = match serde_json::from_str(line) {
        Ok(Value::Object(m)) => m,
        Ok(_) => {
            env.request = Err(EdgeError::new(
                EdgeCode::BadJson,
                "a request is a JSON object",
            ));
            return env;
        }
        Err(e) => {
            env.request = Err(EdgeError::new(EdgeCode::BadJson, e.to_string()));
            return env;
        }
    };
    parse_object(map, script, line)
}

/// Reads one request already parsed as a JSON object from `text` (the server looks at `op`
/// first, to handle its session requests itself). `script` says whether `as` and `at` are
/// allowed.
pub fn parse_object(mut map: Map<String, Value>, script: bool, text: &str) -> Envelope {
    let mut env = Envelope {
        req_id: None,
        actor: None,
        at: None,
        request: Err(EdgeError::new(EdgeCode::BadJson, "")),
    };
    env.req_id = map.remove("req_id").map(|v| ReqId::exact(&v, text));
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
            EdgeCode::UnknownOp
        } else {
            EdgeCode::BadRequest
        };
        EdgeError::new(code, msg)
    });
    env
}
