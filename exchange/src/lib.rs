//! # ecomatch-exchange
//!
//! The exchange core: one deterministic state machine that takes [`Sequenced`] commands (order
//! entry, cancel, amend, call auctions, block trades, sealed-bid auctions, the pledge register
//! and its disposal auctions, and every operator command) and returns [`Output`] messages. It owns the books (from `ecomatch-engine`) and the
//! ledger and pre-trade gate (from `ecomatch-risk`), and glues them: every order or bid passes
//! the gate, reserves cash or lots, reaches its book or auction, and each fill settles delivery
//! versus payment through one settlement path.
//!
//! ## Invariants
//! - A command either applies in full or is refused with one reject and changes nothing.
//! - Cash held by an account equals, over its open buy orders, open lots × cash held per lot,
//!   plus the collateral of its sealed bids (per auction, the WCI rule over its bids); lots held
//!   equal the open quantity of its sell orders plus the offers of its open auctions; cash and
//!   every holding are conserved by trading (checked by [`Exchange::check_invariants`]).
//! - Sealed bids never reach public market data before the auction's result.
//! - Pledged lots are exactly what the register's pending and active pledges hold; they leave
//!   the pledge only by a release, a decline or a disposal auction of their pledge.
//! - No clock and no randomness: time and sequence come from the command, so replaying the same
//!   commands gives the same outputs and the same [`Exchange::state_hash`].
//!
//! ## Example
//! ```
//! use ecomatch_exchange::{demo, Command, Sequenced, Output};
//! use ecomatch_engine::id::{Seq, Timestamp};
//!
//! let mut ex = demo::exchange();
//! let before = ex.state_hash();
//! ex.check_invariants();
//! assert_eq!(before, demo::exchange().state_hash(), "same genesis, same state");
//! ```

pub mod block;
mod call;
pub mod catalog;
pub mod command;
pub mod demo;
pub mod genesis;
pub mod hash;
mod ids;
mod invariants;
pub mod opening;
mod operator;
pub mod output;
pub mod pledge;
pub mod reject;
pub mod report;
pub mod sealed;
pub mod shard;
pub mod snapshot;
pub mod state;
mod trading;
pub mod wire;

pub use call::Collected;
pub use catalog::Catalog;
pub use command::{ClientOrderId, Command, OrderRequest, Sequenced};
pub use output::{Message, Output, Recipient, Reject};
pub use state::{Exchange, Genesis, GenesisError, Listing};
