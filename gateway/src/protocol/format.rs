//! The protocol's text forms of times and bytes: RFC 3339 times (from the command's
//! timestamp, never a clock) both ways, and lowercase hexadecimal. Prices, quantities and cash
//! are formatted by the catalogue ([`ecomatch_exchange::catalog`]), the one place that knows
//! every instrument's tick and lot.

use std::time::{Duration, UNIX_EPOCH};

use ecomatch_engine::id::Timestamp;
use serde_json::Value;

use super::error::{EdgeCode, EdgeError};

/// An RFC 3339 time with milliseconds.
pub fn rfc3339(t: Timestamp) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_nanos(t.0)).to_string()
}

/// A time as requests give it: RFC 3339 UTC (`2026-03-02T09:30:00Z`, fractions allowed) or
/// milliseconds since the epoch.
pub fn parse_time(at: Option<&Value>) -> Result<Timestamp, EdgeError> {
    let bad = || {
        EdgeError::new(
            EdgeCode::BadTime,
            "\"at\" must be an RFC 3339 UTC time or milliseconds since the epoch",
        )
    };
    match at {
        Some(Value::String(s)) => {
            let t = humantime::parse_rfc3339(s).map_err(|_| bad())?;
            let nanos = t.duration_since(UNIX_EPOCH).map_err(|_| bad())?.as_nanos();
            u64::try_from(nanos).map(Timestamp).map_err(|_| bad())
        }
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|ms| ms.checked_mul(1_000_000))
            .map(Timestamp)
            .ok_or_else(bad),
        _ => Err(bad()),
    }
}

/// Bytes as lowercase hexadecimal (seeds, their hashes, API key hashes).
pub fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(2 * bytes.len()), |mut s, b| {
            // Writing to a String cannot fail.
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_go_both_ways() {
        let at = Value::from("2026-03-02T09:30:00.250Z");
        let t = parse_time(Some(&at)).expect("valid");
        assert_eq!(rfc3339(t), "2026-03-02T09:30:00.250Z");
        assert_eq!(
            parse_time(Some(&Value::from(1_000u64))),
            Ok(Timestamp(1_000_000_000))
        );
        assert_eq!(
            parse_time(Some(&Value::from("yesterday"))).map_err(|e| e.code),
            Err(EdgeCode::BadTime)
        );
        assert_eq!(hex(&[0, 0xab]), "00ab");
    }
}
