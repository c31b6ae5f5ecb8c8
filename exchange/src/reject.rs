//! Why a command was refused: one enum with a stable code per refusal (the codes of
//! docs/PROTOCOL.md's table), from the book, the ledger, the gate, block trades and sealed
//! auctions. A refusal means nothing changed.

use core::fmt;

use ecomatch_engine::book::BookError;
use ecomatch_engine::id::{AccountId, InstrumentId};
use ecomatch_risk::error::LedgerError;
use ecomatch_risk::gate::GateError;

/// Every code [`Reject::code`] can return, sorted (`gateway/tests/protocol_codes.rs` checks it
/// against the `code()` functions of the book, the ledger, the gate and this crate, and
/// docs/PROTOCOL.md's table).
pub const CODES: &[&str] = &[
    "ACCOUNT_KILLED",
    "ACCOUNT_SUSPENDED",
    "AMEND_QTY_TOO_LOW",
    "AUCTION_CLOSED",
    "AUCTION_NOT_OPEN",
    "AUCTION_SELF",
    "AUCTION_STILL_OPEN",
    "BAD_AUCTION_WINDOW",
    "BAD_PURCHASE_LIMIT",
    "BAD_RESERVE",
    "BID_ABOVE_CAP",
    "BID_BELOW_RESERVE",
    "BID_LIMIT",
    "BLOCK_COUNTERPARTY_UNABLE",
    "BLOCK_EXPIRED",
    "BLOCK_LIMIT",
    "BLOCK_OUTSIDE_BAND",
    "BLOCK_SELF",
    "BLOCK_TOO_SMALL",
    "BOOK_FULL",
    "DUPLICATE_ORDER_ID",
    "ENFORCEMENT_OPEN",
    "HOLD_UNDERFLOW",
    "INSUFFICIENT_FUNDS",
    "INSUFFICIENT_HOLDINGS",
    "INVALID_ORDER",
    "INVALID_PRICE",
    "INVALID_QUANTITY",
    "MARKET_CLOSED",
    "MARKET_HALTED",
    "MARKET_IN_CALL",
    "MATURITY_PASSED",
    "MODE_NOT_ALLOWED",
    "NOTIONAL_TOO_LARGE",
    "NOT_AUTHORIZED",
    "NOT_A_PLEDGEE",
    "NOT_ELIGIBLE",
    "NOT_MATURED",
    "NO_APPROVED_NEED",
    "NO_ENFORCEMENT",
    "NO_GEP_RECORD",
    "NO_REFERENCE_PRICE",
    "ORDER_NOT_OPEN",
    "ORDER_TOO_LARGE",
    "OUTSIDE_AREA",
    "OVERFLOW",
    "PLEDGE_NOT_ACTIVE",
    "PLEDGE_NOT_ALLOWED",
    "PLEDGE_NOT_PENDING",
    "PLEDGE_SELF",
    "PLEDGE_UNDERFLOW",
    "POST_ONLY_WOULD_TAKE",
    "PRICE_OUTSIDE_BAND",
    "QUOTA_EXCEEDED",
    "RELEASE_EXCEEDS_PLEDGED",
    "SELF_SETTLEMENT",
    "UNKNOWN_ACCOUNT",
    "UNKNOWN_AUCTION",
    "UNKNOWN_BID",
    "UNKNOWN_BLOCK",
    "UNKNOWN_INSTRUMENT",
    "UNKNOWN_ORDER",
    "UNKNOWN_PLEDGE",
    "ZERO_AMOUNT",
    "ZERO_PLEDGE",
];

/// Why a command was refused; nothing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reject {
    /// By the book.
    Book(BookError),
    /// By the ledger.
    Ledger(LedgerError),
    /// By the pre-trade gate.
    Gate(GateError),
    /// No such instrument.
    UnknownInstrument(InstrumentId),
    /// No such account.
    UnknownAccount(AccountId),
    /// The actor may not do this (operator commands, others' holdings).
    NotAuthorized,
    /// The instrument does not trade in this mode.
    ModeNotAllowed,
    /// A block trade command was refused.
    Block(BlockError),
    /// A sealed-bid auction command was refused.
    Sealed(SealedError),
    /// A pledge command was refused.
    Pledge(PledgeError),
}

