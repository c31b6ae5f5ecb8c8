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

use std::collections::BTreeMap;

use ecomatch_engine::auction::sealed::{self, Format, TieBreak, Undersubscribed};
use ecomatch_engine::book::Side;
use ecomatch_engine::id::{AccountId, InstrumentId, Timestamp, TradeId};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_risk::fee;

use crate::command::{AuctionTerms, Command, Sequenced};
use crate::output::{Message, Output, Recipient, Reject};
use crate::state::Exchange;

/// The purchase limit per bidder and per affiliation group when the operator gives none:
/// 25 % of the offer (WCI), in basis points.
pub const DEFAULT_LIMIT_BPS: u16 = 2_500;
/// The most open bids one bidder may have in one auction (a bid schedule of up to 100 prices).
pub const MAX_BIDS_PER_BIDDER: usize = 100;

/// An open auction: its terms and its bids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Auction {
    pub(crate) market: u32,
    pub(crate) terms: AuctionTerms,
    /// Open bids by (bidder, bid id), so that one bidder's schedule is one range.
    pub(crate) bids: BTreeMap<(AccountId, u64), OpenBid>,
}

/// An open bid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OpenBid {
    pub(crate) price: Price,
    pub(crate) qty: Qty,
    /// Arrival: the sequence number of the command that entered it, or that last moved it
    /// to the back (a new price or more quantity), as an amended order does.
    pub(crate) seq: u64,
}

impl Auction {
    /// One bidder's open bids, by bid id.
    pub(crate) fn bids_of(&self, bidder: AccountId) -> impl Iterator<Item = (u64, OpenBid)> + '_ {
        self.bids
            .range((bidder, 0)..=(bidder, u64::MAX))
            .map(|(&(_, id), &b)| (id, b))
    }

    /// Every bidder with an open bid, in account order.
    pub(crate) fn bidders(&self) -> Vec<AccountId> {
        let mut v: Vec<AccountId> = self.bids.keys().map(|&(a, _)| a).collect();
        v.dedup();
        v
    }
}

/// An open sealed-bid auction as [`Exchange::sealed_auction`] shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuctionView {
    /// The auction.
    pub id: u64,
    /// Its terms.
    pub terms: AuctionTerms,
    /// Its open bids, by bidder then bid id.
    pub bids: Vec<BidView>,
}

/// One open bid of an [`AuctionView`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BidView {
    /// The bid.
    pub id: u64,
    /// Its bidder.
    pub bidder: AccountId,
    /// Its price.
    pub price: Price,
    /// Its quantity.
    pub qty: Qty,
}

/// Why a sealed-bid auction command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealedError {
    /// No open auction with this id.
    UnknownAuction,
    /// No open bid with this id for this account.
    UnknownBid,
    /// The window has not opened yet.
    NotOpenYet,
    /// The window has closed: no more bids, amendments or withdrawals.
    WindowClosed,
    /// The auction may be closed only at or after its close time.
    StillOpen,
    /// A bid below the reserve price.
    BelowReserve,
    /// A bid above the cap.
    AboveCap,
    /// The seller bids in its own auction.
    SellerBids,
    /// The bidder has the most open bids allowed in this auction.
    BidLimit,
    /// The window is empty or already over.
    BadWindow,
    /// A zero reserve, or a cap below the reserve.
    BadReserve,
    /// A purchase limit of 0 or above 100 %, or one that rounds down to no lot.
    BadLimit,
}

impl SealedError {
    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::UnknownAuction => "UNKNOWN_AUCTION",
            Self::UnknownBid => "UNKNOWN_BID",
            Self::NotOpenYet => "AUCTION_NOT_OPEN",
            Self::WindowClosed => "AUCTION_CLOSED",
            Self::StillOpen => "AUCTION_STILL_OPEN",
            Self::BelowReserve => "BID_BELOW_RESERVE",
            Self::AboveCap => "BID_ABOVE_CAP",
            Self::SellerBids => "AUCTION_SELF",
            Self::BidLimit => "BID_LIMIT",
            Self::BadWindow => "BAD_AUCTION_WINDOW",
            Self::BadReserve => "BAD_RESERVE",
            Self::BadLimit => "BAD_PURCHASE_LIMIT",
        }
    }

    /// A readable message.
    pub const fn message(self) -> &'static str {
        match self {
            Self::UnknownAuction => "no open auction with this id",
            Self::UnknownBid => "no open bid with this id for this account",
            Self::NotOpenYet => "the auction's bidding window has not opened yet",
            Self::WindowClosed => "the auction's bidding window has closed",
            Self::StillOpen => "the auction's bidding window is still open",
            Self::BelowReserve => "the bid is below the reserve price",
            Self::AboveCap => "the bid is above the auction's price cap",
            Self::SellerBids => "the seller may not bid in its own auction",
            Self::BidLimit => "too many open bids in this auction",
            Self::BadWindow => "the window must open before it closes, and close in the future",
            Self::BadReserve => "the reserve must be positive and the cap at or above it",
            Self::BadLimit => {
                "a purchase limit must be above 0 % and at most 100 %, and at least a lot"
            }
        }
    }
}

impl From<SealedError> for Reject {
    fn from(e: SealedError) -> Self {
        Self::Sealed(e)
    }
}

