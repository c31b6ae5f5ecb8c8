//! Instruments: the six families of ecological products and rights, their attributes, and the
//! trading parameters every order is checked against.

use core::fmt;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::id::InstrumentId;
use crate::quantity::{Cash, Notional, Price, Qty};

/// The family of an instrument: what is traded, in which unit, and under whose rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// 林业碳汇: forestry carbon sink, in tCO2e.
    ForestryCarbonSink,
    /// 排污权: emission permit, in tonnes a year.
    EmissionPermit,
    /// 用能权: energy-use right, in tonnes of coal equivalent.
    EnergyUseRight,
    /// 水权: water right, in m³ of annual volume for a term.
    WaterRight,
    /// GEP 指标: GEP indicator, in 10⁴ CNY of regulating-service GEP.
    GepIndicator,
    /// 生态积分: ecological credit, in credit points.
    EcologicalCredit,
}

impl Family {
    /// All families, in a fixed order.
    pub const ALL: [Self; 6] = [
        Self::ForestryCarbonSink,
        Self::EmissionPermit,
        Self::EnergyUseRight,
        Self::WaterRight,
        Self::GepIndicator,
        Self::EcologicalCredit,
    ];

    /// The stable code used in the protocol and the config.
    pub const fn code(self) -> &'static str {
        match self {
            Self::ForestryCarbonSink => "forestry_carbon_sink",
            Self::EmissionPermit => "emission_permit",
            Self::EnergyUseRight => "energy_use_right",
            Self::WaterRight => "water_right",
            Self::GepIndicator => "gep_indicator",
            Self::EcologicalCredit => "ecological_credit",
        }
    }

    /// The unit one quantity of this family is counted in.
    pub const fn unit(self) -> &'static str {
        match self {
            Self::ForestryCarbonSink => "tCO2e",
            Self::EmissionPermit => "t/yr",
            Self::EnergyUseRight => "tce",
            Self::WaterRight => "m³",
            Self::GepIndicator => "10⁴ CNY GEP",
            Self::EcologicalCredit => "credit point",
        }
    }

    /// The Chinese name of the family, as the policy documents write it.
    pub const fn chinese_name(self) -> &'static str {
        match self {
            Self::ForestryCarbonSink => "林业碳汇",
            Self::EmissionPermit => "排污权",
            Self::EnergyUseRight => "用能权",
            Self::WaterRight => "水权",
            Self::GepIndicator => "GEP 指标",
            Self::EcologicalCredit => "生态积分",
        }
    }
}

/// The pollutant an emission permit allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pollutant {
    /// Chemical oxygen demand.
    Cod,
    /// Ammonia nitrogen.
    Nh3N,
    /// Sulphur dioxide.
    So2,
    /// Nitrogen oxides.
    Nox,
}

/// A term of years during which a right may be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Term {
    /// The first year of the term.
    pub start_year: u16,
    /// How many years the term lasts (at least one).
    pub years: u16,
}

/// What distinguishes one instrument of a family from another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attributes {
    /// A forestry carbon sink of a standard (e.g. "CCER", "LS-FCS") and a vintage year.
    ForestryCarbonSink {
        /// The certification standard.
        standard: String,
        /// The year the sequestration happened.
        vintage: u16,
    },
    /// An emission permit for a pollutant in a region over a term.
    EmissionPermit {
        /// The pollutant.
        pollutant: Pollutant,
        /// The region (county or district) the permit is valid in.
        region: String,
        /// The term of the permit.
        term: Term,
    },
    /// An energy-use right for a region and a year.
    EnergyUseRight {
        /// The region the right is valid in.
        region: String,
        /// The year of use.
        year: u16,
    },
    /// A water right in a basin over a term.
    WaterRight {
        /// The basin (e.g. "Oujiang").
        basin: String,
        /// The term of the right.
        term: Term,
    },
    /// A GEP indicator of a municipality for a year.
    GepIndicator {
        /// The municipality whose counties trade it.
        municipality: String,
        /// The accounting year.
        year: u16,
    },
    /// An ecological credit of a county, a habitat type and a vintage.
    EcologicalCredit {
        /// The county where the restoration happened.
        county: String,
        /// The habitat type restored (e.g. "wetland").
        habitat: String,
        /// The year the credit was verified.
        vintage: u16,
    },
}

