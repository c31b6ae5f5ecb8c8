//! The TOML market configuration for real deployments: instruments, accounts and opening
//! balances, validated on load with errors that name the entry and the field.
//! `docs/market.example.toml` is the built-in demo market written in this format.

use core::str::FromStr;
use std::collections::BTreeMap;
use std::path::Path;

use ecomatch_engine::id::{AccountId, InstrumentId};
use ecomatch_engine::instrument::{
    Attributes, BookCapacity, FatFinger, Instrument, InstrumentSpec, Pollutant, PriceBand, Term,
    TradingModes,
};
use ecomatch_engine::quantity::{Cash, Notional, Price, Qty};
use ecomatch_exchange::{Command, Exchange, Genesis, Listing};
use ecomatch_risk::account::{Account, AccountKind, AccountStatus};
use ecomatch_risk::gate::{Eligibility, GepRecord};
use rust_decimal::Decimal;
use serde::Deserialize;

/// A configuration that could not be loaded, with where and why.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    fee_account: String,
    #[serde(default, rename = "instrument")]
    instruments: Vec<InstrumentCfg>,
    #[serde(default, rename = "account")]
    accounts: Vec<AccountCfg>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstrumentCfg {
    id: String,
    name: String,
    /// The English name: presentation, read by `directory`, never part of the genesis.
    #[serde(rename = "name_en")]
    _name_en: Option<String>,
    family: String,
    standard: Option<String>,
    vintage: Option<u16>,
    pollutant: Option<String>,
    region: Option<String>,
    basin: Option<String>,
    municipality: Option<String>,
    county: Option<String>,
    habitat: Option<String>,
    year: Option<u16>,
    term_start: Option<u16>,
    term_years: Option<u16>,
    tick: String,
    lot: String,
    reference_price: Option<String>,
    band_bps: u32,
    fee_bps: u32,
    block_threshold: String,
    max_order_qty: String,
    max_order_value: String,
    max_orders: u32,
    max_levels: u32,
    min_price: String,
    max_price: String,
    holding_limit: Option<String>,
    #[serde(default = "continuous_only")]
    modes: Vec<String>,
    #[serde(default = "open")]
    open: bool,
    /// Whether its lots may be pledged; the family's default when absent.
    pledgeable: Option<bool>,
}

fn continuous_only() -> Vec<String> {
    vec!["continuous".into()]
}

fn open() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountCfg {
    name: String,
    /// Display names: presentation, read by `directory`, never part of the genesis.
    #[serde(rename = "name_zh")]
    _name_zh: Option<String>,
    #[serde(rename = "name_en")]
    _name_en: Option<String>,
    kind: String,
    region: String,
    municipality: String,
    basin: Option<String>,
    affiliation: Option<String>,
    #[serde(default)]
    cash: Option<String>,
    #[serde(default)]
    holdings: BTreeMap<String, String>,
    #[serde(default)]
    needs: BTreeMap<String, String>,
    #[serde(default)]
    gep: BTreeMap<String, GepCfg>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GepCfg {
    target: String,
    achieved: String,
}

fn err(at: &str, what: impl core::fmt::Display) -> ConfigError {
    ConfigError(format!("{at}: {what}"))
}

fn dec(at: &str, field: &str, s: &str) -> Result<Decimal, ConfigError> {
    Decimal::from_str(s).map_err(|_| err(at, format!("{field}: {s:?} is not a decimal")))
}

pub use crate::source::Source;

/// Loads and validates a configuration file into a ready exchange.
pub fn load(path: &Path) -> Result<Exchange, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError(e.to_string()))?;
    parse(&text)
}

/// Parses and validates a configuration text into a ready exchange.
pub fn parse(text: &str) -> Result<Exchange, ConfigError> {
    let (genesis, open) = parse_genesis(text)?;
    let mut ex = Exchange::new(genesis).map_err(|e| ConfigError(e.to_string()))?;
    for id in open {
        ex.set_initial_phase(
            id,
            ecomatch_engine::book::Phase::Continuous,
            &mut Vec::new(),
        );
    }
    Ok(ex)
}

/// Parses and validates a configuration text into its genesis and the instruments that open
/// for continuous trading at once.
pub fn parse_genesis(text: &str) -> Result<(Genesis, Vec<InstrumentId>), ConfigError> {
    let file: File = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
    let mut listings = Vec::new();
    let mut open = Vec::new();
    for (i, c) in file.instruments.iter().enumerate() {
        let at = format!("instrument[{i}] ({})", c.id);
        let l = listing(&at, c)?;
        if c.open {
            open.push(l.instrument.spec().id);
        }
        listings.push(l);
    }
    let accounts: Vec<Account> = file
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| account(&format!("account[{i}] ({})", a.name), a))
        .collect::<Result<_, _>>()?;
    let fee_account = accounts
        .iter()
        .position(|a| a.name == file.fee_account)
        .ok_or_else(|| {
            err(
                "fee_account",
                format!("no account named {}", file.fee_account),
            )
        })?;
    let opening = opening(&file, &listings)?;
    let genesis = Genesis {
        listings,
        accounts,
        fee_account: AccountId(fee_account as u32),
        opening,
    };
    Ok((genesis, open))
}

