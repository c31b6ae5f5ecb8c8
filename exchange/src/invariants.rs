//! The exchange-wide consistency check, run after every step in tests.

use std::collections::BTreeMap;

use ecomatch_engine::book::Side;
use ecomatch_engine::id::AccountId;

use crate::state::Exchange;

impl Exchange {
    /// Checks every invariant and panics with a description on the first failure: each book's
    /// own invariants; the ledger's totals; every open order rests in its book with the same
    /// open quantity; each account's held cash equals open buy lots × cash held per lot plus
    /// the collateral its sealed bids require (the WCI rule per auction), and its held lots the
    /// open quantity of its sells plus the offers of its open auctions; quota usage matches the
    /// open orders, bids and offers; the bid index matches the auctions.
    pub fn check_invariants(&self) {
        self.check_invariants_of(|_| true);
    }

    /// [`Self::check_invariants`], with the books' own (full, and costly: every price of the
    /// window and every slot of the pool) checks only for the instruments `books` selects;
    /// everything else is checked as always. For long simulations that check the books a
    /// command touched after it, and every book now and then.
    pub fn check_invariants_of(&self, books: impl Fn(ecomatch_engine::id::InstrumentId) -> bool) {
        self.ledger.check_invariants();
        self.check_pledges();
        let mut cash_held: BTreeMap<AccountId, u128> = BTreeMap::new();
        let mut lots_held: BTreeMap<(AccountId, u32), u64> = BTreeMap::new();
        let mut open: BTreeMap<(AccountId, u32, Side), u64> = BTreeMap::new();
        for (id, o) in &self.orders {
            let market = &self.markets[o.market as usize];
            if market.call.contains_key(id) {
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
        self.sealed_holds(&mut cash_held, &mut lots_held, &mut open);
        let resting: usize = self
            .markets
            .iter()
            .enumerate()
            .map(|(k, m)| {
                if books(m.listing.instrument.spec().id) {
                    m.book.check_invariants();
                    self.check_depth(k as u32);
                }
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
                u128::from(held.fen()),
                cash_held.get(&id).copied().unwrap_or(0),
                "account {id}: held cash is not backed by open buys"
            );
            for (m, market) in self.markets.iter().enumerate() {
                let inst = market.listing.instrument.spec().id;
                let h = self.ledger.holding(id, inst).expect("account").held;
                assert_eq!(
                    h.lots(),
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

    /// Adds what the open sealed-bid auctions hold: each bidder's collateral and open bid
    /// quantity, each seller's offer; and checks every bid against the index and the terms.
    fn sealed_holds(
        &self,
        cash_held: &mut BTreeMap<AccountId, u128>,
        lots_held: &mut BTreeMap<(AccountId, u32), u64>,
        open: &mut BTreeMap<(AccountId, u32, Side), u64>,
    ) {
        let mut bids = 0;
        for (id, a) in &self.auctions {
            let t = &a.terms;
            assert!(id.0 <= self.next_auction, "auction {id} beyond the counter");
            *lots_held.entry((t.seller, a.market)).or_default() += t.offer.lots();
            *open.entry((t.seller, a.market, Side::Sell)).or_default() += t.offer.lots();
            for bidder in a.bidders() {
                let collateral = self.held_collateral(a, bidder);
                *cash_held.entry(bidder).or_default() += u128::from(collateral.fen());
            }
            for (&(bidder, bid_id), b) in &a.bids {
                assert_eq!(
                    self.bid_index.get(&bid_id),
                    Some(&(*id, bidder)),
                    "bid {bid_id} is not indexed"
                );
                assert!(bid_id.0 <= self.next_bid, "bid {bid_id} beyond the counter");
                assert!(!b.qty.is_zero(), "bid {bid_id} without quantity");
                assert!(
                    b.price >= t.reserve && t.cap.is_none_or(|cap| b.price <= cap),
                    "bid {bid_id} outside the reserve and the cap"
                );
                *open.entry((bidder, a.market, Side::Buy)).or_default() += b.qty.lots();
                bids += 1;
            }
        }
        assert_eq!(
            bids,
            self.bid_index.len(),
            "the bid index holds closed bids"
        );
    }
}
