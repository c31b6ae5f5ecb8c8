//! Every message the protocol writes, one `Serialize` struct per reply type of
//! docs/PROTOCOL.md, with its fields in the documented order. Decimals are exact (`Decimal`
//! writes its places as a string), ids are strings, times RFC 3339. A message is written by
//! [`Framed`]: `to` first where there is a recipient, then `type`, then the `req_id` of the
//! direct reply, then the body's fields.
//!
//! The fields carry the protocol's names and are described where clients read them, in the
//! reply tables of docs/PROTOCOL.md (`gateway/tests/protocol_codes.rs` checks every golden
//! message's type and fields against them), so they carry no doc comments of their own.
#![allow(missing_docs)]

use core::fmt::Display;

use ecomatch_engine::id::{AuctionId, BidId, BlockId, InstrumentId, OrderId, Timestamp, TradeId};
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

use super::format::rfc3339;
use super::req_id::ReqId;

/// A value written as its display string: ids (`"42"`) and instrument codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shown<T>(pub T);

impl<T: Display> Serialize for Shown<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A time, RFC 3339 with milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Time(pub Timestamp);

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rfc3339(self.0))
    }
}

/// An instrument code.
pub type Code = Shown<InstrumentId>;

/// `order`: an execution report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Order {
    pub order_id: Shown<OrderId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_order_id: Option<String>,
    pub instrument: Code,
    pub side: &'static str,
    pub price: Decimal,
    pub qty: Decimal,
    pub filled_qty: Decimal,
    pub leaves_qty: Decimal,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
}

/// `fill`: one side of a trade, to the order's owner.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fill {
    pub order_id: Shown<OrderId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_order_id: Option<String>,
    pub instrument: Code,
    pub trade_id: Shown<TradeId>,
    pub side: &'static str,
    pub price: Decimal,
    pub qty: Decimal,
    pub leaves_qty: Decimal,
    pub status: &'static str,
    pub liquidity: &'static str,
    pub fee: Decimal,
}

/// `reject`: a refusal, with its stable code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reject {
    pub code: &'static str,
    pub message: String,
}

/// `done`: an operator command succeeded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Done {
    pub op: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auction_id: Option<Shown<AuctionId>>,
}

/// `cash`: an account's cash after an operator changed it; also a part of `account`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Cash {
    pub available: Decimal,
    pub held: Decimal,
}

/// `holding`: an account's lots of an instrument; also a part of `account`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Holding {
    pub instrument: Code,
    pub available: Decimal,
    pub held: Decimal,
    /// In an `account` answer, the lots pledged, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pledged: Option<Decimal>,
}

/// `account_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct AccountStatus {
    pub status: &'static str,
}

/// `block`: a block trade proposal, to both parties.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Block {
    pub block_id: Shown<BlockId>,
    pub instrument: Code,
    pub side: &'static str,
    pub counterparty: String,
    pub price: Decimal,
    pub qty: Decimal,
    pub expires_at: Time,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trade_id: Option<Shown<TradeId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee: Option<Decimal>,
    pub proposer: String,
}

/// `trade`: a continuous-book trade.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Trade {
    pub instrument: Code,
    pub seq: u64,
    pub trade_id: Shown<TradeId>,
    pub price: Decimal,
    pub qty: Decimal,
    pub aggressor: &'static str,
    pub time: Time,
}

/// `book_update`: a level's total now, with the book checksum after it (added by the server).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct BookUpdate {
    pub instrument: Code,
    pub seq: u64,
    pub side: &'static str,
    pub price: Decimal,
    pub qty: Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<u32>,
}

/// `auction`: a call auction's indicative state.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Auction {
    pub instrument: Code,
    pub seq: u64,
    pub indicative_price: Option<Decimal>,
    pub volume: Decimal,
    pub surplus: Decimal,
    pub surplus_side: Option<&'static str>,
}