impl Attributes {
    /// The family these attributes belong to.
    pub const fn family(&self) -> Family {
        match self {
            Self::ForestryCarbonSink { .. } => Family::ForestryCarbonSink,
            Self::EmissionPermit { .. } => Family::EmissionPermit,
            Self::EnergyUseRight { .. } => Family::EnergyUseRight,
            Self::WaterRight { .. } => Family::WaterRight,
            Self::GepIndicator { .. } => Family::GepIndicator,
            Self::EcologicalCredit { .. } => Family::EcologicalCredit,
        }
    }
}

/// The trading modes an instrument allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // four independent switches, named as the rules name them
pub struct TradingModes {
    /// Continuous double auction.
    pub continuous: bool,
    /// Periodic call auction.
    pub call_auction: bool,
    /// Single-sided (reserve sale / issuance) auction.
    pub single_sided_auction: bool,
    /// Negotiated block trades.
    pub block: bool,
}

/// The static price band: orders must lie within ± this many basis points of the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriceBand {
    /// Half-width of the band in basis points of the reference price (1000 = ±10 %).
    pub bps: u32,
}

impl PriceBand {
    /// The lowest and highest allowed price around `reference`: the lower edge rounds up and
    /// the upper edge rounds down to a tick, so the band never grows by rounding.
    pub fn limits(self, reference: Price) -> (Price, Price) {
        let r = u128::from(reference.ticks());
        let bps = u128::from(self.bps.min(10_000));
        let lo = (r * (10_000 - bps)).div_ceil(10_000);
        let hi = r * (10_000 + bps) / 10_000;
        let clamp = |v: u128| Price::from_ticks(u64::try_from(v).unwrap_or(u64::MAX));
        (clamp(lo), clamp(hi))
    }
}

/// Fat-finger limits on a single order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FatFinger {
    /// The largest quantity one order may have.
    pub max_order_qty: Qty,
    /// The largest price × quantity one order may have, in tick-lots.
    pub max_order_notional: Notional,
}

/// How much one book of the instrument may hold: it is preallocated, never grown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BookCapacity {
    /// The most resting orders.
    pub max_orders: u32,
    /// The most distinct price levels with resting orders, both sides together.
    pub max_levels: u32,
    /// The lowest price the book can represent.
    pub min_price: Price,
    /// The highest price the book can represent.
    pub max_price: Price,
}

impl BookCapacity {
    /// The largest price window a book may span, in ticks (16 Mi ticks, 2 × 384 MiB of levels).
    pub const MAX_WINDOW: u64 = 1 << 24;

    /// The most orders one book may be built for (its pool and index are preallocated: 16 Mi
    /// orders is about 1.5 GiB).
    pub const MAX_ORDERS: u32 = 1 << 24;

    /// The number of ticks in the price window.
    pub const fn window(&self) -> u64 {
        self.max_price.ticks() - self.min_price.ticks() + 1
    }
}

/// Everything that defines an instrument, as an operator writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstrumentSpec {
    /// The instrument code, e.g. `LS-FCS-2024`.
    pub id: InstrumentId,
    /// The display name (Chinese allowed).
    pub name: String,
    /// Family and attributes.
    pub attributes: Attributes,
    /// The price step, in CNY per unit.
    pub tick: Decimal,
    /// The quantity step, in units of the family.
    pub lot: Decimal,
    /// The static price band around the reference price.
    pub band: PriceBand,
    /// The reference price (previous close or operator-set), if any.
    pub reference_price: Option<Price>,
    /// The smallest quantity of a negotiated block trade.
    pub block_threshold: Qty,
    /// Fat-finger limits.
    pub fat_finger: FatFinger,
    /// Allowed trading modes.
    pub modes: TradingModes,
    /// Book capacity and price window.
    pub capacity: BookCapacity,
}

