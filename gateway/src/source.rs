//! Where a market comes from (the built-in demo, or a TOML configuration), and how it is cut
//! into shards. A new log records its market as its genesis, an [`Opening`]: the binary,
//! versioned description of the opening market (and of the shard's part of it), so that
//! recovery and replay rebuild exactly the exchange the log was written against with any later
//! build, whatever this module, the TOML loader or the demo become.

use std::path::Path;

use ecomatch_exchange::Exchange;
use ecomatch_exchange::opening::Opening;

use crate::config::{ConfigError, parse_genesis};

/// Where a market comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The built-in demo market.
    Demo,
    /// A TOML configuration's text.
    Toml(String),
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

    /// The market's opening, as one shard.
    pub fn opening(&self) -> Result<Opening, ConfigError> {
        let (genesis, open) = match self {
            Self::Demo => {
                let g = ecomatch_exchange::demo::genesis();
                let open = g.listings.iter().map(|l| l.instrument.spec().id).collect();
                (g, open)
            }
            Self::Toml(text) => parse_genesis(text)?,
        };
        Ok(Opening::whole(genesis, open))
    }

    /// The exchange this source describes, at its opening.
    pub fn exchange(&self) -> Result<Exchange, ConfigError> {
        opening_exchange(&self.opening()?)
    }
}

/// The exchange at an opening, with a configuration error's wording.
pub fn opening_exchange(o: &Opening) -> Result<Exchange, ConfigError> {
    o.exchange().map_err(|e| ConfigError(e.to_string()))
}

/// Reads a log's genesis: the opening it records, or why it is not one this build reads.
pub fn opening_of(payload: &[u8]) -> Result<Opening, ConfigError> {
    Opening::decode(payload).map_err(|e| {
        let older = payload.starts_with(b"builtin:")
            || payload.starts_with(b"toml:")
            || payload.starts_with(b"shard:");
        if older {
            ConfigError(
                "this log was written by an earlier ecomatch, whose logs named their market \
                 instead of recording it (and whose state hashes were computed otherwise): \
                 replay it with that version, or start a new data directory"
                    .into(),
            )
        } else {
            ConfigError(format!("the log's genesis cannot be read: {e}"))
        }
    })
}

/// The instruments of a shard's opening, in the market's order.
pub fn instruments_of(o: &Opening) -> Vec<String> {
    o.genesis()
        .listings
        .iter()
        .map(|l| l.instrument.spec().id.as_str().to_owned())
        .collect()
}

/// Cuts `market` into shards: `assigned[k]` lists the instruments of shard `k + 1`; every
/// instrument not listed belongs to shard 0, the home shard. With nothing assigned the market
/// stays whole. Each shard's opening carries the whole market and its own part: its listings,
/// the opening commands about them, and on the home shard the opening cash.
pub fn cut(market: &Source, assigned: &[Vec<String>]) -> Result<Vec<Opening>, ConfigError> {
    let whole = market.opening()?;
    if assigned.is_empty() {
        return Ok(vec![whole]);
    }
    let all: Vec<String> = instruments_of(&whole);
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
    let owner = |name: &str| {
        assigned
            .iter()
            .position(|a| a.iter().any(|n| n == name))
            .map_or(0, |k| k + 1)
    };
    Ok((0..count)
        .map(|index| {
            let own = whole
                .market
                .for_shard(|i| owner(i.as_str()) == index as usize, index == 0);
            Opening {
                market: whole.market.clone(),
                open: whole.open.clone(),
                index,
                count,
                own: Some(own),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecomatch_exchange::shard::IdSpace;

    #[test]
    fn a_shard_opening_survives_its_encoding_and_builds_its_part_of_the_market() {
        let assigned = vec![vec!["OJ-WR-2025".to_owned(), "LS-FCS-2024".to_owned()]];
        let shards = cut(&Source::Demo, &assigned).expect("valid");
        assert_eq!(shards.len(), 2);
        for s in &shards {
            let back = opening_of(&s.encode()).expect("reads back");
            assert_eq!(&back, s);
            assert_eq!(back.market, Source::Demo.opening().expect("demo").market);
        }
        assert_eq!(
            instruments_of(&shards[1]),
            ["LS-FCS-2024", "OJ-WR-2025"],
            "market order"
        );
        let ex = opening_exchange(&shards[1]).expect("builds");
        assert_eq!(ex.listings().count(), 2);
        assert_eq!(ex.id_space(), IdSpace::shard(1, 2));
        let home = opening_exchange(&shards[0]).expect("builds");
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
        let whole = cut(&Source::Demo, &[]).expect("whole");
        assert_eq!(whole, [Source::Demo.opening().expect("demo")]);
    }

    #[test]
    fn an_older_log_is_named_as_such() {
        let e = opening_of(b"builtin:demo").expect_err("old");
        assert!(e.to_string().contains("earlier ecomatch"), "{e}");
    }
}
