//! Negotiated block trades (大宗协议): one party proposes price and quantity to a named
//! counterparty; the counterparty accepts before the expiry, both sides pass the pre-trade
//! checks at that moment, and the trade settles delivery versus payment at once, outside the
//! book. Nothing is held while a proposal is open.

use ecomatch_engine::book::Side;
use ecomatch_engine::id::{AccountId, BlockId, Timestamp, TradeId};
use ecomatch_engine::instrument::PriceBand;
use ecomatch_engine::quantity::Cash;
use ecomatch_risk::fee;

use crate::command::{Command, Sequenced};
use crate::output::{Message, Output, Recipient, Reject};
pub use crate::reject::BlockError;
pub use crate::report::{BlockReport, BlockStatus};
use crate::state::{Block, Exchange};

/// The band of a block trade: ±30 % of the reference price (DESIGN.md §3).
pub const BLOCK_BAND: PriceBand = PriceBand { bps: 3_000 };
/// The most open proposals one account may have.
pub const MAX_OPEN_PER_ACCOUNT: usize = 100;

impl Exchange {
    /// Applies a block command.
    pub(crate) fn block_command(
        &mut self,
        cmd: &Sequenced,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        match cmd.command {
            Command::ProposeBlock {
                instrument,
                counterparty,
                side,
                price,
                qty,
                expires,
            } => {
                let b = Block {
                    market: self.market_of(instrument)?,
                    proposer: cmd.actor,
                    counterparty,
                    side,
                    price,
                    qty,
                    expires,
                };
                self.propose(b, cmd.time, out)
            }
            Command::AcceptBlock { block_id } => self.accept(cmd.actor, block_id, cmd.time, out),
            Command::DeclineBlock { block_id } => {
                let b = self
                    .blocks
                    .get(&block_id)
                    .copied()
                    .filter(|b| cmd.actor == b.proposer || cmd.actor == b.counterparty);
                let b = b.ok_or(Reject::Block(BlockError::Unknown))?;
                self.blocks.remove(&block_id);
                let status = if cmd.actor == b.proposer {
                    BlockStatus::Withdrawn
                } else {
                    BlockStatus::Declined
                };
                self.report_both(block_id, &b, status, None, Cash::ZERO, cmd.actor, out);
                Ok(())
            }
            _ => unreachable!("only block commands come here"),
        }
    }

    fn propose(&mut self, b: Block, now: Timestamp, out: &mut Vec<Output>) -> Result<(), Reject> {
        let inst = &self.markets[b.market as usize].listing;
        if !inst.instrument.spec().modes.block {
            return Err(Reject::ModeNotAllowed);
        }
        self.ledger.account(b.counterparty)?;
        if b.counterparty == b.proposer {
            return Err(Reject::Block(BlockError::SelfTrade));
        }
        if b.qty < inst.instrument.spec().block_threshold || b.qty.is_zero() {
            return Err(Reject::Block(BlockError::TooSmall));
        }
        let reference = inst
            .instrument
            .spec()
            .reference_price
            .ok_or(Reject::Block(BlockError::NoReference))?;
        let (lo, hi) = BLOCK_BAND.limits(reference);
        if b.price < lo || b.price > hi || b.price.ticks() == 0 {
            return Err(Reject::Block(BlockError::OutsideBand));
        }
        if b.expires <= now {
            return Err(Reject::Block(BlockError::Expired));
        }
        inst.eligibility
            .check(self.ledger.account(b.proposer)?, b.side)?;
        if self
            .blocks
            .values()
            .filter(|o| o.proposer == b.proposer)
            .count()
            >= MAX_OPEN_PER_ACCOUNT
        {
            return Err(Reject::Block(BlockError::Limit));
        }
        self.next_block = self.ids.after(self.next_block);
        let id = BlockId(self.next_block);
        self.blocks.insert(id, b);
        self.report_both(
            id,
            &b,
            BlockStatus::Proposed,
            None,
            Cash::ZERO,
            b.proposer,
            out,
        );
        Ok(())
    }