impl Reject {
    /// The stable code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Book(e) => e.code(),
            Self::Ledger(e) => e.code(),
            Self::Gate(e) => e.code(),
            Self::UnknownInstrument(_) => "UNKNOWN_INSTRUMENT",
            Self::UnknownAccount(_) => "UNKNOWN_ACCOUNT",
            Self::NotAuthorized => "NOT_AUTHORIZED",
            Self::ModeNotAllowed => "MODE_NOT_ALLOWED",
            Self::Block(e) => e.code(),
            Self::Sealed(e) => e.code(),
            Self::Pledge(e) => e.code(),
        }
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Book(e) => e.fmt(f),
            Self::Ledger(e) => e.fmt(f),
            Self::Gate(e) => e.fmt(f),
            Self::UnknownInstrument(i) => write!(f, "instrument {i} does not exist"),
            Self::UnknownAccount(a) => write!(f, "account {a} does not exist"),
            Self::NotAuthorized => f.write_str("this account may not do that"),
            Self::ModeNotAllowed => f.write_str("the instrument does not trade in this mode"),
            Self::Block(e) => f.write_str(e.message()),
            Self::Sealed(e) => f.write_str(e.message()),
            Self::Pledge(e) => f.write_str(e.message()),
        }
    }
}

/// Why a block command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockError {
    /// Below the instrument's block threshold.
    TooSmall,
    /// Outside ±30 % of the reference price.
    OutsideBand,
    /// The proposer cannot settle the block now (cash, lots, quota, status or eligibility);
    /// the acceptor is told no more, since another account's balances are not its business.
    CounterpartyUnable,
    /// The instrument has no reference price to bound the block.
    NoReference,
    /// The proposal's expiry has passed (or is not in the future).
    Expired,
    /// No open proposal with this id for this account.
    Unknown,
    /// The counterparty is the proposer.
    SelfTrade,
    /// The proposer has too many open proposals.
    Limit,
}

impl BlockError {
    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::TooSmall => "BLOCK_TOO_SMALL",
            Self::OutsideBand => "BLOCK_OUTSIDE_BAND",
            Self::CounterpartyUnable => "BLOCK_COUNTERPARTY_UNABLE",
            Self::NoReference => "NO_REFERENCE_PRICE",
            Self::Expired => "BLOCK_EXPIRED",
            Self::Unknown => "UNKNOWN_BLOCK",
            Self::SelfTrade => "BLOCK_SELF",
            Self::Limit => "BLOCK_LIMIT",
        }
    }

    /// A readable message.
    pub const fn message(self) -> &'static str {
        match self {
            Self::TooSmall => "a block trade must be at least the instrument's block threshold",
            Self::OutsideBand => "a block trade must be within ±30 % of the reference price",
            Self::CounterpartyUnable => {
                "the proposer cannot settle this block now; nothing was traded"
            }
            Self::NoReference => "the instrument has no reference price",
            Self::Expired => "the proposal has expired",
            Self::Unknown => "no open proposal with this id for this account",
            Self::SelfTrade => "the counterparty must be another account",
            Self::Limit => "too many open proposals",
        }
    }
}

/// Why a sealed-bid auction command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealedError {
    /// No open auction with this id.
    UnknownAuction,
    /// No open bid with this id for this account.
    UnknownBid,
    /// The window has not opened yet.
    NotOpenYet,
    /// The window has closed: no more bids, amendments or withdrawals.
    WindowClosed,
    /// The auction may be closed only at or after its close time.
    StillOpen,
    /// A bid below the reserve price.
    BelowReserve,
    /// A bid above the cap.
    AboveCap,
    /// The seller bids in its own auction.
    SellerBids,
    /// The bidder has the most open bids allowed in this auction.
    BidLimit,
    /// The window is empty or already over.
    BadWindow,
    /// A zero reserve, or a cap below the reserve.
    BadReserve,
    /// A purchase limit of 0 or above 100 %, or one that rounds down to no lot.
    BadLimit,
}

