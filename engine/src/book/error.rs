//! Why the book refused a request. A refused request changes nothing.

use core::fmt;

use crate::id::OrderId;
use crate::quantity::{Price, Qty};

/// Which capacity of the book was exhausted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capacity {
    /// No free order slot.
    Orders,
    /// No room for another price level.
    Levels,
}

/// A refusal by the book, with a stable code ([`BookError::code`]) and a readable message
/// (`Display`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookError {
    /// The book is closed.
    MarketClosed,
    /// The book is halted.
    MarketHalted,
    /// The market is in a call auction: orders collect, amendments wait for continuous trading.
    MarketInCall,
    /// Zero quantity.
    InvalidQuantity,
    /// Zero price.
    InvalidPrice,
    /// The price lies outside the band.
    PriceOutsideBand {
        /// The price asked.
        price: Price,
        /// Lowest allowed.
        lo: Price,
        /// Highest allowed.
        hi: Price,
    },
    /// The order id is not above every id the book has seen.
    DuplicateOrderId(OrderId),
    /// A combination of flags that cannot work.
    InvalidOrder(&'static str),
    /// A post-only order would take liquidity.
    PostOnlyWouldTake,
    /// The book is at capacity.
    BookFull(Capacity),
    /// No order with this id was ever entered here.
    UnknownOrder(OrderId),
    /// The order existed but is no longer open (filled, canceled or expired).
    OrderNotOpen(OrderId),
    /// An amendment to a total quantity not above what is already filled.
    AmendQtyTooLow {
        /// Quantity already filled.
        filled: Qty,
    },
}

impl BookError {
    /// The stable code of this refusal, as the protocol carries it.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::MarketClosed => "MARKET_CLOSED",
            Self::MarketHalted => "MARKET_HALTED",
            Self::MarketInCall => "MARKET_IN_CALL",
            Self::InvalidQuantity => "INVALID_QUANTITY",
            Self::InvalidPrice => "INVALID_PRICE",
            Self::PriceOutsideBand { .. } => "PRICE_OUTSIDE_BAND",
            Self::DuplicateOrderId(_) => "DUPLICATE_ORDER_ID",
            Self::InvalidOrder(_) => "INVALID_ORDER",
            Self::PostOnlyWouldTake => "POST_ONLY_WOULD_TAKE",
            Self::BookFull(_) => "BOOK_FULL",
            Self::UnknownOrder(_) => "UNKNOWN_ORDER",
            Self::OrderNotOpen(_) => "ORDER_NOT_OPEN",
            Self::AmendQtyTooLow { .. } => "AMEND_QTY_TOO_LOW",
        }
    }
}

impl fmt::Display for BookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MarketClosed => f.write_str("the market is closed"),
            Self::MarketHalted => f.write_str("the market is halted"),
            Self::MarketInCall => f.write_str(
                "the market is in a call auction: cancel and enter again instead of amending",
            ),
            Self::InvalidQuantity => f.write_str("quantity must be positive"),
            Self::InvalidPrice => f.write_str("price must be positive"),
            Self::PriceOutsideBand { price, lo, hi } => write!(
                f,
                "price {} is outside the band {}..={} (ticks)",
                price.ticks(),
                lo.ticks(),
                hi.ticks()
            ),
            Self::DuplicateOrderId(id) => write!(f, "order id {id} was already used"),
            Self::InvalidOrder(why) => f.write_str(why),
            Self::PostOnlyWouldTake => f.write_str("post-only order would take liquidity"),
            Self::BookFull(Capacity::Orders) => f.write_str("the book holds its maximum of orders"),
            Self::BookFull(Capacity::Levels) => {
                f.write_str("the book holds its maximum of price levels")
            }
            Self::UnknownOrder(id) => write!(f, "order {id} does not exist"),
            Self::OrderNotOpen(id) => {
                write!(
                    f,
                    "order {id} is no longer open (filled, canceled or expired)"
                )
            }
            Self::AmendQtyTooLow { filled } => write!(
                f,
                "new quantity must exceed the {} lots already filled; cancel instead",
                filled.lots()
            ),
        }
    }
}

impl std::error::Error for BookError {}
