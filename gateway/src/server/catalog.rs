//! `get_instruments`: what is listed, answered by the session from the market's static
//! description without a trip to the core.

use ecomatch_exchange::Exchange;
use serde_json::{Value, json};

/// Every listed instrument with its family, unit, tick, lot and reference price.
pub fn instruments(catalog: &Exchange) -> Value {
    let list: Vec<Value> = catalog
        .listings()
        .map(|l| {
            let spec = l.instrument.spec();
            let family = l.instrument.family();
            json!({"instrument": spec.id.as_str(), "name": spec.name, "family": family.code(),
                "family_zh": family.chinese_name(), "unit": family.unit(),
                "tick": spec.tick.to_string(), "lot": spec.lot.to_string(),
                "reference_price": spec.reference_price.map(|p| p.to_decimal(spec.tick).to_string()),
                "fee_bps": l.fee_bps})
        })
        .collect();
    json!({"type": "instruments", "instruments": list})
}
