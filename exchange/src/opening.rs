//! The opening of a market as a log records it: a self-contained, versioned binary
//! description of everything the exchange starts from (every listing with its terms and
//! eligibility, every account, the opening commands, which books open for continuous trading,
//! and for a shard its place and its own part of the market), so that a log replays to the
//! same state with any later build, whatever the demo market or the TOML loader become.
//!
//! Codes are written as their stable protocol names (families, kinds, pollutants, areas),
//! decimals as their exact text, and opening commands in the log's own command encoding; a
//! decoder refuses anything it does not know rather than guess.

use ecomatch_engine::book::Phase;
use ecomatch_engine::id::{AccountId, InstrumentId};
use ecomatch_engine::instrument::{
    Attributes, BookCapacity, FatFinger, Instrument, InstrumentSpec, Pollutant, PriceBand, Term,
    TradingModes,
};
use ecomatch_engine::quantity::{Notional, Price, Qty};
use ecomatch_risk::account::{Account, AccountKind, AccountStatus};
use ecomatch_risk::gate::{Area, Eligibility, KindSet};
use rust_decimal::Decimal;

use crate::shard::IdSpace;
use crate::state::{Exchange, Genesis, GenesisError, Listing};
use crate::wire::{DecodeError, Reader, Writer};

const MAGIC: &str = "ecomatch-opening";
/// The format version; a decoder refuses versions it does not know.
pub const VERSION: u32 = 1;

/// A market's opening, or one shard's of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opening {
    /// The whole market (every shard's listings): what every shard of it shares.
    pub market: Genesis,
    /// The instruments whose books open for continuous trading at once.
    pub open: Vec<InstrumentId>,
    /// This shard's index, from 0 (the home shard).
    pub index: u32,
    /// How many shards the market has (1: the whole market is one).
    pub count: u32,
    /// This shard's own part when there are several: its listings, and the opening commands
    /// about them (and on the home shard, the opening cash).
    pub own: Option<Genesis>,
}

impl Opening {
    /// A market of one shard.
    pub fn whole(market: Genesis, open: Vec<InstrumentId>) -> Self {
        Self {
            market,
            open,
            index: 0,
            count: 1,
            own: None,
        }
    }

    /// What this shard starts from.
    pub fn genesis(&self) -> &Genesis {
        self.own.as_ref().unwrap_or(&self.market)
    }

    /// The exchange at the opening: its genesis applied, the open books in continuous
    /// trading, ids numbered in the shard's space.
    pub fn exchange(&self) -> Result<Exchange, GenesisError> {
        let mut ex = Exchange::new(self.genesis().clone())?;
        for id in &self.open {
            ex.set_initial_phase(*id, Phase::Continuous, &mut Vec::new());
        }
        if self.count > 1 {
            ex.set_id_space(IdSpace::shard(self.index, self.count));
        }
        Ok(ex)
    }

    /// The encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(4096);
        let mut w = Writer(&mut buf);
        w.short_str(MAGIC);
        w.u32(VERSION);
        genesis(&mut w, &self.market);
        w.u32(self.open.len() as u32);
        for id in &self.open {
            w.short_str(id.as_str());
        }
        w.u32(self.index);
        w.u32(self.count);
        if let Some(own) = &self.own {
            w.u8(1);
            genesis(&mut w, own);
        } else {
            w.u8(0);
        }
        buf
    }

    /// Reads an encoding back; refuses anything else (another format, another version, a
    /// listing its own rules refuse, bytes left over).
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader(bytes);
        if r.short_str().ok() != Some(MAGIC) {
            return Err(DecodeError("not an ecomatch opening"));
        }
        if r.u32()? != VERSION {
            return Err(DecodeError("an opening of an unknown version"));
        }
        let market = read_genesis(&mut r)?;
        let open = (0..r.u32()?)
            .map(|_| r.instrument())
            .collect::<Result<_, _>>()?;
        let (index, count) = (r.u32()?, r.u32()?);
        if count == 0 || index >= count {
            return Err(DecodeError("a shard outside its market"));
        }
        let own = match r.u8()? {
            0 => None,
            1 => Some(read_genesis(&mut r)?),
            _ => return Err(DecodeError("bad option tag")),
        };
        if !r.is_empty() {
            return Err(DecodeError("trailing bytes"));
        }
        Ok(Self {
            market,
            open,
            index,
            count,
            own,
        })
    }
}