fn attributes(at: &str, c: &InstrumentCfg) -> Result<Attributes, ConfigError> {
    let need_s = |v: &Option<String>, f: &str| {
        v.clone()
            .ok_or_else(|| err(at, format!("{} needs `{f}`", c.family)))
    };
    let need_n =
        |v: Option<u16>, f: &str| v.ok_or_else(|| err(at, format!("{} needs `{f}`", c.family)));
    let term = || -> Result<Term, ConfigError> {
        Ok(Term {
            start_year: need_n(c.term_start, "term_start")?,
            years: need_n(c.term_years, "term_years")?,
        })
    };
    Ok(match c.family.as_str() {
        "forestry_carbon_sink" => Attributes::ForestryCarbonSink {
            standard: need_s(&c.standard, "standard")?,
            vintage: need_n(c.vintage, "vintage")?,
        },
        "emission_permit" => {
            let pollutant = match need_s(&c.pollutant, "pollutant")?.as_str() {
                "cod" => Pollutant::Cod,
                "nh3n" => Pollutant::Nh3N,
                "so2" => Pollutant::So2,
                "nox" => Pollutant::Nox,
                other => {
                    return Err(err(
                        at,
                        format!("pollutant {other:?}: one of cod, nh3n, so2, nox"),
                    ));
                }
            };
            Attributes::EmissionPermit {
                pollutant,
                region: need_s(&c.region, "region")?,
                term: term()?,
            }
        }
        "energy_use_right" => Attributes::EnergyUseRight {
            region: need_s(&c.region, "region")?,
            year: need_n(c.year, "year")?,
        },
        "water_right" => Attributes::WaterRight {
            basin: need_s(&c.basin, "basin")?,
            term: term()?,
        },
        "gep_indicator" => Attributes::GepIndicator {
            municipality: need_s(&c.municipality, "municipality")?,
            year: need_n(c.year, "year")?,
        },
        "ecological_credit" => Attributes::EcologicalCredit {
            county: need_s(&c.county, "county")?,
            habitat: need_s(&c.habitat, "habitat")?,
            vintage: need_n(c.vintage, "vintage")?,
        },
        other => {
            return Err(err(
                at,
                format!("family {other:?} is not one of the six families"),
            ));
        }
    })
}

fn listing(at: &str, c: &InstrumentCfg) -> Result<Listing, ConfigError> {
    let id = InstrumentId::new(&c.id).map_err(|e| err(at, e))?;
    let tick = dec(at, "tick", &c.tick)?;
    let lot = dec(at, "lot", &c.lot)?;
    let price = |f: &str, s: &str| {
        Price::from_decimal(dec(at, f, s)?, tick).map_err(|e| err(at, format!("{f}: {e}")))
    };
    let qty = |f: &str, s: &str| {
        Qty::from_decimal(dec(at, f, s)?, lot).map_err(|e| err(at, format!("{f}: {e}")))
    };
    let max_value = Cash::from_decimal(dec(at, "max_order_value", &c.max_order_value)?)
        .map_err(|e| err(at, format!("max_order_value: {e}")))?;
    let mut modes = TradingModes {
        continuous: false,
        call_auction: false,
        single_sided_auction: false,
        block: false,
    };
    for m in &c.modes {
        match m.as_str() {
            "continuous" => modes.continuous = true,
            "call_auction" => modes.call_auction = true,
            "single_sided_auction" => modes.single_sided_auction = true,
            "block" => modes.block = true,
            other => {
                return Err(err(
                    at,
                    format!(
                        "mode {other:?}: one of continuous, call_auction, single_sided_auction, block"
                    ),
                ));
            }
        }
    }
    let spec = InstrumentSpec {
        id,
        name: c.name.clone(),
        attributes: attributes(at, c)?,
        tick,
        lot,
        band: PriceBand { bps: c.band_bps },
        reference_price: c
            .reference_price
            .as_deref()
            .map(|s| price("reference_price", s))
            .transpose()?,
        block_threshold: qty("block_threshold", &c.block_threshold)?,
        fat_finger: FatFinger {
            max_order_qty: qty("max_order_qty", &c.max_order_qty)?,
            // Set below, once the instrument says what one tick-lot is worth.
            max_order_notional: Notional::from_tick_lots(u64::MAX),
        },
        modes,
        capacity: BookCapacity {
            max_orders: c.max_orders,
            max_levels: c.max_levels,
            min_price: price("min_price", &c.min_price)?,
            max_price: price("max_price", &c.max_price)?,
        },
    };
    let mut instrument = Instrument::new(spec.clone()).map_err(|e| err(at, e))?;
    // The value limit is given in CNY; the book counts tick-lots (rounded down: a limit).
    let per = instrument.cash_per_tick_lot().fen();
    let notional = Notional::from_tick_lots(max_value.fen() / per);
    instrument = Instrument::new(InstrumentSpec {
        fat_finger: FatFinger {
            max_order_notional: notional,
            ..spec.fat_finger
        },
        ..spec
    })
    .map_err(|e| err(at, e))?;
    if c.fee_bps > 10_000 {
        return Err(err(
            at,
            format!(
                "fee_bps: {} is above 10000 (a fee larger than the trade's value)",
                c.fee_bps
            ),
        ));
    }
    let eligibility = Eligibility::default_for(&instrument);
    let holding_limit = c
        .holding_limit
        .as_deref()
        .map(|s| qty("holding_limit", s))
        .transpose()?;
    let pledgeable = c
        .pledgeable
        .unwrap_or_else(|| ecomatch_exchange::genesis::default_pledgeable(instrument.family()));
    Ok(Listing {
        instrument,
        fee_bps: c.fee_bps,
        eligibility,
        holding_limit,
        pledgeable,
    })
}

