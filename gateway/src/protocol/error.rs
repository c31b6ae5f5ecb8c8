//! Refusals at the edge: a request that could not be read, converted, or let through by the
//! server, before anything reached the exchange. Each has a stable code of docs/PROTOCOL.md's
//! reject table, as the exchange's own refusals do; [`all_codes`] is the whole table.

use core::fmt;

macro_rules! edge_codes {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// Why the edge refused a request: one variant per stable code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum EdgeCode {
            $($(#[$doc])* $variant,)*
        }

        impl EdgeCode {
            /// Every code, in the order of docs/PROTOCOL.md's table.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The stable code.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }
        }
    };
}

edge_codes! {
    /// The line or frame is not a JSON object.
    BadJson => "BAD_JSON",
    /// Unknown field, wrong type, missing field, `as` missing.
    BadRequest => "BAD_REQUEST",
    /// No such `op`.
    UnknownOp => "UNKNOWN_OP",
    /// `at` is not RFC 3339 UTC or epoch milliseconds.
    BadTime => "BAD_TIME",
    /// A decimal string that is not a plain number.
    BadDecimal => "BAD_DECIMAL",
    /// A price off the instrument's tick.
    PriceNotOnTick => "PRICE_NOT_ON_TICK",
    /// A quantity off the instrument's lot.
    QtyNotOnLot => "QTY_NOT_ON_LOT",
    /// A cash amount with a fraction of a fen.
    AmountNotInFen => "AMOUNT_NOT_IN_FEN",
    /// A value below zero.
    NegativeValue => "NEGATIVE_VALUE",
    /// A value beyond 64-bit ticks, lots or fen.
    ValueTooLarge => "VALUE_TOO_LARGE",
    /// A limit order without a price.
    MissingPrice => "MISSING_PRICE",
    /// A market order with a price.
    UnexpectedPrice => "UNEXPECTED_PRICE",
    /// A malformed order id.
    BadOrderId => "BAD_ORDER_ID",
    /// A malformed client order id.
    BadClientOrderId => "BAD_CLIENT_ORDER_ID",
    /// A `get_book` depth outside 1–100.
    BadDepth => "BAD_DEPTH",
    /// No such instrument.
    UnknownInstrument => "UNKNOWN_INSTRUMENT",
    /// No such account.
    UnknownAccount => "UNKNOWN_ACCOUNT",
    /// An operator command or channel from a participant's session.
    Forbidden => "FORBIDDEN",
    /// The request needs a logged-in session.
    LoginRequired => "LOGIN_REQUIRED",
    /// An unknown API key.
    BadApiKey => "BAD_API_KEY",
    /// A second login on one session.
    AlreadyLoggedIn => "ALREADY_LOGGED_IN",
    /// Too many failed logins from this address.
    LoginRateLimited => "LOGIN_RATE_LIMITED",
    /// Too many requests.
    RateLimited => "RATE_LIMITED",
    /// The core's input queue is full; nothing was done.
    Busy => "BUSY",
    /// A `deposit` or `withdraw` for a shard the market does not have.
    UnknownShard => "UNKNOWN_SHARD",
    /// No such channel.
    UnknownChannel => "UNKNOWN_CHANNEL",
    /// The session's subscription limit.
    TooManySubscriptions => "TOO_MANY_SUBSCRIPTIONS",
    /// A malformed block id.
    BadBlockId => "BAD_BLOCK_ID",
    /// A bid in an auction that is not open.
    UnknownAuction => "UNKNOWN_AUCTION",
    /// A purchase limit that is not a percentage in steps of 0.01 above 0 and at most 100.
    BadPurchaseLimit => "BAD_PURCHASE_LIMIT",
    /// A malformed auction id.
    BadAuctionId => "BAD_AUCTION_ID",
    /// A malformed bid id.
    BadBidId => "BAD_BID_ID",
    /// A malformed pledge id.
    BadPledgeId => "BAD_PLEDGE_ID",
    /// A seed that is not 64 hexadecimal digits.
    BadSeed => "BAD_SEED",
    /// A command sent to a standby, which serves market data and queries only.
    NotPrimary => "NOT_PRIMARY",
}

impl fmt::Display for EdgeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal at the edge: its code, and what was wrong for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeError {
    /// The stable code.
    pub code: EdgeCode,
    /// What was wrong, for a person (may change).
    pub message: String,
}

impl EdgeError {
    /// A refusal with its code and message.
    pub fn new(code: EdgeCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for EdgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for EdgeError {}

/// Every reject code a client can meet, the edge's and the exchange's, each once, sorted: the
/// table docs/PROTOCOL.md documents.
pub fn all_codes() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = EdgeCode::ALL.iter().map(|c| c.as_str()).collect();
    codes.extend_from_slice(ecomatch_exchange::reject::CODES);
    codes.sort_unstable();
    codes.dedup();
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_shaped_alike() {
        let mut seen = std::collections::BTreeSet::new();
        for c in EdgeCode::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "{s} twice");
            assert!(
                s.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{s}"
            );
        }
    }
}
