//! The pledge register (生态资产抵质押): ecological assets pledged to a bank or a guarantee
//! company (an account of kind `pledgee`) as security for a loan, held to the lot, in the log.
//!
//! - **Registration.** The pledgor registers a pledge (`register_pledge`: pledgee, instrument,
//!   quantity, the secured amount in CNY, the maturity). Its lots move at once from
//!   `available` to `pledged`, so that they cannot be sold between the application and the
//!   bank's consent; the pledge is `pending`. The pledgee confirms it (`active`) or declines
//!   it, and the pledgor may withdraw it while it is pending; either returns the lots. The
//!   pledgee must consent because the terms (amount, maturity) are its loan's; the pledgor
//!   must act first because the lots are its own. No operator is needed, as at the banks of
//!   Lishui, where the registry records what the two parties agreed.
//! - **Pledged lots** still belong to the pledgor: they count in its holdings and in the
//!   instrument's total, but nothing that takes lots from `available` reaches them (selling,
//!   block trades, offering, withdrawing, retiring, pledging again). Quotas count trades, not
//!   pledges: pledging neither buys nor sells.
//! - **Release.** The pledgee releases lots, in part or in full, as the loan is repaid.
//! - **Enforcement** (`disposal`): after the maturity the pledgee (or an operator) opens a
//!   public disposal auction of the pledged lots; see that module.
//! - Which families may be pledged is the listing's (`pledgeable`): emission permits, carbon
//!   sinks, water rights and energy-use rights by default; GEP indicators and ecological
//!   credits only if the configuration says so.

mod codec;
mod disposal;
pub(crate) mod record;

use ecomatch_engine::id::{AccountId, InstrumentId, PledgeId};
use ecomatch_engine::quantity::{Cash, Qty};
use ecomatch_risk::account::AccountKind;
use ecomatch_risk::gate;

use crate::command::{Command, Sequenced};
use crate::output::{Message, Output, Reject};
pub use crate::reject::PledgeError;
pub use crate::report::{DisposalNotice, DisposalStatus, PledgeReport, PledgeStatus};
use crate::state::Exchange;

pub use crate::state::Pledge;

impl Pledge {
    /// The pledge as its parties' report reads.
    pub const fn report(&self, id: PledgeId) -> PledgeReport {
        PledgeReport {
            pledge_id: id,
            pledgor: self.pledgor,
            pledgee: self.pledgee,
            instrument: self.instrument,
            qty: self.qty,
            secured: self.secured,
            maturity: self.maturity,
            status: self.status,
            auction_id: self.auction,
            recovered: self.recovered,
        }
    }
}

impl From<PledgeError> for Reject {
    fn from(e: PledgeError) -> Self {
        Self::Pledge(e)
    }
}

impl Exchange {
    /// Applies a pledge command; `None` if the command is not one.
    pub(crate) fn pledge_command(
        &mut self,
        cmd: &Sequenced,
        out: &mut Vec<Output>,
    ) -> Option<Result<(), Reject>> {
        Some(match cmd.command {
            Command::RegisterPledge {
                pledgee,
                instrument,
                qty,
                secured,
                maturity,
            } => {
                let m = match self.market_of(instrument) {
                    Ok(m) => m,
                    Err(e) => return Some(Err(e)),
                };
                let p = Pledge {
                    pledgor: cmd.actor,
                    pledgee,
                    market: m,
                    instrument,
                    qty,
                    secured,
                    maturity,
                    status: PledgeStatus::Pending,
                    auction: None,
                    recovered: Cash::ZERO,
                };
                self.register(cmd, p, out)
            }
            Command::ConfirmPledge { pledge_id } => self.confirm(cmd, pledge_id, out),
            Command::DeclinePledge { pledge_id } => self.decline(cmd, pledge_id, out),
            Command::ReleasePledge { pledge_id, qty } => self.release(cmd, pledge_id, qty, out),
            Command::EnforcePledge {
                pledge_id,
                reserve,
                closes,
            } => self.enforce(cmd, pledge_id, reserve, closes, out),
            Command::WithdrawEnforcement { pledge_id } => {
                self.withdraw_enforcement(cmd, pledge_id, out)
            }
            _ => return None,
        })
    }

    fn register(
        &mut self,
        cmd: &Sequenced,
        p: Pledge,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        if !self.markets[p.market as usize].listing.pledgeable {
            return Err(PledgeError::NotPledgeable.into());
        }
        if p.pledgee == p.pledgor {
            return Err(PledgeError::SelfPledge.into());
        }
        let pledgee = self.ledger.account(p.pledgee)?;
        if pledgee.kind != AccountKind::Pledgee {
            return Err(PledgeError::NotAPledgee.into());
        }
        gate::check_status(self.ledger.account(p.pledgor)?)?;
        if p.qty.is_zero() || p.secured == Cash::ZERO {
            return Err(PledgeError::ZeroTerms.into());
        }
        if p.maturity <= cmd.time {
            return Err(PledgeError::MaturityPast.into());
        }
        self.ledger.pledge(p.pledgor, p.instrument, p.qty)?;
        self.next_pledge = self.ids.after(self.next_pledge);
        let id = PledgeId(self.next_pledge);
        self.pledges.insert(id, p);
        self.report_pledge(id, Some(cmd.actor), out);
        self.tell_holding(p.pledgor, p.instrument, out);
        Ok(())
    }

