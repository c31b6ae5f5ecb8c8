//! Commands: everything that can change the exchange's state, as the sequencer logs them.

use core::fmt;

use ecomatch_engine::auction::sealed::{Format, TieBreak, Undersubscribed};
use ecomatch_engine::book::{Phase, Side, Stp, Tif};
use ecomatch_engine::id::{
    AccountId, AuctionId, BidId, BlockId, InstrumentId, OrderId, PledgeId, Seq, Timestamp,
};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_risk::account::AccountStatus;
use ecomatch_risk::gate::GepRecord;

/// The longest client order id, in bytes.
pub const CLIENT_ORDER_ID_MAX: usize = 36;

/// A client's own id for an order (e.g. a UUID): 1 to 36 printable ASCII bytes, stored inline.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientOrderId {
    len: u8,
    bytes: [u8; CLIENT_ORDER_ID_MAX],
}

impl ClientOrderId {
    /// Validates a client order id; `None` if empty, too long or not printable ASCII.
    pub fn new(s: &str) -> Option<Self> {
        let raw = s.as_bytes();
        if raw.is_empty()
            || raw.len() > CLIENT_ORDER_ID_MAX
            || !raw.iter().all(u8::is_ascii_graphic)
        {
            return None;
        }
        let mut bytes = [0u8; CLIENT_ORDER_ID_MAX];
        bytes[..raw.len()].copy_from_slice(raw);
        Some(Self {
            len: raw.len() as u8,
            bytes,
        })
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Debug for ClientOrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientOrderId({})", self.as_str())
    }
}

/// A new order as a participant asks for it, in the instrument's ticks and lots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderRequest {
    /// The instrument.
    pub instrument: InstrumentId,
    /// Buy or sell.
    pub side: Side,
    /// Limit price; `None` for a market order.
    pub price: Option<Price>,
    /// Quantity.
    pub qty: Qty,
    /// Time in force.
    pub tif: Tif,
    /// Post-only.
    pub post_only: bool,
    /// Self-trade prevention; `None` takes the account's default (cancel newest).
    pub stp: Option<Stp>,
    /// The client's own id, echoed in every report of the order.
    pub client_order_id: Option<ClientOrderId>,
}

/// The terms of a single-sided sealed-bid auction, as an operator opens it. The seed is part of
/// the command (and so of the log, which only the operator reads); the exchange publishes its
/// SHA-256 at the opening and the seed itself with the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuctionTerms {
    /// The instrument sold.
    pub instrument: InstrumentId,
    /// The account selling (a reserve, a cooperative, an enterprise): it must hold the offer.
    pub seller: AccountId,
    /// The quantity offered.
    pub offer: Qty,
    /// The lowest acceptable bid price.
    pub reserve: Price,
    /// The highest acceptable bid price, if any.
    pub cap: Option<Price>,
    /// Uniform price or pay-as-bid.
    pub format: Format,
    /// How the bids at the clearing price share the rest.
    pub tie_break: TieBreak,
    /// The most one bidder may win, in basis points of the offer (rounded down to lots).
    pub bidder_limit_bps: u16,
    /// The most one affiliation group may win together, in basis points of the offer.
    pub group_limit_bps: u16,
    /// What happens when the bids do not cover the offer.
    pub undersubscribed: Undersubscribed,
    /// Bids are accepted from this time on.
    pub opens: Timestamp,
    /// Bids are accepted, amended and withdrawn until just before this time; the operator
    /// closes the auction at or after it.
    pub closes: Timestamp,
    /// The seed of the tie-break draw.
    pub seed: [u8; 32],
}

