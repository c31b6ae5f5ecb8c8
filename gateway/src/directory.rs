//! Names for people: each account's and instrument's display name in Chinese and English
//! (龙泉市 / Longquan for `longquan-gov`), which the pages show with the id on hover.
//!
//! Names are presentation, not market state: they are read from the configuration at every
//! start (like the `[server]` table) and never enter the log's genesis, so renaming a county
//! needs no new data directory and changes no state hash. An entry without a name shows its id.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::ConfigError;
use crate::source::Source;

/// One display name in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// Display names by account name and instrument id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directory {
    accounts: BTreeMap<String, Names>,
    instruments: BTreeMap<String, Names>,
}

#[derive(Deserialize)]
struct File {
    #[serde(default, rename = "instrument")]
    instruments: Vec<Entry>,
    #[serde(default, rename = "account")]
    accounts: Vec<Entry>,
}

/// The name fields of an `[[instrument]]` (`id`, `name` in Chinese, `name_en`) or an
/// `[[account]]` (`name` is its id; `name_zh`, `name_en`). Other fields are the market's, read
/// and checked by `config`.
#[derive(Deserialize)]
struct Entry {
    id: Option<String>,
    name: String,
    name_zh: Option<String>,
    name_en: Option<String>,
}

/// The demo's accounts: (id, Chinese, English).
const DEMO_ACCOUNTS: [(&str, &str, &str); 18] = [
    (
        "operator",
        "丽水生态产品交易中心",
        "Lishui Eco-Product Exchange",
    ),
    (
        "lishui-coop",
        "丽水市两山合作社",
        "Lishui Two-Mountains Cooperative",
    ),
    (
        "lishui-reserve",
        "丽水市政府储备",
        "Lishui Government Reserve",
    ),
    ("zj-cement", "浙江水泥有限公司", "Zhejiang Cement Co."),
    ("ls-paper", "丽水纸业有限公司", "Lishui Paper Co."),
    ("qz-chem", "衢州化工有限公司", "Quzhou Chemical Co."),
    (
        "kaihua-restore",
        "开化生态修复公司",
        "Kaihua Ecological Restoration Co.",
    ),
    ("liandu-gov", "莲都区", "Liandu District"),
    ("longquan-gov", "龙泉市", "Longquan City"),
    ("qingtian-gov", "青田县", "Qingtian County"),
    ("yunhe-gov", "云和县", "Yunhe County"),
    ("qingyuan-gov", "庆元县", "Qingyuan County"),
    ("jinyun-gov", "缙云县", "Jinyun County"),
    ("suichang-gov", "遂昌县", "Suichang County"),
    ("songyang-gov", "松阳县", "Songyang County"),
    (
        "jingning-gov",
        "景宁畲族自治县",
        "Jingning She Autonomous County",
    ),
    ("ls-rcb", "丽水农商银行", "Lishui Rural Commercial Bank"),
    ("qt-rcb", "青田农商银行", "Qingtian Rural Commercial Bank"),
];

/// The demo's instruments in English (their Chinese names are the listings').
const DEMO_INSTRUMENTS: [(&str, &str); 6] = [
    ("LS-FCS-2024", "Lishui forestry carbon sink 2024"),
    ("QZ-FCS-2024", "Quzhou forestry carbon sink 2024"),
    ("LS-COD-LD-2025", "Liandu COD emission permit 2025–2029"),
    ("OJ-WR-2025", "Ou River basin water right 2025–2034"),
    ("LS-GEP-2025", "Lishui GEP indicator 2025"),
    ("KH-EC-2024", "Kaihua ecological credit (wetland) 2024"),
];

impl Directory {
    /// The names of a market source: the demo's built-in ones, or a configuration's.
    pub fn of(source: &Source) -> Result<Self, ConfigError> {
        match source {
            Source::Demo => Ok(Self::demo()),
            Source::Toml(text) => Self::from_toml(text),
        }
    }

    /// The demo market's names.
    pub fn demo() -> Self {
        let names = |zh: &str, en: &str| Names {
            zh: zh.into(),
            en: en.into(),
        };
        let listings = ecomatch_exchange::demo::genesis().listings;
        let instruments = DEMO_INSTRUMENTS
            .iter()
            .map(|(id, en)| {
                let zh = listings
                    .iter()
                    .map(|l| l.instrument.spec())
                    .find(|s| s.id.as_str() == *id)
                    .map_or_else(|| (*id).to_owned(), |s| s.name.clone());
                ((*id).to_owned(), names(&zh, en))
            })
            .collect();
        let accounts = DEMO_ACCOUNTS
            .iter()
            .map(|(id, zh, en)| ((*id).to_owned(), names(zh, en)))
            .collect();
        Self {
            accounts,
            instruments,
        }
    }

    /// The names in a market configuration's text. An instrument's `name` is its Chinese
    /// name, `name_en` its English one (the Chinese if absent); an account's `name` is its
    /// id, and `name_zh` and `name_en` its names (each falling back to the other, then to the
    /// id).
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        let instruments = file
            .instruments
            .into_iter()
            .filter_map(|e| {
                let id = e.id?;
                let en = e.name_en.unwrap_or_else(|| e.name.clone());
                Some((id, Names { zh: e.name, en }))
            })
            .collect();
        let accounts = file
            .accounts
            .into_iter()
            .map(|e| {
                let zh = e.name_zh.clone().or_else(|| e.name_en.clone());
                let en = e.name_en.or(e.name_zh);
                let names = Names {
                    zh: zh.unwrap_or_else(|| e.name.clone()),
                    en: en.unwrap_or_else(|| e.name.clone()),
                };
                (e.name, names)
            })
            .collect();
        Ok(Self {
            accounts,
            instruments,
        })
    }

    /// An account's names, or its id in both languages.
    pub fn account(&self, id: &str) -> Names {
        self.accounts.get(id).cloned().unwrap_or_else(|| Names {
            zh: id.to_owned(),
            en: id.to_owned(),
        })
    }

    /// An instrument's names, if the configuration gave any.
    pub fn instrument(&self, id: &str) -> Option<&Names> {
        self.instruments.get(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_configuration_names_the_demo_as_the_demo_does() {
        let text = include_str!("../../docs/market.example.toml");
        assert_eq!(Directory::from_toml(text).ok(), Some(Directory::demo()));
        let d = Directory::demo();
        assert_eq!(d.account("longquan-gov").zh, "龙泉市");
        assert_eq!(d.account("nobody").en, "nobody");
        assert_eq!(
            d.instrument("LS-GEP-2025").map(|n| n.zh.as_str()),
            Some("丽水市 GEP 指标 2025")
        );
    }

    #[test]
    fn missing_names_fall_back_to_the_other_language_then_the_id() {
        let text = "fee_account = \"op\"\n[[account]]\nname = \"op\"\nname_en = \"Op\"\n\
                    [[account]]\nname = \"x\"\n[[instrument]]\nid = \"A\"\nname = \"甲\"\n";
        let read = Directory::from_toml(text);
        assert!(read.is_ok(), "names");
        let d = read.unwrap_or_default();
        assert_eq!(
            d.account("op"),
            Names {
                zh: "Op".into(),
                en: "Op".into()
            }
        );
        assert_eq!(d.account("x").zh, "x");
        assert_eq!(d.instrument("A").map(|n| n.en.as_str()), Some("甲"));
    }
}
