//! # ecomatch-gateway
//!
//! The outside of ecomatch: the `ecomatch` binary, the JSON [`protocol`], the headless
//! [`script`] driver, and the WebSocket [`server`] (`ecomatch serve`) with its sessions,
//! market data, metrics and dashboard.
//!
//! ## Invariants
//! - The gateway never matches or settles: it turns requests into commands for the core and
//!   events into messages, converting decimals exactly at this edge.
//!
//! ## Example
//! ```
//! let mut out = Vec::new();
//! ecomatch_gateway::walkthrough::run(&mut out).unwrap();
//! assert!(String::from_utf8(out).unwrap().contains("trade"));
//! ```

pub mod config;
pub mod directory;
pub mod loadgen;
pub mod panic;
pub mod protocol;
pub mod replay;
mod replicated;
pub mod script;
pub mod sequencer;
pub mod server;
pub mod source;
pub mod walkthrough;
