//! The ledger: cash (in fen) and holdings (in lots, per instrument) of every account, each split
//! into an available and a held part, and delivery-versus-payment settlement of fills.
//!
//! Totals change only by deposit, withdrawal, issuance and retirement; holds, releases and
//! settlement move amounts between accounts or between the two parts of one balance, so the
//! sum over all accounts is conserved. Every operation checks everything first and then
//! applies, so a refused operation changes nothing.

use std::collections::BTreeMap;

use ecomatch_engine::id::{AccountId, InstrumentId};
use ecomatch_engine::quantity::{Cash, Qty};

use crate::account::{Account, AccountStatus};
use crate::error::LedgerError;

mod pledged;

/// One balance: what can be used now, and what is reserved for open orders or bids. Cash
/// balances count [`Cash`] (fen) and holdings [`Qty`] (lots): the two never mix.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balance<T> {
    /// Free to use.
    pub available: T,
    /// Reserved by open orders and bids.
    pub held: T,
}

/// An account's cash.
pub type CashBalance = Balance<Cash>;

/// An account's holding of one instrument.
pub type LotBalance = Balance<Qty>;

impl Balance<Cash> {
    /// Available plus held.
    pub fn total(self) -> Cash {
        Cash::from_fen(self.available.fen() + self.held.fen())
    }
}

impl Balance<Qty> {
    /// Available plus held.
    pub fn total(self) -> Qty {
        Qty::from_lots(self.available.lots() + self.held.lots())
    }
}

/// The ledger's own arithmetic is on the raw integers; what leaves it is typed.
type Raw = Balance<u64>;

impl Raw {
    fn hold(mut self, amount: u64) -> Option<Self> {
        self.available = self.available.checked_sub(amount)?;
        self.held = self.held.checked_add(amount)?;
        Some(self)
    }

    fn release(mut self, amount: u64) -> Option<Self> {
        self.held = self.held.checked_sub(amount)?;
        self.available = self.available.checked_add(amount)?;
        Some(self)
    }

    fn cash(self) -> CashBalance {
        Balance {
            available: Cash::from_fen(self.available),
            held: Cash::from_fen(self.held),
        }
    }

    fn lots(self) -> LotBalance {
        Balance {
            available: Qty::from_lots(self.available),
            held: Qty::from_lots(self.held),
        }
    }
}

impl From<CashBalance> for Raw {
    fn from(b: CashBalance) -> Self {
        Self {
            available: b.available.fen(),
            held: b.held.fen(),
        }
    }
}

impl From<LotBalance> for Raw {
    fn from(b: LotBalance) -> Self {
        Self {
            available: b.available.lots(),
            held: b.held.lots(),
        }
    }
}

/// One fill to settle, delivery versus payment: the seller's held lots go to the buyer, the
/// buyer's held cash pays the seller and the fees, and what the buyer held beyond that (the
/// order's limit was above the trade price) returns to its available cash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// The instrument delivered.
    pub instrument: InstrumentId,
    /// Receives the lots, pays the cash.
    pub buyer: AccountId,
    /// Delivers the lots, receives the cash.
    pub seller: AccountId,
    /// Receives both fees.
    pub fee_account: AccountId,
    /// Lots delivered.
    pub qty: Qty,
    /// Trade price × quantity, in cash.
    pub amount: Cash,
    /// The buyer's fee.
    pub buyer_fee: Cash,
    /// The seller's fee, taken from what it receives.
    pub seller_fee: Cash,
    /// How much of the buyer's held cash this fill releases: at least `amount + buyer_fee`.
    pub buyer_hold: Cash,
}

/// Accounts and their balances.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    accounts: Vec<Account>,
    cash: Vec<Raw>,
    holdings: BTreeMap<InstrumentId, Register>,
    cash_total: u64,
    /// Pledged lots by (instrument, account): a third part of a holding, counted in the
    /// instrument's total (see `pledged`).
    pledged: BTreeMap<(InstrumentId, AccountId), u64>,
}

/// One instrument's holdings: a balance per account, indexed by account id, and their total.
///
/// A vector rather than a map of `(instrument, account)` keys: every order, cancel and fill
/// touches a holding, and an index is far cheaper than an ordered-map search. It grows to the
/// highest account that ever held the instrument (16 bytes per account and instrument at most).
#[derive(Clone, Debug, Default)]
struct Register {
    lots: Vec<Raw>,
    total: u64,
}

impl Register {
    fn get(&self, id: AccountId) -> Raw {
        self.lots.get(id.0 as usize).copied().unwrap_or_default()
    }

    fn put(&mut self, id: AccountId, b: Raw) {
        let i = id.0 as usize;
        if i >= self.lots.len() {
            if b == Raw::default() {
                return;
            }
            self.lots.resize(i + 1, Raw::default());
        }
        self.lots[i] = b;
    }
}

