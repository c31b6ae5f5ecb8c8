//! Closing a sealed-bid auction: clear, settle every allocation delivery versus payment,
//! release the holds, return the unsold quantity, and publish the result with the seed.

use std::collections::BTreeMap;

use ecomatch_engine::auction::sealed::{self, Format, Outcome, Status, limit_of};
use ecomatch_engine::book::Side;
use ecomatch_engine::id::{AccountId, AuctionId, BidId, Timestamp};
use ecomatch_engine::quantity::{Cash, Price, Qty};

use super::{BidReason, BidReport, BidStatus, SealedError, SealedFill};
use crate::command::{AuctionTerms, Sequenced};
use crate::output::{Message, Output, Reject};
use crate::report::AuctionResult;
use crate::state::Auction;
use crate::state::Exchange;

/// One trade of the close: (bidder, price, quantity).
type Trade = (AccountId, Price, Qty);

impl Exchange {
    pub(super) fn close_auction(
        &mut self,
        cmd: &Sequenced,
        auction_id: AuctionId,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        self.require_operator(cmd.actor)?;
        let a = self
            .auctions
            .get(&auction_id)
            .ok_or(SealedError::UnknownAuction)?;
        if cmd.time < a.terms.closes {
            return Err(SealedError::StillOpen.into());
        }
        let held: Vec<(AccountId, Cash)> = a
            .bidders()
            .into_iter()
            .map(|b| (b, self.held_collateral(a, b)))
            .collect();
        let outcome = sealed::clear(&engine_terms(&a.terms), &self.engine_bids(a));
        let a = self.auctions.remove(&auction_id).expect("checked above");
        for &(_, bid_id) in a.bids.keys() {
            self.bid_index.remove(&bid_id);
        }
        let disposal = self.disposals.remove(&auction_id);
        let trades = trades(&a, &outcome);
        let paid = self.settle_auction(&a, auction_id, &trades, cmd.time, out);
        self.release_auction(&a, &held, &paid, outcome.sold, disposal.is_some());
        self.report_close(&a, auction_id, &outcome, cmd.time, out);
        if let Some(pledge) = disposal {
            self.after_disposal(pledge, auction_id, &trades, out);
        }
        out.push(Self::auction_done(cmd, auction_id));
        Ok(())
    }

    /// The auction's bids as the engine takes them, in bid-id order, with affiliation groups
    /// numbered in the account order of their first member.
    fn engine_bids(&self, a: &Auction) -> Vec<sealed::Bid> {
        let mut groups: BTreeMap<&str, u32> = BTreeMap::new();
        let mut group_of: BTreeMap<AccountId, Option<u32>> = BTreeMap::new();
        for bidder in a.bidders() {
            let account = self.ledger.account(bidder).expect("a bidder is an account");
            let group = account.affiliation.as_deref().map(|name| {
                let next = groups.len() as u32;
                *groups.entry(name).or_insert(next)
            });
            group_of.insert(bidder, group);
        }
        let mut bids: Vec<sealed::Bid> = a
            .bids
            .iter()
            .map(|(&(bidder, id), b)| sealed::Bid {
                id,
                bidder,
                group: group_of[&bidder],
                price: b.price,
                qty: b.qty,
                seq: b.seq,
            })
            .collect();
        bids.sort_unstable_by_key(|b| b.id);
        bids
    }

    /// Settles each trade from the seller's held lots and the bidder's held collateral;
    /// returns what each bidder paid (price and fee).
    fn settle_auction(
        &mut self,
        a: &Auction,
        auction_id: AuctionId,
        trades: &[Trade],
        time: Timestamp,
        out: &mut Vec<Output>,
    ) -> BTreeMap<AccountId, Cash> {
        let (m, seller, instrument) = (a.market, a.terms.seller, a.terms.instrument);
        let mut paid: BTreeMap<AccountId, Cash> = BTreeMap::new();
        for &(bidder, price, qty) in trades {
            let (trade_id, fee, pays) = self.settle_dvp(m, (bidder, seller), price, qty, None);
            let total = paid.entry(bidder).or_default();
            *total = total
                .checked_add(pays)
                .expect("payments fit: they were held");
            self.usage.entry((bidder, m)).or_default().bought += qty.lots();
            self.usage.entry((seller, m)).or_default().sold += qty.lots();
            for (to, side) in [(bidder, Side::Buy), (seller, Side::Sell)] {
                let fill = SealedFill {
                    auction_id,
                    instrument,
                    trade_id,
                    side,
                    price,
                    qty,
                    fee,
                };
                out.push(Self::tell(to, false, Message::SealedFill(fill)));
            }
            let msg = Message::SealedTrade {
                instrument,
                auction_id,
                trade_id,
                price,
                qty,
                time,
            };
            out.push(self.public(m, msg));
        }
        paid
    }