fn genesis(w: &mut Writer<'_>, g: &Genesis) {
    w.u32(g.listings.len() as u32);
    for l in &g.listings {
        listing(w, l);
    }
    w.u32(g.accounts.len() as u32);
    for a in &g.accounts {
        account(w, a);
    }
    w.u32(g.fee_account.0);
    w.u32(g.opening.len() as u32);
    for c in &g.opening {
        w.command(c);
    }
}

fn read_genesis(r: &mut Reader<'_>) -> Result<Genesis, DecodeError> {
    let listings = (0..r.u32()?)
        .map(|_| read_listing(r))
        .collect::<Result<_, _>>()?;
    let accounts = (0..r.u32()?)
        .map(|_| read_account(r))
        .collect::<Result<_, _>>()?;
    let fee_account = AccountId(r.u32()?);
    let opening = (0..r.u32()?)
        .map(|_| r.command())
        .collect::<Result<_, _>>()?;
    Ok(Genesis {
        listings,
        accounts,
        fee_account,
        opening,
    })
}

fn listing(w: &mut Writer<'_>, listing: &Listing) {
    let spec = listing.instrument.spec();
    w.short_str(spec.id.as_str());
    w.long_str(&spec.name);
    attributes(w, &spec.attributes);
    w.short_str(&spec.tick.to_string());
    w.short_str(&spec.lot.to_string());
    w.u32(spec.band.bps);
    w.opt_u64(spec.reference_price.map(Price::ticks));
    w.u64(spec.block_threshold.lots());
    w.u64(spec.fat_finger.max_order_qty.lots());
    w.u64(spec.fat_finger.max_order_notional.tick_lots());
    let m = spec.modes;
    let modes = [
        m.continuous,
        m.call_auction,
        m.single_sided_auction,
        m.block,
    ];
    // Bit 4 is the listing's `pledgeable` (an opening written before pledges has it clear).
    w.u8(modes
        .iter()
        .enumerate()
        .fold(0, |b, (i, on)| b | u8::from(*on) << i)
        | u8::from(listing.pledgeable) << 4);
    w.u32(spec.capacity.max_orders);
    w.u32(spec.capacity.max_levels);
    w.u64(spec.capacity.min_price.ticks());
    w.u64(spec.capacity.max_price.ticks());
    w.u32(listing.fee_bps);
    kinds(w, listing.eligibility.buyers);
    kinds(w, listing.eligibility.sellers);
    let (tag, place) = match &listing.eligibility.area {
        Area::Anywhere => ("anywhere", ""),
        Area::Region(p) => ("region", p.as_str()),
        Area::Municipality(p) => ("municipality", p.as_str()),
        Area::Basin(p) => ("basin", p.as_str()),
    };
    w.short_str(tag);
    w.long_str(place);
    w.u8(u8::from(listing.eligibility.buyer_needs_approval));
    w.opt_u64(listing.holding_limit.map(Qty::lots));
}

