//! The markets a simulation runs on: the built-in demo, or one generated from the seed and
//! written as a market TOML (random ticks, lots, bands, fees including 0, book capacities
//! small enough to fill, affiliation groups, GEP records and needs), loaded through the same
//! loader as a deployment's. A failing run's market is that text, kept beside its requests.

use core::fmt::Write as _;
use core::str::FromStr;

use ecomatch_exchange::Exchange;
use rust_decimal::Decimal;

use crate::rng::Rng;

/// A market to simulate on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Market {
    /// The built-in demo market.
    Demo,
    /// A market TOML (the format of docs/market.example.toml).
    Toml(String),
}

impl Market {
    /// The exchange at its genesis, ready to trade.
    pub fn exchange(&self) -> Result<Exchange, String> {
        match self {
            Self::Demo => Ok(ecomatch_exchange::demo::exchange()),
            Self::Toml(text) => ecomatch_gateway::config::parse(text).map_err(|e| e.to_string()),
        }
    }

    /// The demo half the time, a generated market otherwise.
    pub fn of_seed(rng: &mut Rng) -> Self {
        if rng.chance(1, 2) {
            Self::Demo
        } else {
            Self::Toml(generate(rng))
        }
    }
}

const FAMILIES: [&str; 6] = [
    "forestry_carbon_sink",
    "emission_permit",
    "energy_use_right",
    "water_right",
    "gep_indicator",
    "ecological_credit",
];
const REGIONS: [&str; 2] = ["莲都", "柯城"];
const CITIES: [&str; 2] = ["丽水", "衢州"];
const BASINS: [&str; 2] = ["瓯江", "钱塘江"];
const KINDS: [&str; 4] = [
    "enterprise",
    "cooperative",
    "government_reserve",
    "county_government",
];

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).expect("literal decimal")
}

/// A tick and a lot whose product is a whole, positive number of fen.
fn steps(rng: &mut Rng) -> (Decimal, Decimal) {
    const TICKS: [&str; 6] = ["0.01", "0.05", "0.001", "1", "0.5", "0.1"];
    const LOTS: [&str; 6] = ["1", "0.01", "100", "10", "0.1", "1000"];
    loop {
        let (t, l): (&&str, &&str) = (rng.pick(&TICKS), rng.pick(&LOTS));
        let (t, l) = (d(t), d(l));
        let fen = t * l * Decimal::ONE_HUNDRED;
        if fen >= Decimal::ONE && fen.fract().is_zero() {
            return (t, l);
        }
    }
}

fn attributes(rng: &mut Rng, family: &str, i: usize) -> String {
    let (region, city, basin) = (rng.pick(&REGIONS), rng.pick(&CITIES), rng.pick(&BASINS));
    match family {
        "forestry_carbon_sink" => format!("standard = \"SIM-{i}\"\nvintage = 2024\n"),
        "emission_permit" => format!(
            "pollutant = \"{}\"\nregion = \"{region}\"\nterm_start = 2025\nterm_years = 5\n",
            rng.pick(&["cod", "nh3n", "so2", "nox"])
        ),
        "energy_use_right" => format!("region = \"{region}\"\nyear = 2025\n"),
        "water_right" => format!("basin = \"{basin}\"\nterm_start = 2025\nterm_years = 10\n"),
        "gep_indicator" => format!("municipality = \"{city}\"\nyear = 2025\n"),
        _ => "county = \"开化\"\nhabitat = \"wetland\"\nvintage = 2024\n".to_owned(),
    }
}

