//! The pre-trade gate: who may trade an instrument (eligibility), how much (quotas, need caps,
//! holding limits, fat-finger limits), and the stable codes of its refusals.
//!
//! Everything here is a pure function of the account, the instrument and the account's usage,
//! so the core can check an order completely before anything changes.

use core::fmt;

use ecomatch_engine::book::Side;
use ecomatch_engine::instrument::{Attributes, Family, Instrument};
use ecomatch_engine::quantity::{Notional, Qty};

use crate::account::{Account, AccountKind, AccountStatus};

/// A set of account kinds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindSet(u8);

impl KindSet {
    /// Every kind but operators (who never trade).
    pub const PARTICIPANTS: Self = Self::of(&[
        AccountKind::Enterprise,
        AccountKind::CountyGovernment,
        AccountKind::Cooperative,
        AccountKind::GovernmentReserve,
    ]);

    /// The set of the given kinds.
    pub const fn of(kinds: &[AccountKind]) -> Self {
        let mut bits = 0u8;
        let mut i = 0;
        while i < kinds.len() {
            bits |= 1 << kinds[i] as u8;
            i += 1;
        }
        Self(bits)
    }

    /// True if `kind` is in the set.
    pub const fn contains(self, kind: AccountKind) -> bool {
        self.0 & (1 << kind as u8) != 0
    }
}

/// Where an account must belong to trade an instrument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Area {
    /// Anywhere.
    Anywhere,
    /// The account's region must be this one (emission permits, energy-use rights).
    Region(String),
    /// The account's municipality must be this one (GEP indicators).
    Municipality(String),
    /// The account's basin must be this one (water rights).
    Basin(String),
}

/// Who may buy and sell an instrument, and where they must belong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eligibility {
    /// Kinds that may buy.
    pub buyers: KindSet,
    /// Kinds that may sell.
    pub sellers: KindSet,
    /// Where both sides must belong.
    pub area: Area,
    /// Buyers need an approved requirement (a need cap) recorded by the operator.
    pub buyer_needs_approval: bool,
}

impl Eligibility {
    /// The default rule of the instrument's family (DESIGN.md §3).
    pub fn default_for(instrument: &Instrument) -> Self {
        use AccountKind::{Cooperative, CountyGovernment, Enterprise, GovernmentReserve};
        let all = KindSet::PARTICIPANTS;
        let (buyers, sellers, area, approval) = match &instrument.spec().attributes {
            Attributes::ForestryCarbonSink { .. } => (all, all, Area::Anywhere, false),
            Attributes::EmissionPermit { region, .. }
            | Attributes::EnergyUseRight { region, .. } => (
                KindSet::of(&[Enterprise]),
                KindSet::of(&[Enterprise, GovernmentReserve]),
                Area::Region(region.clone()),
                true,
            ),
            Attributes::WaterRight { basin, .. } => (all, all, Area::Basin(basin.clone()), false),
            Attributes::GepIndicator { municipality, .. } => (
                KindSet::of(&[CountyGovernment]),
                KindSet::of(&[CountyGovernment]),
                Area::Municipality(municipality.clone()),
                false,
            ),
            Attributes::EcologicalCredit { .. } => (
                KindSet::of(&[Enterprise, GovernmentReserve]),
                KindSet::of(&[Enterprise, Cooperative, GovernmentReserve]),
                Area::Anywhere,
                false,
            ),
        };
        Self {
            buyers,
            sellers,
            area,
            buyer_needs_approval: approval,
        }
    }

    /// Checks that `account` may trade on `side`.
    pub fn check(&self, account: &Account, side: Side) -> Result<(), GateError> {
        check_status(account)?;
        self.admits(account, side)
    }

    /// Checks that `account`'s kind and place let it trade on `side`, whatever its status:
    /// what a page offers it.
    pub fn admits(&self, account: &Account, side: Side) -> Result<(), GateError> {
        let kinds = match side {
            Side::Buy => self.buyers,
            Side::Sell => self.sellers,
        };
        if !kinds.contains(account.kind) {
            return Err(GateError::NotEligible {
                kind: account.kind,
                side,
            });
        }
        let inside = match &self.area {
            Area::Anywhere => true,
            Area::Region(r) => account.region == *r,
            Area::Municipality(m) => account.municipality == *m,
            Area::Basin(b) => account.basin.as_deref() == Some(b.as_str()),
        };
        if inside {
            Ok(())
        } else {
            Err(GateError::OutsideArea)
        }
    }
}

