//! Typed quantities: prices in ticks, quantities in lots, notionals and cash.
//!
//! Inside the engine every amount is an integer with a unit in its type, so that a price can
//! never be added to a quantity and every product is checked. `Decimal` appears only at the
//! edges, through [`Price::from_decimal`] and friends, which refuse any value that is not an
//! exact multiple of the instrument's step: the exchange never rounds a user's number.

use core::fmt;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Why a decimal from the outside could not become a typed integer quantity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvertError {
    /// The value is below zero.
    Negative,
    /// The value is not a whole multiple of the step (tick or lot).
    NotMultiple {
        /// The value given.
        value: Decimal,
        /// The step it must be a multiple of.
        step: Decimal,
    },
    /// The value, counted in steps, does not fit in 64 bits.
    TooLarge,
    /// The step itself is zero or negative (a configuration error).
    BadStep,
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Negative => f.write_str("value is negative"),
            Self::NotMultiple { value, step } => {
                write!(f, "{value} is not a multiple of {step}")
            }
            Self::TooLarge => f.write_str("value is too large"),
            Self::BadStep => f.write_str("step must be positive"),
        }
    }
}

impl std::error::Error for ConvertError {}

/// Counts how many `step`s make `value`, exactly.
fn steps_of(value: Decimal, step: Decimal) -> Result<u64, ConvertError> {
    if step <= Decimal::ZERO {
        return Err(ConvertError::BadStep);
    }
    if value.is_sign_negative() && !value.is_zero() {
        return Err(ConvertError::Negative);
    }
    // `%` on Decimal is exact, unlike a division that may round a non-terminating quotient.
    let rem = value.checked_rem(step).ok_or(ConvertError::TooLarge)?;
    if !rem.is_zero() {
        return Err(ConvertError::NotMultiple { value, step });
    }
    let n = value.checked_div(step).ok_or(ConvertError::TooLarge)?;
    n.to_u64().ok_or(ConvertError::TooLarge)
}

/// `n` steps of `step`, as a decimal carrying the step's scale (so `3 × 0.01` prints `0.03`).
fn decimal_of(n: u64, step: Decimal) -> Decimal {
    // 2^64 × a step of at most 28 significant digits can exceed Decimal's 96 bits only for
    // absurd steps; instruments are validated so that their band fits (see `Instrument`).
    let mut d = Decimal::from(n)
        .checked_mul(step)
        .expect("decimal overflow: instrument step too large for its range");
    // Keep the step's places, so zero prints as `0.00` for a step of 0.01, like any other value.
    d.rescale(step.scale());
    d
}

/// A price, counted in ticks of its instrument. Always an exact multiple of the tick.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(u64);

impl Price {
    /// A price of `ticks` ticks.
    pub const fn from_ticks(ticks: u64) -> Self {
        Self(ticks)
    }

    /// The number of ticks.
    pub const fn ticks(self) -> u64 {
        self.0
    }

    /// Converts a decimal price, refusing anything that is not a whole number of ticks.
    pub fn from_decimal(value: Decimal, tick: Decimal) -> Result<Self, ConvertError> {
        steps_of(value, tick).map(Self)
    }

    /// The decimal price, given the tick.
    pub fn to_decimal(self, tick: Decimal) -> Decimal {
        decimal_of(self.0, tick)
    }

    /// `self + ticks`, or `None` on overflow.
    pub const fn checked_add_ticks(self, ticks: u64) -> Option<Self> {
        match self.0.checked_add(ticks) {
            Some(t) => Some(Self(t)),
            None => None,
        }
    }

    /// `self − ticks`, or `None` below zero.
    pub const fn checked_sub_ticks(self, ticks: u64) -> Option<Self> {
        match self.0.checked_sub(ticks) {
            Some(t) => Some(Self(t)),
            None => None,
        }
    }

    /// Price × quantity, in tick-lots; `None` on overflow.
    pub const fn checked_mul(self, qty: Qty) -> Option<Notional> {
        match self.0.checked_mul(qty.0) {
            Some(n) => Some(Notional(n)),
            None => None,
        }
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ticks", self.0)
    }
}

/// A quantity, counted in lots of its instrument. Always an exact multiple of the lot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Qty(u64);

impl Qty {
    /// No quantity.
    pub const ZERO: Self = Self(0);

    /// A quantity of `lots` lots.
    pub const fn from_lots(lots: u64) -> Self {
        Self(lots)
    }

    /// The number of lots.
    pub const fn lots(self) -> u64 {
        self.0
    }

    /// True for zero lots.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Converts a decimal quantity, refusing anything that is not a whole number of lots.
    pub fn from_decimal(value: Decimal, lot: Decimal) -> Result<Self, ConvertError> {
        steps_of(value, lot).map(Self)
    }

    /// The decimal quantity, given the lot.
    pub fn to_decimal(self, lot: Decimal) -> Decimal {
        decimal_of(self.0, lot)
    }

    /// `self + other`, or `None` on overflow.
    pub const fn checked_add(self, other: Self) -> Option<Self> {
        match self.0.checked_add(other.0) {
            Some(q) => Some(Self(q)),
            None => None,
        }
    }

    /// `self − other`, or `None` below zero.
    pub const fn checked_sub(self, other: Self) -> Option<Self> {
        match self.0.checked_sub(other.0) {
            Some(q) => Some(Self(q)),
            None => None,
        }
    }

