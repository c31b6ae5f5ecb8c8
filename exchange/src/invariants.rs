//! The exchange-wide consistency check, run after every step in tests.

use std::collections::BTreeMap;

use ecomatch_engine::book::Side;
use ecomatch_engine::id::AccountId;

use crate::state::Exchange;

impl Exchange {
    /// Checks every invariant and panics with a description on the first failure: each book's
    /// own invariants; the ledger's totals; every open order rests in its book with the same
    /// open quantity; each account's held cash equals open buy lots × cash held per lot, and its
    /// held lots the open quantity of its sells; quota usage matches the open orders.
    pub fn check_invariants(&self) {
        self.ledger.check_invariants();
        let mut cash_held: BTreeMap<AccountId, u128> = BTreeMap::new();
        let mut lots_held: BTreeMap<(AccountId, u32), u64> = BTreeMap::new();
        let mut open: BTreeMap<(AccountId, u32, Side), u64> = BTreeMap::new();
        for (id, o) in &self.orders {
            let market = &self.markets[o.market as usize];
            if market.call.iter().any(|e| e.id == *id) {
                assert!(
                    market.book.order(*id).is_none(),
                    "order {id} both collected and resting"
                );
                assert_eq!(
                    market.book.phase(),
                    ecomatch_engine::book::Phase::Call,
                    "order {id} collected outside a call"
                );
            } else {
                let resting = market.book.order(*id).unwrap_or_else(|| {
                    panic!("open order {id} is neither in its book nor collected")
                });
                assert_eq!(
                    resting.leaves,
                    o.leaves(),
                    "order {id}: book and exchange disagree on leaves"
                );
                assert_eq!(resting.filled, o.filled, "order {id}: filled quantity");
            }
            match o.side {
                Side::Buy => {
                    *cash_held.entry(o.account).or_default() +=
                        u128::from(o.per_lot_hold) * u128::from(o.leaves().lots());
                }
                Side::Sell => {
                    *lots_held.entry((o.account, o.market)).or_default() += o.leaves().lots();
                }
            }
            *open.entry((o.account, o.market, o.side)).or_default() += o.leaves().lots();
        }
        let resting: usize = self
            .markets
            .iter()
            .map(|m| {
                m.book.check_invariants();
                m.book.len() + m.call.len()
            })
            .sum();
        assert_eq!(
            resting,
            self.orders.len(),
            "books hold orders the exchange does not know"
        );
        for (id, _) in self.ledger.accounts() {
            let held = self.ledger.cash(id).expect("account").held;
            assert_eq!(
                u128::from(held),
                cash_held.get(&id).copied().unwrap_or(0),
                "account {id}: held cash is not backed by open buys"
            );
            for (m, market) in self.markets.iter().enumerate() {
                let inst = market.listing.instrument.spec().id;
                let h = self.ledger.holding(id, inst).expect("account").held;
                assert_eq!(
                    h,
                    lots_held.get(&(id, m as u32)).copied().unwrap_or(0),
                    "account {id}: held {inst} not backed by open sells"
                );
                let u = self.usage.get(&(id, m as u32)).copied().unwrap_or_default();
                assert_eq!(
                    u.open_buy,
                    open.get(&(id, m as u32, Side::Buy)).copied().unwrap_or(0),
                    "account {id}: open buys of {inst}"
                );
                assert_eq!(
                    u.open_sell,
                    open.get(&(id, m as u32, Side::Sell)).copied().unwrap_or(0),
                    "account {id}: open sells of {inst}"
                );
            }
        }
    }
}
