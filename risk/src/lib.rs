//! # ecomatch-risk
//!
//! Accounts and the ledger of ecomatch: cash in fen and holdings in lots per instrument, each
//! split into available and held (and, for holdings, pledged as security for a loan), and
//! delivery-versus-payment settlement of fills with fees.
//! (The pre-trade gate — eligibility, quotas, limits — builds on this; see the accounts issue.)
//!
//! ## Invariants
//! - Cash and each instrument's holdings (pledged lots included) are conserved by holds,
//!   releases, pledges and settlement; only
//!   deposit, withdrawal, issuance and retirement change the totals.
//! - No balance is ever negative: every subtraction is checked, and an operation that would
//!   underflow is refused.
//! - A refused operation changes nothing.
//!
//! ## Example
//! ```
//! use ecomatch_engine::id::InstrumentId;
//! use ecomatch_engine::quantity::{Cash, Qty};
//! use ecomatch_risk::account::{Account, AccountKind, AccountStatus};
//! use ecomatch_risk::ledger::{Ledger, Settlement};
//!
//! let acct = |name: &str, kind| Account {
//!     name: name.into(), kind, region: "莲都".into(), municipality: "丽水".into(), basin: None,
//!     affiliation: None, status: AccountStatus::Active,
//! };
//! let mut ledger = Ledger::new();
//! let coop = ledger.open(acct("lishui-coop", AccountKind::Cooperative));
//! let plant = ledger.open(acct("zj-cement", AccountKind::Enterprise));
//! let operator = ledger.open(acct("operator", AccountKind::Operator));
//! let fcs = InstrumentId::new("LS-FCS-2024").unwrap();
//!
//! ledger.issue(coop, fcs, Qty::from_lots(500)).unwrap();
//! ledger.deposit(plant, Cash::from_fen(3_000_000)).unwrap();
//! // The plant bids 100 at 52.40 (+ 0.10 fee), the coop offers 100; they trade at 52.30.
//! ledger.hold_cash(plant, Cash::from_fen(524_000 + 524)).unwrap();
//! ledger.lock(coop, fcs, Qty::from_lots(100)).unwrap();
//! ledger.settle(&Settlement {
//!     instrument: fcs, buyer: plant, seller: coop, fee_account: operator,
//!     qty: Qty::from_lots(100), amount: Cash::from_fen(523_000),
//!     buyer_fee: Cash::from_fen(523), seller_fee: Cash::from_fen(523),
//!     buyer_hold: Cash::from_fen(524_524),
//! }).unwrap();
//! assert_eq!(ledger.holding(plant, fcs).unwrap().available, Qty::from_lots(100));
//! assert_eq!(ledger.cash(coop).unwrap().available, Cash::from_fen(522_477));
//! assert_eq!(ledger.cash(operator).unwrap().available, Cash::from_fen(1_046));
//! assert_eq!(ledger.total_cash(), Cash::from_fen(3_000_000));
//! ledger.check_invariants();
//! ```

pub mod account;
pub mod error;
pub mod fee;
pub mod gate;
pub mod ledger;

#[cfg(test)]
mod tests;