/// `auction_trade` and `block_trade`: a trade printed outside the continuous book.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Print {
    pub instrument: Code,
    pub seq: u64,
    pub trade_id: Shown<TradeId>,
    pub price: Decimal,
    pub qty: Decimal,
    pub time: Time,
}

/// `phase`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Phase {
    pub instrument: Code,
    pub seq: u64,
    pub phase: &'static str,
}

/// `reference_price`: the reference in force and its band.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Reference {
    pub instrument: Code,
    pub seq: u64,
    pub price: Decimal,
    pub band: [Decimal; 2],
}

/// `bid`: a report on one sealed bid, to its bidder.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bid {
    pub auction_id: Shown<AuctionId>,
    pub bid_id: Shown<BidId>,
    pub instrument: Code,
    pub price: Decimal,
    pub qty: Decimal,
    pub filled_qty: Decimal,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    pub collateral: Decimal,
}

/// `sealed_fill`: a trade of a sealed-bid auction, to the bidder or the seller.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SealedFill {
    pub auction_id: Shown<AuctionId>,
    pub instrument: Code,
    pub trade_id: Shown<TradeId>,
    pub side: &'static str,
    pub price: Decimal,
    pub qty: Decimal,
    pub fee: Decimal,
}

/// `sealed_auction`: an auction's opening notice.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SealedAuction {
    pub instrument: Code,
    pub seq: u64,
    pub auction_id: Shown<AuctionId>,
    pub seller: String,
    pub offer: Decimal,
    pub reserve: Decimal,
    pub cap: Option<Decimal>,
    pub format: &'static str,
    pub tie_break: &'static str,
    pub bidder_limit: Decimal,
    pub group_limit: Decimal,
    pub undersubscribed: &'static str,
    pub opens_at: Time,
    pub closes_at: Time,
    pub seed_hash: String,
}

/// `sealed_trade`: a trade of a sealed-bid auction, public.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SealedTrade {
    pub instrument: Code,
    pub seq: u64,
    pub auction_id: Shown<AuctionId>,
    pub trade_id: Shown<TradeId>,
    pub price: Decimal,
    pub qty: Decimal,
    pub time: Time,
}

/// `allocation`: what one bidder won.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Allocation {
    pub instrument: Code,
    pub seq: u64,
    pub auction_id: Shown<AuctionId>,
    pub bidder: String,
    pub qty: Decimal,
    pub value: Decimal,
}

/// `sealed_result`: an auction's result, with the revealed seed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SealedResult {
    pub instrument: Code,
    pub seq: u64,
    pub auction_id: Shown<AuctionId>,
    pub status: &'static str,
    pub clearing_price: Option<Decimal>,
    pub offer: Decimal,
    pub sold: Decimal,
    pub unsold: Decimal,
    pub total_bid: Decimal,
    pub bid_to_cover: Decimal,
    pub bidders: u32,
    pub winners: u32,
    pub seed: String,
    pub time: Time,
}

/// `book`, the answer to `get_book`: the top levels of each side, best first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Book {
    pub instrument: Code,
    pub phase: &'static str,
    pub bids: Vec<[Decimal; 2]>,
    pub asks: Vec<[Decimal; 2]>,
}

/// One shard's part of an account, in a sharded market's `account` answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SubAccount {
    pub shard: u32,
    pub status: &'static str,
    pub cash: Cash,
}

/// `account`, the answer to `get_account`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Account {
    pub account: String,
    pub kind: &'static str,
    pub status: &'static str,
    pub cash: Cash,
    pub holdings: Vec<Holding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_accounts: Option<Vec<SubAccount>>,
}

/// One county of a `gep` answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct County {
    pub account: String,
    pub target: Decimal,
    pub achieved: Decimal,
    pub shortfall: Decimal,
    pub surplus: Decimal,
    pub bought: Decimal,
    pub sold: Decimal,
    pub open_buy: Decimal,
    pub open_sell: Decimal,
    pub may_buy: Decimal,
    pub may_sell: Decimal,
}

