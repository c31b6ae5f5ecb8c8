//! Reading a request's fields against the catalogue: names into ids, decimal strings into
//! ticks, lots and fen, exactly, each refusal with its code. Shared by `convert` and the
//! requests of `pledge`.

use core::str::FromStr;

use ecomatch_engine::id::{AccountId, InstrumentId};
use ecomatch_engine::quantity::{ConvertError, Price, Qty};
use ecomatch_exchange::catalog::{Catalog, Product};
use rust_decimal::Decimal;

use super::error::{EdgeCode, EdgeError};

pub(super) fn instrument<'c>(catalog: &'c Catalog, s: &str) -> Result<&'c Product, EdgeError> {
    InstrumentId::new(s)
        .ok()
        .and_then(|id| catalog.product(id))
        .ok_or_else(|| {
            EdgeError::new(
                EdgeCode::UnknownInstrument,
                format!("instrument {s} does not exist"),
            )
        })
}

pub(super) fn account(catalog: &Catalog, s: &str) -> Result<AccountId, EdgeError> {
    catalog.find(s).ok_or_else(|| {
        EdgeError::new(
            EdgeCode::UnknownAccount,
            format!("account {s} does not exist"),
        )
    })
}

pub(super) fn decimal(field: &str, s: &str) -> Result<Decimal, EdgeError> {
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    ok.then(|| Decimal::from_str(s).ok())
        .flatten()
        .ok_or_else(|| {
            EdgeError::new(
                EdgeCode::BadDecimal,
                format!("{field}: {s:?} is not a plain decimal number"),
            )
        })
}

pub(super) fn converted<T>(field: &str, r: Result<T, ConvertError>) -> Result<T, EdgeError> {
    r.map_err(|e| {
        let code = match (field, e) {
            (_, ConvertError::Negative) => EdgeCode::NegativeValue,
            (_, ConvertError::TooLarge | ConvertError::BadStep) => EdgeCode::ValueTooLarge,
            ("price", ConvertError::NotMultiple { .. }) => EdgeCode::PriceNotOnTick,
            ("amount", ConvertError::NotMultiple { .. }) => EdgeCode::AmountNotInFen,
            (_, ConvertError::NotMultiple { .. }) => EdgeCode::QtyNotOnLot,
        };
        EdgeError::new(code, format!("{field}: {e}"))
    })
}

/// A price read, in the product's ticks.
pub(super) fn ticks(p: &Product, d: Decimal) -> Result<Price, EdgeError> {
    converted("price", Price::from_decimal(d, p.tick))
}

/// A quantity read, in the product's lots.
pub(super) fn lots(p: &Product, field: &str, d: Decimal) -> Result<Qty, EdgeError> {
    converted(field, Qty::from_decimal(d, p.lot))
}

pub(super) fn qty(p: &Product, field: &str, s: &str) -> Result<Qty, EdgeError> {
    lots(p, field, decimal(field, s)?)
}

/// An id: a decimal string.
pub(super) fn id_of(field: &str, code: EdgeCode, s: &str) -> Result<u64, EdgeError> {
    s.parse::<u64>()
        .map_err(|_| EdgeError::new(code, format!("{field} {s:?} is not an id")))
}
