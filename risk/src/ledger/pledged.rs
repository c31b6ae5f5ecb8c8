//! Pledged lots (生态资产抵质押): a third part of a holding beside `available` and `held`.
//! Pledged lots still belong to the pledgor and count in the instrument's total, but nothing
//! that takes lots from `available` (a sell order, a block, an offer, a withdrawal, a
//! retirement, another pledge) can reach them. They leave the pledge only back to `available`
//! (a release) or to `held` (offered in a disposal auction), and come back from `held` when a
//! disposal does not sell them.

use ecomatch_engine::id::{AccountId, InstrumentId};
use ecomatch_engine::quantity::{Cash, Qty};

use super::{Ledger, Raw, insufficient_funds, insufficient_holdings, positive};
use crate::error::LedgerError;

/// Where lots move: into the pledge from `available` or `held`, or out of it to either.
#[derive(Clone, Copy)]
enum Shift {
    /// `available` to the pledge.
    Pledge,
    /// The pledge to `available`.
    Release,
    /// The pledge to `held` (a disposal's offer).
    Offer,
    /// `held` back to the pledge (a disposal's unsold lots).
    Return,
}

impl Ledger {
    /// The lots of `inst` that `id` has pledged.
    pub fn pledged(&self, id: AccountId, inst: InstrumentId) -> Qty {
        Qty::from_lots(self.pledged.get(&(inst, id)).copied().unwrap_or(0))
    }

    /// Every non-zero pledged balance, by instrument and account.
    pub fn pledged_balances(&self) -> impl Iterator<Item = (InstrumentId, AccountId, Qty)> + '_ {
        self.pledged
            .iter()
            .map(|(&(inst, id), &lots)| (inst, id, Qty::from_lots(lots)))
    }

    /// Moves available lots into the pledge.
    pub fn pledge(
        &mut self,
        id: AccountId,
        inst: InstrumentId,
        qty: Qty,
    ) -> Result<(), LedgerError> {
        self.shift(id, inst, qty, Shift::Pledge)
    }

    /// Moves pledged lots back to available (a release).
    pub fn unpledge(
        &mut self,
        id: AccountId,
        inst: InstrumentId,
        qty: Qty,
    ) -> Result<(), LedgerError> {
        self.shift(id, inst, qty, Shift::Release)
    }

    /// Moves pledged lots to held: offered in a disposal auction, settled from there.
    pub fn offer_pledged(
        &mut self,
        id: AccountId,
        inst: InstrumentId,
        qty: Qty,
    ) -> Result<(), LedgerError> {
        self.shift(id, inst, qty, Shift::Offer)
    }

    /// Moves held lots back into the pledge: a disposal that did not sell them.
    pub fn return_to_pledge(
        &mut self,
        id: AccountId,
        inst: InstrumentId,
        qty: Qty,
    ) -> Result<(), LedgerError> {
        self.shift(id, inst, qty, Shift::Return)
    }

    /// Moves `qty` lots between a part of the holding and the pledge: everything is checked
    /// (the side giving lots first, as each operation names its shortfall), then both move.
    fn shift(
        &mut self,
        id: AccountId,
        inst: InstrumentId,
        qty: Qty,
        how: Shift,
    ) -> Result<(), LedgerError> {
        let lots = positive(qty.lots())?;
        let b = self.raw_holding(id, inst)?;
        let (b, pledged) = match how {
            Shift::Pledge => {
                let available = b
                    .available
                    .checked_sub(lots)
                    .ok_or(insufficient_holdings(lots, b))?;
                (Raw { available, ..b }, self.add_pledged(id, inst, lots)?)
            }
            Shift::Release => {
                let pledged = self.sub_pledged(id, inst, lots)?;
                let available = b.available.checked_add(lots).ok_or(LedgerError::Overflow)?;
                (Raw { available, ..b }, pledged)
            }
            Shift::Offer => {
                let pledged = self.sub_pledged(id, inst, lots)?;
                let held = b.held.checked_add(lots).ok_or(LedgerError::Overflow)?;
                (Raw { held, ..b }, pledged)
            }
            Shift::Return => {
                let held = b.held.checked_sub(lots).ok_or(LedgerError::HoldUnderflow)?;
                (Raw { held, ..b }, self.add_pledged(id, inst, lots)?)
            }
        };
        self.put_holding((inst, id), b);
        self.set_pledged(id, inst, pledged);
        Ok(())
    }

    /// Pays `amount` of `from`'s available cash to `to` (a disposal's proceeds to the
    /// pledgee); nothing moves if `from` has less.
    pub fn transfer_cash(
        &mut self,
        from: AccountId,
        to: AccountId,
        amount: Cash,
    ) -> Result<(), LedgerError> {
        let fen = positive(amount.fen())?;
        let (a, b) = (self.raw_cash(from)?, self.raw_cash(to)?);
        if from == to {
            return Ok(());
        }
        let paying = a
            .available
            .checked_sub(fen)
            .ok_or(insufficient_funds(fen, a))?;
        let receiving = b.available.checked_add(fen).ok_or(LedgerError::Overflow)?;
        self.cash[from.0 as usize].available = paying;
        self.cash[to.0 as usize].available = receiving;
        Ok(())
    }

    /// Restores the pledged balances of a snapshot, after [`Ledger::restore_balances`]: they
    /// are added to their instruments' totals.
    pub fn restore_pledged(
        &mut self,
        balances: impl IntoIterator<Item = (InstrumentId, AccountId, Qty)>,
    ) -> Result<(), LedgerError> {
        self.pledged.clear();
        for (inst, id, qty) in balances {
            self.account(id)?;
            let lots = positive(qty.lots())?;
            let r = self.holdings.entry(inst).or_default();
            r.total = r.total.checked_add(lots).ok_or(LedgerError::Overflow)?;
            let slot = self.pledged.entry((inst, id)).or_insert(0);
            *slot = slot.checked_add(lots).ok_or(LedgerError::Overflow)?;
        }
        Ok(())
    }

    fn add_pledged(
        &self,
        id: AccountId,
        inst: InstrumentId,
        lots: u64,
    ) -> Result<u64, LedgerError> {
        self.pledged(id, inst)
            .lots()
            .checked_add(lots)
            .ok_or(LedgerError::Overflow)
    }

    fn sub_pledged(
        &self,
        id: AccountId,
        inst: InstrumentId,
        lots: u64,
    ) -> Result<u64, LedgerError> {
        let have = self.pledged(id, inst).lots();
        have.checked_sub(lots).ok_or(LedgerError::PledgeUnderflow {
            needed: Qty::from_lots(lots),
            pledged: Qty::from_lots(have),
        })
    }

    fn set_pledged(&mut self, id: AccountId, inst: InstrumentId, lots: u64) {
        if lots == 0 {
            self.pledged.remove(&(inst, id));
        } else {
            self.pledged.insert((inst, id), lots);
        }
    }
}