/// Why an instrument specification was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InstrumentError {
    /// Tick or lot is zero or negative.
    NonPositiveStep,
    /// One tick × one lot is not a whole number of fen, so cash could not be kept exactly.
    FractionalFen {
        /// tick × lot in CNY.
        tick_lot: Decimal,
    },
    /// The capacity is zero or the price window is empty or too wide.
    Capacity(&'static str),
    /// The reference price lies outside the price window.
    ReferenceOutsideWindow,
    /// A band wider than 100 %.
    Band,
    /// A fat-finger limit that no order could pass.
    FatFinger(&'static str),
}

impl fmt::Display for InstrumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NonPositiveStep => f.write_str("tick and lot must be positive"),
            Self::FractionalFen { tick_lot } => {
                write!(
                    f,
                    "tick × lot = {tick_lot} CNY is not a whole number of fen"
                )
            }
            Self::Capacity(what) => write!(f, "bad book capacity: {what}"),
            Self::ReferenceOutsideWindow => f.write_str("reference price outside the price window"),
            Self::Band => f.write_str("price band must be at most 10000 bps"),
            Self::FatFinger(what) => write!(f, "bad fat-finger limit: {what}"),
        }
    }
}

impl std::error::Error for InstrumentError {}

/// A validated instrument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instrument {
    spec: InstrumentSpec,
    cash_per_tick_lot: Cash,
}

impl Instrument {
    /// Validates a specification.
    pub fn new(spec: InstrumentSpec) -> Result<Self, InstrumentError> {
        if spec.tick <= Decimal::ZERO || spec.lot <= Decimal::ZERO {
            return Err(InstrumentError::NonPositiveStep);
        }
        let tick_lot = spec
            .tick
            .checked_mul(spec.lot)
            .ok_or(InstrumentError::NonPositiveStep)?;
        let cash = Cash::from_decimal(tick_lot)
            .ok()
            .filter(|c| c.fen() > 0)
            .ok_or(InstrumentError::FractionalFen { tick_lot })?;
        let cap = &spec.capacity;
        if cap.max_orders == 0 || cap.max_levels == 0 {
            return Err(InstrumentError::Capacity(
                "max_orders and max_levels must be positive",
            ));
        }
        if cap.max_orders > BookCapacity::MAX_ORDERS {
            return Err(InstrumentError::Capacity(
                "max_orders above 16777216 (the book is preallocated)",
            ));
        }
        if cap.min_price.ticks() == 0 || cap.min_price > cap.max_price {
            return Err(InstrumentError::Capacity("need 0 < min_price <= max_price"));
        }
        if cap.window() > BookCapacity::MAX_WINDOW {
            return Err(InstrumentError::Capacity(
                "price window wider than 2^24 ticks",
            ));
        }
        // The highest representable price must convert to a Decimal without overflow.
        if Decimal::from(cap.max_price.ticks())
            .checked_mul(spec.tick)
            .and_then(|d| d.to_f64())
            .is_none()
        {
            return Err(InstrumentError::Capacity(
                "max_price too large for the tick",
            ));
        }
        if spec.band.bps > 10_000 {
            return Err(InstrumentError::Band);
        }
        if spec.fat_finger.max_order_qty.is_zero() {
            return Err(InstrumentError::FatFinger(
                "max_order_qty must be at least one lot",
            ));
        }
        if spec.fat_finger.max_order_notional.tick_lots() == 0 {
            return Err(InstrumentError::FatFinger(
                "max_order_value must be at least one tick × one lot",
            ));
        }
        if let Some(r) = spec.reference_price {
            if r < cap.min_price || r > cap.max_price {
                return Err(InstrumentError::ReferenceOutsideWindow);
            }
        }
        Ok(Self {
            spec,
            cash_per_tick_lot: cash,
        })
    }

    /// The specification.
    pub fn spec(&self) -> &InstrumentSpec {
        &self.spec
    }

    /// The instrument's family.
    pub fn family(&self) -> Family {
        self.spec.attributes.family()
    }