/// Everything that can change the exchange. Operator commands are refused from other accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Enter an order.
    NewOrder(OrderRequest),
    /// Cancel one of the actor's orders.
    CancelOrder {
        /// The order.
        order_id: OrderId,
    },
    /// Amend one of the actor's orders (price and/or total quantity).
    AmendOrder {
        /// The order.
        order_id: OrderId,
        /// New limit price.
        price: Option<Price>,
        /// New total quantity (filled + open).
        qty: Option<Qty>,
    },
    /// Operator: credit cash.
    Deposit {
        /// The account credited.
        account: AccountId,
        /// The amount.
        amount: Cash,
    },
    /// Operator: debit available cash.
    Withdraw {
        /// The account debited.
        account: AccountId,
        /// The amount.
        amount: Cash,
    },
    /// Operator: issue lots into an account (registry).
    Issue {
        /// The account credited.
        account: AccountId,
        /// The instrument.
        instrument: InstrumentId,
        /// Lots issued.
        qty: Qty,
    },
    /// Retire available lots (the holder, e.g. an offset used, or an operator).
    Retire {
        /// The holder.
        account: AccountId,
        /// The instrument.
        instrument: InstrumentId,
        /// Lots retired.
        qty: Qty,
    },
    /// Operator: record a county's verified GEP target and achievement for an instrument's year.
    SetGep {
        /// The county government.
        account: AccountId,
        /// The GEP instrument (its year and municipality).
        instrument: InstrumentId,
        /// Target and achievement, in the instrument's lots.
        record: GepRecord,
    },
    /// Operator: record an enterprise's approved requirement (need cap) for an instrument.
    SetNeed {
        /// The enterprise.
        account: AccountId,
        /// The instrument.
        instrument: InstrumentId,
        /// Approved quantity.
        qty: Qty,
    },
    /// Operator: set the reference price (and so the band).
    SetReferencePrice {
        /// The instrument.
        instrument: InstrumentId,
        /// The new reference.
        price: Price,
    },
    /// Operator: change the trading phase; closing expires DAY orders.
    SetPhase {
        /// The instrument.
        instrument: InstrumentId,
        /// The new phase.
        phase: Phase,
    },
    /// Operator: suspend or reactivate an account (a killed account can be reactivated too).
    SetAccountStatus {
        /// The account.
        account: AccountId,
        /// Active or suspended.
        status: AccountStatus,
    },
    /// Operator: kill switch: cancel every open order of the account and refuse new ones.
    Kill {
        /// The account.
        account: AccountId,
    },
    /// Operator: cancel anyone's order.
    OperatorCancel {
        /// The order.
        order_id: OrderId,
    },
    /// Propose a negotiated block trade to a counterparty, at or above the instrument's block
    /// threshold and within ±30 % of its reference price; it may be accepted until `expires`.
    ProposeBlock {
        /// The instrument.
        instrument: InstrumentId,
        /// The account the proposal is addressed to.
        counterparty: AccountId,
        /// The proposer's side.
        side: Side,
        /// The agreed price.
        price: Price,
        /// The agreed quantity.
        qty: Qty,
        /// The last moment the proposal may be accepted.
        expires: Timestamp,
    },
    /// The counterparty accepts a proposal: both sides are checked and it settles at once.
    AcceptBlock {
        /// The proposal.
        block_id: BlockId,
    },
    /// The counterparty declines a proposal, or the proposer withdraws it.
    DeclineBlock {
        /// The proposal.
        block_id: BlockId,
    },
    /// Operator: open a sealed-bid auction of a seller's quantity, which is held from now on.
    OpenSealedAuction(AuctionTerms),
    /// A sealed bid in an open auction: quantity wanted at this price or below.
    SealedBid {
        /// The auction.
        auction_id: AuctionId,
        /// The bid price.
        price: Price,
        /// The quantity.
        qty: Qty,
    },
    /// Change one of the actor's bids while the window is open.
    AmendBid {
        /// The bid.
        bid_id: BidId,
        /// New price.
        price: Option<Price>,
        /// New quantity.
        qty: Option<Qty>,
    },
    /// Withdraw one of the actor's bids while the window is open.
    WithdrawBid {
        /// The bid.
        bid_id: BidId,
    },
    /// Operator: close an auction at or after its close time: clear, settle, release.
    CloseSealedAuction {
        /// The auction.
        auction_id: AuctionId,
    },
    /// The pledgor pledges available lots to a pledgee as security for a loan.
    RegisterPledge {
        /// The bank or guarantee company.
        pledgee: AccountId,
        /// The instrument.
        instrument: InstrumentId,
        /// The lots pledged.
        qty: Qty,
        /// The loan's amount the pledge secures.
        secured: Cash,
        /// When the loan falls due.
        maturity: Timestamp,
    },
    /// The pledgee confirms a pending pledge.
    ConfirmPledge {
        /// The pledge.
        pledge_id: PledgeId,
    },
    /// The pledgee declines a pending pledge, or the pledgor withdraws it.
    DeclinePledge {
        /// The pledge.
        pledge_id: PledgeId,
    },
    /// The pledgee releases lots of an active pledge.
    ReleasePledge {
        /// The pledge.
        pledge_id: PledgeId,
        /// The lots released.
        qty: Qty,
    },
    /// The pledgee (or an operator) enforces a matured pledge: a disposal auction opens.
    EnforcePledge {
        /// The pledge.
        pledge_id: PledgeId,
        /// The disposal's reserve price.
        reserve: Price,
        /// When its bidding window closes.
        closes: Timestamp,
    },
    /// The pledgee (or an operator) withdraws an open enforcement: the auction is canceled.
    WithdrawEnforcement {
        /// The pledge.
        pledge_id: PledgeId,
    },
}

