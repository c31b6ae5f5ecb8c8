//! `get_instruments`: what is listed, with the reference price in force, answered by the
//! publisher from the market's static description and its market views (which follow every
//! `reference_price` message) without a trip to the core.

use std::collections::BTreeMap;

use ecomatch_engine::id::InstrumentId;
use ecomatch_exchange::Catalog;

use super::market::MarketView;
use crate::protocol::message::{self as m, Body, Shown};

/// Every listed instrument with its family, unit, tick, lot, fee and the reference price now
/// in force (as the market data last published it).
pub fn instruments(catalog: &Catalog, views: &BTreeMap<InstrumentId, MarketView>) -> Body {
    let instruments = catalog
        .products()
        .map(|p| {
            let family = p.family();
            let reference = views
                .get(&p.id)
                .map_or(p.opening_reference, MarketView::reference);
            m::Listed {
                instrument: Shown(p.id),
                name: p.name.clone(),
                family: family.code(),
                family_zh: family.chinese_name(),
                unit: family.unit(),
                tick: p.tick,
                lot: p.lot,
                reference_price: reference.map(|x| p.price(x)),
                fee_bps: p.fee_bps,
            }
        })
        .collect();
    Body::Instruments(m::Instruments { instruments })
}
