//! `req_id`: whatever JSON value a client put there comes back on the direct reply exactly as
//! sent. A `serde_json::Value` cannot promise that (a 23-digit integer becomes a float), so the
//! id is kept as the client's JSON text and spliced into the reply when it is written.

use serde::ser::{Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

/// A request's `req_id`, as the JSON text the client sent.
#[derive(Clone, Debug)]
pub struct ReqId(Box<RawValue>);

impl PartialEq for ReqId {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Eq for ReqId {}

impl ReqId {
    /// The id of a request whose `req_id` parsed as `value` from `text`. A number that a
    /// `Value` holds only approximately (beyond 64-bit integers, or with a fraction or an
    /// exponent) is taken from the text itself; anything else is written back from `value`,
    /// which keeps it exactly.
    pub fn exact(value: &Value, text: &str) -> Self {
        if value.as_f64().is_some() && value.as_i64().is_none() && value.as_u64().is_none() {
            #[derive(serde::Deserialize)]
            struct Raw<'a> {
                #[serde(borrow)]
                req_id: &'a RawValue,
            }
            if let Ok(raw) = serde_json::from_str::<Raw<'_>>(text) {
                return Self(raw.req_id.to_owned());
            }
        }
        Self::from_value(value)
    }

    /// The id of a value built in code (tests, the load generator).
    pub fn from_value(value: &Value) -> Self {
        let text = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
        Self(RawValue::from_string(text).expect("serde_json writes valid JSON"))
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        self.0.get()
    }
}

impl Serialize for ReqId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id_of(text: &str) -> ReqId {
        let v: Value = serde_json::from_str(text).unwrap();
        ReqId::exact(&v["req_id"], text)
    }

    #[test]
    fn ids_come_back_exactly_as_sent() {
        for (sent, back) in [
            (
                r#"{"req_id":12345678901234567890123}"#,
                "12345678901234567890123",
            ),
            (r#"{"req_id":1.50}"#, "1.50"),
            (r#"{"req_id":-7e3}"#, "-7e3"),
            (r#"{"req_id":7}"#, "7"),
            (r#"{"req_id":-7}"#, "-7"),
            (r#"{"req_id":"a-1"}"#, r#""a-1""#),
            (r#"{"req_id":{"n":[1,2]}}"#, r#"{"n":[1,2]}"#),
        ] {
            assert_eq!(id_of(sent).as_str(), back, "{sent}");
        }
    }
}
