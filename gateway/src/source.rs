//! Where a market comes from: the built-in demo, a TOML configuration, or one shard of either.
//! A log records its source as its genesis, so that recovery and replay rebuild exactly the
//! exchange the log was written against, shard layout included.

use std::path::Path;

use ecomatch_engine::id::InstrumentId;
use ecomatch_exchange::shard::IdSpace;
use ecomatch_exchange::{Exchange, Genesis};

use crate::config::{ConfigError, parse, parse_genesis};

/// Where a market comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The built-in demo market.
    Demo,
    /// A TOML configuration's text.
    Toml(String),
    /// One shard of a market (see [`ShardSource`]).
    Shard(Box<ShardSource>),
}

/// One shard of a market: the instruments it owns, its place among the shards (which decides
/// its [`IdSpace`]), and the whole market it is cut from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardSource {
    /// The shard's index, from 0 (the home shard, which holds the opening cash).
    pub index: u32,
    /// How many shards the market has.
    pub count: u32,
    /// The ids of the instruments this shard trades, in the market's order.
    pub instruments: Vec<String>,
    /// The whole market (never itself a shard).
    pub market: Source,
}

impl Source {
    /// The demo, or the file at `path`.
    pub fn from_path(path: Option<&Path>) -> Result<Self, ConfigError> {
        match path {
            None => Ok(Self::Demo),
            Some(p) => std::fs::read_to_string(p)
                .map(Self::Toml)
                .map_err(|e| ConfigError(format!("{}: {e}", p.display()))),
        }
    }

    /// The exchange this source describes.
    pub fn exchange(&self) -> Result<Exchange, ConfigError> {
        match self {
            Self::Demo => Ok(ecomatch_exchange::demo::exchange()),
            Self::Toml(text) => parse(text),
            Self::Shard(s) => s.exchange(),
        }
    }

    /// The whole market: the source itself, or the market a shard is cut from.
    pub fn market(&self) -> &Source {
        match self {
            Self::Shard(s) => &s.market,
            other => other,
        }
    }

    /// This source's shard index and the number of shards: (0, 1) for a whole market.
    pub fn shard(&self) -> (u32, u32) {
        match self {
            Self::Shard(s) => (s.index, s.count),
            _ => (0, 1),
        }
    }

    /// The market's genesis and the instruments that open for continuous trading at once.
    fn genesis(&self) -> Result<(Genesis, Vec<InstrumentId>), ConfigError> {
        match self {
            Self::Demo => {
                let g = ecomatch_exchange::demo::genesis();
                let open = g.listings.iter().map(|l| l.instrument.spec().id).collect();
                Ok((g, open))
            }
            Self::Toml(text) => parse_genesis(text),
            Self::Shard(_) => Err(ConfigError("a shard cannot be cut from a shard".into())),
        }
    }

    /// The genesis payload of a log.
    pub fn to_payload(&self) -> Vec<u8> {
        match self {
            Self::Demo => b"builtin:demo".to_vec(),
            Self::Toml(text) => [b"toml:".as_slice(), text.as_bytes()].concat(),
            Self::Shard(s) => {
                let head = format!(
                    "shard:{}/{}:{}\n",
                    s.index,
                    s.count,
                    s.instruments.join(",")
                );
                [head.into_bytes(), s.market.to_payload()].concat()
            }
        }
    }

    /// Reads a genesis payload back.
    pub fn from_payload(payload: &[u8]) -> Result<Self, ConfigError> {
        if payload == b"builtin:demo" {
            return Ok(Self::Demo);
        }
        if let Some(rest) = payload.strip_prefix(b"shard:") {
            return ShardSource::from_payload(rest).map(|s| Self::Shard(Box::new(s)));
        }
        payload
            .strip_prefix(b"toml:")
            .and_then(|t| core::str::from_utf8(t).ok())
            .map(|t| Self::Toml(t.to_owned()))
            .ok_or_else(|| {
                ConfigError("the log's genesis is neither the demo nor a TOML configuration".into())
            })
    }
}

impl ShardSource {
    /// The shard's exchange: its instruments, their opening commands (and, on the home shard,
    /// the opening cash), numbering its ids in its own [`IdSpace`].
    fn exchange(&self) -> Result<Exchange, ConfigError> {
        if self.index >= self.count {
            let (i, n) = (self.index, self.count);
            return Err(ConfigError(format!("shard {i} of {n} does not exist")));
        }
        let (genesis, open) = self.market.genesis()?;
        let mut owned = Vec::with_capacity(self.instruments.len());
        for name in &self.instruments {
            let id = genesis
                .listings
                .iter()
                .map(|l| l.instrument.spec().id)
                .find(|id| id.as_str() == name)
                .ok_or_else(|| {
                    ConfigError(format!("shard {}: no instrument {name}", self.index))
                })?;
            owned.push(id);
        }
        let genesis = genesis.for_shard(|i| owned.contains(&i), self.index == 0);
        let mut ex = Exchange::new(genesis).map_err(|e| ConfigError(e.to_string()))?;
        for id in open.into_iter().filter(|i| owned.contains(i)) {
            ex.set_initial_phase(
                id,
                ecomatch_engine::book::Phase::Continuous,
                &mut Vec::new(),
            );
        }
        ex.set_id_space(IdSpace::shard(self.index, self.count));
        Ok(ex)
    }

