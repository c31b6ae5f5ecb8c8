//! Opening a sealed-bid auction: the terms checked, the seller's offer held, the terms and the
//! seed's hash published.

use std::collections::BTreeMap;

use ecomatch_engine::auction::sealed::limit_of;
use ecomatch_engine::book::{BookError, Side};
use ecomatch_engine::id::AuctionId;
use sha2::{Digest, Sha256};

use super::SealedError;
use crate::command::{AuctionTerms, Sequenced};
use crate::output::{Message, Output, Reject};
use crate::report::AuctionNotice;
use crate::state::Auction;
use crate::state::Exchange;

impl Exchange {
    pub(super) fn open_auction(
        &mut self,
        cmd: &Sequenced,
        t: &AuctionTerms,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        self.require_operator(cmd.actor)?;
        let m = self.market_of(t.instrument)?;
        let listing = &self.markets[m as usize].listing;
        if !listing.instrument.spec().modes.single_sided_auction {
            return Err(Reject::ModeNotAllowed);
        }
        check_terms(t, cmd.time)?;
        let seller = self.ledger.account(t.seller)?;
        listing.eligibility.check(seller, Side::Sell)?;
        self.check_quotas(t.seller, m, Side::Sell, t.offer.lots())?;
        // The only change that can fail, made last: a refusal leaves everything as it was.
        self.ledger.lock(t.seller, t.instrument, t.offer)?;
        self.add_open(t.seller, m, Side::Sell, i128::from(t.offer.lots()));
        self.next_auction = self.ids.after(self.next_auction);
        let auction_id = AuctionId(self.next_auction);
        self.auctions.insert(
            auction_id,
            Auction {
                market: m,
                terms: *t,
                bids: BTreeMap::new(),
            },
        );
        let balance = self.ledger.holding(t.seller, t.instrument)?;
        out.push(Self::tell(
            t.seller,
            false,
            Message::Holding {
                instrument: t.instrument,
                balance,
            },
        ));
        let notice = notice(auction_id, t);
        out.push(self.public(m, Message::AuctionOpened(notice)));
        out.push(Self::auction_done(cmd, auction_id));
        Ok(())
    }
}

/// The terms on their own: an offer, a window still to come, a reserve under the cap, limits
/// of at least one lot and at most the offer.
fn check_terms(t: &AuctionTerms, now: ecomatch_engine::id::Timestamp) -> Result<(), Reject> {
    if t.offer.is_zero() {
        return Err(BookError::InvalidQuantity.into());
    }
    if t.opens >= t.closes || t.closes <= now {
        return Err(SealedError::BadWindow.into());
    }
    if t.reserve.ticks() == 0 || t.cap.is_some_and(|cap| cap < t.reserve) {
        return Err(SealedError::BadReserve.into());
    }
    for bps in [t.bidder_limit_bps, t.group_limit_bps] {
        if bps == 0 || bps > 10_000 || limit_of(t.offer, bps).is_zero() {
            return Err(SealedError::BadLimit.into());
        }
    }
    Ok(())
}

/// The public notice of an auction's opening: its terms, with the seed replaced by its hash.
pub(crate) fn notice(auction_id: AuctionId, t: &AuctionTerms) -> AuctionNotice {
    AuctionNotice {
        auction_id,
        instrument: t.instrument,
        seller: t.seller,
        offer: t.offer,
        reserve: t.reserve,
        cap: t.cap,
        format: t.format,
        tie_break: t.tie_break,
        bidder_limit: limit_of(t.offer, t.bidder_limit_bps),
        group_limit: limit_of(t.offer, t.group_limit_bps),
        undersubscribed: t.undersubscribed,
        opens: t.opens,
        closes: t.closes,
        seed_hash: Sha256::digest(t.seed).into(),
    }
}
