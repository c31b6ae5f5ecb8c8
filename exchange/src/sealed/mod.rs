//! Single-sided sealed-bid auctions (单向竞价) in the exchange: an operator opens an auction of
//! a seller's quantity (a government reserve, a cooperative, an enterprise), which is held
//! from then on; buyers bid sealed (price, quantity) pairs inside the window, passing the
//! pre-trade gate like orders, with cash held by the WCI rule; at the close the operator has
//! the auction cleared by [`ecomatch_engine::auction::sealed::clear`], every allocation settles
//! delivery versus payment through the exchange's one settlement path, the holds are
//! released and the unsold quantity returns to the seller.
//!
//! - Who opens: the operator only, naming the seller. The platform (the municipal operator)
//!   sets the reserve, limits and window and holds the seed; a seller knowing the seed before
//!   the close could steer a tie through an affiliate.
//! - Sealed: no public message mentions a bid before the result. Each bid is acknowledged to
//!   its bidder only; the public sees the opening (terms and the SHA-256 of the seed), then the
//!   trades, the allocations per bidder and the result (with the seed) at the close.
//! - Collateral: a bidder's held cash for an auction is recomputed from all its bids in it on
//!   every change (only the difference is held or released): the WCI rule for a uniform price
//!   (max over its prices p of p × its quantity bid at ≥ p), the sum of the bids' values for
//!   pay-as-bid, where the WCI rule would not cover what the bids can cost; plus the fee on it.
//! - Bids count as open buys for the quotas (need caps, holding limits, GEP shortfalls), and
//!   the offer as an open sell of the seller.
//! - Settlement: a uniform-price winner gets one trade at the clearing price for all it won; a
//!   pay-as-bid winner one trade per winning bid at its price. Trades are in account order,
//!   then bid order.

mod bid;
mod close;
mod open;

pub(crate) use open::notice;

use ecomatch_engine::auction::sealed::{self, Format};
use ecomatch_engine::id::{AccountId, AuctionId, BidId, InstrumentId};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_risk::fee;

use crate::command::{AuctionTerms, Command, Sequenced};
use crate::output::{Message, Output, Recipient, Reject};
pub use crate::reject::SealedError;
use crate::report::AuctionNotice;
pub use crate::report::{BidReason, BidReport, BidStatus, SealedFill};
use crate::state::{Auction, Exchange};

/// The purchase limit per bidder and per affiliation group when the operator gives none:
/// 25 % of the offer (WCI), in basis points.
pub const DEFAULT_LIMIT_BPS: u16 = 2_500;
/// The most open bids one bidder may have in one auction (a bid schedule of up to 100 prices).
pub const MAX_BIDS_PER_BIDDER: usize = 100;

/// An open sealed-bid auction as [`Exchange::sealed_auction`] shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuctionView {
    /// The auction.
    pub id: AuctionId,
    /// Its terms.
    pub terms: AuctionTerms,
    /// Its open bids, by bidder then bid id.
    pub bids: Vec<BidView>,
}

/// One open bid of an [`AuctionView`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BidView {
    /// The bid.
    pub id: BidId,
    /// Its bidder.
    pub bidder: AccountId,
    /// Its price.
    pub price: Price,
    /// Its quantity.
    pub qty: Qty,
}

impl From<SealedError> for Reject {
    fn from(e: SealedError) -> Self {
        Self::Sealed(e)
    }
}

impl Exchange {
    /// Applies a sealed-bid auction command.
    pub(crate) fn sealed_command(
        &mut self,
        cmd: &Sequenced,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        match cmd.command {
            Command::OpenSealedAuction(terms) => self.open_auction(cmd, &terms, out),
            Command::SealedBid {
                auction_id,
                price,
                qty,
            } => self.enter_bid(cmd, auction_id, price, qty, out),
            Command::AmendBid { bid_id, price, qty } => {
                self.amend_bid(cmd, bid_id, price, qty, out)
            }
            Command::WithdrawBid { bid_id } => self.withdraw_bid(cmd, bid_id, out),
            Command::CloseSealedAuction { auction_id } => self.close_auction(cmd, auction_id, out),
            _ => unreachable!("only sealed-bid auction commands come here"),
        }
    }