    fn from_payload(rest: &[u8]) -> Result<Self, ConfigError> {
        let bad = || ConfigError("the log's shard genesis is damaged".into());
        let nl = rest.iter().position(|&b| b == b'\n').ok_or_else(bad)?;
        let head = core::str::from_utf8(&rest[..nl]).map_err(|_| bad())?;
        let (place, names) = head.split_once(':').ok_or_else(bad)?;
        let (index, count) = place.split_once('/').ok_or_else(bad)?;
        let market = Source::from_payload(&rest[nl + 1..])?;
        if matches!(market, Source::Shard(_)) {
            return Err(bad());
        }
        Ok(Self {
            index: index.parse().map_err(|_| bad())?,
            count: count.parse().map_err(|_| bad())?,
            instruments: names
                .split(',')
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect(),
            market,
        })
    }
}

/// Cuts `market` into shards: `assigned[k]` lists the instruments of shard `k + 1`; every
/// instrument not listed belongs to shard 0, the home shard. With nothing assigned the market
/// stays whole (one shard, the plain source, so existing logs keep their genesis).
pub fn cut(market: &Source, assigned: &[Vec<String>]) -> Result<Vec<Source>, ConfigError> {
    if assigned.is_empty() {
        return Ok(vec![market.clone()]);
    }
    let (genesis, _) = market.genesis()?;
    let all: Vec<String> = genesis
        .listings
        .iter()
        .map(|l| l.instrument.spec().id.as_str().to_owned())
        .collect();
    let mut seen = std::collections::BTreeSet::new();
    for name in assigned.iter().flatten() {
        if !all.contains(name) {
            return Err(ConfigError(format!("shards: no instrument {name}")));
        }
        if !seen.insert(name.as_str()) {
            return Err(ConfigError(format!("shards: {name} is in two shards")));
        }
    }
    let count =
        u32::try_from(assigned.len() + 1).map_err(|_| ConfigError("shards: too many".into()))?;
    let home: Vec<String> = all
        .iter()
        .filter(|n| !seen.contains(n.as_str()))
        .cloned()
        .collect();
    let in_market_order = |names: &[String]| -> Vec<String> {
        all.iter().filter(|n| names.contains(n)).cloned().collect()
    };
    let lists = core::iter::once(home).chain(assigned.iter().map(|a| in_market_order(a)));
    Ok(lists
        .enumerate()
        .map(|(index, instruments)| {
            Source::Shard(Box::new(ShardSource {
                index: index as u32,
                count,
                instruments,
                market: market.clone(),
            }))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_source_survives_its_payload_and_builds_its_part_of_the_market() {
        let assigned = vec![vec!["OJ-WR-2025".to_owned(), "LS-FCS-2024".to_owned()]];
        let shards = cut(&Source::Demo, &assigned).expect("valid");
        assert_eq!(shards.len(), 2);
        for s in &shards {
            let back = Source::from_payload(&s.to_payload()).expect("reads back");
            assert_eq!(&back, s);
            assert_eq!(back.market(), &Source::Demo);
        }
        let Source::Shard(one) = &shards[1] else {
            panic!("a shard")
        };
        assert_eq!(
            one.instruments,
            ["LS-FCS-2024", "OJ-WR-2025"],
            "market order"
        );
        let ex = shards[1].exchange().expect("builds");
        assert_eq!(ex.listings().count(), 2);
        assert_eq!(ex.id_space(), IdSpace::shard(1, 2));
        let home = shards[0].exchange().expect("builds");
        assert_eq!(
            home.listings().count() + 2,
            Source::Demo.exchange().expect("demo").listings().count()
        );
    }

    #[test]
    fn a_bad_cut_is_refused_with_the_instrument_named() {
        let e = cut(&Source::Demo, &[vec!["NOPE".to_owned()]]).expect_err("unknown");
        assert!(e.to_string().contains("NOPE"), "{e}");
        let twice = vec![vec!["OJ-WR-2025".to_owned()], vec!["OJ-WR-2025".to_owned()]];
        let e = cut(&Source::Demo, &twice).expect_err("twice");
        assert!(e.to_string().contains("two shards"), "{e}");
        assert_eq!(cut(&Source::Demo, &[]).expect("whole"), [Source::Demo]);
    }
}
