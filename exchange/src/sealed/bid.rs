//! Sealed bids: entry, amendment and withdrawal inside the window, each through the pre-trade
//! gate, with the bidder's collateral recomputed from all its bids and only the difference
//! held or released.

use ecomatch_engine::book::{BookError, Side};
use ecomatch_engine::id::{AccountId, AuctionId, BidId, Timestamp};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_risk::error::LedgerError;
use ecomatch_risk::gate;

use super::{BidReason, BidReport, BidStatus, MAX_BIDS_PER_BIDDER, SealedError};
use crate::command::Sequenced;
use crate::output::{Message, Output, Reject};
use crate::state::Exchange;
use crate::state::{Auction, OpenBid};

/// A change to one bidder's schedule, checked and priced, ready to apply.
struct Change {
    auction_id: AuctionId,
    bidder: AccountId,
    bid_id: BidId,
    /// The bid after the change; `None` when it is withdrawn.
    bid: Option<OpenBid>,
    /// Open quantity added (or taken away) for the quotas.
    open_delta: i128,
    /// The collateral before and after.
    held: (Cash, Cash),
}

impl Exchange {
    pub(super) fn enter_bid(
        &mut self,
        cmd: &Sequenced,
        auction_id: AuctionId,
        price: Price,
        qty: Qty,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let a = self
            .auctions
            .get(&auction_id)
            .ok_or(SealedError::UnknownAuction)?;
        in_window(a, cmd.time)?;
        if cmd.actor == a.terms.seller {
            return Err(SealedError::SellerBids.into());
        }
        let listing = &self.markets[a.market as usize].listing;
        listing
            .eligibility
            .check(self.ledger.account(cmd.actor)?, Side::Buy)?;
        self.check_bid(a, price, qty)?;
        self.check_quotas(cmd.actor, a.market, Side::Buy, qty.lots())?;
        if a.bids_of(cmd.actor).count() >= MAX_BIDS_PER_BIDDER {
            return Err(SealedError::BidLimit.into());
        }
        let bid_id = BidId(self.ids.after(self.next_bid));
        let bid = OpenBid {
            price,
            qty,
            seq: cmd.seq.0,
        };
        let change = self.plan_change(a, auction_id, cmd.actor, bid_id, Some(bid))?;
        self.apply_change(&change, BidStatus::New, None, true, out)?;
        self.next_bid = bid_id.0;
        Ok(())
    }

    pub(super) fn amend_bid(
        &mut self,
        cmd: &Sequenced,
        bid_id: BidId,
        price: Option<Price>,
        qty: Option<Qty>,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let (auction_id, old) = self.own_bid(cmd.actor, bid_id)?;
        let a = &self.auctions[&auction_id];
        in_window(a, cmd.time)?;
        // A suspended or killed bidder may withdraw, but not amend: an amendment can win more.
        gate::check_status(self.ledger.account(cmd.actor)?)?;
        let (new_price, new_qty) = (price.unwrap_or(old.price), qty.unwrap_or(old.qty));
        self.check_bid(a, new_price, new_qty)?;
        if new_qty > old.qty {
            self.check_quotas(
                cmd.actor,
                a.market,
                Side::Buy,
                new_qty.lots() - old.qty.lots(),
            )?;
        }
        // As for orders: less quantity at the same price keeps time priority, anything else
        // goes to the back.
        let keeps = new_price == old.price && new_qty <= old.qty;
        let bid = OpenBid {
            price: new_price,
            qty: new_qty,
            seq: if keeps { old.seq } else { cmd.seq.0 },
        };
        let change = self.plan_change(a, auction_id, cmd.actor, bid_id, Some(bid))?;
        self.apply_change(&change, BidStatus::Replaced, None, true, out)
    }

    pub(super) fn withdraw_bid(
        &mut self,
        cmd: &Sequenced,
        bid_id: BidId,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let (auction_id, _) = self.own_bid(cmd.actor, bid_id)?;
        let a = &self.auctions[&auction_id];
        in_window(a, cmd.time)?;
        let change = self.plan_change(a, auction_id, cmd.actor, bid_id, None)?;
        self.apply_change(
            &change,
            BidStatus::Withdrawn,
            Some(BidReason::Requested),
            true,
            out,
        )
    }

    /// Kill switch: every open bid of `account`, in every auction, is withdrawn (even after a
    /// window has closed: a killed account must not win).
    pub(crate) fn withdraw_all_bids(&mut self, account: AccountId, out: &mut Vec<Output>) {
        let ids: Vec<BidId> = self
            .bid_index
            .iter()
            .filter(|(_, (_, bidder))| *bidder == account)
            .map(|(&id, _)| id)
            .collect();
        for bid_id in ids {
            let (auction_id, _) = self.bid_index[&bid_id];
            let a = &self.auctions[&auction_id];
            let change = self
                .plan_change(a, auction_id, account, bid_id, None)
                .expect("a withdrawal only releases");
            self.apply_change(
                &change,
                BidStatus::Withdrawn,
                Some(BidReason::KillSwitch),
                false,
                out,
            )
            .expect("a withdrawal only releases");
        }
    }

