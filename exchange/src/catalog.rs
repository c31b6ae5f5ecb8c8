//! The catalogue: what a market's genesis fixes for good. Every instrument's terms (family,
//! attributes, tick, lot, unit, name, fee, limits) and every account's name, kind and
//! affiliation, built once and shared read-only (`Arc<Catalog>`) by every thread that names
//! or formats: sessions, the publisher, surveillance, replay. What moves (reference prices,
//! bands, phases, balances, statuses) is in the exchange's state, never here; the reference
//! price a catalogue knows is the opening one, and says so in its name.
//!
//! It is also the one place where integers become decimals for people: [`Product::price`],
//! [`Product::qty`] and [`cash`] give the exact decimal the protocol writes, with the tick's,
//! the lot's and the fen's places.

use std::borrow::Cow;
use std::collections::BTreeMap;

use ecomatch_engine::id::{AccountId, InstrumentId};
use ecomatch_engine::instrument::{
    Attributes, BookCapacity, Family, FatFinger, PriceBand, TradingModes,
};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_risk::account::AccountKind;
use ecomatch_risk::gate::Eligibility;
use rust_decimal::Decimal;

use crate::genesis::Genesis;

/// An instrument's fixed terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// Its id.
    pub id: InstrumentId,
    /// Its name for people.
    pub name: String,
    /// What kind of ecological product or right it is, with its attributes.
    pub attributes: Attributes,
    /// Price step.
    pub tick: Decimal,
    /// Quantity step, in the family's unit.
    pub lot: Decimal,
    /// Fee on each side of a trade, in basis points of its value.
    pub fee_bps: u32,
    /// The band around the reference price.
    pub band: PriceBand,
    /// The least quantity of a block trade.
    pub block_threshold: Qty,
    /// Fat-finger limits per order.
    pub fat_finger: FatFinger,
    /// How it trades.
    pub modes: TradingModes,
    /// Its book's preallocated capacity.
    pub capacity: BookCapacity,
    /// Who may trade it.
    pub eligibility: Eligibility,
    /// The most an account may hold and have bought or open to buy, if limited.
    pub holding_limit: Option<Qty>,
    /// The reference price at the opening (the one in force is in the state and in market
    /// data).
    pub opening_reference: Option<Price>,
}

impl Product {
    /// Its family.
    pub const fn family(&self) -> Family {
        self.attributes.family()
    }

    /// The unit its quantities are in.
    pub const fn unit(&self) -> &'static str {
        self.family().unit()
    }

    /// A price as the exact decimal the protocol writes (the tick's places).
    pub fn price(&self, p: Price) -> Decimal {
        p.to_decimal(self.tick)
    }

    /// A quantity as the exact decimal the protocol writes (the lot's places).
    pub fn qty(&self, q: Qty) -> Decimal {
        q.to_decimal(self.lot)
    }

    /// A number of lots as a quantity.
    pub fn lots(&self, n: u64) -> Decimal {
        self.qty(Qty::from_lots(n))
    }
}

/// An account's fixed facts (its status and balances move, and are in the state).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    /// Its name, as users and the protocol know it.
    pub name: String,
    /// The kind of participant.
    pub kind: AccountKind,
    /// The group whose purchase limits it shares, if any.
    pub affiliation: Option<String>,
}

/// Everything a market's genesis fixes: its products in market order and its parties.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalog {
    products: Vec<Product>,
    by_id: BTreeMap<InstrumentId, usize>,
    parties: Vec<Party>,
    by_name: BTreeMap<String, AccountId>,
}

impl Catalog {
    /// The catalogue of a genesis. A genesis [`crate::Exchange::new`] refuses (two listings of
    /// one id, two accounts of one name) keeps the first of each.
    pub fn of(genesis: &Genesis) -> Self {
        let mut products = Vec::with_capacity(genesis.listings.len());
        let mut by_id = BTreeMap::new();
        for l in &genesis.listings {
            let spec = l.instrument.spec();
            if by_id.contains_key(&spec.id) {
                continue;
            }
            by_id.insert(spec.id, products.len());
            products.push(Product {
                id: spec.id,
                name: spec.name.clone(),
                attributes: spec.attributes.clone(),
                tick: spec.tick,
                lot: spec.lot,
                fee_bps: l.fee_bps,
                band: spec.band,
                block_threshold: spec.block_threshold,
                fat_finger: spec.fat_finger,
                modes: spec.modes,
                capacity: spec.capacity,
                eligibility: l.eligibility.clone(),
                holding_limit: l.holding_limit,
                opening_reference: spec.reference_price,
            });
        }
        let mut parties = Vec::with_capacity(genesis.accounts.len());
        let mut by_name = BTreeMap::new();
        for (i, a) in genesis.accounts.iter().enumerate() {
            let id = AccountId(u32::try_from(i).expect("accounts fit ids"));
            by_name.entry(a.name.clone()).or_insert(id);
            parties.push(Party {
                name: a.name.clone(),
                kind: a.kind,
                affiliation: a.affiliation.clone(),
            });
        }
        Self {
            products,
            by_id,
            parties,
            by_name,
        }
    }

    /// A product, if listed.
    pub fn product(&self, id: InstrumentId) -> Option<&Product> {
        self.by_id.get(&id).map(|&i| &self.products[i])
    }

    /// Every product, in market order (the genesis's).
    pub fn products(&self) -> impl Iterator<Item = &Product> {
        self.products.iter()
    }

    /// A product's place in market order (`None` if not listed).
    pub fn rank(&self, id: InstrumentId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// An account's fixed facts.
    pub fn party(&self, id: AccountId) -> Option<&Party> {
        self.parties.get(id.0 as usize)
    }

    /// Every account with its id, in id order.
    pub fn parties(&self) -> impl Iterator<Item = (AccountId, &Party)> {
        (0u32..).zip(&self.parties).map(|(i, p)| (AccountId(i), p))
    }

    /// The account of a name.
    pub fn find(&self, name: &str) -> Option<AccountId> {
        self.by_name.get(name).copied()
    }

    /// An account's name (its number, for an id the market never gave out).
    pub fn name(&self, id: AccountId) -> Cow<'_, str> {
        self.party(id).map_or_else(
            || Cow::Owned(id.to_string()),
            |p| Cow::Borrowed(p.name.as_str()),
        )
    }
}

/// An amount of cash as the exact decimal the protocol writes: yuan with two places.
pub fn cash(c: Cash) -> Decimal {
    c.to_decimal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_catalog_names_and_formats() {
        let ex = crate::demo::exchange();
        let c = ex.catalog();
        let ls = InstrumentId::new("LS-FCS-2024").expect("id");
        let p = c.product(ls).expect("listed");
        assert_eq!(p.price(Price::from_ticks(5230)).to_string(), "52.30");
        assert_eq!(c.rank(ls), Some(0));
        let cement = c.find("zj-cement").expect("demo account");
        assert_eq!(c.name(cement), "zj-cement");
        assert_eq!(c.name(AccountId(9_999)), "9999");
        assert_eq!(cash(Cash::from_fen(10_050)).to_string(), "100.50");
        assert_eq!(c.products().count(), ex.listings().count());
        assert_eq!(c.parties().count(), ex.ledger().accounts().count());
    }
}
