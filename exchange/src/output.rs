//! What the exchange says: private reports to one account, public market data, and refusals.
//! Every message is plain data (no allocation); the gateway turns it into the protocol's JSON.

use ecomatch_engine::book::{BookError, Phase, Side};
use ecomatch_engine::id::{AccountId, AuctionId, InstrumentId, Timestamp, TradeId};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_risk::error::LedgerError;
use ecomatch_risk::gate::GateError;
use ecomatch_risk::ledger::{CashBalance, LotBalance};

pub use crate::reject::Reject;
pub use crate::report::{
    AuctionNotice, AuctionResult, BidReport, BlockReport, FillReport, Liquidity, OrderReason,
    OrderReport, OrderStatus, SealedFill,
};
pub use crate::report::{DisposalNotice, PledgeReport};

/// Who a message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Recipient {
    /// One account's private feed.
    Account(AccountId),
    /// Public market data.
    Public,
}

impl From<BookError> for Reject {
    fn from(e: BookError) -> Self {
        Self::Book(e)
    }
}

impl From<LedgerError> for Reject {
    fn from(e: LedgerError) -> Self {
        Self::Ledger(e)
    }
}

impl From<GateError> for Reject {
    fn from(e: GateError) -> Self {
        Self::Gate(e)
    }
}

/// One message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message {
    /// An execution report (private).
    Order(OrderReport),
    /// A fill (private).
    Fill(FillReport),
    /// A refusal of the recipient's command (private).
    Reject(Reject),
    /// An operator command done (private to the operator).
    Done {
        /// The command's name.
        command: &'static str,
    },
    /// Cash of the recipient after a change by an operator (private).
    Cash(CashBalance),
    /// Holding of the recipient after a change by an operator or a retirement (private).
    Holding {
        /// The instrument.
        instrument: InstrumentId,
        /// The balance.
        balance: LotBalance,
    },
    /// A public trade.
    Trade {
        /// The instrument.
        instrument: InstrumentId,
        /// The trade.
        trade_id: TradeId,
        /// Price.
        price: Price,
        /// Quantity.
        qty: Qty,
        /// The taker's side.
        aggressor: Side,
        /// When.
        time: Timestamp,
    },
    /// A public level-2 change; `qty` zero removes the level.
    Level {
        /// The instrument.
        instrument: InstrumentId,
        /// Side of the level.
        side: Side,
        /// Its price.
        price: Price,
        /// Total resting now.
        qty: Qty,
    },
    /// A public phase change.
    Phase {
        /// The instrument.
        instrument: InstrumentId,
        /// The new phase.
        phase: Phase,
    },
    /// A public reference price change, with the new band.
    Reference {
        /// The instrument.
        instrument: InstrumentId,
        /// The new reference price.
        price: Price,
        /// Lowest allowed price.
        band_lo: Price,
        /// Highest allowed price.
        band_hi: Price,
    },
    /// A block trade proposal's state (private to each of its parties).
    Block(BlockReport),
    /// A public block trade (negotiated, outside the book).
    BlockTrade {
        /// The instrument.
        instrument: InstrumentId,
        /// The trade.
        trade_id: TradeId,
        /// Price.
        price: Price,
        /// Quantity.
        qty: Qty,
        /// When.
        time: Timestamp,
    },
    /// A public indicative price of a call auction, after every change of its orders.
    Indicative {
        /// The instrument.
        instrument: InstrumentId,
        /// The price the auction would uncross at now, if any.
        price: Option<Price>,
        /// The quantity that would execute.
        volume: Qty,
        /// The quantity left over at that price.
        surplus: Qty,
        /// The side of the surplus.
        surplus_side: Option<Side>,
    },
    /// A public trade of a call auction's uncross (at the one auction price).
    AuctionTrade {
        /// The instrument.
        instrument: InstrumentId,
        /// The trade.
        trade_id: TradeId,
        /// The auction price.
        price: Price,
        /// Quantity.
        qty: Qty,
        /// When.
        time: Timestamp,
    },
    /// An account's status changed (private to it).
    Status(ecomatch_risk::account::AccountStatus),
    /// An operator command on a sealed-bid auction done, naming the auction (private).
    AuctionDone {
        /// The command's name.
        command: &'static str,
        /// The auction.
        auction_id: AuctionId,
    },
    /// A sealed bid's state (private to its bidder; never public before the result).
    Bid(BidReport),
    /// A trade of a sealed-bid auction, to the winning bidder and to the seller (private).
    SealedFill(SealedFill),
    /// A sealed-bid auction opened: its terms and the SHA-256 of its seed (public).
    AuctionOpened(AuctionNotice),
    /// A public trade of a sealed-bid auction.
    SealedTrade {
        /// The instrument.
        instrument: InstrumentId,
        /// The auction.
        auction_id: AuctionId,
        /// The trade.
        trade_id: TradeId,
        /// The price paid.
        price: Price,
        /// Quantity.
        qty: Qty,
        /// When.
        time: Timestamp,
    },
    /// What one bidder won in a sealed-bid auction (public, just before the result).
    Allocation {
        /// The instrument.
        instrument: InstrumentId,
        /// The auction.
        auction_id: AuctionId,
        /// The winning bidder.
        bidder: AccountId,
        /// The quantity won.
        qty: Qty,
        /// What it pays, before fees.
        value: Cash,
    },
    /// A sealed-bid auction's result, with its seed revealed (public).
    AuctionResult(AuctionResult),
    /// A pledge after a change, to its pledgor and its pledgee.
    Pledge(PledgeReport),
    /// A disposal auction of pledged lots opened, withdrawn or closed (public).
    Disposal(DisposalNotice),
}

impl Message {
    /// The instrument of a public market-data message (every public message has one; its
    /// `seq` counts in that instrument's sequence); `None` for private messages.
    pub const fn public_instrument(&self) -> Option<InstrumentId> {
        match *self {
            Self::Trade { instrument, .. }
            | Self::Level { instrument, .. }
            | Self::Phase { instrument, .. }
            | Self::Reference { instrument, .. }
            | Self::BlockTrade { instrument, .. }
            | Self::Indicative { instrument, .. }
            | Self::AuctionTrade { instrument, .. }
            | Self::SealedTrade { instrument, .. }
            | Self::Allocation { instrument, .. } => Some(instrument),
            Self::AuctionOpened(n) => Some(n.instrument),
            Self::AuctionResult(r) => Some(r.instrument),
            Self::Disposal(d) => Some(d.instrument),
            Self::Order(_)
            | Self::Fill(_)
            | Self::Reject(_)
            | Self::Done { .. }
            | Self::Cash(_)
            | Self::Holding { .. }
            | Self::Block(_)
            | Self::Status(_)
            | Self::AuctionDone { .. }
            | Self::Bid(_)
            | Self::SealedFill(_)
            | Self::Pledge(_) => None,
        }
    }
}

/// A message and who it is for. `reply` marks the direct answer to the command's sender, so
/// the gateway can echo the request id on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Output {
    /// The recipient.
    pub to: Recipient,
    /// True on the direct answer to the command's sender.
    pub reply: bool,
    /// On public messages, the instrument's public sequence number: gap-free from 1, part of
    /// the state (so it survives restarts and snapshots). 0 on private messages.
    pub seq: u64,
    /// The message.
    pub msg: Message,
}