    /// The actor's own open bid, or the refusal anyone else gets (never revealing others').
    fn own_bid(&self, actor: AccountId, bid_id: BidId) -> Result<(AuctionId, OpenBid), Reject> {
        let &(auction_id, bidder) = self
            .bid_index
            .get(&bid_id)
            .filter(|(_, bidder)| *bidder == actor)
            .ok_or(SealedError::UnknownBid)?;
        Ok((
            auction_id,
            self.auctions[&auction_id].bids[&(bidder, bid_id)],
        ))
    }

    /// Price and quantity of a bid against the auction's terms and the instrument's limits.
    fn check_bid(&self, a: &Auction, price: Price, qty: Qty) -> Result<(), Reject> {
        if qty.is_zero() {
            return Err(BookError::InvalidQuantity.into());
        }
        if price < a.terms.reserve {
            return Err(SealedError::BelowReserve.into());
        }
        if a.terms.cap.is_some_and(|cap| price > cap) {
            return Err(SealedError::AboveCap.into());
        }
        let inst = &self.markets[a.market as usize].listing.instrument;
        gate::check_size(inst, qty, price.checked_mul(qty))?;
        Ok(())
    }

    /// The bidder's collateral before and after replacing bid `bid_id` by `bid` (or removing
    /// it).
    fn plan_change(
        &self,
        a: &Auction,
        auction_id: AuctionId,
        bidder: AccountId,
        bid_id: BidId,
        bid: Option<OpenBid>,
    ) -> Result<Change, Reject> {
        let old_qty = a.bids.get(&(bidder, bid_id)).map_or(0, |b| b.qty.lots());
        let others = a.bids_of(bidder).filter(|(id, _)| *id != bid_id);
        let schedule = others.map(|(_, b)| b).chain(bid);
        let after = self
            .required_collateral(a.market, a.terms.format, schedule.map(|b| (b.price, b.qty)))
            .ok_or(Reject::Ledger(LedgerError::Overflow))?;
        let before = self.held_collateral(a, bidder);
        let new_qty = bid.map_or(0, |b| b.qty.lots());
        Ok(Change {
            auction_id,
            bidder,
            bid_id,
            bid,
            open_delta: i128::from(new_qty) - i128::from(old_qty),
            held: (before, after),
        })
    }

    /// Applies a checked change: the collateral difference held or released (the one step
    /// that can still be refused, for want of cash, and it comes first), the bid stored or
    /// removed, quota usage, and the report to the bidder.
    fn apply_change(
        &mut self,
        c: &Change,
        status: BidStatus,
        reason: Option<BidReason>,
        reply: bool,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let (before, after) = c.held;
        if after > before {
            let more = after.checked_sub(before).expect("after > before");
            self.ledger.hold_cash(c.bidder, more)?;
        } else if before > after {
            let less = before.checked_sub(after).expect("before > after");
            self.ledger
                .release_cash(c.bidder, less)
                .expect("the collateral was held");
        }
        let a = self
            .auctions
            .get_mut(&c.auction_id)
            .expect("an open auction");
        let key = (c.bidder, c.bid_id);
        let reported = if let Some(b) = c.bid {
            a.bids.insert(key, b);
            self.bid_index.insert(c.bid_id, (c.auction_id, c.bidder));
            b
        } else {
            self.bid_index.remove(&c.bid_id);
            a.bids.remove(&key).expect("a withdrawn bid was open")
        };
        let m = a.market;
        self.add_open(c.bidder, m, Side::Buy, c.open_delta);
        let report = BidReport {
            auction_id: c.auction_id,
            bid_id: c.bid_id,
            instrument: self.markets[m as usize].listing.instrument.spec().id,
            price: reported.price,
            qty: reported.qty,
            filled: Qty::ZERO,
            status,
            reason,
            collateral: after,
        };
        out.push(Self::tell(c.bidder, reply, Message::Bid(report)));
        Ok(())
    }
}

/// Bids move only inside the window: from `opens` up to just before `closes`.
fn in_window(a: &Auction, now: Timestamp) -> Result<(), Reject> {
    if now < a.terms.opens {
        Err(SealedError::NotOpenYet.into())
    } else if now >= a.terms.closes {
        Err(SealedError::WindowClosed.into())
    } else {
        Ok(())
    }
}
