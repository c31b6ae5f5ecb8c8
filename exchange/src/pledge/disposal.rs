//! Enforcement: the public disposal of defaulted collateral (逾期贷款抵质押物公开处置).
//!
//! From the maturity on, the pledgee (or an operator) enforces an active pledge: the exchange
//! opens a sealed-bid auction of the pledged lots with the pledgor as the seller, on the
//! platform's terms, not the pledgee's: a uniform price, time priority at the clearing price
//! (the rule of judicial auctions; it needs no secret seed, so the seed, derived from what
//! the command says, only fills the notice), no purchase limits (a disposal wants every
//! buyer), and an undersubscribed auction sells what the bids cover at the reserve. The
//! reserve and the close are the enforcer's. The pledgor cannot stop it; the pledgee can
//! withdraw the enforcement before the close (the loan was repaid), which cancels the auction
//! and returns the lots to the pledge.
//!
//! At the close (by the operator, as every auction) the lots settle to the winners and the
//! proceeds to the pledgor as for any seller, then the waterfall pays them out: the fees are
//! already taken, the pledgee is paid up to what the pledge still secures, and the rest stays
//! the pledgor's. Lots that did not sell return to the pledge, which is active again (a second
//! round, usually at a lower reserve); a pledge with no lots left is `disposed`.
//!
//! What is public: that the auction disposes of a pledge and who the pledgee is (a buyer is
//! entitled to know the legal basis of a forced sale, and the announcements of such sales name
//! the creditor), the auction's terms and result as for any auction. Never the loan: the
//! secured amount, the maturity and the waterfall's split go to the two parties only.

use ecomatch_engine::auction::sealed::{Format, TieBreak, Undersubscribed};
use ecomatch_engine::book::Side;
use ecomatch_engine::id::{AccountId, AuctionId, PledgeId, Timestamp};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_risk::account::AccountKind;
use ecomatch_risk::fee;
use sha2::{Digest, Sha256};

use super::{DisposalNotice, DisposalStatus, Pledge, PledgeError, PledgeStatus};
use crate::command::{AuctionTerms, Sequenced};
use crate::output::{Message, Output, Reject};
use crate::reject::SealedError;
use crate::report::{AuctionResult, BidReason, BidReport, BidStatus};
use crate::state::{Auction, Exchange};

/// No purchase limit: 100 % of the offer.
const WHOLE_OFFER_BPS: u16 = 10_000;

impl Exchange {
    pub(super) fn enforce(
        &mut self,
        cmd: &Sequenced,
        id: PledgeId,
        reserve: Price,
        closes: Timestamp,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let p = self.enforceable(cmd.actor, id)?;
        match p.status {
            PledgeStatus::Active => {}
            PledgeStatus::Enforcing => return Err(PledgeError::EnforcementOpen.into()),
            _ => return Err(PledgeError::NotActive.into()),
        }
        if cmd.time < p.maturity {
            return Err(PledgeError::NotMatured.into());
        }
        if closes <= cmd.time {
            return Err(SealedError::BadWindow.into());
        }
        if reserve.ticks() == 0 {
            return Err(SealedError::BadReserve.into());
        }
        let terms = disposal_terms(&p, cmd, reserve, closes);
        self.ledger.offer_pledged(p.pledgor, p.instrument, p.qty)?;
        self.next_auction = self.ids.after(self.next_auction);
        let auction_id = AuctionId(self.next_auction);
        let auction = Auction {
            market: p.market,
            terms,
            bids: std::collections::BTreeMap::new(),
        };
        self.auctions.insert(auction_id, auction);
        self.add_open(p.pledgor, p.market, Side::Sell, i128::from(p.qty.lots()));
        self.disposals.insert(auction_id, id);
        if let Some(e) = self.pledges.get_mut(&id) {
            e.status = PledgeStatus::Enforcing;
            e.auction = Some(auction_id);
        }
        if !Self::is_party(cmd.actor, &p) {
            out.push(Self::auction_done(cmd, auction_id));
        }
        self.report_pledge(id, Some(cmd.actor), out);
        self.tell_holding(p.pledgor, p.instrument, out);
        let notice = disposal_notice(&p, id, auction_id, DisposalStatus::Opened, Qty::ZERO);
        out.push(self.public(p.market, Message::Disposal(notice)));
        let opened = crate::sealed::notice(auction_id, &terms);
        out.push(self.public(p.market, Message::AuctionOpened(opened)));
        Ok(())
    }