fn read_listing(r: &mut Reader<'_>) -> Result<Listing, DecodeError> {
    let id = r.instrument()?;
    let name = r.long_str()?.to_owned();
    let attributes = read_attributes(r)?;
    let decimal = |s: &str| s.parse::<Decimal>().map_err(|_| DecodeError("bad decimal"));
    let tick = decimal(r.short_str()?)?;
    let lot = decimal(r.short_str()?)?;
    let band = PriceBand { bps: r.u32()? };
    let reference_price = r.opt_u64()?.map(Price::from_ticks);
    let block_threshold = Qty::from_lots(r.u64()?);
    let fat_finger = FatFinger {
        max_order_qty: Qty::from_lots(r.u64()?),
        max_order_notional: Notional::from_tick_lots(r.u64()?),
    };
    let bits = r.u8()?;
    let modes = TradingModes {
        continuous: bits & 1 != 0,
        call_auction: bits & 2 != 0,
        single_sided_auction: bits & 4 != 0,
        block: bits & 8 != 0,
    };
    let pledgeable = bits & 16 != 0;
    let capacity = BookCapacity {
        max_orders: r.u32()?,
        max_levels: r.u32()?,
        min_price: Price::from_ticks(r.u64()?),
        max_price: Price::from_ticks(r.u64()?),
    };
    let spec = InstrumentSpec {
        id,
        name,
        attributes,
        tick,
        lot,
        band,
        reference_price,
        block_threshold,
        fat_finger,
        modes,
        capacity,
    };
    let instrument = Instrument::new(spec).map_err(|_| DecodeError("an invalid listing"))?;
    let fee_bps = r.u32()?;
    let (buyers, sellers) = (read_kinds(r)?, read_kinds(r)?);
    let tag = r.short_str()?.to_owned();
    let place = r.long_str()?.to_owned();
    let area = match tag.as_str() {
        "anywhere" => Area::Anywhere,
        "region" => Area::Region(place),
        "municipality" => Area::Municipality(place),
        "basin" => Area::Basin(place),
        _ => return Err(DecodeError("unknown area")),
    };
    let buyer_needs_approval = read_flag(r)?;
    Ok(Listing {
        instrument,
        fee_bps,
        eligibility: Eligibility {
            buyers,
            sellers,
            area,
            buyer_needs_approval,
        },
        holding_limit: r.opt_u64()?.map(Qty::from_lots),
        pledgeable,
    })
}

fn read_flag(r: &mut Reader<'_>) -> Result<bool, DecodeError> {
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(DecodeError("bad flag")),
    }
}

const KINDS: [AccountKind; 6] = [
    AccountKind::Enterprise,
    AccountKind::CountyGovernment,
    AccountKind::Cooperative,
    AccountKind::GovernmentReserve,
    AccountKind::Operator,
    AccountKind::Pledgee,
];

fn kind_of(code: &str) -> Result<AccountKind, DecodeError> {
    KINDS
        .into_iter()
        .find(|k| k.code() == code)
        .ok_or(DecodeError("unknown account kind"))
}

fn kinds(w: &mut Writer<'_>, set: KindSet) {
    let members: Vec<AccountKind> = KINDS.into_iter().filter(|k| set.contains(*k)).collect();
    w.u8(members.len() as u8);
    for k in members {
        w.short_str(k.code());
    }
}

fn read_kinds(r: &mut Reader<'_>) -> Result<KindSet, DecodeError> {
    let kinds = (0..r.u8()?)
        .map(|_| kind_of(r.short_str()?))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(KindSet::of(&kinds))
}

fn opt_str(w: &mut Writer<'_>, s: Option<&str>) {
    match s {
        Some(s) => {
            w.u8(1);
            w.long_str(s);
        }
        None => w.u8(0),
    }
}

fn read_opt_str(r: &mut Reader<'_>) -> Result<Option<String>, DecodeError> {
    Ok(if read_flag(r)? {
        Some(r.long_str()?.to_owned())
    } else {
        None
    })
}

fn account(w: &mut Writer<'_>, a: &Account) {
    w.short_str(&a.name);
    w.short_str(a.kind.code());
    w.long_str(&a.region);
    w.long_str(&a.municipality);
    opt_str(w, a.basin.as_deref());
    opt_str(w, a.affiliation.as_deref());
    w.short_str(match a.status {
        AccountStatus::Active => "active",
        AccountStatus::Suspended => "suspended",
        AccountStatus::Killed => "killed",
    });
}

fn read_account(r: &mut Reader<'_>) -> Result<Account, DecodeError> {
    let name = r.short_str()?.to_owned();
    let kind = kind_of(r.short_str()?)?;
    let region = r.long_str()?.to_owned();
    let municipality = r.long_str()?.to_owned();
    let basin = read_opt_str(r)?;
    let affiliation = read_opt_str(r)?;
    let status = match r.short_str()? {
        "active" => AccountStatus::Active,
        "suspended" => AccountStatus::Suspended,
        "killed" => AccountStatus::Killed,
        _ => return Err(DecodeError("unknown account status")),
    };
    Ok(Account {
        name,
        kind,
        region,
        municipality,
        basin,
        affiliation,
        status,
    })
}

