//! The built-in demo market, used when no configuration is given: instruments from the Lishui,
//! Quzhou and Kaihua policy documents, the nine Lishui counties with GEP targets, a few
//! enterprises, the municipal cooperative, a reserve and an operator.

use core::str::FromStr;

use ecomatch_engine::id::{AccountId, InstrumentId};
use ecomatch_engine::instrument::{
    Attributes, BookCapacity, FatFinger, Instrument, InstrumentSpec, Pollutant, PriceBand, Term,
    TradingModes,
};
use ecomatch_engine::quantity::{Cash, Notional, Price, Qty};
use ecomatch_risk::account::{Account, AccountKind, AccountStatus};
use ecomatch_risk::gate::{Eligibility, GepRecord};
use rust_decimal::Decimal;

use crate::command::Command;
use crate::state::{Exchange, Genesis, Listing};

/// The nine counties of Lishui: (account name, county name), in the order the city lists them.
pub const LISHUI_COUNTIES: [(&str, &str); 9] = [
    ("liandu-gov", "莲都"),
    ("longquan-gov", "龙泉"),
    ("qingtian-gov", "青田"),
    ("yunhe-gov", "云和"),
    ("qingyuan-gov", "庆元"),
    ("jinyun-gov", "缙云"),
    ("suichang-gov", "遂昌"),
    ("songyang-gov", "松阳"),
    ("jingning-gov", "景宁"),
];

/// Verified GEP 2025 target and achievement of each county, in 10⁴ CNY (one lot each).
/// 龙泉 and 青田 fall short; 庆元 and 景宁 have a surplus; the others meet the target exactly.
const GEP_2025: [(u64, u64); 9] = [
    (4_000, 4_000),
    (5_000, 4_800),
    (4_000, 3_900),
    (2_000, 2_000),
    (3_000, 3_300),
    (3_500, 3_500),
    (3_000, 3_000),
    (2_500, 2_500),
    (2_500, 2_700),
];

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).expect("literal decimal")
}

fn id(s: &str) -> InstrumentId {
    InstrumentId::new(s).expect("literal instrument id")
}

#[allow(clippy::too_many_arguments)]
fn listing(
    code: &str,
    name: &str,
    attributes: Attributes,
    tick: &str,
    lot: &str,
    reference: u64,
    max_price: u64,
    fee_bps: u32,
) -> Listing {
    // One tick × one lot is worth a whole number of fen (checked by `Instrument::new`); the
    // value limit of an order is 1,000,000,000.00 CNY, counted in tick-lots.
    let fen_per_tick_lot = (d(tick) * d(lot) / Cash::FEN).trunc().mantissa().max(1) as u64;
    let max_notional = Notional::from_tick_lots(100_000_000_000 / fen_per_tick_lot);
    let instrument = Instrument::new(InstrumentSpec {
        id: id(code),
        name: name.into(),
        attributes,
        tick: d(tick),
        lot: d(lot),
        band: PriceBand { bps: 1_000 },
        reference_price: Some(Price::from_ticks(reference)),
        block_threshold: Qty::from_lots(100_000),
        fat_finger: FatFinger {
            max_order_qty: Qty::from_lots(1_000_000),
            max_order_notional: max_notional,
        },
        modes: TradingModes {
            continuous: true,
            call_auction: true,
            single_sided_auction: true,
            block: true,
        },
        capacity: BookCapacity {
            // The busiest demo book gets room for 100k resting orders; the others 10k.
            max_orders: if code == "LS-FCS-2024" {
                100_000
            } else {
                10_000
            },
            max_levels: 10_000,
            min_price: Price::from_ticks(1),
            max_price: Price::from_ticks(max_price),
        },
    })
    .expect("demo instruments are valid");
    let eligibility = Eligibility::default_for(&instrument);
    let pledgeable = crate::genesis::default_pledgeable(instrument.family());
    Listing {
        instrument,
        fee_bps,
        eligibility,
        holding_limit: None,
        pledgeable,
    }
}

/// The demo listings.
pub fn listings() -> Vec<Listing> {
    let term = |start_year, years| Term { start_year, years };
    vec![
        listing(
            "LS-FCS-2024",
            "丽水林业碳汇 2024",
            Attributes::ForestryCarbonSink {
                standard: "LS-FCS".into(),
                vintage: 2024,
            },
            "0.01",
            "1",
            5_000,
            20_000,
            10,
        ),
        listing(
            "QZ-FCS-2024",
            "衢州林业碳汇 2024",
            Attributes::ForestryCarbonSink {
                standard: "QZ-FCS".into(),
                vintage: 2024,
            },
            "0.01",
            "1",
            4_500,
            20_000,
            10,
        ),
        listing(
            "LS-COD-LD-2025",
            "莲都区 COD 排污权 2025–2029",
            Attributes::EmissionPermit {
                pollutant: Pollutant::Cod,
                region: "莲都".into(),
                term: term(2025, 5),
            },
            "1",
            "0.01",
            4_000,
            10_000,
            20,
        ),
        listing(
            "OJ-WR-2025",
            "瓯江流域水权 2025–2034",
            Attributes::WaterRight {
                basin: "瓯江".into(),
                term: term(2025, 10),
            },
            "0.001",
            "100",
            500,
            2_000,
            10,
        ),
        listing(
            "LS-GEP-2025",
            "丽水市 GEP 指标 2025",
            Attributes::GepIndicator {
                municipality: "丽水".into(),
                year: 2025,
            },
            "0.01",
            "1",
            100_000,
            300_000,
            0,
        ),
        listing(
            "KH-EC-2024",
            "开化生态积分（湿地）2024",
            Attributes::EcologicalCredit {
                county: "开化".into(),
                habitat: "wetland".into(),
                vintage: 2024,
            },
            "0.01",
            "1",
            2_000,
            20_000,
            10,
        ),
    ]
}

