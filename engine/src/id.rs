//! Identifiers, sequence numbers and time, each its own type so that they cannot be mixed up.

use core::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// An order, numbered by the exchange in strictly increasing order of entry.
    OrderId(u64)
);
id_type!(
    /// An account (a participant or an operator), numbered by the exchange.
    AccountId(u32)
);
id_type!(
    /// A trade, numbered by the exchange in the order trades happen.
    TradeId(u64)
);
id_type!(
    /// A negotiated block trade proposal, numbered by the exchange.
    BlockId(u64)
);
id_type!(
    /// A sealed-bid auction, numbered by the exchange.
    AuctionId(u64)
);
id_type!(
    /// A bid in a sealed-bid auction, numbered by the exchange.
    BidId(u64)
);
id_type!(
    /// A pledge of ecological assets in the exchange's register, numbered by the exchange.
    PledgeId(u64)
);
id_type!(
    /// The position of a command in the sequenced log: gap-free, starting at 1.
    Seq(u64)
);
id_type!(
    /// A point in time: nanoseconds since the Unix epoch, taken from the command, never a clock.
    Timestamp(u64)
);

/// The bytes an instrument code may hold: ASCII letters, digits, `-`, `_` and `.`.
static ALLOWED: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'.';
        b += 1;
    }
    t
};

/// The longest instrument code, in bytes.
pub const INSTRUMENT_ID_MAX: usize = 24;
// `InstrumentId::words` compares the code as three 8-byte words.
const _: () = assert!(INSTRUMENT_ID_MAX == 24);

/// An instrument code such as `LS-FCS-2024`: 1 to 24 ASCII letters, digits, `-`, `_` or `.`.
///
/// It is `Copy` and stored inline, so that events can carry it without allocating.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct InstrumentId {
    len: u8,
    bytes: [u8; INSTRUMENT_ID_MAX],
}

/// The order is that of `(len, bytes)` compared field by field (shorter codes first, then the
/// bytes), which every ordered map, snapshot and state hash depends on. It is written out so
/// that the bytes compare as three big-endian words instead of a call to `memcmp`: instrument
/// keys are compared on every ledger and market lookup of the hot path.
impl Ord for InstrumentId {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.len
            .cmp(&other.len)
            .then_with(|| self.words().cmp(&other.words()))
    }
}

impl PartialOrd for InstrumentId {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Why a string is not a valid instrument code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstrumentIdError {
    /// Empty, or longer than [`INSTRUMENT_ID_MAX`] bytes.
    Length,
    /// A byte other than ASCII letters, digits, `-`, `_` or `.`.
    Character,
}

impl fmt::Display for InstrumentIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Length => write!(f, "instrument id must be 1 to {INSTRUMENT_ID_MAX} bytes"),
            Self::Character => f.write_str("instrument id may hold only A-Z a-z 0-9 - _ ."),
        }
    }
}

impl std::error::Error for InstrumentIdError {}

impl InstrumentId {
    /// Parses and validates an instrument code.
    pub fn new(s: &str) -> Result<Self, InstrumentIdError> {
        Self::from_ascii(s.as_bytes())
    }

    /// Parses and validates an instrument code from its bytes, as the log stores it: the
    /// allowed bytes are all ASCII, so no separate UTF-8 check is needed.
    pub fn from_ascii(raw: &[u8]) -> Result<Self, InstrumentIdError> {
        if raw.is_empty() || raw.len() > INSTRUMENT_ID_MAX {
            return Err(InstrumentIdError::Length);
        }
        if !raw.iter().all(|&b| ALLOWED[usize::from(b)]) {
            return Err(InstrumentIdError::Character);
        }
        let mut bytes = [0u8; INSTRUMENT_ID_MAX];
        bytes[..raw.len()].copy_from_slice(raw);
        Ok(Self {
            len: raw.len() as u8,
            bytes,
        })
    }

    /// The bytes as big-endian words, which compare as the bytes do.
    fn words(&self) -> [u64; 3] {
        let w = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&self.bytes[i * 8..i * 8 + 8]);
            u64::from_be_bytes(b)
        };
        [w(0), w(1), w(2)]
    }

    /// The code's bytes (ASCII).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The code as a string.
    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever stored, so this cannot fail.
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Display for InstrumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for InstrumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InstrumentId({})", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instrument_codes_are_validated() {
        assert_eq!(
            InstrumentId::new("LS-FCS-2024").unwrap().as_str(),
            "LS-FCS-2024"
        );
        assert_eq!(InstrumentId::new(""), Err(InstrumentIdError::Length));
        assert_eq!(
            InstrumentId::new(&"X".repeat(25)),
            Err(InstrumentIdError::Length)
        );
        assert_eq!(InstrumentId::new("丽水"), Err(InstrumentIdError::Character));
        assert_eq!(InstrumentId::new("A B"), Err(InstrumentIdError::Character));
    }

    /// The written-out order must be the derived order of `(len, bytes)` it replaced, or every
    /// ordered map, snapshot and state hash would change.
    #[test]
    fn instrument_codes_order_by_length_then_bytes() {
        let codes = [
            "A",
            "B",
            "AA",
            "A-",
            "A.",
            "z",
            "LS-FCS-2024",
            "LS-FCS-2025",
            "QZ-FCS-2024",
            "LS-FCS-2024-",
            "ZZZZZZZZZZZZZZZZZZZZZZZZ",
            "ZZZZZZZZZZZZZZZZZZZZZZZY",
            "ZZZZZZZZZZZZZZZZZZZZZZZ_",
            "0",
            "9-9",
            "a_b.c",
        ];
        for a in codes {
            for b in codes {
                let (x, y) = (InstrumentId::new(a).unwrap(), InstrumentId::new(b).unwrap());
                let expected = (x.len, x.bytes).cmp(&(y.len, y.bytes));
                assert_eq!(x.cmp(&y), expected, "{a} against {b}");
                assert_eq!(x.partial_cmp(&y), Some(expected));
                assert_eq!(x == y, expected.is_eq());
            }
        }
    }
}
