//! # ecomatch-engine
//!
//! Pure matching for ecomatch, the exchange core for ecological products and environmental
//! rights: typed quantities ([`quantity`]), identifiers ([`id`]), instruments of the six
//! families ([`instrument`]), the continuous order book ([`book`]), and the auctions
//! ([`auction`]: the periodic call auction, and the single-sided sealed-bid auction).
//!
//! ## Invariants
//! - Integers inside: prices are ticks, quantities lots; every product and sum is checked.
//!   Decimals convert exactly or are refused (never rounded).
//! - A book is owned by one thread and never locks or allocates per order after it is built;
//!   its capacity is fixed, and a request beyond it is refused with `BOOK_FULL`.
//! - A book is never crossed; each level's total equals the sum of its orders; orders within a
//!   level are in arrival order; a refused request changes nothing.
//! - No clock, no randomness: the same requests give the same events, bit for bit.
//!
//! ## Example
//! ```
//! use ecomatch_engine::book::{Event, NewOrder, OrderBook, Phase, Side};
//! use ecomatch_engine::instrument::BookCapacity;
//! use ecomatch_engine::quantity::{Price, Qty};
//!
//! let cap = BookCapacity {
//!     max_orders: 1024,
//!     max_levels: 256,
//!     min_price: Price::from_ticks(1),
//!     max_price: Price::from_ticks(10_000),
//! };
//! let mut book = OrderBook::new(cap);
//! let mut events = Vec::new();
//! book.set_phase(Phase::Continuous, &mut events);
//! book.submit(&NewOrder::limit(1, 7, Side::Sell, 5230, 100), &mut events).unwrap();
//! book.submit(&NewOrder::limit(2, 8, Side::Buy, 5240, 40), &mut events).unwrap();
//! // The buyer takes 40 at the resting seller's price.
//! assert!(events.iter().any(|e| matches!(e,
//!     Event::Trade { price, qty, .. } if *price == Price::from_ticks(5230) && *qty == Qty::from_lots(40))));
//! assert_eq!(book.best(Side::Sell).unwrap().qty, Qty::from_lots(60));
//! book.check_invariants();
//! ```

pub mod auction;
pub mod book;
pub mod id;
pub mod instrument;
pub mod quantity;
