//! What a participant asks the book for: sides, times in force, self-trade prevention, and
//! the new-order request itself.

use crate::id::{AccountId, OrderId};
use crate::quantity::{Price, Qty};

/// Buy or sell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    /// Bid.
    Buy,
    /// Ask.
    Sell,
}

impl Side {
    /// The other side.
    #[must_use]
    pub const fn opposite(self) -> Self {
        match self {
            Self::Buy => Self::Sell,
            Self::Sell => Self::Buy,
        }
    }

    /// The protocol name, `buy` or `sell`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Buy => "buy",
            Self::Sell => "sell",
        }
    }
}

/// How long an order may rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tif {
    /// Good till canceled.
    Gtc,
    /// Good for the trading day: expired at the end of the day.
    Day,
    /// Immediate or cancel: what does not trade at once expires.
    Ioc,
    /// Fill or kill: trades in full at once, or not at all.
    Fok,
}

impl Tif {
    /// True if an unfilled remainder rests on the book.
    pub const fn rests(self) -> bool {
        matches!(self, Self::Gtc | Self::Day)
    }

    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Gtc => "gtc",
            Self::Day => "day",
            Self::Ioc => "ioc",
            Self::Fok => "fok",
        }
    }
}

/// Self-trade prevention: what happens when an order would trade with an order of the same
/// account. The incoming (newest) order's mode decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stp {
    /// Cancel the rest of the incoming order; the resting one stays.
    CancelNewest,
    /// Cancel the resting order and go on matching.
    CancelOldest,
    /// Cancel both.
    CancelBoth,
    /// Reduce both by the smaller quantity, without a trade; the one reduced to zero is
    /// canceled, and the incoming order goes on matching if anything is left of it.
    Decrement,
}

impl Stp {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CancelNewest => "cancel_newest",
            Self::CancelOldest => "cancel_oldest",
            Self::CancelBoth => "cancel_both",
            Self::Decrement => "decrement",
        }
    }
}

/// A new order as the book receives it, after the risk checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewOrder {
    /// Exchange order id; must be greater than every id this book has seen.
    pub id: OrderId,
    /// The owner.
    pub account: AccountId,
    /// Buy or sell.
    pub side: Side,
    /// Limit price; `None` for a market order, which becomes a limit at the band edge.
    pub price: Option<Price>,
    /// Quantity in lots.
    pub qty: Qty,
    /// Time in force.
    pub tif: Tif,
    /// Rejected if it would take liquidity on entry.
    pub post_only: bool,
    /// Self-trade prevention mode.
    pub stp: Stp,
}

impl NewOrder {
    /// A GTC limit order with the default self-trade prevention (cancel newest).
    pub const fn limit(id: u64, account: u32, side: Side, price: u64, qty: u64) -> Self {
        Self {
            id: OrderId(id),
            account: AccountId(account),
            side,
            price: Some(Price::from_ticks(price)),
            qty: Qty::from_lots(qty),
            tif: Tif::Gtc,
            post_only: false,
            stp: Stp::CancelNewest,
        }
    }

    /// An IOC market order with the default self-trade prevention.
    pub const fn market(id: u64, account: u32, side: Side, qty: u64) -> Self {
        Self {
            id: OrderId(id),
            account: AccountId(account),
            side,
            price: None,
            qty: Qty::from_lots(qty),
            tif: Tif::Ioc,
            post_only: false,
            stp: Stp::CancelNewest,
        }
    }

    /// The same order with another time in force.
    #[must_use]
    pub const fn with_tif(mut self, tif: Tif) -> Self {
        self.tif = tif;
        self
    }

    /// The same order with another self-trade prevention mode.
    #[must_use]
    pub const fn with_stp(mut self, stp: Stp) -> Self {
        self.stp = stp;
        self
    }

    /// The same order, post-only.
    #[must_use]
    pub const fn post_only(mut self) -> Self {
        self.post_only = true;
        self
    }
}

/// The trading phase of a book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// No entry; cancels allowed.
    Closed,
    /// Continuous matching.
    Continuous,
    /// Halted by the operator: no entry or amendment; cancels allowed.
    Halted,
    /// A call auction collects orders outside the book (the exchange holds them); the book
    /// matches nothing and refuses entry and amendment; cancels allowed.
    Call,
}

impl Phase {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Continuous => "continuous",
            Self::Halted => "halted",
            Self::Call => "call",
        }
    }
}
