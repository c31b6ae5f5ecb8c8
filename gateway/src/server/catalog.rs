//! `get_instruments`: what is listed, with the reference price in force, answered by the
//! publisher from the market's static description and its market views (which follow every
//! `reference_price` message) without a trip to the core.

use std::collections::BTreeMap;

use ecomatch_engine::id::InstrumentId;
use ecomatch_engine::instrument::TradingModes;
use ecomatch_exchange::Catalog;

use super::market::MarketView;
use crate::directory::Directory;
use crate::protocol::message::{self as m, Body, Shown};

/// Every listed instrument with its names, family, unit, tick, lot, fee, band, block
/// threshold, trading modes and the reference price now in force (as the market data last
/// published it).
pub fn instruments(
    catalog: &Catalog,
    directory: &Directory,
    views: &BTreeMap<InstrumentId, MarketView>,
) -> Body {
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
                name_en: directory
                    .instrument(p.id.as_str())
                    .map_or_else(|| p.name.clone(), |n| n.en.clone()),
                family: family.code(),
                family_zh: family.chinese_name(),
                unit: family.unit(),
                tick: p.tick,
                lot: p.lot,
                reference_price: reference.map(|x| p.price(x)),
                fee_bps: p.fee_bps,
                band_bps: p.band.bps,
                block_threshold: p.qty(p.block_threshold),
                modes: modes(p.modes),
            }
        })
        .collect();
    Body::Instruments(m::Instruments { instruments })
}

/// The trading modes an instrument allows, by their configuration names.
fn modes(modes: TradingModes) -> Vec<&'static str> {
    [
        (modes.continuous, "continuous"),
        (modes.call_auction, "call_auction"),
        (modes.single_sided_auction, "single_sided_auction"),
        (modes.block, "block"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect()
}