impl SealedError {
    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::UnknownAuction => "UNKNOWN_AUCTION",
            Self::UnknownBid => "UNKNOWN_BID",
            Self::NotOpenYet => "AUCTION_NOT_OPEN",
            Self::WindowClosed => "AUCTION_CLOSED",
            Self::StillOpen => "AUCTION_STILL_OPEN",
            Self::BelowReserve => "BID_BELOW_RESERVE",
            Self::AboveCap => "BID_ABOVE_CAP",
            Self::SellerBids => "AUCTION_SELF",
            Self::BidLimit => "BID_LIMIT",
            Self::BadWindow => "BAD_AUCTION_WINDOW",
            Self::BadReserve => "BAD_RESERVE",
            Self::BadLimit => "BAD_PURCHASE_LIMIT",
        }
    }

    /// A readable message.
    pub const fn message(self) -> &'static str {
        match self {
            Self::UnknownAuction => "no open auction with this id",
            Self::UnknownBid => "no open bid with this id for this account",
            Self::NotOpenYet => "the auction's bidding window has not opened yet",
            Self::WindowClosed => "the auction's bidding window has closed",
            Self::StillOpen => "the auction's bidding window is still open",
            Self::BelowReserve => "the bid is below the reserve price",
            Self::AboveCap => "the bid is above the auction's price cap",
            Self::SellerBids => "the seller may not bid in its own auction",
            Self::BidLimit => "too many open bids in this auction",
            Self::BadWindow => "the window must open before it closes, and close in the future",
            Self::BadReserve => "the reserve must be positive and the cap at or above it",
            Self::BadLimit => {
                "a purchase limit must be above 0 % and at most 100 %, and at least a lot"
            }
        }
    }
}

/// Why a pledge command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PledgeError {
    /// No such pledge of this account (another's is as unknown as one that never existed).
    Unknown,
    /// The instrument's listing does not allow pledging.
    NotPledgeable,
    /// The named pledgee is not an account of kind `pledgee`.
    NotAPledgee,
    /// The pledgor names itself as the pledgee.
    SelfPledge,
    /// A zero quantity or secured amount.
    ZeroTerms,
    /// The maturity is not in the future.
    MaturityPast,
    /// Confirming, declining or withdrawing a pledge that is no longer pending.
    NotPending,
    /// Releasing or enforcing a pledge that is not active.
    NotActive,
    /// Releasing more lots than the pledge holds.
    ReleaseExceedsPledged,
    /// Enforcing before the maturity.
    NotMatured,
    /// Releasing or enforcing while a disposal auction of the pledge is open.
    EnforcementOpen,
    /// Withdrawing an enforcement that is not open.
    NoEnforcement,
}

impl PledgeError {
    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Unknown => "UNKNOWN_PLEDGE",
            Self::NotPledgeable => "PLEDGE_NOT_ALLOWED",
            Self::NotAPledgee => "NOT_A_PLEDGEE",
            Self::SelfPledge => "PLEDGE_SELF",
            Self::ZeroTerms => "ZERO_PLEDGE",
            Self::MaturityPast => "MATURITY_PASSED",
            Self::NotPending => "PLEDGE_NOT_PENDING",
            Self::NotActive => "PLEDGE_NOT_ACTIVE",
            Self::ReleaseExceedsPledged => "RELEASE_EXCEEDS_PLEDGED",
            Self::NotMatured => "NOT_MATURED",
            Self::EnforcementOpen => "ENFORCEMENT_OPEN",
            Self::NoEnforcement => "NO_ENFORCEMENT",
        }
    }

    /// A readable message.
    pub const fn message(self) -> &'static str {
        match self {
            Self::Unknown => "no such pledge of this account",
            Self::NotPledgeable => "this instrument's listing does not allow pledging",
            Self::NotAPledgee => "the pledgee must be a bank or guarantee company (kind pledgee)",
            Self::SelfPledge => "an account cannot pledge to itself",
            Self::ZeroTerms => "a pledge needs a positive quantity and secured amount",
            Self::MaturityPast => "the maturity must be in the future",
            Self::NotPending => "the pledge is no longer pending",
            Self::NotActive => "the pledge is not active",
            Self::ReleaseExceedsPledged => "that is more than the pledge holds",
            Self::NotMatured => "the loan has not matured: enforcement starts at the maturity",
            Self::EnforcementOpen => "a disposal auction of this pledge is open",
            Self::NoEnforcement => "no disposal auction of this pledge is open",
        }
    }
}