/// `accounts`, the answer to `get_accounts` (operators).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Accounts {
    pub accounts: Vec<Account>,
}

/// `orders`, the answer to `get_orders`: the sender's open orders.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Orders {
    pub orders: Vec<Order>,
}

/// `pledge`: a pledge after a change, to its pledgor and its pledgee.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pledge {
    pub pledge_id: Shown<ecomatch_engine::id::PledgeId>,
    pub pledgor: String,
    pub pledgee: String,
    pub instrument: Code,
    pub qty: Decimal,
    pub secured_amount: Decimal,
    pub maturity: Time,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auction_id: Option<Shown<AuctionId>>,
    pub recovered: Decimal,
}

/// One instrument of `permissions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Permission {
    pub instrument: Code,
    pub buy: bool,
    pub sell: bool,
}

/// `permissions`, the answer to `get_permissions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Permissions {
    pub instruments: Vec<Permission>,
}

/// One fill of `fills`: its type (`fill`, `sealed_fill`), the time of the command that made
/// it, and its fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Filled {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub time: Time,
    #[serde(flatten)]
    pub fill: Body,
}

/// `fills`, the answer to `get_fills`: the sender's latest fills since the server started.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fills {
    pub fills: Vec<Filled>,
}

/// `bids`, the answer to `get_bids`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bids {
    pub bids: Vec<Bid>,
}

/// `blocks`, the answer to `get_blocks`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Blocks {
    pub blocks: Vec<Block>,
}

/// `pledges`, the answer to `get_pledges`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pledges {
    pub pledges: Vec<Pledge>,
}

/// `disposal`: a disposal auction of pledged lots opened, withdrawn or closed (public).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Disposal {
    pub instrument: Code,
    pub seq: u64,
    pub pledge_id: Shown<ecomatch_engine::id::PledgeId>,
    pub auction_id: Shown<AuctionId>,
    pub pledgee: String,
    pub status: &'static str,
    pub offer: Decimal,
    pub sold: Decimal,
}

/// One account of `directory`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Listing {
    pub account: String,
    pub kind: &'static str,
    pub name_zh: String,
    pub name_en: String,
}

/// `directory`, the answer to `get_directory`: every account's kind and display names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Directory {
    pub accounts: Vec<Listing>,
}

/// `gep`, the answer to `get_gep`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gep {
    pub instrument: Code,
    pub counties: Vec<County>,
}

/// `login`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Login {
    pub account: String,
    pub role: &'static str,
    pub cancel_on_disconnect: bool,
}

/// `subscribed` and `unsubscribed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Channel {
    pub channel: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instrument: Option<Code>,
}

/// One instrument of `instruments`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Listed {
    pub instrument: Code,
    pub name: String,
    pub name_en: String,
    pub family: &'static str,
    pub family_zh: &'static str,
    pub unit: &'static str,
    pub tick: Decimal,
    pub lot: Decimal,
    pub reference_price: Option<Decimal>,
    pub fee_bps: u32,
    pub band_bps: u32,
    pub block_threshold: Decimal,
    pub modes: Vec<&'static str>,
}

/// `instruments`, the answer to `get_instruments`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Instruments {
    pub instruments: Vec<Listed>,
}

/// The latest `auction` message inside a snapshot, as it was published (with its `to`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Published {
    pub to: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    pub auction: Auction,
}