    /// Releases what each bidder held beyond what it paid, takes the bids and the offer out of
    /// the open quantities, and returns the unsold lots to the seller (to its pledge, for a
    /// disposal).
    fn release_auction(
        &mut self,
        a: &Auction,
        held: &[(AccountId, Cash)],
        paid: &BTreeMap<AccountId, Cash>,
        sold: Qty,
        disposal: bool,
    ) {
        let m = a.market;
        for &(bidder, cash) in held {
            let spent = paid.get(&bidder).copied().unwrap_or_default();
            let rest = cash
                .checked_sub(spent)
                .expect("a bidder pays at most its collateral");
            if rest > Cash::ZERO {
                self.ledger
                    .release_cash(bidder, rest)
                    .expect("the collateral was held");
            }
            let bid: u64 = a.bids_of(bidder).map(|(_, b)| b.qty.lots()).sum();
            self.add_open(bidder, m, Side::Buy, -i128::from(bid));
        }
        let t = &a.terms;
        let unsold = t.offer.checked_sub(sold).expect("sold within the offer");
        if unsold.is_zero() {
        } else if disposal {
            // The offer was held since the enforcement (the invariants check it after every
            // command), so the unsold part goes back to the pledge.
            let returned = self.ledger.return_to_pledge(t.seller, t.instrument, unsold);
            debug_assert!(returned.is_ok(), "the offer was held");
        } else {
            self.ledger
                .unlock(t.seller, t.instrument, unsold)
                .expect("the offer was held");
        }
        self.add_open(t.seller, m, Side::Sell, -i128::from(t.offer.lots()));
    }

    /// The bids' final reports (private), the seller's holding, then the allocations per
    /// bidder and the result (public).
    fn report_close(
        &mut self,
        a: &Auction,
        auction_id: AuctionId,
        outcome: &Outcome,
        time: Timestamp,
        out: &mut Vec<Output>,
    ) {
        let t = &a.terms;
        let won: BTreeMap<BidId, Qty> = outcome.fills.iter().map(|f| (f.bid, f.qty)).collect();
        let mut bids: Vec<(BidId, AccountId)> = a.bids.keys().map(|&(b, id)| (id, b)).collect();
        bids.sort_unstable();
        for (bid_id, bidder) in bids {
            let bid = a.bids[&(bidder, bid_id)];
            let filled = won.get(&bid_id).copied().unwrap_or_default();
            let (status, reason) = match (outcome.status, filled) {
                (Status::Canceled, _) => (BidStatus::Canceled, Some(BidReason::AuctionCanceled)),
                (_, f) if f == bid.qty => (BidStatus::Won, None),
                (_, f) if f.is_zero() => (BidStatus::Lost, None),
                _ => (BidStatus::PartiallyWon, None),
            };
            let report = BidReport {
                auction_id,
                bid_id,
                instrument: t.instrument,
                price: bid.price,
                qty: bid.qty,
                filled,
                status,
                reason,
                collateral: Cash::ZERO,
            };
            out.push(Self::tell(bidder, false, Message::Bid(report)));
        }
        let balance = self
            .ledger
            .holding(t.seller, t.instrument)
            .expect("the seller is an account");
        out.push(Self::tell(
            t.seller,
            false,
            Message::Holding {
                instrument: t.instrument,
                balance,
            },
        ));
        self.publish_result(a, auction_id, outcome, time, out);
    }

    fn publish_result(
        &mut self,
        a: &Auction,
        auction_id: AuctionId,
        o: &Outcome,
        time: Timestamp,
        out: &mut Vec<Output>,
    ) {
        let (m, t) = (a.market, &a.terms);
        let per_tick_lot = self.markets[m as usize]
            .listing
            .instrument
            .cash_per_tick_lot();
        for total in &o.totals {
            let msg = Message::Allocation {
                instrument: t.instrument,
                auction_id,
                bidder: total.bidder,
                qty: total.qty,
                value: total.value.to_cash(per_tick_lot).expect("it was paid"),
            };
            out.push(self.public(m, msg));
        }
        let result = AuctionResult {
            auction_id,
            instrument: t.instrument,
            status: o.status,
            clearing_price: o.clearing_price,
            sold: o.sold,
            offer: t.offer,
            total_bid: o.bid_to_cover.bid,
            bidders: o.bidders,
            winners: o.totals.len() as u32,
            seed: t.seed,
            time,
        };
        out.push(self.public(m, Message::AuctionResult(result)));
    }
}

/// The engine's terms of an auction: the limits in lots, rounded down from basis points.
fn engine_terms(t: &AuctionTerms) -> sealed::Terms {
    sealed::Terms {
        offer: t.offer,
        reserve: t.reserve,
        cap: t.cap,
        format: t.format,
        tie_break: t.tie_break,
        bidder_limit: limit_of(t.offer, t.bidder_limit_bps),
        group_limit: limit_of(t.offer, t.group_limit_bps),
        undersubscribed: t.undersubscribed,
        seed: t.seed,
    }
}

/// The trades of an outcome: under a uniform price one per winning bidder (account order) at
/// the clearing price, under pay-as-bid one per winning bid (account, then bid order) at its
/// price.
fn trades(a: &Auction, o: &Outcome) -> Vec<Trade> {
    match (a.terms.format, o.clearing_price) {
        (_, None) => Vec::new(),
        (Format::Uniform, Some(price)) => {
            o.totals.iter().map(|t| (t.bidder, price, t.qty)).collect()
        }
        (Format::PayAsBid, Some(_)) => {
            let mut fills: Vec<(AccountId, BidId, Price, Qty)> = o
                .fills
                .iter()
                .map(|f| (f.bidder, f.bid, f.price, f.qty))
                .collect();
            fills.sort_unstable_by_key(|f| (f.0, f.1));
            fills.into_iter().map(|(b, _, p, q)| (b, p, q)).collect()
        }
    }
}