/// Refuses suspended and killed accounts.
pub fn check_status(account: &Account) -> Result<(), GateError> {
    match account.status {
        AccountStatus::Active => Ok(()),
        AccountStatus::Suspended => Err(GateError::AccountSuspended),
        AccountStatus::Killed => Err(GateError::AccountKilled),
    }
}

/// Checks an order's size against the instrument's fat-finger limits.
pub fn check_size(
    instrument: &Instrument,
    qty: Qty,
    notional: Option<Notional>,
) -> Result<(), GateError> {
    let ff = instrument.spec().fat_finger;
    if qty > ff.max_order_qty {
        return Err(GateError::OrderTooLarge {
            qty,
            max: ff.max_order_qty,
        });
    }
    match notional {
        Some(n) if n <= ff.max_order_notional => Ok(()),
        _ => Err(GateError::NotionalTooLarge),
    }
}

/// What one account has bought, sold and has open in one instrument, for quota checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Open quantity of buy orders.
    pub open_buy: u64,
    /// Quantity bought (filled).
    pub bought: u64,
    /// Open quantity of sell orders.
    pub open_sell: u64,
    /// Quantity sold (filled).
    pub sold: u64,
}

impl Usage {
    /// What counts against a cap on `side`: open and filled.
    pub const fn used(self, side: Side) -> u64 {
        match side {
            Side::Buy => self.open_buy.saturating_add(self.bought),
            Side::Sell => self.open_sell.saturating_add(self.sold),
        }
    }

    /// How many more lots on `side` [`check_quota`] lets through under `cap`: what a page
    /// shows as "may still buy / sell".
    pub const fn headroom(self, side: Side, cap: u64) -> u64 {
        cap.saturating_sub(self.used(side))
    }
}

/// A cap on what an account may buy or sell of one instrument in total (resting + filled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaKind {
    /// GEP: a buyer's shortfall or a seller's surplus.
    Gep,
    /// An approved requirement (emission permits, energy-use rights).
    Need,
    /// The instrument's holding limit (counting what is held and bought).
    HoldingLimit,
}

impl QuotaKind {
    /// The stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Gep => "gep",
            Self::Need => "need",
            Self::HoldingLimit => "holding_limit",
        }
    }
}

/// Checks that `more` lots on `side` keep the account's resting + filled quantity within `cap`.
pub fn check_quota(
    kind: QuotaKind,
    usage: Usage,
    side: Side,
    more: u64,
    cap: u64,
) -> Result<(), GateError> {
    let used = usage.used(side);
    if used.saturating_add(more) <= cap {
        Ok(())
    } else {
        Err(GateError::QuotaExceeded {
            kind,
            used,
            asked: more,
            cap,
        })
    }
}

/// A county's verified GEP target and achievement for a year, in lots of the GEP instrument.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GepRecord {
    /// The annual target.
    pub target: u64,
    /// The verified achievement.
    pub achieved: u64,
}

impl GepRecord {
    /// What the county may buy (its shortfall) or sell (its surplus) this year.
    pub fn allowance(self, side: Side) -> u64 {
        match side {
            Side::Buy => self.target.saturating_sub(self.achieved),
            Side::Sell => self.achieved.saturating_sub(self.target),
        }
    }
}

/// True if the family trades under the GEP quota rule.
pub fn is_gep(instrument: &Instrument) -> bool {
    instrument.family() == Family::GepIndicator
}

/// A refusal by the pre-trade gate, with a stable code ([`GateError::code`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GateError {
    /// The account is suspended.
    AccountSuspended,
    /// The account's kill switch is on.
    AccountKilled,
    /// This kind of account may not trade this side of the instrument.
    NotEligible {
        /// The account's kind.
        kind: AccountKind,
        /// The side it tried.
        side: Side,
    },
    /// The account does not belong to the instrument's region, municipality or basin.
    OutsideArea,
    /// A buyer without an approved requirement for a capped instrument.
    NoApprovedNeed,
    /// No verified GEP record for the county and year.
    NoGepRecord,
    /// A quota would be exceeded.
    QuotaExceeded {
        /// Which quota.
        kind: QuotaKind,
        /// Resting + filled so far.
        used: u64,
        /// The order's quantity.
        asked: u64,
        /// The cap.
        cap: u64,
    },
    /// Above the instrument's largest order.
    OrderTooLarge {
        /// The order's quantity.
        qty: Qty,
        /// The limit.
        max: Qty,
    },
    /// Above the instrument's largest order value.
    NotionalTooLarge,
}