fn account(
    name: &str,
    kind: AccountKind,
    region: &str,
    municipality: &str,
    basin: Option<&str>,
) -> Account {
    Account {
        name: name.into(),
        kind,
        region: region.into(),
        municipality: municipality.into(),
        basin: basin.map(Into::into),
        affiliation: None,
        status: AccountStatus::Active,
    }
}

/// The demo accounts: the operator first (it collects the fees), then the rest.
pub fn accounts() -> Vec<Account> {
    use AccountKind::{
        Cooperative, CountyGovernment, Enterprise, GovernmentReserve, Operator, Pledgee,
    };
    let mut v = vec![
        account("operator", Operator, "丽水", "丽水", None),
        account("lishui-coop", Cooperative, "莲都", "丽水", Some("瓯江")),
        account(
            "lishui-reserve",
            GovernmentReserve,
            "莲都",
            "丽水",
            Some("瓯江"),
        ),
        account("zj-cement", Enterprise, "莲都", "丽水", Some("瓯江")),
        account("ls-paper", Enterprise, "莲都", "丽水", Some("瓯江")),
        account("qz-chem", Enterprise, "柯城", "衢州", Some("钱塘江")),
        account("kaihua-restore", Enterprise, "开化", "衢州", Some("钱塘江")),
    ];
    for (name, county) in LISHUI_COUNTIES {
        v.push(account(
            name,
            CountyGovernment,
            county,
            "丽水",
            Some("瓯江"),
        ));
    }
    // The banks that take ecological assets in pledge: 丽水农商行 and 青田农商行.
    v.push(account("ls-rcb", Pledgee, "莲都", "丽水", None));
    v.push(account("qt-rcb", Pledgee, "青田", "丽水", None));
    v
}

/// The demo genesis: cash for every participant, the cooperative's carbon sinks, the reserve's
/// permits and water rights, each county's GEP record (and its surplus as holdings), and the
/// cement plant's approved COD requirement.
pub fn genesis() -> Genesis {
    let accounts = accounts();
    let find = |n: &str| {
        AccountId(
            accounts
                .iter()
                .position(|a| a.name == n)
                .expect("demo account") as u32,
        )
    };
    let mut opening = Vec::new();
    for (i, a) in accounts.iter().enumerate().skip(1) {
        let fen = if a.kind == AccountKind::CountyGovernment {
            50_000_000_000
        } else {
            1_000_000_000
        };
        opening.push(Command::Deposit {
            account: AccountId(i as u32),
            amount: Cash::from_fen(fen),
        });
    }
    let issue = |n: &str, i: &str, lots| Command::Issue {
        account: find(n),
        instrument: id(i),
        qty: Qty::from_lots(lots),
    };
    opening.push(issue("lishui-coop", "LS-FCS-2024", 50_000));
    opening.push(issue("lishui-coop", "QZ-FCS-2024", 20_000));
    opening.push(issue("lishui-reserve", "LS-COD-LD-2025", 10_000));
    opening.push(issue("lishui-reserve", "OJ-WR-2025", 100_000));
    opening.push(issue("kaihua-restore", "KH-EC-2024", 5_000));
    for ((name, _), (target, achieved)) in LISHUI_COUNTIES.iter().zip(GEP_2025) {
        let record = GepRecord { target, achieved };
        opening.push(Command::SetGep {
            account: find(name),
            instrument: id("LS-GEP-2025"),
            record,
        });
        if achieved > target {
            opening.push(issue(name, "LS-GEP-2025", achieved - target));
        }
    }
    opening.push(Command::SetNeed {
        account: find("zj-cement"),
        instrument: id("LS-COD-LD-2025"),
        qty: Qty::from_lots(5_000),
    });
    Genesis {
        listings: listings(),
        accounts,
        fee_account: AccountId(0),
        opening,
    }
}

/// The demo exchange, with every instrument open for continuous trading.
pub fn exchange() -> Exchange {
    let mut ex = Exchange::new(genesis()).expect("the demo genesis is valid");
    ex.open_all_markets();
    ex
}