/// One `[[instrument]]` table; returns its id, family and lot too.
fn instrument(rng: &mut Rng, i: usize, out: &mut String) -> (String, &'static str, Decimal) {
    let family = *rng.pick(&FAMILIES);
    let id = format!("SIM-{}-{i}", &family[..3].to_ascii_uppercase());
    let (tick, lot) = steps(rng);
    let reference = rng.range(50, 20_000);
    let band = *rng.pick(&[0u32, 1, 100, 1_000, 1_000, 3_000, 10_000]);
    let fee = *rng.pick(&[0u32, 0, 1, 10, 30, 500, 10_000]);
    let mut modes = vec![
        "continuous",
        "call_auction",
        "single_sided_auction",
        "block",
    ];
    modes.retain(|_| rng.chance(4, 5));
    if !modes
        .iter()
        .any(|m| *m == "continuous" || *m == "call_auction")
    {
        modes.push("continuous");
    }
    let modes: Vec<String> = modes.iter().map(|m| format!("\"{m}\"")).collect();
    let px = |ticks: u64| Decimal::from(ticks) * tick;
    let qty = |lots: u64| Decimal::from(lots) * lot;
    let _ = write!(
        out,
        "[[instrument]]\nid = \"{id}\"\nname = \"模拟 {i}\"\nfamily = \"{family}\"\n{}\
         tick = \"{tick}\"\nlot = \"{lot}\"\nreference_price = \"{}\"\nband_bps = {band}\n\
         fee_bps = {fee}\nblock_threshold = \"{}\"\nmax_order_qty = \"{}\"\n\
         max_order_value = \"{}\"\nmax_orders = {}\nmax_levels = {}\nmin_price = \"{}\"\n\
         max_price = \"{}\"\nmodes = [{}]\nopen = {}\n",
        attributes(rng, family, i),
        px(reference),
        qty(rng.range(1, 500)),
        qty(rng.range(50, 1_000_000)),
        rng.pick(&["1000000000.00", "5000000.00", "100000.00"]),
        rng.range(3, 300),
        rng.range(2, 100),
        px(1),
        px(reference * 3),
        modes.join(", "),
        rng.chance(9, 10),
    );
    if rng.chance(1, 5) {
        let _ = writeln!(out, "holding_limit = \"{}\"", qty(rng.range(1, 2_000)));
    }
    if rng.chance(1, 4) {
        // Against the family's default, now and then: pledging a GEP indicator, or not a permit.
        let _ = writeln!(out, "pledgeable = {}", rng.chance(1, 2));
    }
    out.push('\n');
    (id, family, lot)
}

/// A market TOML generated from `rng`: 2 to 6 instruments, an operator, a bank that takes
/// pledges and 4 to 10 others.
pub fn generate(rng: &mut Rng) -> String {
    let mut text = String::from("fee_account = \"op\"\n\n");
    let instruments: Vec<(String, &str, Decimal)> = (0..rng.range(2, 6) as usize)
        .map(|i| instrument(rng, i, &mut text))
        .collect();
    text.push_str(
        "[[account]]\nname = \"op\"\nkind = \"operator\"\nregion = \"丽水\"\nmunicipality = \"丽水\"\n\n\
         [[account]]\nname = \"bank\"\nkind = \"pledgee\"\nregion = \"丽水\"\nmunicipality = \"丽水\"\n\n",
    );
    for a in 0..rng.range(4, 10) {
        account(rng, a, &instruments, &mut text);
    }
    text
}

fn account(rng: &mut Rng, a: u64, instruments: &[(String, &str, Decimal)], out: &mut String) {
    let kind = *rng.pick(&KINDS);
    let _ = write!(
        out,
        "[[account]]\nname = \"acct-{a}\"\nkind = \"{kind}\"\nregion = \"{}\"\n\
         municipality = \"{}\"\nbasin = \"{}\"\ncash = \"{}.00\"\n",
        rng.pick(&REGIONS),
        rng.pick(&CITIES),
        rng.pick(&BASINS),
        rng.pick(&[0u64, 1_000, 1_000_000, 100_000_000]),
    );
    if rng.chance(1, 3) {
        let _ = writeln!(out, "affiliation = \"group-{}\"", rng.below(2));
    }
    let (mut holdings, mut needs, mut gep) = (Vec::new(), Vec::new(), Vec::new());
    for (id, family, lot) in instruments {
        let q = |n: u64| Decimal::from(n) * *lot;
        if rng.chance(1, 2) {
            holdings.push(format!("\"{id}\" = \"{}\"", q(rng.range(0, 5_000))));
        }
        if matches!(*family, "emission_permit" | "energy_use_right") && rng.chance(2, 3) {
            needs.push(format!("\"{id}\" = \"{}\"", q(rng.range(0, 3_000))));
        }
        if *family == "gep_indicator" && kind == "county_government" {
            let target = rng.range(0, 5_000);
            let achieved = rng.range(0, 5_000);
            gep.push(format!(
                "\"{id}\" = {{ target = \"{}\", achieved = \"{}\" }}",
                q(target),
                q(achieved)
            ));
        }
    }
    for (name, items) in [("holdings", holdings), ("needs", needs)] {
        if !items.is_empty() {
            let _ = writeln!(out, "{name} = {{ {} }}", items.join(", "));
        }
    }
    if !gep.is_empty() {
        let _ = writeln!(out, "gep = {{ {} }}", gep.join(", "));
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_markets_load() {
        for seed in 0..200 {
            let text = generate(&mut Rng::new(seed));
            let ex = Market::Toml(text.clone())
                .exchange()
                .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{text}"));
            ex.check_invariants();
        }
    }
}