/// Two ledgers are equal when their accounts and balances are: an empty holding and no holding
/// are the same, as are a zero total and none.
impl PartialEq for Ledger {
    fn eq(&self, other: &Self) -> bool {
        let totals = |l: &Self| {
            l.holdings
                .iter()
                .filter(|(_, r)| r.total != 0)
                .map(|(&i, r)| (i, r.total))
                .collect::<Vec<_>>()
        };
        self.accounts == other.accounts
            && self.cash == other.cash
            && self.cash_total == other.cash_total
            && self.holdings().eq(other.holdings())
            && totals(self) == totals(other)
            && self.pledged == other.pledged
    }
}

impl Eq for Ledger {}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens an account with nothing in it; ids are given in order from 0.
    pub fn open(&mut self, account: Account) -> AccountId {
        let id = AccountId(u32::try_from(self.accounts.len()).expect("fewer than 2^32 accounts"));
        self.accounts.push(account);
        self.cash.push(Raw::default());
        id
    }

    /// An account's description.
    pub fn account(&self, id: AccountId) -> Result<&Account, LedgerError> {
        self.accounts
            .get(id.0 as usize)
            .ok_or(LedgerError::UnknownAccount(id))
    }

    /// Every account, in id order.
    pub fn accounts(&self) -> impl Iterator<Item = (AccountId, &Account)> {
        self.accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (AccountId(i as u32), a))
    }

    /// Finds an account by name (a linear scan: for the edges, not the hot path).
    pub fn find(&self, name: &str) -> Option<AccountId> {
        self.accounts()
            .find(|(_, a)| a.name == name)
            .map(|(id, _)| id)
    }

    /// Changes an account's status.
    pub fn set_status(&mut self, id: AccountId, status: AccountStatus) -> Result<(), LedgerError> {
        self.account(id)?;
        self.accounts[id.0 as usize].status = status;
        Ok(())
    }

    /// An account's cash.
    pub fn cash(&self, id: AccountId) -> Result<CashBalance, LedgerError> {
        self.raw_cash(id).map(Raw::cash)
    }

    /// An account's holding of an instrument.
    pub fn holding(&self, id: AccountId, inst: InstrumentId) -> Result<LotBalance, LedgerError> {
        self.raw_holding(id, inst).map(Raw::lots)
    }

    fn raw_cash(&self, id: AccountId) -> Result<Raw, LedgerError> {
        self.cash
            .get(id.0 as usize)
            .copied()
            .ok_or(LedgerError::UnknownAccount(id))
    }

    fn raw_holding(&self, id: AccountId, inst: InstrumentId) -> Result<Raw, LedgerError> {
        self.account(id)?;
        Ok(self
            .holdings
            .get(&inst)
            .map_or_else(Raw::default, |r| r.get(id)))
    }

    /// Stores a holding. Empty holdings are skipped by [`Ledger::holdings`], so that what is
    /// listed (and everything computed from it, like the state hash) depends only on the
    /// balances, never on which accounts once touched an instrument.
    fn put_holding(&mut self, (inst, id): (InstrumentId, AccountId), b: Raw) {
        match self.holdings.get_mut(&inst) {
            Some(r) => r.put(id, b),
            None if b == Raw::default() => {}
            None => self.holdings.entry(inst).or_default().put(id, b),
        }
    }

    /// Every non-empty holding, ordered by instrument then account.
    pub fn holdings(&self) -> impl Iterator<Item = (InstrumentId, AccountId, LotBalance)> + '_ {
        self.holdings.iter().flat_map(|(&i, r)| {
            r.lots
                .iter()
                .enumerate()
                .filter(|(_, b)| **b != Raw::default())
                .map(move |(a, b)| (i, AccountId(a as u32), b.lots()))
        })
    }

    /// All cash in the ledger.
    pub fn total_cash(&self) -> Cash {
        Cash::from_fen(self.cash_total)
    }

    /// All lots of an instrument in the ledger.
    pub fn total_holding(&self, inst: InstrumentId) -> Qty {
        Qty::from_lots(self.holdings.get(&inst).map_or(0, |r| r.total))
    }

    /// Credits cash (an operator command).
    pub fn deposit(&mut self, id: AccountId, amount: Cash) -> Result<(), LedgerError> {
        let b = self.raw_cash(id)?;
        let fen = positive(amount.fen())?;
        let total = self
            .cash_total
            .checked_add(fen)
            .ok_or(LedgerError::Overflow)?;
        let available = b.available.checked_add(fen).ok_or(LedgerError::Overflow)?;
        self.cash[id.0 as usize].available = available;
        self.cash_total = total;
        Ok(())
    }

    /// Debits available cash (an operator command).
    pub fn withdraw(&mut self, id: AccountId, amount: Cash) -> Result<(), LedgerError> {
        let b = self.raw_cash(id)?;
        let fen = positive(amount.fen())?;
        let available = b
            .available
            .checked_sub(fen)
            .ok_or(insufficient_funds(fen, b))?;
        self.cash[id.0 as usize].available = available;
        self.cash_total -= fen;
        Ok(())
    }

    /// Creates lots in an account (registry issuance).
    pub fn issue(
        &mut self,
        id: AccountId,
        inst: InstrumentId,
        qty: Qty,
    ) -> Result<(), LedgerError> {
        let b = self.raw_holding(id, inst)?;
        let lots = positive(qty.lots())?;
        let total = self
            .total_holding(inst)
            .lots()
            .checked_add(lots)
            .ok_or(LedgerError::Overflow)?;
        let available = b.available.checked_add(lots).ok_or(LedgerError::Overflow)?;
        self.put_holding((inst, id), Raw { available, ..b });
        self.holdings.entry(inst).or_default().total = total;
        Ok(())
    }

    /// Destroys available lots (retirement, e.g. an offset used).
    pub fn retire(
        &mut self,
        id: AccountId,
        inst: InstrumentId,
        qty: Qty,
    ) -> Result<(), LedgerError> {
        let b = self.raw_holding(id, inst)?;
        let lots = positive(qty.lots())?;
        let available = b
            .available
            .checked_sub(lots)
            .ok_or(insufficient_holdings(lots, b))?;
        self.put_holding((inst, id), Raw { available, ..b });
        self.holdings
            .get_mut(&inst)
            .expect("a holding has a total")
            .total -= lots;
        Ok(())
    }

    /// Moves available cash to held (an order or bid reserves it).
    pub fn hold_cash(&mut self, id: AccountId, amount: Cash) -> Result<(), LedgerError> {
        let b = self.raw_cash(id)?;
        let next = b
            .hold(amount.fen())
            .ok_or(insufficient_funds(amount.fen(), b))?;
        self.cash[id.0 as usize] = next;
        Ok(())
    }

    /// Moves held cash back to available (cancel, expiry, or a fill below the limit).
    pub fn release_cash(&mut self, id: AccountId, amount: Cash) -> Result<(), LedgerError> {
        let b = self.raw_cash(id)?;
        self.cash[id.0 as usize] = b.release(amount.fen()).ok_or(LedgerError::HoldUnderflow)?;
        Ok(())
    }

    /// Locks available lots for a sell order (no short selling).
    pub fn lock(&mut self, id: AccountId, inst: InstrumentId, qty: Qty) -> Result<(), LedgerError> {
        let b = self.raw_holding(id, inst)?;
        let next = b
            .hold(qty.lots())
            .ok_or(insufficient_holdings(qty.lots(), b))?;
        self.put_holding((inst, id), next);
        Ok(())
    }

    /// Unlocks lots of a canceled or expired sell order.
    pub fn unlock(
        &mut self,
        id: AccountId,
        inst: InstrumentId,
        qty: Qty,
    ) -> Result<(), LedgerError> {
        let b = self.raw_holding(id, inst)?;
        let next = b.release(qty.lots()).ok_or(LedgerError::HoldUnderflow)?;
        self.put_holding((inst, id), next);
        Ok(())
    }

    /// Settles one fill atomically: everything is checked, then everything moves.
    pub fn settle(&mut self, s: &Settlement) -> Result<(), LedgerError> {
        if s.buyer == s.seller {
            return Err(LedgerError::SelfSettlement(s.buyer));
        }
        let (buyer_h, seller_h) = self.settled_holdings(s)?;
        let cash = self.settled_cash(s)?;
        for (id, b) in cash.into_iter().flatten() {
            self.cash[id.0 as usize] = b;
        }
        self.put_holding((s.instrument, s.seller), seller_h);
        self.put_holding((s.instrument, s.buyer), buyer_h);
        Ok(())
    }

    /// The seller's and buyer's holdings after the fill.
    fn settled_holdings(&self, s: &Settlement) -> Result<(Raw, Raw), LedgerError> {
        let lots = positive(s.qty.lots())?;
        let mut seller = self.raw_holding(s.seller, s.instrument)?;
        seller.held = seller
            .held
            .checked_sub(lots)
            .ok_or(LedgerError::HoldUnderflow)?;
        let mut buyer = self.raw_holding(s.buyer, s.instrument)?;
        buyer.available = buyer
            .available
            .checked_add(lots)
            .ok_or(LedgerError::Overflow)?;
        Ok((buyer, seller))
    }

    /// The cash balances after the fill, for up to three distinct accounts.
    fn settled_cash(&self, s: &Settlement) -> Result<[Option<(AccountId, Raw)>; 3], LedgerError> {
        let pays = s
            .amount
            .checked_add(s.buyer_fee)
            .ok_or(LedgerError::Overflow)?;
        let refund = s
            .buyer_hold
            .checked_sub(pays)
            .ok_or(LedgerError::HoldUnderflow)?;
        let to_seller = s
            .amount
            .checked_sub(s.seller_fee)
            .ok_or(LedgerError::Overflow)?;
        let fees = s
            .buyer_fee
            .checked_add(s.seller_fee)
            .ok_or(LedgerError::Overflow)?;
        let mut work: [Option<(AccountId, Raw)>; 3] = [None; 3];
        let mut apply = |id: AccountId, f: &dyn Fn(Raw) -> Option<Raw>, e| {
            let slot = work.iter().position(|w| w.is_some_and(|(a, _)| a == id));
            let slot = slot.unwrap_or_else(|| {
                work.iter()
                    .position(Option::is_none)
                    .expect("three accounts at most")
            });
            let current = match work[slot] {
                Some((_, b)) => b,
                None => self.raw_cash(id)?,
            };
            work[slot] = Some((id, f(current).ok_or(e)?));
            Ok::<(), LedgerError>(())
        };
        apply(
            s.buyer,
            &|b| {
                Some(Raw {
                    held: b.held.checked_sub(s.buyer_hold.fen())?,
                    available: b.available.checked_add(refund.fen())?,
                })
            },
            LedgerError::HoldUnderflow,
        )?;
        apply(
            s.seller,
            &|b| {
                Some(Raw {
                    available: b.available.checked_add(to_seller.fen())?,
                    ..b
                })
            },
            LedgerError::Overflow,
        )?;
        apply(
            s.fee_account,
            &|b| {
                Some(Raw {
                    available: b.available.checked_add(fees.fen())?,
                    ..b
                })
            },
            LedgerError::Overflow,
        )?;
        Ok(work)
    }

    /// Replaces every balance at once (restoring a snapshot) and recomputes the totals.
    /// `cash` has one balance per account, in id order.
    pub fn restore_balances(
        &mut self,
        cash: &[CashBalance],
        holdings: &[(InstrumentId, AccountId, LotBalance)],
    ) -> Result<(), LedgerError> {
        if cash.len() != self.accounts.len() {
            return Err(LedgerError::UnknownAccount(AccountId(cash.len() as u32)));
        }
        let cash: Vec<Raw> = cash.iter().map(|&b| Raw::from(b)).collect();
        let add = |t: u64, b: Raw| t.checked_add(b.available)?.checked_add(b.held);
        let cash_total = cash
            .iter()
            .try_fold(0u64, |t, b| add(t, *b))
            .ok_or(LedgerError::Overflow)?;
        let mut map: BTreeMap<InstrumentId, Register> = BTreeMap::new();
        for &(inst, account, b) in holdings {
            let b = Raw::from(b);
            self.account(account)?;
            let r = map.entry(inst).or_default();
            r.total = add(r.total, b).ok_or(LedgerError::Overflow)?;
            r.put(account, b);
        }
        self.cash = cash;
        self.holdings = map;
        self.cash_total = cash_total;
        Ok(())
    }

    /// Checks that the balances add up to the recorded totals; panics on a violation.
    pub fn check_invariants(&self) {
        let cash: u128 = self
            .cash
            .iter()
            .map(|b| u128::from(b.available) + u128::from(b.held))
            .sum();
        assert_eq!(cash, u128::from(self.cash_total), "cash is not conserved");
        for (inst, r) in &self.holdings {
            let pledged: u128 = self
                .pledged
                .range((*inst, AccountId(0))..=(*inst, AccountId(u32::MAX)))
                .map(|(_, &lots)| u128::from(lots))
                .sum();
            let sum: u128 = r
                .lots
                .iter()
                .map(|b| u128::from(b.available) + u128::from(b.held))
                .sum();
            assert_eq!(
                sum + pledged,
                u128::from(r.total),
                "{inst} holdings not conserved"
            );
        }
        for (&(inst, _), &lots) in &self.pledged {
            assert!(
                lots > 0 && self.holdings.contains_key(&inst),
                "a pledge of nothing"
            );
        }
    }
}

fn positive(v: u64) -> Result<u64, LedgerError> {
    if v == 0 {
        Err(LedgerError::ZeroAmount)
    } else {
        Ok(v)
    }
}

fn insufficient_funds(needed: u64, b: Raw) -> LedgerError {
    LedgerError::InsufficientFunds {
        needed: Cash::from_fen(needed),
        available: Cash::from_fen(b.available),
    }
}

fn insufficient_holdings(needed: u64, b: Raw) -> LedgerError {
    LedgerError::InsufficientHoldings {
        needed: Qty::from_lots(needed),
        available: Qty::from_lots(b.available),
    }
}
