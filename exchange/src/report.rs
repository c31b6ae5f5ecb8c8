//! The reports the exchange sends to the parties of an order, a block trade or a sealed bid:
//! plain data with FIX execution-report meaning, which the gateway turns into JSON.

use ecomatch_engine::book::{CancelReason, ExpireReason, Side};
use ecomatch_engine::id::{
    AccountId, AuctionId, BidId, BlockId, InstrumentId, OrderId, PledgeId, Timestamp, TradeId,
};
use ecomatch_engine::quantity::{Cash, Price, Qty};

use ecomatch_engine::auction::sealed::{self, Format, TieBreak, Undersubscribed};

use crate::command::ClientOrderId;

/// The state of an order, with FIX execution-report meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderStatus {
    /// Accepted and open, nothing filled.
    New,
    /// Open, partly filled.
    PartiallyFilled,
    /// Completely filled.
    Filled,
    /// Canceled (the reason says why).
    Canceled,
    /// Expired (IOC or FOK remainder, end of day).
    Expired,
    /// Open, amended.
    Replaced,
}

impl OrderStatus {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::PartiallyFilled => "partially_filled",
            Self::Filled => "filled",
            Self::Canceled => "canceled",
            Self::Expired => "expired",
            Self::Replaced => "replaced",
        }
    }
}

/// An execution report on one order of the recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderReport {
    /// The order.
    pub order_id: OrderId,
    /// The client's id for it.
    pub client_order_id: Option<ClientOrderId>,
    /// The instrument.
    pub instrument: InstrumentId,
    /// Its side.
    pub side: Side,
    /// Its limit price.
    pub price: Price,
    /// Total quantity (filled + open + canceled part excluded).
    pub qty: Qty,
    /// Filled so far.
    pub filled: Qty,
    /// Open now.
    pub leaves: Qty,
    /// Its state.
    pub status: OrderStatus,
    /// Why it was canceled or expired.
    pub reason: Option<OrderReason>,
}

/// Why an order was canceled or expired (its reports say `reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderReason {
    /// Canceled: by its owner, self-trade prevention, the kill switch, an operator, a
    /// disconnect, or a reference move.
    Canceled(CancelReason),
    /// Expired: an IOC or FOK remainder, the end of the day, an uncross's remainder.
    Expired(ExpireReason),
}

impl OrderReason {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Canceled(r) => r.as_str(),
            Self::Expired(r) => r.as_str(),
        }
    }
}

/// How an order took part in a trade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Liquidity {
    /// It was resting.
    Maker,
    /// It was incoming.
    Taker,
    /// It was uncrossed in a call auction.
    Auction,
}

impl Liquidity {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Maker => "maker",
            Self::Taker => "taker",
            Self::Auction => "auction",
        }
    }
}

/// A fill of one of the recipient's orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FillReport {
    /// The order.
    pub order_id: OrderId,
    /// The client's id for it.
    pub client_order_id: Option<ClientOrderId>,
    /// The instrument.
    pub instrument: InstrumentId,
    /// The trade.
    pub trade_id: TradeId,
    /// The order's side.
    pub side: Side,
    /// Trade price.
    pub price: Price,
    /// Traded quantity.
    pub qty: Qty,
    /// Open after the fill.
    pub leaves: Qty,
    /// Filled or partially filled.
    pub status: OrderStatus,
    /// Whether the order was resting (maker), incoming (taker), or in a call auction.
    pub liquidity: Liquidity,
    /// The fee charged.
    pub fee: Cash,
}

/// What became of a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockStatus {
    /// Open, waiting for the counterparty.
    Proposed,
    /// Accepted and settled.
    Executed,
    /// Declined by the counterparty.
    Declined,
    /// Withdrawn by the proposer.
    Withdrawn,
}

impl BlockStatus {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Proposed => "proposed",
            Self::Executed => "executed",
            Self::Declined => "declined",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// A report on a proposal to one of its two parties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockReport {
    /// The proposal.
    pub block_id: BlockId,
    /// The instrument.
    pub instrument: InstrumentId,
    /// The recipient's side.
    pub side: Side,
    /// The other party.
    pub counterparty: AccountId,
    /// Who proposed it (the recipient, or the other party).
    pub proposer: AccountId,
    /// Price.
    pub price: Price,
    /// Quantity.
    pub qty: Qty,
    /// The last moment it may be accepted.
    pub expires: Timestamp,
    /// Its state.
    pub status: BlockStatus,
    /// The trade, once executed.
    pub trade_id: Option<TradeId>,
    /// The recipient's fee, once executed.
    pub fee: Cash,
}

/// The state of a sealed bid, as its bidder is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BidStatus {
    /// Entered.
    New,
    /// Amended.
    Replaced,
    /// Withdrawn (the reason says by whom).
    Withdrawn,
    /// At the close: won in full.
    Won,
    /// At the close: won in part (the clearing price, or a purchase limit).
    PartiallyWon,
    /// At the close: won nothing.
    Lost,
    /// At the close: the auction was canceled; nothing was sold.
    Canceled,
}

impl BidStatus {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Replaced => "replaced",
            Self::Withdrawn => "withdrawn",
            Self::Won => "won",
            Self::PartiallyWon => "partially_won",
            Self::Lost => "lost",
            Self::Canceled => "canceled",
        }
    }
}