impl GateError {
    /// The stable code of this refusal.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::AccountSuspended => "ACCOUNT_SUSPENDED",
            Self::AccountKilled => "ACCOUNT_KILLED",
            Self::NotEligible { .. } => "NOT_ELIGIBLE",
            Self::OutsideArea => "OUTSIDE_AREA",
            Self::NoApprovedNeed => "NO_APPROVED_NEED",
            Self::NoGepRecord => "NO_GEP_RECORD",
            Self::QuotaExceeded { .. } => "QUOTA_EXCEEDED",
            Self::OrderTooLarge { .. } => "ORDER_TOO_LARGE",
            Self::NotionalTooLarge => "NOTIONAL_TOO_LARGE",
        }
    }
}

impl fmt::Display for GateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AccountSuspended => f.write_str("the account is suspended"),
            Self::AccountKilled => f.write_str("the account's kill switch is on"),
            Self::NotEligible { kind, side } => {
                write!(
                    f,
                    "accounts of kind {} may not {} this instrument",
                    kind.code(),
                    side.as_str()
                )
            }
            Self::OutsideArea => {
                f.write_str("the account is outside the instrument's region, municipality or basin")
            }
            Self::NoApprovedNeed => f.write_str("no approved requirement for this instrument"),
            Self::NoGepRecord => {
                f.write_str("no verified GEP target and achievement for this year")
            }
            Self::QuotaExceeded {
                kind,
                used,
                asked,
                cap,
            } => write!(
                f,
                "{} quota exceeded: {used} resting or filled + {asked} asked > {cap} allowed (lots)",
                kind.as_str()
            ),
            Self::OrderTooLarge { qty, max } => {
                write!(
                    f,
                    "order of {} lots above the limit of {}",
                    qty.lots(),
                    max.lots()
                )
            }
            Self::NotionalTooLarge => f.write_str("order value above the instrument's limit"),
        }
    }
}

impl std::error::Error for GateError {}

#[cfg(test)]
mod tests {
    use super::*;
    use ecomatch_engine::id::InstrumentId;
    use ecomatch_engine::instrument::{
        BookCapacity, FatFinger, InstrumentSpec, PriceBand, TradingModes,
    };
    use ecomatch_engine::quantity::Price;

    fn instrument(attributes: Attributes) -> Instrument {
        Instrument::new(InstrumentSpec {
            id: InstrumentId::new("X").unwrap(),
            name: "x".into(),
            attributes,
            tick: rust_decimal::Decimal::ONE,
            lot: rust_decimal::Decimal::ONE,
            band: PriceBand { bps: 1000 },
            reference_price: None,
            block_threshold: Qty::from_lots(1000),
            fat_finger: FatFinger {
                max_order_qty: Qty::from_lots(100),
                max_order_notional: Notional::from_tick_lots(5_000),
            },
            modes: TradingModes {
                continuous: true,
                call_auction: false,
                single_sided_auction: false,
                block: false,
            },
            capacity: BookCapacity {
                max_orders: 8,
                max_levels: 8,
                min_price: Price::from_ticks(1),
                max_price: Price::from_ticks(100),
            },
        })
        .unwrap()
    }

    fn account(kind: AccountKind, region: &str) -> Account {
        Account {
            name: "a".into(),
            kind,
            region: region.into(),
            municipality: "丽水".into(),
            basin: Some("瓯江".into()),
            affiliation: None,
            status: AccountStatus::Active,
        }
    }

    #[test]
    fn gep_is_for_county_governments_of_the_municipality() {
        let gep = instrument(Attributes::GepIndicator {
            municipality: "丽水".into(),
            year: 2025,
        });
        let e = Eligibility::default_for(&gep);
        assert_eq!(
            e.check(&account(AccountKind::CountyGovernment, "龙泉"), Side::Buy),
            Ok(())
        );
        assert_eq!(
            e.check(&account(AccountKind::Enterprise, "龙泉"), Side::Buy),
            Err(GateError::NotEligible {
                kind: AccountKind::Enterprise,
                side: Side::Buy
            })
        );
        let mut quzhou = account(AccountKind::CountyGovernment, "开化");
        quzhou.municipality = "衢州".into();
        assert_eq!(e.check(&quzhou, Side::Sell), Err(GateError::OutsideArea));
    }