fn term(w: &mut Writer<'_>, t: Term) {
    w.u32(u32::from(t.start_year));
    w.u32(u32::from(t.years));
}

fn read_term(r: &mut Reader<'_>) -> Result<Term, DecodeError> {
    Ok(Term {
        start_year: read_u16(r)?,
        years: read_u16(r)?,
    })
}

fn read_u16(r: &mut Reader<'_>) -> Result<u16, DecodeError> {
    u16::try_from(r.u32()?).map_err(|_| DecodeError("a year out of range"))
}

const POLLUTANTS: [(Pollutant, &str); 4] = [
    (Pollutant::Cod, "cod"),
    (Pollutant::Nh3N, "nh3n"),
    (Pollutant::So2, "so2"),
    (Pollutant::Nox, "nox"),
];

fn attributes(w: &mut Writer<'_>, a: &Attributes) {
    w.short_str(a.family().code());
    match a {
        Attributes::ForestryCarbonSink { standard, vintage } => {
            w.long_str(standard);
            w.u32(u32::from(*vintage));
        }
        Attributes::EmissionPermit {
            pollutant,
            region,
            term: t,
        } => {
            let code = POLLUTANTS
                .iter()
                .find(|p| p.0 == *pollutant)
                .map_or("", |p| p.1);
            w.short_str(code);
            w.long_str(region);
            term(w, *t);
        }
        Attributes::EnergyUseRight { region, year } => {
            w.long_str(region);
            w.u32(u32::from(*year));
        }
        Attributes::WaterRight { basin, term: t } => {
            w.long_str(basin);
            term(w, *t);
        }
        Attributes::GepIndicator { municipality, year } => {
            w.long_str(municipality);
            w.u32(u32::from(*year));
        }
        Attributes::EcologicalCredit {
            county,
            habitat,
            vintage,
        } => {
            w.long_str(county);
            w.long_str(habitat);
            w.u32(u32::from(*vintage));
        }
    }
}

fn read_attributes(r: &mut Reader<'_>) -> Result<Attributes, DecodeError> {
    let family = r.short_str()?.to_owned();
    let text = |r: &mut Reader<'_>| r.long_str().map(str::to_owned);
    Ok(match family.as_str() {
        "forestry_carbon_sink" => Attributes::ForestryCarbonSink {
            standard: text(r)?,
            vintage: read_u16(r)?,
        },
        "emission_permit" => {
            let code = r.short_str()?.to_owned();
            let pollutant = POLLUTANTS
                .iter()
                .find(|p| p.1 == code)
                .map(|p| p.0)
                .ok_or(DecodeError("unknown pollutant"))?;
            Attributes::EmissionPermit {
                pollutant,
                region: text(r)?,
                term: read_term(r)?,
            }
        }
        "energy_use_right" => Attributes::EnergyUseRight {
            region: text(r)?,
            year: read_u16(r)?,
        },
        "water_right" => Attributes::WaterRight {
            basin: text(r)?,
            term: read_term(r)?,
        },
        "gep_indicator" => Attributes::GepIndicator {
            municipality: text(r)?,
            year: read_u16(r)?,
        },
        "ecological_credit" => Attributes::EcologicalCredit {
            county: text(r)?,
            habitat: text(r)?,
            vintage: read_u16(r)?,
        },
        _ => return Err(DecodeError("unknown family")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_opening_round_trips() {
        let g = crate::demo::genesis();
        let open = g.listings.iter().map(|l| l.instrument.spec().id).collect();
        let o = Opening::whole(g, open);
        let bytes = o.encode();
        let back = Opening::decode(&bytes).expect("decodes");
        assert_eq!(back, o);
        assert_eq!(back.encode(), bytes);
        assert_eq!(
            back.exchange().expect("starts").state_hash(),
            crate::demo::exchange().state_hash()
        );
        for cut in [1, bytes.len() / 2, bytes.len() - 1] {
            assert!(Opening::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut other = bytes.clone();
        other.push(0);
        assert!(Opening::decode(&other).is_err(), "trailing bytes");
    }
}