    fn accept(
        &mut self,
        actor: AccountId,
        id: BlockId,
        now: Timestamp,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let b = self
            .blocks
            .get(&id)
            .copied()
            .filter(|b| b.counterparty == actor);
        let b = b.ok_or(Reject::Block(BlockError::Unknown))?;
        if now > b.expires {
            return Err(Reject::Block(BlockError::Expired));
        }
        let listing = &self.markets[b.market as usize].listing;
        let instrument = listing.instrument.spec().id;
        let (buyer, seller) = b.buyer_seller();
        // What fails on the proposer's side is told as that alone: its balances, quotas and
        // status are not the acceptor's business.
        let theirs = |account: AccountId, e: Reject| {
            if account == b.proposer {
                Reject::Block(BlockError::CounterpartyUnable)
            } else {
                e
            }
        };
        listing
            .eligibility
            .check(self.ledger.account(buyer)?, Side::Buy)
            .map_err(|e| theirs(buyer, e.into()))?;
        listing
            .eligibility
            .check(self.ledger.account(seller)?, Side::Sell)
            .map_err(|e| theirs(seller, e.into()))?;
        self.check_quotas(buyer, b.market, Side::Buy, b.qty.lots())
            .map_err(|e| theirs(buyer, e))?;
        self.check_quotas(seller, b.market, Side::Sell, b.qty.lots())
            .map_err(|e| theirs(seller, e))?;
        let overflow = Reject::Ledger(ecomatch_risk::error::LedgerError::Overflow);
        let cash = fee::trade(
            b.price,
            b.qty,
            listing.instrument.cash_per_tick_lot(),
            listing.fee_bps,
        )
        .ok_or(overflow)?;
        // Check both sides before moving anything, so a refusal changes nothing.
        let lots = self.ledger.holding(seller, instrument)?.available;
        if lots < b.qty {
            let e = ecomatch_risk::error::LedgerError::InsufficientHoldings {
                needed: b.qty,
                available: lots,
            };
            return Err(theirs(seller, e.into()));
        }
        self.ledger
            .hold_cash(buyer, cash.pays)
            .map_err(|e| theirs(buyer, e.into()))?;
        self.ledger
            .lock(seller, instrument, b.qty)
            .expect("holdings were checked");
        // The one settlement path: the hold just taken is exactly what the trade pays.
        let (trade_id, fee_each, _) =
            self.settle_dvp(b.market, (buyer, seller), b.price, b.qty, None);
        for (account, side) in [(buyer, Side::Buy), (seller, Side::Sell)] {
            let u = self.usage.entry((account, b.market)).or_default();
            match side {
                Side::Buy => u.bought += b.qty.lots(),
                Side::Sell => u.sold += b.qty.lots(),
            }
        }
        self.blocks.remove(&id);
        self.report_both(
            id,
            &b,
            BlockStatus::Executed,
            Some(trade_id),
            fee_each,
            actor,
            out,
        );
        let msg = Message::BlockTrade {
            instrument,
            trade_id,
            price: b.price,
            qty: b.qty,
            time: now,
        };
        out.push(self.public(b.market, msg));
        Ok(())
    }

    /// Reports a proposal's state to both parties; the one who acted gets the direct reply.
    /// The open proposals `account` made or received, each as its report to `account`
    /// would read now: what `get_blocks` answers.
    pub fn open_blocks_of(&self, account: AccountId) -> Vec<BlockReport> {
        self.blocks
            .iter()
            .filter(|(_, b)| b.proposer == account || b.counterparty == account)
            .map(|(&id, b)| {
                let mine = b.proposer == account;
                BlockReport {
                    block_id: id,
                    instrument: self.markets[b.market as usize].listing.instrument.spec().id,
                    side: if mine { b.side } else { b.side.opposite() },
                    counterparty: if mine { b.counterparty } else { b.proposer },
                    proposer: b.proposer,
                    price: b.price,
                    qty: b.qty,
                    expires: b.expires,
                    status: BlockStatus::Proposed,
                    trade_id: None,
                    fee: Cash::ZERO,
                }
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn report_both(
        &self,
        id: BlockId,
        b: &Block,
        status: BlockStatus,
        trade_id: Option<TradeId>,
        fee: Cash,
        actor: AccountId,
        out: &mut Vec<Output>,
    ) {
        let instrument = self.markets[b.market as usize].listing.instrument.spec().id;
        for (me, other, side) in [
            (b.proposer, b.counterparty, b.side),
            (b.counterparty, b.proposer, b.side.opposite()),
        ] {
            let report = BlockReport {
                block_id: id,
                instrument,
                side,
                counterparty: other,
                proposer: b.proposer,
                price: b.price,
                qty: b.qty,
                expires: b.expires,
                status,
                trade_id,
                fee,
            };
            out.push(Output {
                to: Recipient::Account(me),
                reply: me == actor,
                seq: 0,
                msg: Message::Block(report),
            });
        }
    }
}