    fn confirm(
        &mut self,
        cmd: &Sequenced,
        id: PledgeId,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let p = self.pledge_of(id, cmd.actor, |p| p.pledgee)?;
        if p.status != PledgeStatus::Pending {
            return Err(PledgeError::NotPending.into());
        }
        self.set_status(id, PledgeStatus::Active);
        self.report_pledge(id, Some(cmd.actor), out);
        Ok(())
    }

    /// The pledgee declines a pending pledge, or the pledgor withdraws it: the lots return.
    fn decline(
        &mut self,
        cmd: &Sequenced,
        id: PledgeId,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let p = self
            .pledges
            .get(&id)
            .copied()
            .filter(|p| cmd.actor == p.pledgor || cmd.actor == p.pledgee)
            .ok_or(PledgeError::Unknown)?;
        if p.status != PledgeStatus::Pending {
            return Err(PledgeError::NotPending.into());
        }
        self.ledger.unpledge(p.pledgor, p.instrument, p.qty)?;
        let status = if cmd.actor == p.pledgor {
            PledgeStatus::Withdrawn
        } else {
            PledgeStatus::Declined
        };
        self.set_status(id, status);
        self.report_pledge(id, Some(cmd.actor), out);
        self.tell_holding(p.pledgor, p.instrument, out);
        Ok(())
    }

    /// The pledgee releases lots of an active pledge (the loan repaid in part or in full).
    fn release(
        &mut self,
        cmd: &Sequenced,
        id: PledgeId,
        qty: Qty,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let p = self.pledge_of(id, cmd.actor, |p| p.pledgee)?;
        match p.status {
            PledgeStatus::Active => {}
            PledgeStatus::Enforcing => return Err(PledgeError::EnforcementOpen.into()),
            _ => return Err(PledgeError::NotActive.into()),
        }
        if qty.is_zero() {
            return Err(PledgeError::ZeroTerms.into());
        }
        let left = p
            .qty
            .checked_sub(qty)
            .ok_or(PledgeError::ReleaseExceedsPledged)?;
        self.ledger.unpledge(p.pledgor, p.instrument, qty)?;
        if let Some(e) = self.pledges.get_mut(&id) {
            e.qty = left;
            if left.is_zero() {
                e.status = PledgeStatus::Released;
            }
        }
        self.report_pledge(id, Some(cmd.actor), out);
        self.tell_holding(p.pledgor, p.instrument, out);
        Ok(())
    }

    /// A pledge that `actor` is the given party of (another's pledge is as unknown as one that
    /// never existed).
    fn pledge_of(
        &self,
        id: PledgeId,
        actor: AccountId,
        party: impl Fn(&Pledge) -> AccountId,
    ) -> Result<Pledge, Reject> {
        self.pledges
            .get(&id)
            .copied()
            .filter(|p| party(p) == actor)
            .ok_or_else(|| PledgeError::Unknown.into())
    }

    fn set_status(&mut self, id: PledgeId, status: PledgeStatus) {
        if let Some(p) = self.pledges.get_mut(&id) {
            p.status = status;
        }
    }

    /// The pledge's report to both parties; the actor's copy (if the actor is a party) is the
    /// direct reply.
    pub(crate) fn report_pledge(
        &self,
        id: PledgeId,
        actor: Option<AccountId>,
        out: &mut Vec<Output>,
    ) {
        let Some(p) = self.pledges.get(&id) else {
            return;
        };
        let report = p.report(id);
        // The direct reply first, as for every command.
        let parties = if actor == Some(p.pledgee) {
            [p.pledgee, p.pledgor]
        } else {
            [p.pledgor, p.pledgee]
        };
        for to in parties {
            out.push(Self::tell(to, Some(to) == actor, Message::Pledge(report)));
        }
    }

    pub(crate) fn tell_holding(
        &self,
        id: AccountId,
        instrument: InstrumentId,
        out: &mut Vec<Output>,
    ) {
        if let Ok(balance) = self.ledger.holding(id, instrument) {
            out.push(Self::tell(
                id,
                false,
                Message::Holding {
                    instrument,
                    balance,
                },
            ));
        }
    }

    /// One pledge of the register.
    pub fn pledge(&self, id: PledgeId) -> Option<&Pledge> {
        self.pledges.get(&id)
    }

    /// The register: every pledge in id order, for queries, records and tests.
    pub fn pledges(&self) -> impl Iterator<Item = (PledgeId, &Pledge)> {
        self.pledges.iter().map(|(&id, p)| (id, p))
    }
}
