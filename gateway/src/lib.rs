//! # ecomatch-gateway
//!
//! The outside of ecomatch: the `ecomatch` binary and, as the gateway issue lands, the
//! WebSocket server, its protocol, sessions, market data and dashboard. For now it holds the
//! walkthrough [`demo`] of the order book on a demo instrument.
//!
//! ## Invariants
//! - The gateway never matches or settles: it turns requests into commands for the core and
//!   events into messages, converting decimals exactly at this edge.
//!
//! ## Example
//! ```
//! let mut out = Vec::new();
//! ecomatch_gateway::demo::run(&mut out).unwrap();
//! assert!(String::from_utf8(out).unwrap().contains("trade"));
//! ```

pub mod audit;
pub mod config;
pub mod demo;
pub mod protocol;
pub mod script;