    /// The cash value of one tick × one lot.
    pub fn cash_per_tick_lot(&self) -> Cash {
        self.cash_per_tick_lot
    }

    /// Sets the reference price, which moves the band; refused outside the price window.
    pub fn set_reference_price(&mut self, price: Price) -> Result<(), InstrumentError> {
        let cap = &self.spec.capacity;
        if price < cap.min_price || price > cap.max_price {
            return Err(InstrumentError::ReferenceOutsideWindow);
        }
        self.spec.reference_price = Some(price);
        Ok(())
    }

    /// The allowed price range now: the band around the reference price, cut to the book's
    /// window; the whole window when there is no reference price.
    pub fn price_limits(&self) -> (Price, Price) {
        let cap = &self.spec.capacity;
        match self.spec.reference_price {
            Some(r) => {
                let (lo, hi) = self.spec.band.limits(r);
                (lo.max(cap.min_price), hi.min(cap.max_price))
            }
            None => (cap.min_price, cap.max_price),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::str::FromStr;

    pub(crate) fn carbon_spec() -> InstrumentSpec {
        InstrumentSpec {
            id: InstrumentId::new("LS-FCS-2024").unwrap(),
            name: "丽水林业碳汇 2024".into(),
            attributes: Attributes::ForestryCarbonSink {
                standard: "LS-FCS".into(),
                vintage: 2024,
            },
            tick: Decimal::from_str("0.01").unwrap(),
            lot: Decimal::from_str("1").unwrap(),
            band: PriceBand { bps: 1000 },
            reference_price: Some(Price::from_ticks(5000)),
            block_threshold: Qty::from_lots(100_000),
            fat_finger: FatFinger {
                max_order_qty: Qty::from_lots(1_000_000),
                max_order_notional: Notional::from_tick_lots(u64::MAX),
            },
            modes: TradingModes {
                continuous: true,
                call_auction: true,
                single_sided_auction: true,
                block: true,
            },
            capacity: BookCapacity {
                max_orders: 1000,
                max_levels: 100,
                min_price: Price::from_ticks(1),
                max_price: Price::from_ticks(100_000),
            },
        }
    }

    #[test]
    fn band_rounds_inwards() {
        let (lo, hi) = PriceBand { bps: 1000 }.limits(Price::from_ticks(5001));
        assert_eq!((lo.ticks(), hi.ticks()), (4501, 5501)); // 4500.9 up, 5501.1 down
        let (lo, hi) = PriceBand { bps: 0 }.limits(Price::from_ticks(7));
        assert_eq!((lo.ticks(), hi.ticks()), (7, 7));
    }

    #[test]
    fn instrument_validation() {
        let inst = Instrument::new(carbon_spec()).unwrap();
        assert_eq!(inst.cash_per_tick_lot(), Cash::from_fen(1));
        assert_eq!(inst.family().unit(), "tCO2e");
        assert_eq!(
            inst.price_limits(),
            (Price::from_ticks(4500), Price::from_ticks(5500))
        );

        let mut s = carbon_spec();
        s.tick = Decimal::from_str("0.001").unwrap();
        assert!(matches!(
            Instrument::new(s),
            Err(InstrumentError::FractionalFen { .. })
        ));
        let mut s = carbon_spec();
        s.lot = Decimal::ZERO;
        assert_eq!(Instrument::new(s), Err(InstrumentError::NonPositiveStep));
        let mut s = carbon_spec();
        s.capacity.max_orders = 0;
        assert!(matches!(
            Instrument::new(s),
            Err(InstrumentError::Capacity(_))
        ));
        let mut s = carbon_spec();
        s.reference_price = Some(Price::from_ticks(200_000));
        assert_eq!(
            Instrument::new(s),
            Err(InstrumentError::ReferenceOutsideWindow)
        );
        let mut s = carbon_spec();
        s.capacity.max_price = Price::from_ticks(1 << 25);
        assert!(matches!(
            Instrument::new(s),
            Err(InstrumentError::Capacity(_))
        ));
    }
}