/// The state of a sealed bid, as its bidder is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BidStatus {
    /// Entered.
    New,
    /// Amended.
    Replaced,
    /// Withdrawn (the reason says by whom).
    Withdrawn,
    /// At the close: won in full.
    Won,
    /// At the close: won in part (the clearing price, or a purchase limit).
    PartiallyWon,
    /// At the close: won nothing.
    Lost,
    /// At the close: the auction was canceled; nothing was sold.
    Canceled,
}

impl BidStatus {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Replaced => "replaced",
            Self::Withdrawn => "withdrawn",
            Self::Won => "won",
            Self::PartiallyWon => "partially_won",
            Self::Lost => "lost",
            Self::Canceled => "canceled",
        }
    }
}

/// A report on one sealed bid, to its bidder only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BidReport {
    /// The auction.
    pub auction_id: u64,
    /// The bid.
    pub bid_id: u64,
    /// The instrument.
    pub instrument: InstrumentId,
    /// Its price.
    pub price: Price,
    /// Its quantity.
    pub qty: Qty,
    /// What it won (at the close).
    pub filled: Qty,
    /// Its state.
    pub status: BidStatus,
    /// Why it was withdrawn or canceled.
    pub reason: Option<BidReason>,
    /// The cash now held for all the bidder's bids in this auction.
    pub collateral: Cash,
}

/// Why a bid was withdrawn or canceled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BidReason {
    /// Its bidder withdrew it.
    Requested,
    /// Its bidder's kill switch.
    KillSwitch,
    /// The auction was canceled (undersubscribed, or no eligible bid).
    AuctionCanceled,
}

impl BidReason {
    /// The protocol name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::KillSwitch => "kill_switch",
            Self::AuctionCanceled => "auction_canceled",
        }
    }
}

/// A trade of a sealed-bid auction, to one of its two parties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SealedFill {
    /// The auction.
    pub auction_id: u64,
    /// The instrument.
    pub instrument: InstrumentId,
    /// The trade.
    pub trade_id: TradeId,
    /// The recipient's side: buy (a bidder) or sell (the seller).
    pub side: Side,
    /// The price paid.
    pub price: Price,
    /// Quantity.
    pub qty: Qty,
    /// The recipient's fee.
    pub fee: Cash,
}

/// The public notice of an opening: the terms, with the seed replaced by its hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuctionNotice {
    /// The auction.
    pub auction_id: u64,
    /// The instrument.
    pub instrument: InstrumentId,
    /// The seller.
    pub seller: AccountId,
    /// The quantity offered.
    pub offer: Qty,
    /// The reserve price.
    pub reserve: Price,
    /// The price cap, if any.
    pub cap: Option<Price>,
    /// Uniform price or pay-as-bid.
    pub format: Format,
    /// The tie-break at the clearing price.
    pub tie_break: TieBreak,
    /// The most one bidder may win.
    pub bidder_limit: Qty,
    /// The most one affiliation group may win.
    pub group_limit: Qty,
    /// The policy when the bids do not cover the offer.
    pub undersubscribed: Undersubscribed,
    /// Bids are accepted from.
    pub opens: Timestamp,
    /// Bids are accepted until just before.
    pub closes: Timestamp,
    /// SHA-256 of the seed: the commitment the result's seed must match.
    pub seed_hash: [u8; 32],
}

/// The public result of an auction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuctionResult {
    /// The auction.
    pub auction_id: u64,
    /// The instrument.
    pub instrument: InstrumentId,
    /// Cleared, sold at the reserve, or canceled.
    pub status: sealed::Status,
    /// The clearing price (none when canceled).
    pub clearing_price: Option<Price>,
    /// The quantity sold.
    pub sold: Qty,
    /// The quantity offered.
    pub offer: Qty,
    /// The total quantity bid: bid-to-cover is `total_bid / offer`.
    pub total_bid: Qty,
    /// The number of bidders.
    pub bidders: u32,
    /// The number of bidders who won something.
    pub winners: u32,
    /// The seed, revealed: its SHA-256 is the hash published at the opening.
    pub seed: [u8; 32],
    /// When it closed.
    pub time: Timestamp,
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
    pub fn auction_instrument(&self, auction_id: u64) -> Option<InstrumentId> {
        let a = self.auctions.get(&auction_id)?;
        Some(self.markets[a.market as usize].listing.instrument.spec().id)
    }

    /// The instrument of an open bid of `owner` (`None` for anyone else's bid).
    pub fn bid_instrument(&self, bid_id: u64, owner: AccountId) -> Option<InstrumentId> {
        let &(auction_id, bidder) = self.bid_index.get(&bid_id)?;
        (bidder == owner).then(|| self.auction_instrument(auction_id))?
    }

    /// The ids of the open auctions, in order.
    pub fn open_auctions(&self) -> impl Iterator<Item = u64> + '_ {
        self.auctions.keys().copied()
    }

    /// An open auction with its terms and its bids, for tools and tests that recompute what
    /// it holds (bids are never public before the close).
    pub fn sealed_auction(&self, auction_id: u64) -> Option<AuctionView> {
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
    pub(crate) fn auction_done(cmd: &Sequenced, auction_id: u64) -> Output {
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