    /// The pledgee (or an operator) withdraws an enforcement before the close: the auction is
    /// canceled, every bid's collateral released, and the lots return to the pledge.
    pub(super) fn withdraw_enforcement(
        &mut self,
        cmd: &Sequenced,
        id: PledgeId,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let p = self.enforceable(cmd.actor, id)?;
        let Some(auction_id) = p.auction.filter(|_| p.status == PledgeStatus::Enforcing) else {
            return Err(PledgeError::NoEnforcement.into());
        };
        // Everything that could refuse, before anything moves: the auction, then the lots.
        if !self.auctions.contains_key(&auction_id) {
            return Err(PledgeError::NoEnforcement.into());
        }
        self.ledger
            .return_to_pledge(p.pledgor, p.instrument, p.qty)?;
        let Some(a) = self.auctions.remove(&auction_id) else {
            return Err(PledgeError::NoEnforcement.into());
        };
        self.disposals.remove(&auction_id);
        if !Self::is_party(cmd.actor, &p) {
            out.push(Self::auction_done(cmd, auction_id));
        }
        self.cancel_bids(&a, auction_id, out);
        self.add_open(p.pledgor, p.market, Side::Sell, -i128::from(p.qty.lots()));
        if let Some(e) = self.pledges.get_mut(&id) {
            e.status = PledgeStatus::Active;
            e.auction = None;
        }
        self.report_pledge(id, Some(cmd.actor), out);
        self.tell_holding(p.pledgor, p.instrument, out);
        let notice = disposal_notice(&p, id, auction_id, DisposalStatus::Withdrawn, Qty::ZERO);
        out.push(self.public(p.market, Message::Disposal(notice)));
        let bidders = a.bidders().len() as u32;
        let total_bid = Qty::from_lots(a.bids.values().map(|b| b.qty.lots()).sum());
        let result = AuctionResult {
            auction_id,
            instrument: p.instrument,
            status: ecomatch_engine::auction::sealed::Status::Canceled,
            clearing_price: None,
            sold: Qty::ZERO,
            offer: a.terms.offer,
            total_bid,
            bidders,
            winners: 0,
            seed: a.terms.seed,
            time: cmd.time,
        };
        out.push(self.public(p.market, Message::AuctionResult(result)));
        Ok(())
    }

    /// Cancels every bid of a withdrawn disposal, releasing its bidder's collateral.
    fn cancel_bids(&mut self, a: &Auction, auction_id: AuctionId, out: &mut Vec<Output>) {
        for bidder in a.bidders() {
            let held = self.held_collateral(a, bidder);
            if held > Cash::ZERO {
                // The collateral is what the bids hold (checked by the invariants after every
                // command in the simulator and the fuzzer): its release cannot fall short.
                let released = self.ledger.release_cash(bidder, held);
                debug_assert!(released.is_ok(), "the collateral was held");
            }
            let bid: u64 = a.bids_of(bidder).map(|(_, b)| b.qty.lots()).sum();
            self.add_open(bidder, a.market, Side::Buy, -i128::from(bid));
        }
        for (&(bidder, bid_id), b) in &a.bids {
            self.bid_index.remove(&bid_id);
            let report = BidReport {
                auction_id,
                bid_id,
                instrument: a.terms.instrument,
                price: b.price,
                qty: b.qty,
                filled: Qty::ZERO,
                status: BidStatus::Canceled,
                reason: Some(BidReason::AuctionCanceled),
                collateral: Cash::ZERO,
            };
            out.push(Self::tell(bidder, false, Message::Bid(report)));
        }
    }

