//! `get_instruments`: what is listed, with the reference price in force, answered by the
//! publisher from the market's static description and its market views (which follow every
//! `reference_price` message) without a trip to the core.

use std::collections::BTreeMap;

use ecomatch_engine::id::InstrumentId;
use ecomatch_exchange::Exchange;
use serde_json::{Value, json};

use super::market::MarketView;

/// Every listed instrument with its family, unit, tick, lot, fee and the reference price now
/// in force (as the market data last published it).
pub fn instruments(catalog: &Exchange, views: &BTreeMap<InstrumentId, MarketView>) -> Value {
    let list: Vec<Value> = catalog
        .listings()
        .map(|l| {
            let spec = l.instrument.spec();
            let family = l.instrument.family();
            let reference = views
                .get(&spec.id)
                .map_or(spec.reference_price, MarketView::reference);
            json!({"instrument": spec.id.as_str(), "name": spec.name, "family": family.code(),
                "family_zh": family.chinese_name(), "unit": family.unit(),
                "tick": spec.tick.to_string(), "lot": spec.lot.to_string(),
                "reference_price": reference.map(|p| p.to_decimal(spec.tick).to_string()),
                "fee_bps": l.fee_bps})
        })
        .collect();
    json!({"type": "instruments", "instruments": list})
}