    /// The smaller of two quantities.
    #[must_use]
    pub fn min(self, other: Self) -> Self {
        Self(self.0.min(other.0))
    }
}

impl fmt::Display for Qty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} lots", self.0)
    }
}

/// Price × quantity in tick-lots: the size of an order before it is turned into money by the
/// instrument's [`crate::instrument::Instrument::cash_per_tick_lot`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Notional(u64);

impl Notional {
    /// A notional of `n` tick-lots.
    pub const fn from_tick_lots(n: u64) -> Self {
        Self(n)
    }

    /// The number of tick-lots.
    pub const fn tick_lots(self) -> u64 {
        self.0
    }

    /// The notional in cash, given how much one tick-lot is worth; `None` on overflow.
    pub const fn to_cash(self, cash_per_tick_lot: Cash) -> Option<Cash> {
        match self.0.checked_mul(cash_per_tick_lot.0) {
            Some(c) => Some(Cash(c)),
            None => None,
        }
    }
}

/// An amount of money in fen (0.01 CNY), the smallest unit the ledger keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cash(u64);

impl Cash {
    /// No money.
    pub const ZERO: Self = Self(0);
    /// One fen as a decimal of CNY.
    pub const FEN: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

    /// An amount of `fen` fen.
    pub const fn from_fen(fen: u64) -> Self {
        Self(fen)
    }

    /// The number of fen.
    pub const fn fen(self) -> u64 {
        self.0
    }

    /// Converts a decimal amount of CNY, refusing fractions of a fen.
    pub fn from_decimal(value: Decimal) -> Result<Self, ConvertError> {
        steps_of(value, Self::FEN).map(Self)
    }

    /// The amount as a decimal of CNY with two places.
    pub fn to_decimal(self) -> Decimal {
        decimal_of(self.0, Self::FEN)
    }

    /// `self + other`, or `None` on overflow.
    pub const fn checked_add(self, other: Self) -> Option<Self> {
        match self.0.checked_add(other.0) {
            Some(c) => Some(Self(c)),
            None => None,
        }
    }

    /// `self − other`, or `None` below zero.
    pub const fn checked_sub(self, other: Self) -> Option<Self> {
        match self.0.checked_sub(other.0) {
            Some(c) => Some(Self(c)),
            None => None,
        }
    }
}

impl fmt::Display for Cash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_decimal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn exact_prices_convert_both_ways() {
        let tick = d("0.01");
        let p = Price::from_decimal(d("52.30"), tick).unwrap();
        assert_eq!(p.ticks(), 5230);
        assert_eq!(p.to_decimal(tick).to_string(), "52.30");
        assert_eq!(Price::from_decimal(d("52.3"), tick).unwrap(), p);
        assert_eq!(Price::from_decimal(d("0"), tick).unwrap().ticks(), 0);
    }

    #[test]
    fn off_tick_price_is_refused_not_rounded() {
        let err = Price::from_decimal(d("52.305"), d("0.01")).unwrap_err();
        assert_eq!(
            err,
            ConvertError::NotMultiple {
                value: d("52.305"),
                step: d("0.01")
            }
        );
        assert!(Price::from_decimal(d("0.3"), d("0.2")).is_err());
        assert_eq!(Price::from_decimal(d("0.4"), d("0.2")).unwrap().ticks(), 2);
    }

    #[test]
    fn negative_and_huge_values_are_refused() {
        assert_eq!(
            Qty::from_decimal(d("-5"), d("1")),
            Err(ConvertError::Negative)
        );
        assert_eq!(
            Qty::from_decimal(d("100000000000000000000"), d("1")),
            Err(ConvertError::TooLarge)
        );
        assert_eq!(
            Qty::from_decimal(d("1"), d("0")),
            Err(ConvertError::BadStep)
        );
        assert_eq!(Qty::from_decimal(d("-0"), d("1")).unwrap(), Qty::ZERO);
    }

    #[test]
    fn lots_of_a_coarse_lot() {
        let lot = d("100");
        assert_eq!(Qty::from_decimal(d("2500"), lot).unwrap().lots(), 25);
        assert!(Qty::from_decimal(d("2550"), lot).is_err());
        assert_eq!(Qty::from_lots(25).to_decimal(lot), d("2500"));
    }

    #[test]
    fn products_are_checked() {
        let n = Price::from_ticks(5230)
            .checked_mul(Qty::from_lots(100))
            .unwrap();
        assert_eq!(n.tick_lots(), 523_000);
        assert_eq!(n.to_cash(Cash::from_fen(1)).unwrap().to_string(), "5230.00");
        assert!(
            Price::from_ticks(u64::MAX)
                .checked_mul(Qty::from_lots(2))
                .is_none()
        );
        assert!(Qty::from_lots(1).checked_sub(Qty::from_lots(2)).is_none());
        assert!(
            Cash::from_fen(u64::MAX)
                .checked_add(Cash::from_fen(1))
                .is_none()
        );
    }

    #[test]
    fn cash_is_whole_fen() {
        assert_eq!(Cash::from_decimal(d("12.34")).unwrap().fen(), 1234);
        assert!(Cash::from_decimal(d("12.345")).is_err());
    }
}