/// A report on one sealed bid, to its bidder only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BidReport {
    /// The auction.
    pub auction_id: AuctionId,
    /// The bid.
    pub bid_id: BidId,
    /// The instrument.
    pub instrument: InstrumentId,
    /// Its price.
    pub price: Price,
    /// Its quantity.
    pub qty: Qty,
    /// What it won (at the close).
    pub filled: Qty,
    /// Its state.
    pub status: BidStatus,
    /// Why it was withdrawn or canceled.
    pub reason: Option<BidReason>,
    /// The cash now held for all the bidder's bids in this auction.
    pub collateral: Cash,
}

/// Why a bid was withdrawn or canceled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BidReason {
    /// Its bidder withdrew it.
    Requested,
    /// Its bidder's kill switch.
    KillSwitch,
    /// The auction was canceled (undersubscribed, or no eligible bid).
    AuctionCanceled,
}

impl BidReason {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::KillSwitch => "kill_switch",
            Self::AuctionCanceled => "auction_canceled",
        }
    }
}

/// A trade of a sealed-bid auction, to one of its two parties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SealedFill {
    /// The auction.
    pub auction_id: AuctionId,
    /// The instrument.
    pub instrument: InstrumentId,
    /// The trade.
    pub trade_id: TradeId,
    /// The recipient's side: buy (a bidder) or sell (the seller).
    pub side: Side,
    /// The price paid.
    pub price: Price,
    /// Quantity.
    pub qty: Qty,
    /// The recipient's fee.
    pub fee: Cash,
}

/// The public notice of an opening: the terms, with the seed replaced by its hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuctionNotice {
    /// The auction.
    pub auction_id: AuctionId,
    /// The instrument.
    pub instrument: InstrumentId,
    /// The seller.
    pub seller: AccountId,
    /// The quantity offered.
    pub offer: Qty,
    /// The reserve price.
    pub reserve: Price,
    /// The price cap, if any.
    pub cap: Option<Price>,
    /// Uniform price or pay-as-bid.
    pub format: Format,
    /// The tie-break at the clearing price.
    pub tie_break: TieBreak,
    /// The most one bidder may win.
    pub bidder_limit: Qty,
    /// The most one affiliation group may win.
    pub group_limit: Qty,
    /// The policy when the bids do not cover the offer.
    pub undersubscribed: Undersubscribed,
    /// Bids are accepted from.
    pub opens: Timestamp,
    /// Bids are accepted until just before.
    pub closes: Timestamp,
    /// SHA-256 of the seed: the commitment the result's seed must match.
    pub seed_hash: [u8; 32],
}

/// The public result of an auction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuctionResult {
    /// The auction.
    pub auction_id: AuctionId,
    /// The instrument.
    pub instrument: InstrumentId,
    /// Cleared, sold at the reserve, or canceled.
    pub status: sealed::Status,
    /// The clearing price (none when canceled).
    pub clearing_price: Option<Price>,
    /// The quantity sold.
    pub sold: Qty,
    /// The quantity offered.
    pub offer: Qty,
    /// The total quantity bid: bid-to-cover is `total_bid / offer`.
    pub total_bid: Qty,
    /// The number of bidders.
    pub bidders: u32,
    /// The number of bidders who won something.
    pub winners: u32,
    /// The seed, revealed: its SHA-256 is the hash published at the opening.
    pub seed: [u8; 32],
    /// When it closed.
    pub time: Timestamp,
}

/// Where a pledge stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PledgeStatus {
    /// Registered by the pledgor (its lots pledged), waiting for the pledgee.
    Pending,
    /// Confirmed: the lots secure the loan.
    Active,
    /// Enforced: its lots are offered in an open disposal auction.
    Enforcing,
    /// Every lot released by the pledgee.
    Released,
    /// Every lot sold in disposals.
    Disposed,
    /// Declined by the pledgee while pending.
    Declined,
    /// Withdrawn by the pledgor while pending.
    Withdrawn,
}

impl PledgeStatus {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Enforcing => "enforcing",
            Self::Released => "released",
            Self::Disposed => "disposed",
            Self::Declined => "declined",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// A pledge as its two parties see it after every change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PledgeReport {
    /// The pledge.
    pub pledge_id: PledgeId,
    /// Whose lots.
    pub pledgor: AccountId,
    /// The bank or guarantee company.
    pub pledgee: AccountId,
    /// The instrument.
    pub instrument: InstrumentId,
    /// The lots under the pledge now.
    pub qty: Qty,
    /// What it still secures.
    pub secured: Cash,
    /// When the loan falls due.
    pub maturity: Timestamp,
    /// Where it stands.
    pub status: PledgeStatus,
    /// Its open disposal auction, if any.
    pub auction_id: Option<AuctionId>,
    /// What disposals have paid the pledgee.
    pub recovered: Cash,
}

/// What became of a disposal auction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisposalStatus {
    /// Opened by an enforcement.
    Opened,
    /// Withdrawn by the pledgee before the close: the auction is canceled.
    Withdrawn,
    /// Closed: `sold` lots left the pledge.
    Closed,
}

impl DisposalStatus {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Opened => "opened",
            Self::Withdrawn => "withdrawn",
            Self::Closed => "closed",
        }
    }
}

/// The public notice that an auction disposes of pledged lots (never the loan's terms).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisposalNotice {
    /// The pledge enforced.
    pub pledge_id: PledgeId,
    /// The instrument.
    pub instrument: InstrumentId,
    /// The disposal auction.
    pub auction_id: AuctionId,
    /// The creditor enforcing.
    pub pledgee: AccountId,
    /// Opened, withdrawn or closed.
    pub status: DisposalStatus,
    /// The lots offered.
    pub offer: Qty,
    /// The lots sold (at the close).
    pub sold: Qty,
}