impl Command {
    /// The instrument the command names, if it names one.
    pub const fn instrument(&self) -> Option<InstrumentId> {
        match self {
            Self::NewOrder(r) => Some(r.instrument),
            Self::Issue { instrument, .. }
            | Self::Retire { instrument, .. }
            | Self::SetGep { instrument, .. }
            | Self::SetNeed { instrument, .. }
            | Self::SetReferencePrice { instrument, .. }
            | Self::SetPhase { instrument, .. }
            | Self::ProposeBlock { instrument, .. }
            | Self::RegisterPledge { instrument, .. } => Some(*instrument),
            Self::OpenSealedAuction(t) => Some(t.instrument),
            _ => None,
        }
    }

    /// The protocol name of the command.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::NewOrder(_) => "new_order",
            Self::CancelOrder { .. } => "cancel_order",
            Self::AmendOrder { .. } => "amend_order",
            Self::Deposit { .. } => "deposit",
            Self::Withdraw { .. } => "withdraw",
            Self::Issue { .. } => "issue",
            Self::Retire { .. } => "retire",
            Self::SetGep { .. } => "set_gep",
            Self::SetNeed { .. } => "set_need",
            Self::SetReferencePrice { .. } => "set_reference_price",
            Self::SetPhase { .. } => "set_phase",
            Self::SetAccountStatus { .. } => "set_account_status",
            Self::Kill { .. } => "kill",
            Self::OperatorCancel { .. } => "operator_cancel",
            Self::ProposeBlock { .. } => "propose_block",
            Self::AcceptBlock { .. } => "accept_block",
            Self::DeclineBlock { .. } => "decline_block",
            Self::OpenSealedAuction(_) => "open_sealed_auction",
            Self::SealedBid { .. } => "sealed_bid",
            Self::AmendBid { .. } => "amend_bid",
            Self::WithdrawBid { .. } => "withdraw_bid",
            Self::CloseSealedAuction { .. } => "close_sealed_auction",
            Self::RegisterPledge { .. } => "register_pledge",
            Self::ConfirmPledge { .. } => "confirm_pledge",
            Self::DeclinePledge { .. } => "decline_pledge",
            Self::ReleasePledge { .. } => "release_pledge",
            Self::EnforcePledge { .. } => "enforce_pledge",
            Self::WithdrawEnforcement { .. } => "withdraw_enforcement",
        }
    }
}

/// A command with its place in the log: sequence, time and acting account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sequenced {
    /// Gap-free sequence number.
    pub seq: Seq,
    /// The time the sequencer gave it.
    pub time: Timestamp,
    /// The account that sent it.
    pub actor: AccountId,
    /// What it asks.
    pub command: Command,
}