/// `book` with `action: snapshot`: what a market subscriber gets first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Snapshot {
    pub instrument: Code,
    pub seq: u64,
    pub action: &'static str,
    pub phase: &'static str,
    pub reference_price: Option<Decimal>,
    pub band: [Decimal; 2],
    pub last_price: Option<Decimal>,
    /// A decimal, or a count of lots beyond 64 bits.
    pub volume: String,
    /// A decimal in CNY, or a count of tick-lots beyond what a decimal holds.
    pub turnover: String,
    pub bids: Vec<[Decimal; 2]>,
    pub asks: Vec<[Decimal; 2]>,
    pub checksum: u32,
    pub auction: Option<Published>,
    /// The latest trades (at most `market::RECENT_TRADES`), oldest first, as
    /// `[time, price, qty]`: what a chart and a tape start from.
    pub trades: Vec<(Time, Decimal, Decimal)>,
    /// The sealed-bid auctions opened and not yet closed, as their `sealed_auction` messages.
    pub sealed_auctions: Vec<PublishedSealed>,
    /// Of those, the disposals of pledged lots, as their `disposal` messages.
    pub disposals: Vec<PublishedDisposal>,
}

/// An open disposal's `disposal` message inside a snapshot, as it was published.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PublishedDisposal {
    pub to: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    pub disposal: Disposal,
}

/// An open auction's `sealed_auction` message inside a snapshot, as it was published.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PublishedSealed {
    pub to: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(flatten)]
    pub auction: SealedAuction,
}

/// One fact of an alert's evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Fact {
    /// A count, an id or basis points.
    Int(u64),
    /// A decimal, a code, a name.
    Text(String),
}

/// An alert's evidence: named facts in a fixed order per kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence(pub Vec<(&'static str, Fact)>);

impl Serialize for Evidence {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (*k, v)))
    }
}

/// `alert`: a surveillance alert, on the operator channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub kind: &'static str,
    pub time: Time,
    pub instrument: Option<Code>,
    pub accounts: Vec<String>,
    pub evidence: Evidence,
}

macro_rules! bodies {
    ($($(#[$doc:meta])* $variant:ident($ty:ty) => $kind:literal,)*) => {
        /// Any message's body; its [`Body::kind`] is the `type` field.
        #[derive(Clone, Debug, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum Body {
            $($(#[$doc])* $variant($ty),)*
        }

        impl Body {
            /// The `type` of the message.
            pub const fn kind(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $kind,)*
                }
            }
        }
    };
}

bodies! {
    /// An execution report.
    Order(Order) => "order",
    /// A fill.
    Fill(Fill) => "fill",
    /// A refusal.
    Reject(Reject) => "reject",
    /// An operator command's success.
    Done(Done) => "done",
    /// Cash after an operator's change.
    Cash(Cash) => "cash",
    /// Holdings after issuance or retirement.
    Holding(Holding) => "holding",
    /// An account's new status.
    AccountStatus(AccountStatus) => "account_status",
    /// A block trade proposal.
    Block(Block) => "block",
    /// A continuous trade.
    Trade(Trade) => "trade",
    /// A level change.
    BookUpdate(BookUpdate) => "book_update",
    /// A call auction's state.
    Auction(Auction) => "auction",
    /// A trade of an uncross.
    AuctionTrade(Print) => "auction_trade",
    /// A block trade, public.
    BlockTrade(Print) => "block_trade",
    /// A phase change.
    Phase(Phase) => "phase",
    /// A reference price change.
    Reference(Reference) => "reference_price",
    /// A sealed bid's report.
    Bid(Bid) => "bid",
    /// A sealed-bid auction's trade, private.
    SealedFill(SealedFill) => "sealed_fill",
    /// A sealed-bid auction's opening.
    SealedAuction(SealedAuction) => "sealed_auction",
    /// A sealed-bid auction's trade, public.
    SealedTrade(SealedTrade) => "sealed_trade",
    /// A winner's allocation.
    Allocation(Allocation) => "allocation",
    /// A sealed-bid auction's result.
    SealedResult(SealedResult) => "sealed_result",
    /// The answer to `get_book`.
    Book(Book) => "book",
    /// The answer to `get_account`.
    Account(Account) => "account",
    /// The answer to `get_gep`.
    Gep(Gep) => "gep",
    /// The answer to `get_accounts`.
    Accounts(Accounts) => "accounts",
    /// The answer to `get_orders`.
    Orders(Orders) => "orders",
    /// The answer to `get_directory`.
    Directory(Directory) => "directory",
    /// A pledge after a change.
    Pledge(Pledge) => "pledge",
    /// The answer to `get_pledges`.
    Pledges(Pledges) => "pledges",
    /// The answer to `get_bids`.
    Bids(Bids) => "bids",
    /// The answer to `get_fills`.
    Fills(Fills) => "fills",
    /// The answer to `get_permissions`.
    Permissions(Permissions) => "permissions",
    /// The answer to `get_blocks`.
    Blocks(Blocks) => "blocks",
    /// A disposal auction of pledged lots.
    Disposal(Disposal) => "disposal",
    /// A session's login.
    Login(Login) => "login",
    /// The answer to `ping`.
    Pong(Pong) => "pong",
    /// A subscription's confirmation.
    Subscribed(Channel) => "subscribed",
    /// An unsubscription's confirmation.
    Unsubscribed(Channel) => "unsubscribed",
    /// The answer to `get_instruments`.
    Instruments(Instruments) => "instruments",
    /// A market channel's first message.
    Snapshot(Box<Snapshot>) => "book",
    /// A surveillance alert.
    Alert(Alert) => "alert",
}

/// `pong`: no fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Pong {}

/// A message as written: `to` (messages of the exchange), `type`, `req_id` (the direct reply
/// to the requester), then the body's fields.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Framed<'a> {
    /// The recipient: an account's name, or `public`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<&'a str>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    req_id: Option<&'a ReqId>,
    #[serde(flatten)]
    body: &'a Body,
}

