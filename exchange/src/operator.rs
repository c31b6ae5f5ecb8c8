//! Operator commands (and retirement, which a holder may do too): every one is a command in the
//! log, refused from accounts without the right.

use ecomatch_engine::book::{CancelReason, Phase};
use ecomatch_engine::id::{AccountId, OrderId};
use ecomatch_risk::account::AccountStatus;

use crate::command::{Command, Sequenced};
use crate::output::{Message, Output, Recipient, Reject};
use crate::state::Exchange;

impl Exchange {
    /// Applies a command other than order entry, cancel and amend.
    pub(crate) fn operator(
        &mut self,
        cmd: &Sequenced,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        match cmd.command {
            Command::Retire { account, .. } if account == cmd.actor => {}
            _ => self.require_operator(cmd.actor)?,
        }
        match cmd.command {
            Command::Deposit { account, amount } => {
                self.ledger.deposit(account, amount)?;
                out.push(private(account, Message::Cash(self.ledger.cash(account)?)));
            }
            Command::Withdraw { account, amount } => {
                self.ledger.withdraw(account, amount)?;
                out.push(private(account, Message::Cash(self.ledger.cash(account)?)));
            }
            Command::Issue {
                account,
                instrument,
                qty,
            }
            | Command::Retire {
                account,
                instrument,
                qty,
            } => {
                self.market_of(instrument)?;
                if matches!(cmd.command, Command::Issue { .. }) {
                    self.ledger.issue(account, instrument, qty)?;
                } else {
                    self.ledger.retire(account, instrument, qty)?;
                }
                let balance = self.ledger.holding(account, instrument)?;
                out.push(private(
                    account,
                    Message::Holding {
                        instrument,
                        balance,
                    },
                ));
            }
            Command::SetGep {
                account,
                instrument,
                record,
            } => {
                let m = self.market_of(instrument)?;
                self.ledger.account(account)?;
                self.gep.insert((account, m), record);
            }
            Command::SetNeed {
                account,
                instrument,
                qty,
            } => {
                let m = self.market_of(instrument)?;
                self.ledger.account(account)?;
                self.needs.insert((account, m), qty.lots());
            }
            Command::SetReferencePrice { instrument, price } => {
                self.set_reference(instrument, price, cmd.time, out)?;
            }
            Command::SetPhase { instrument, phase } => {
                self.set_phase(instrument, phase, cmd, out)?;
            }
            Command::SetAccountStatus { account, status } => {
                self.ledger.set_status(account, status)?;
                out.push(private(account, Message::Status(status)));
            }
            Command::Kill { account } => self.kill(account, cmd, out)?,
            Command::OperatorCancel { order_id } => {
                let o = self.orders.get(&order_id).copied();
                let o = o.ok_or(Reject::Book(
                    ecomatch_engine::book::BookError::UnknownOrder(order_id),
                ))?;
                self.cancel_order(o.market, order_id, CancelReason::Operator, cmd.time, out)?;
            }
            // Trading, block, auction and pledge commands are dispatched before this one; were
            // one to arrive here, it is no operator's to give.
            _ => return Err(Reject::NotAuthorized),
        }
        out.push(Output {
            to: Recipient::Account(cmd.actor),
            reply: true,
            seq: 0,
            msg: Message::Done {
                command: cmd.command.name(),
            },
        });
        Ok(())
    }

    /// Moves the reference price and with it the band; then cancels what the new band leaves
    /// outside (`outside_band`), and during a call republishes the indicative price, which
    /// the reference decides between equal candidates.
    fn set_reference(
        &mut self,
        instrument: ecomatch_engine::id::InstrumentId,
        price: ecomatch_engine::quantity::Price,
        time: ecomatch_engine::id::Timestamp,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let m = self.market_of(instrument)? as usize;
        let market = &mut self.markets[m];
        market
            .listing
            .instrument
            .set_reference_price(price)
            .map_err(|_| Reject::Book(ecomatch_engine::book::BookError::InvalidPrice))?;
        let (lo, hi) = market.listing.instrument.price_limits();
        market.book.set_band(lo, hi);
        let msg = Message::Reference {
            instrument,
            price,
            band_lo: lo,
            band_hi: hi,
        };
        out.push(self.public(m as u32, msg));
        let in_call = self.markets[m].book.phase() == Phase::Call;
        if in_call {
            // The band moved: which collected market orders count as market orders follows
            // it, so the depth is rebuilt under the new band before anything leaves it.
            self.rebuild_depth(m as u32)
                .expect("the orders taking part fitted before the move");
        }
        self.cancel_outside_band(m as u32, time, out);
        if in_call {
            self.publish_indicative(m as u32, out);
        }
        Ok(())
    }

    fn set_phase(
        &mut self,
        instrument: ecomatch_engine::id::InstrumentId,
        phase: Phase,
        cmd: &Sequenced,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let m = self.market_of(instrument)?;
        let was_call = self.markets[m as usize].book.phase() == Phase::Call;
        if phase == Phase::Call && !was_call {
            // Before anything changes: the resting orders must fit one auction's totals.
            self.rebuild_depth(m)?;
        }
        if was_call && phase != Phase::Call {
            self.uncross_market(m, cmd.time, out);
        }
        self.events.clear();
        let book = &mut self.markets[m as usize].book;
        if phase == Phase::Closed {
            book.expire_day_orders(&mut self.events);
        }
        book.set_phase(phase, &mut self.events);
        self.process_events(m, cmd.time, out);
        if phase == Phase::Call && !was_call {
            self.publish_indicative(m, out);
        }
        Ok(())
    }

    /// Kill switch: the account is marked killed, then each of its open orders is canceled in
    /// order-id order (a deterministic order, whatever the hash map holds), and each of its
    /// sealed bids withdrawn in bid-id order.
    fn kill(
        &mut self,
        account: AccountId,
        cmd: &Sequenced,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        self.ledger.set_status(account, AccountStatus::Killed)?;
        let mut ids: Vec<(OrderId, u32)> = self
            .orders
            .iter()
            .filter(|(_, o)| o.account == account)
            .map(|(id, o)| (*id, o.market))
            .collect();
        ids.sort_unstable();
        for (id, m) in ids {
            self.cancel_order(m, id, CancelReason::KillSwitch, cmd.time, out)?;
        }
        self.withdraw_all_bids(account, out);
        out.push(private(account, Message::Status(AccountStatus::Killed)));
        Ok(())
    }
}

impl Exchange {
    /// Sets an instrument's phase before the first sequenced command (configuration).
    pub fn set_initial_phase(
        &mut self,
        instrument: ecomatch_engine::id::InstrumentId,
        phase: ecomatch_engine::book::Phase,
        out: &mut Vec<ecomatch_engine::book::Event>,
    ) {
        if let Some(&m) = self.by_id.get(&instrument) {
            self.markets[m as usize].book.set_phase(phase, out);
            self.markets[m as usize].depth = None;
            if phase == ecomatch_engine::book::Phase::Call {
                // Before any order: nothing takes part yet, so nothing can overflow.
                self.rebuild_depth(m)
                    .expect("an empty call fits its totals");
            }
        }
    }
}

fn private(account: AccountId, msg: Message) -> Output {
    Output {
        to: Recipient::Account(account),
        reply: false,
        seq: 0,
        msg,
    }
}