    #[test]
    fn permits_are_for_enterprises_of_the_region() {
        let cod = instrument(Attributes::EmissionPermit {
            pollutant: ecomatch_engine::instrument::Pollutant::Cod,
            region: "莲都".into(),
            term: ecomatch_engine::instrument::Term {
                start_year: 2025,
                years: 5,
            },
        });
        let e = Eligibility::default_for(&cod);
        assert!(e.buyer_needs_approval);
        assert_eq!(
            e.check(&account(AccountKind::Enterprise, "莲都"), Side::Buy),
            Ok(())
        );
        assert_eq!(
            e.check(&account(AccountKind::Enterprise, "青田"), Side::Buy),
            Err(GateError::OutsideArea)
        );
        assert_eq!(
            e.check(&account(AccountKind::GovernmentReserve, "莲都"), Side::Sell),
            Ok(())
        );
        assert!(
            e.check(&account(AccountKind::GovernmentReserve, "莲都"), Side::Buy)
                .is_err()
        );
        assert!(
            e.check(&account(AccountKind::Operator, "莲都"), Side::Sell)
                .is_err()
        );
    }

    #[test]
    fn water_rights_need_the_basin_and_status_is_checked_first() {
        let w = instrument(Attributes::WaterRight {
            basin: "瓯江".into(),
            term: ecomatch_engine::instrument::Term {
                start_year: 2025,
                years: 10,
            },
        });
        let e = Eligibility::default_for(&w);
        let mut a = account(AccountKind::Enterprise, "莲都");
        assert_eq!(e.check(&a, Side::Buy), Ok(()));
        a.basin = None;
        assert_eq!(e.check(&a, Side::Buy), Err(GateError::OutsideArea));
        a.status = AccountStatus::Killed;
        assert_eq!(e.check(&a, Side::Buy), Err(GateError::AccountKilled));
        a.status = AccountStatus::Suspended;
        assert_eq!(
            e.check(&a, Side::Buy).unwrap_err().code(),
            "ACCOUNT_SUSPENDED"
        );
    }

    #[test]
    fn headroom_is_what_the_quota_check_lets_through() {
        let usage = Usage {
            open_buy: 30,
            bought: 50,
            open_sell: 0,
            sold: 7,
        };
        for (side, cap) in [(Side::Buy, 100), (Side::Sell, 10)] {
            let room = usage.headroom(side, cap);
            assert!(check_quota(QuotaKind::Gep, usage, side, room, cap).is_ok());
            assert!(check_quota(QuotaKind::Gep, usage, side, room + 1, cap).is_err());
        }
        // Over the cap already (the record was lowered): no room, never a negative one.
        assert_eq!(usage.headroom(Side::Buy, 60), 0);
        assert_eq!(usage.headroom(Side::Buy, 100), 20);
    }

    #[test]
    fn quotas_count_resting_and_filled() {
        let u = Usage {
            open_buy: 30,
            bought: 50,
            open_sell: 0,
            sold: 0,
        };
        assert_eq!(check_quota(QuotaKind::Gep, u, Side::Buy, 20, 100), Ok(()));
        assert_eq!(
            check_quota(QuotaKind::Gep, u, Side::Buy, 21, 100),
            Err(GateError::QuotaExceeded {
                kind: QuotaKind::Gep,
                used: 80,
                asked: 21,
                cap: 100
            })
        );
        assert_eq!(
            check_quota(QuotaKind::Gep, u, Side::Sell, 1, 0)
                .unwrap_err()
                .code(),
            "QUOTA_EXCEEDED"
        );
        let r = GepRecord {
            target: 1000,
            achieved: 900,
        };
        assert_eq!((r.allowance(Side::Buy), r.allowance(Side::Sell)), (100, 0));
        let r = GepRecord {
            target: 900,
            achieved: 1000,
        };
        assert_eq!((r.allowance(Side::Buy), r.allowance(Side::Sell)), (0, 100));
    }

    #[test]
    fn fat_finger_limits() {
        let c = instrument(Attributes::ForestryCarbonSink {
            standard: "X".into(),
            vintage: 2024,
        });
        assert_eq!(
            check_size(
                &c,
                Qty::from_lots(100),
                Some(Notional::from_tick_lots(5_000))
            ),
            Ok(())
        );
        assert_eq!(
            check_size(&c, Qty::from_lots(101), Some(Notional::from_tick_lots(1)))
                .unwrap_err()
                .code(),
            "ORDER_TOO_LARGE"
        );
        assert_eq!(
            check_size(&c, Qty::from_lots(1), Some(Notional::from_tick_lots(5_001))),
            Err(GateError::NotionalTooLarge)
        );
        assert_eq!(
            check_size(&c, Qty::from_lots(1), None),
            Err(GateError::NotionalTooLarge)
        );
    }
}
