//! Why the ledger refused an operation. A refused operation changes nothing.

use core::fmt;

use ecomatch_engine::id::AccountId;
use ecomatch_engine::quantity::{Cash, Qty};

/// A refusal by the ledger, with a stable code ([`LedgerError::code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerError {
    /// No such account.
    UnknownAccount(AccountId),
    /// Not enough available cash.
    InsufficientFunds {
        /// What the operation needs.
        needed: Cash,
        /// What is available.
        available: Cash,
    },
    /// Not enough available holdings.
    InsufficientHoldings {
        /// What the operation needs.
        needed: Qty,
        /// What is available.
        available: Qty,
    },
    /// Releasing or consuming more than is held: a bug in the caller, refused loudly.
    HoldUnderflow,
    /// A total would overflow 64 bits.
    Overflow,
    /// A zero amount where a positive one is required.
    ZeroAmount,
    /// A fill with the same account on both sides (self-trade prevention should stop it).
    SelfSettlement(AccountId),
    /// Taking more lots out of a pledge than it holds: a bug in the caller, refused loudly.
    PledgeUnderflow {
        /// What the operation needs.
        needed: Qty,
        /// What is pledged.
        pledged: Qty,
    },
}

impl LedgerError {
    /// The stable code of this refusal.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::UnknownAccount(_) => "UNKNOWN_ACCOUNT",
            Self::InsufficientFunds { .. } => "INSUFFICIENT_FUNDS",
            Self::InsufficientHoldings { .. } => "INSUFFICIENT_HOLDINGS",
            Self::HoldUnderflow => "HOLD_UNDERFLOW",
            Self::Overflow => "OVERFLOW",
            Self::ZeroAmount => "ZERO_AMOUNT",
            Self::SelfSettlement(_) => "SELF_SETTLEMENT",
            Self::PledgeUnderflow { .. } => "PLEDGE_UNDERFLOW",
        }
    }
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownAccount(a) => write!(f, "account {a} does not exist"),
            Self::InsufficientFunds { needed, available } => {
                write!(f, "needs {needed}, has {available} available")
            }
            Self::InsufficientHoldings { needed, available } => write!(
                f,
                "needs {} lots, has {} available",
                needed.lots(),
                available.lots()
            ),
            Self::HoldUnderflow => f.write_str("release of more than is held"),
            Self::Overflow => f.write_str("amount too large"),
            Self::ZeroAmount => f.write_str("amount must be positive"),
            Self::SelfSettlement(a) => write!(f, "account {a} cannot trade with itself"),
            Self::PledgeUnderflow { needed, pledged } => write!(
                f,
                "needs {} pledged lots, has {} pledged",
                needed.lots(),
                pledged.lots()
            ),
        }
    }
}

impl std::error::Error for LedgerError {}