    /// The instrument of an open auction.
    pub fn auction_instrument(&self, auction_id: AuctionId) -> Option<InstrumentId> {
        let a = self.auctions.get(&auction_id)?;
        Some(self.markets[a.market as usize].listing.instrument.spec().id)
    }

    /// The instrument of an open bid of `owner` (`None` for anyone else's bid).
    pub fn bid_instrument(&self, bid_id: BidId, owner: AccountId) -> Option<InstrumentId> {
        let &(auction_id, bidder) = self.bid_index.get(&bid_id)?;
        (bidder == owner).then(|| self.auction_instrument(auction_id))?
    }

    /// The ids of the open auctions, in order.
    pub fn open_auctions(&self) -> impl Iterator<Item = AuctionId> + '_ {
        self.auctions.keys().copied()
    }

    /// The public notices of the open auctions, in id order: what a market data snapshot
    /// lists as open.
    pub fn open_auction_notices(&self) -> impl Iterator<Item = AuctionNotice> + '_ {
        self.auctions
            .iter()
            .map(|(&id, a)| open::notice(id, &a.terms))
    }

    /// An open auction with its terms and its bids, for tools and tests that recompute what
    /// it holds (bids are never public before the close).
    pub fn sealed_auction(&self, auction_id: AuctionId) -> Option<AuctionView> {
        let a = self.auctions.get(&auction_id)?;
        Some(AuctionView {
            id: auction_id,
            terms: a.terms,
            bids: a
                .bids
                .iter()
                .map(|(&(bidder, id), b)| BidView {
                    id,
                    bidder,
                    price: b.price,
                    qty: b.qty,
                })
                .collect(),
        })
    }

    /// The cash to hold for bids of one bidder in an auction of market `m` under `format`:
    /// the most they can cost (see the module documentation) plus the fee on it, rounded up
    /// per trade as settlement charges it; `None` on overflow.
    pub(crate) fn required_collateral(
        &self,
        m: u32,
        format: Format,
        bids: impl IntoIterator<Item = (Price, Qty)>,
    ) -> Option<Cash> {
        let listing = &self.markets[m as usize].listing;
        let with_fee =
            |n| fee::notional_with_fee(n, listing.instrument.cash_per_tick_lot(), listing.fee_bps);
        match format {
            // One trade per bidder, at most the WCI figure: the fee on it is the most it pays.
            Format::Uniform => with_fee(sealed::wci_collateral(bids)?),
            // One trade per bid, each at most the bid's value and its own rounded-up fee.
            Format::PayAsBid => bids.into_iter().try_fold(Cash::ZERO, |sum, (p, q)| {
                sum.checked_add(with_fee(p.checked_mul(q)?)?)
            }),
        }
    }

    /// What an auction's bidder holds now for its bids.
    pub(crate) fn held_collateral(&self, a: &Auction, bidder: AccountId) -> Cash {
        self.required_collateral(
            a.market,
            a.terms.format,
            a.bids_of(bidder).map(|(_, b)| (b.price, b.qty)),
        )
        .expect("the collateral of open bids was held, so it fits")
    }

    /// The open bids of `bidder` in every open auction, each as its report would read now, with
    /// the collateral its auction holds: what `get_bids` answers.
    pub fn open_bids_of(&self, bidder: AccountId) -> Vec<BidReport> {
        let mut out = Vec::new();
        for (&auction_id, a) in &self.auctions {
            if a.bids_of(bidder).next().is_none() {
                continue;
            }
            let collateral = self.held_collateral(a, bidder);
            for (bid_id, b) in a.bids_of(bidder) {
                out.push(BidReport {
                    auction_id,
                    bid_id,
                    instrument: a.terms.instrument,
                    price: b.price,
                    qty: b.qty,
                    filled: Qty::ZERO,
                    status: BidStatus::New,
                    reason: None,
                    collateral,
                });
            }
        }
        out
    }

    /// A private message to one account.
    pub(crate) fn tell(to: AccountId, reply: bool, msg: Message) -> Output {
        Output {
            to: Recipient::Account(to),
            reply,
            seq: 0,
            msg,
        }
    }

    /// The operator's `done` for an auction it opened or closed.
    pub(crate) fn auction_done(cmd: &Sequenced, auction_id: AuctionId) -> Output {
        Self::tell(
            cmd.actor,
            true,
            Message::AuctionDone {
                command: cmd.command.name(),
                auction_id,
            },
        )
    }
}