fn account(at: &str, a: &AccountCfg) -> Result<Account, ConfigError> {
    let kind = match a.kind.as_str() {
        "enterprise" => AccountKind::Enterprise,
        "county_government" => AccountKind::CountyGovernment,
        "cooperative" => AccountKind::Cooperative,
        "government_reserve" => AccountKind::GovernmentReserve,
        "operator" => AccountKind::Operator,
        "pledgee" => AccountKind::Pledgee,
        other => {
            return Err(err(
                at,
                format!(
                    "kind {other:?}: one of enterprise, county_government, cooperative, government_reserve, operator, pledgee"
                ),
            ));
        }
    };
    if a.name.is_empty()
        || !a
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(err(at, "name: ASCII letters, digits, - and _ only"));
    }
    Ok(Account {
        name: a.name.clone(),
        kind,
        region: a.region.clone(),
        municipality: a.municipality.clone(),
        basin: a.basin.clone(),
        affiliation: a.affiliation.clone(),
        status: AccountStatus::Active,
    })
}

/// The opening commands: for each account in order, its cash, holdings, needs and GEP records.
fn opening(file: &File, listings: &[Listing]) -> Result<Vec<Command>, ConfigError> {
    let find = |at: &str, s: &str| {
        listings
            .iter()
            .find(|l| l.instrument.spec().id.as_str() == s)
            .ok_or_else(|| err(at, format!("instrument {s} is not configured")))
    };
    let mut cmds = Vec::new();
    for (i, a) in file.accounts.iter().enumerate() {
        let at = format!("account[{i}] ({})", a.name);
        let account = AccountId(i as u32);
        if let Some(c) = &a.cash {
            let amount = Cash::from_decimal(dec(&at, "cash", c)?)
                .map_err(|e| err(&at, format!("cash: {e}")))?;
            // An account may start with nothing: no deposit, not a refused one.
            if amount.fen() > 0 {
                cmds.push(Command::Deposit { account, amount });
            }
        }
        let lots = |l: &Listing, f: &str, s: &str| {
            Qty::from_decimal(dec(&at, f, s)?, l.instrument.spec().lot)
                .map_err(|e| err(&at, format!("{f}: {e}")))
        };
        for (inst, q) in &a.holdings {
            let l = find(&at, inst)?;
            let qty = lots(l, "holdings", q)?;
            if !qty.is_zero() {
                cmds.push(Command::Issue {
                    account,
                    instrument: l.instrument.spec().id,
                    qty,
                });
            }
        }
        for (inst, q) in &a.needs {
            let l = find(&at, inst)?;
            cmds.push(Command::SetNeed {
                account,
                instrument: l.instrument.spec().id,
                qty: lots(l, "needs", q)?,
            });
        }
        for (inst, g) in &a.gep {
            let l = find(&at, inst)?;
            let record = GepRecord {
                target: lots(l, "gep.target", &g.target)?.lots(),
                achieved: lots(l, "gep.achieved", &g.achieved)?.lots(),
            };
            cmds.push(Command::SetGep {
                account,
                instrument: l.instrument.spec().id,
                record,
            });
        }
    }
    Ok(cmds)
}