    /// After a disposal's close: the waterfall pays the pledgee up to what is secured from the
    /// pledgor's net proceeds (the fees are taken already), the lots sold leave the pledge.
    pub(crate) fn after_disposal(
        &mut self,
        id: PledgeId,
        auction_id: AuctionId,
        trades: &[(AccountId, Price, Qty)],
        out: &mut Vec<Output>,
    ) {
        let Some(p) = self.pledges.get(&id).copied() else {
            return;
        };
        let l = &self.markets[p.market as usize].listing;
        let (per, bps) = (l.instrument.cash_per_tick_lot(), l.fee_bps);
        // Each trade settled with exactly these amounts a moment ago, so they fit; the sums
        // are of a sold offer's value, which fits the seller's cash.
        let (mut net, mut sold) = (0u64, 0u64);
        for &(_, price, qty) in trades {
            if let Some(c) = fee::trade(price, qty, per, bps) {
                net = net.saturating_add(c.amount.fen().saturating_sub(c.fee.fen()));
            }
            sold = sold.saturating_add(qty.lots());
        }
        let pay = Cash::from_fen(net.min(p.secured.fen()));
        // The pledgor has just received at least `net` into its available cash.
        let paid = pay > Cash::ZERO && self.ledger.transfer_cash(p.pledgor, p.pledgee, pay).is_ok();
        debug_assert!(paid || pay == Cash::ZERO, "the waterfall could not pay");
        let sold = Qty::from_lots(sold);
        if let Some(e) = self.pledges.get_mut(&id) {
            if paid {
                e.secured = Cash::from_fen(e.secured.fen().saturating_sub(pay.fen()));
                e.recovered = Cash::from_fen(e.recovered.fen().saturating_add(pay.fen()));
            }
            e.qty = Qty::from_lots(e.qty.lots().saturating_sub(sold.lots()));
            e.auction = None;
            e.status = if e.qty.is_zero() {
                PledgeStatus::Disposed
            } else {
                PledgeStatus::Active
            };
        }
        for party in [p.pledgor, p.pledgee] {
            if let Ok(balance) = self.ledger.cash(party) {
                out.push(Self::tell(party, false, Message::Cash(balance)));
            }
        }
        self.report_pledge(id, None, out);
        let notice = disposal_notice(&p, id, auction_id, DisposalStatus::Closed, sold);
        out.push(self.public(p.market, Message::Disposal(notice)));
    }

    /// A pledge the actor may enforce: its pledgee's, or any for an operator.
    fn enforceable(&self, actor: AccountId, id: PledgeId) -> Result<Pledge, Reject> {
        let operator = self
            .ledger
            .account(actor)
            .is_ok_and(|a| a.kind == AccountKind::Operator);
        self.pledges
            .get(&id)
            .copied()
            .filter(|p| operator || p.pledgee == actor)
            .ok_or_else(|| PledgeError::Unknown.into())
    }

    fn is_party(actor: AccountId, p: &Pledge) -> bool {
        actor == p.pledgor || actor == p.pledgee
    }
}

/// The platform's terms of a disposal (see the module's notes).
fn disposal_terms(p: &Pledge, cmd: &Sequenced, reserve: Price, closes: Timestamp) -> AuctionTerms {
    // From what the command says, never from ids or sequence numbers, which a market cut into
    // shards gives otherwise than a whole one.
    let mut h = Sha256::new();
    h.update(b"ecomatch disposal");
    h.update(cmd.time.0.to_le_bytes());
    h.update(p.instrument.as_str().as_bytes());
    h.update(p.pledgor.0.to_le_bytes());
    h.update(p.qty.lots().to_le_bytes());
    AuctionTerms {
        instrument: p.instrument,
        seller: p.pledgor,
        offer: p.qty,
        reserve,
        cap: None,
        format: Format::Uniform,
        tie_break: TieBreak::Time,
        bidder_limit_bps: WHOLE_OFFER_BPS,
        group_limit_bps: WHOLE_OFFER_BPS,
        undersubscribed: Undersubscribed::SellAtReserve,
        opens: cmd.time,
        closes,
        seed: h.finalize().into(),
    }
}

fn disposal_notice(
    p: &Pledge,
    id: PledgeId,
    auction_id: AuctionId,
    status: DisposalStatus,
    sold: Qty,
) -> DisposalNotice {
    DisposalNotice {
        pledge_id: id,
        instrument: p.instrument,
        auction_id,
        pledgee: p.pledgee,
        status,
        offer: p.qty,
        sold,
    }
}