impl<'a> Framed<'a> {
    /// `body` to `to`, with the requester's `req_id` when it is the direct reply.
    pub fn new(to: Option<&'a str>, body: &'a Body, req_id: Option<&'a ReqId>) -> Self {
        Self {
            to,
            kind: body.kind(),
            req_id,
            body,
        }
    }

    /// The JSON text.
    pub fn text(&self) -> String {
        serde_json::to_string(self).expect("messages hold no map with non-string keys")
    }

    /// Appends the JSON text to `buf`.
    pub fn write(&self, buf: &mut Vec<u8>) {
        serde_json::to_writer(buf, self).expect("writing to a Vec cannot fail");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_puts_to_type_and_req_id_first() {
        let body = Body::Reject(Reject {
            code: "BAD_JSON",
            message: "no".into(),
        });
        let text = r#"{"req_id":12345678901234567890123}"#;
        let v: serde_json::Value = serde_json::from_str(text).expect("json");
        let id = ReqId::exact(&v["req_id"], text);
        assert_eq!(
            Framed::new(Some("zj-cement"), &body, Some(&id)).text(),
            r#"{"to":"zj-cement","type":"reject","req_id":12345678901234567890123,"code":"BAD_JSON","message":"no"}"#
        );
        assert_eq!(
            Framed::new(None, &Body::Pong(Pong {}), None).text(),
            r#"{"type":"pong"}"#
        );
    }

    #[test]
    fn optional_fields_are_left_out_or_null_as_documented() {
        let body = Body::Subscribed(Channel {
            channel: "operator",
            instrument: None,
        });
        assert_eq!(
            Framed::new(None, &body, None).text(),
            r#"{"type":"subscribed","channel":"operator"}"#
        );
        let alert = Body::Alert(Alert {
            kind: "spoofing",
            time: Time(Timestamp(0)),
            instrument: None,
            accounts: vec!["a".into()],
            evidence: Evidence(vec![
                ("cancels", Fact::Int(3)),
                ("code", Fact::Text("X".into())),
            ]),
        });
        assert_eq!(
            Framed::new(None, &alert, None).text(),
            r#"{"type":"alert","kind":"spoofing","time":"1970-01-01T00:00:00.000Z","instrument":null,"accounts":["a"],"evidence":{"cancels":3,"code":"X"}}"#
        );
    }
}
