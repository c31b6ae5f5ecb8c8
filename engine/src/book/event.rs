//! What the book reports. Every state change is an event, in the order it happened, so that a
//! consumer (risk settlement, market data, the log) can follow the book without reading it.

use super::order::{Phase, Side};
use crate::id::{AccountId, OrderId};
use crate::quantity::{Price, Qty};

/// Why an order, or part of it, was canceled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CancelReason {
    /// The owner asked.
    Requested,
    /// Self-trade prevention.
    SelfTrade,
    /// The account's kill switch.
    KillSwitch,
    /// An operator canceled it.
    Operator,
    /// The owner's session disconnected with cancel-on-disconnect.
    Disconnect,
    /// A reference price move left the order's limit outside the band in force.
    OutsideBand,
}

impl CancelReason {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::SelfTrade => "self_trade",
            Self::KillSwitch => "kill_switch",
            Self::Operator => "operator",
            Self::Disconnect => "disconnect",
            Self::OutsideBand => "outside_band",
        }
    }
}

/// Why an order expired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExpireReason {
    /// The unfilled rest of an IOC (or market) order.
    IocRemainder,
    /// A fill-or-kill order that could not fill in full.
    FokUnfillable,
    /// A DAY order at the end of the trading day.
    EndOfDay,
    /// What an uncross left of a market, IOC or FOK order collected for a call auction.
    AuctionRemainder,
    /// What an uncross left of a limit order when the book had no room to rest it.
    BookFull,
}

impl ExpireReason {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::IocRemainder => "ioc_remainder",
            Self::FokUnfillable => "fok_unfillable",
            Self::EndOfDay => "end_of_day",
            Self::AuctionRemainder => "auction_remainder",
            Self::BookFull => "book_full",
        }
    }
}

/// One thing that happened in a book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A new order passed the book's checks. `price` is its effective limit (a market order's
    /// band edge).
    Accepted {
        /// The order.
        order_id: OrderId,
        /// Its owner.
        account: AccountId,
        /// Its side.
        side: Side,
        /// Effective limit price.
        price: Price,
        /// Quantity.
        qty: Qty,
    },
    /// A trade between a resting (maker) and an incoming (taker) order, at the maker's price.
    Trade {
        /// The resting order.
        maker: OrderId,
        /// Its owner.
        maker_account: AccountId,
        /// The incoming order.
        taker: OrderId,
        /// Its owner.
        taker_account: AccountId,
        /// The taker's side.
        aggressor: Side,
        /// The trade price.
        price: Price,
        /// The traded quantity.
        qty: Qty,
        /// What is left of the maker.
        maker_leaves: Qty,
        /// What is left of the taker.
        taker_leaves: Qty,
    },
    /// Some or all of an order was canceled. With `leaves` zero the order is gone.
    Canceled {
        /// The order.
        order_id: OrderId,
        /// Its owner.
        account: AccountId,
        /// The canceled quantity.
        qty: Qty,
        /// What is left open.
        leaves: Qty,
        /// Why.
        reason: CancelReason,
    },
    /// The rest of an order expired; the order is gone.
    Expired {
        /// The order.
        order_id: OrderId,
        /// Its owner.
        account: AccountId,
        /// The expired quantity.
        qty: Qty,
        /// Why.
        reason: ExpireReason,
    },
    /// An order was amended. `qty` is the new total quantity, `leaves` what is open.
    Amended {
        /// The order.
        order_id: OrderId,
        /// Its owner.
        account: AccountId,
        /// New limit price.
        price: Price,
        /// New total quantity (filled + open).
        qty: Qty,
        /// Open quantity.
        leaves: Qty,
        /// False if the order went to the back of its level.
        priority_kept: bool,
    },
    /// Level-2 delta: the total resting at one price changed. `qty` zero removes the level.
    Level {
        /// The side of the level.
        side: Side,
        /// Its price.
        price: Price,
        /// Total resting quantity now.
        qty: Qty,
        /// Number of resting orders now.
        orders: u32,
    },
    /// The book's trading phase changed.
    Phase {
        /// The new phase.
        phase: Phase,
    },
}
