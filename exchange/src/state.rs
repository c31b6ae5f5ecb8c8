//! The exchange's state: the markets (instrument + book), the ledger, open orders with the
//! holds that back them, quota usage, and the counters. Built from a [`Genesis`].

use std::collections::BTreeMap;
use std::sync::Arc;

use ecomatch_engine::auction::Depth;
use ecomatch_engine::book::{Event, OrderBook, Side, Tif};
use ecomatch_engine::id::{
    AccountId, AuctionId, BidId, BlockId, InstrumentId, OrderId, PledgeId, Seq, Timestamp,
};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_risk::account::AccountKind;
use ecomatch_risk::gate::{GepRecord, Usage};
use ecomatch_risk::ledger::Ledger;
use rustc_hash::FxHashMap;

use crate::catalog::Catalog;
use crate::command::{AuctionTerms, ClientOrderId, Sequenced};
pub use crate::genesis::{Genesis, GenesisError, Listing};
use crate::ids::IdSpace;
use crate::reject::Reject;
use crate::report::PledgeStatus;

/// A listed instrument with its book.
#[derive(Clone, Debug)]
pub(crate) struct Market {
    pub(crate) listing: Listing,
    pub(crate) book: OrderBook,
    /// Orders collected during a call phase, by id: in arrival order (empty otherwise).
    pub(crate) call: BTreeMap<OrderId, CallEntry>,
    /// During a call phase, the depth of every order taking part (collected and resting), kept
    /// up to date for the indicative price; derived, so neither hashed nor snapshotted.
    pub(crate) depth: Option<Depth>,
}

/// An open order, with what backs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OpenOrder {
    pub(crate) account: AccountId,
    pub(crate) market: u32,
    pub(crate) side: Side,
    pub(crate) price: Price,
    /// Total quantity: filled + open.
    pub(crate) qty: Qty,
    pub(crate) filled: Qty,
    /// For buys: cash held per open lot (price + the most fee a lot can cost), in fen.
    pub(crate) per_lot_hold: u64,
    pub(crate) client_order_id: Option<ClientOrderId>,
}

/// An open order as a query shows it to its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenOrderView {
    /// The order id.
    pub id: OrderId,
    /// Its instrument.
    pub instrument: InstrumentId,
    /// Its side.
    pub side: Side,
    /// Its limit (for a market order, the band's edge it was held at).
    pub price: Price,
    /// Total quantity: filled + open.
    pub qty: Qty,
    /// Filled so far.
    pub filled: Qty,
    /// The owner's own id for it, if given.
    pub client_order_id: Option<ClientOrderId>,
}

impl OpenOrder {
    pub(crate) fn leaves(&self) -> Qty {
        self.qty
            .checked_sub(self.filled)
            .expect("filled within qty")
    }
}

/// An order collected during a call phase (its holds and details are in the open orders).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CallEntry {
    pub(crate) id: OrderId,
    /// The limit; `None` for a market order.
    pub(crate) limit: Option<Price>,
    pub(crate) tif: Tif,
}

/// An open proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    pub(crate) market: u32,
    pub(crate) proposer: AccountId,
    pub(crate) counterparty: AccountId,
    /// The proposer's side.
    pub(crate) side: Side,
    pub(crate) price: Price,
    pub(crate) qty: Qty,
    pub(crate) expires: Timestamp,
}

impl Block {
    pub(crate) fn buyer_seller(&self) -> (AccountId, AccountId) {
        match self.side {
            Side::Buy => (self.proposer, self.counterparty),
            Side::Sell => (self.counterparty, self.proposer),
        }
    }
}

/// An open auction: its terms and its bids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Auction {
    pub(crate) market: u32,
    pub(crate) terms: AuctionTerms,
    /// Open bids by (bidder, bid id), so that one bidder's schedule is one range.
    pub(crate) bids: BTreeMap<(AccountId, BidId), OpenBid>,
}

/// A pledge in the register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pledge {
    /// Whose lots.
    pub pledgor: AccountId,
    /// The bank or guarantee company it secures.
    pub pledgee: AccountId,
    /// The market of the instrument pledged.
    pub market: u32,
    /// The instrument pledged.
    pub instrument: InstrumentId,
    /// The lots under the pledge now (pledged, or offered in its disposal).
    pub qty: Qty,
    /// What is still secured (CNY): the loan's amount less what disposals have paid.
    pub secured: Cash,
    /// When the loan falls due: enforcement is possible from then on.
    pub maturity: Timestamp,
    /// Where it stands.
    pub status: PledgeStatus,
    /// The disposal auction while one is open.
    pub auction: Option<AuctionId>,
    /// What disposals have paid the pledgee so far.
    pub recovered: Cash,
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
    pub(crate) fn bids_of(&self, bidder: AccountId) -> impl Iterator<Item = (BidId, OpenBid)> + '_ {
        self.bids
            .range((bidder, BidId(0))..=(bidder, BidId(u64::MAX)))
            .map(|(&(_, id), &b)| (id, b))
    }

    /// Every bidder with an open bid, in account order.
    pub(crate) fn bidders(&self) -> Vec<AccountId> {
        let mut v: Vec<AccountId> = self.bids.keys().map(|&(a, _)| a).collect();
        v.dedup();
        v
    }
}

/// The exchange core: a deterministic state machine of [`Sequenced`] commands.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub(crate) markets: Vec<Market>,
    pub(crate) by_id: BTreeMap<InstrumentId, u32>,
    pub(crate) ledger: Ledger,
    pub(crate) fee_account: AccountId,
    pub(crate) orders: FxHashMap<OrderId, OpenOrder>,
    pub(crate) usage: FxHashMap<(AccountId, u32), Usage>,
    pub(crate) gep: BTreeMap<(AccountId, u32), GepRecord>,
    pub(crate) needs: BTreeMap<(AccountId, u32), u64>,
    pub(crate) next_order: u64,
    pub(crate) next_trade: u64,
    pub(crate) last_seq: Seq,
    /// Per market: the public sequence number of its last public message.
    pub(crate) public_seq: Vec<u64>,
    /// Open block trade proposals, by id.
    pub(crate) blocks: BTreeMap<BlockId, Block>,
    /// The id of the last block proposal.
    pub(crate) next_block: u64,
    /// Open sealed-bid auctions, by id.
    pub(crate) auctions: BTreeMap<AuctionId, Auction>,
    /// Every open sealed bid: its auction and bidder (derived from `auctions`).
    pub(crate) bid_index: BTreeMap<BidId, (AuctionId, AccountId)>,
    /// The id of the last sealed-bid auction.
    pub(crate) next_auction: u64,
    /// The id of the last sealed bid.
    pub(crate) next_bid: u64,
    /// The pledge register, by id (kept after a pledge ends, as a register is).
    pub(crate) pledges: BTreeMap<PledgeId, Pledge>,
    /// The id of the last pledge.
    pub(crate) next_pledge: u64,
    /// Open disposal auctions: the pledge each disposes of.
    pub(crate) disposals: BTreeMap<AuctionId, PledgeId>,
    /// How ids are numbered (interleaved with the other shards').
    pub(crate) ids: IdSpace,
    /// Scratch buffer for book events, reused by every command.
    pub(crate) events: Vec<Event>,
    /// What the genesis fixed for good, shared with every thread that names or formats.
    pub(crate) catalog: Arc<Catalog>,
}

impl Exchange {
    /// Builds the exchange from a genesis, applying its opening commands.
    pub fn new(genesis: Genesis) -> Result<Self, GenesisError> {
        let catalog = Arc::new(Catalog::of(&genesis));
        let mut by_id = BTreeMap::new();
        let mut markets = Vec::with_capacity(genesis.listings.len());
        for (i, listing) in genesis.listings.into_iter().enumerate() {
            let id = listing.instrument.spec().id;
            if by_id.insert(id, i as u32).is_some() {
                return Err(GenesisError::DuplicateInstrument(id));
            }
            if listing.fee_bps > ecomatch_risk::fee::MAX_BPS {
                return Err(GenesisError::Fee(id));
            }
            let book = OrderBook::for_instrument(&listing.instrument);
            markets.push(Market {
                listing,
                book,
                call: BTreeMap::new(),
                depth: None,
            });
        }
        let n_markets = markets.len();
        let mut ledger = Ledger::new();
        for account in genesis.accounts {
            if ledger.find(&account.name).is_some() {
                return Err(GenesisError::DuplicateAccount(account.name));
            }
            ledger.open(account);
        }
        let fee_ok = ledger
            .account(genesis.fee_account)
            .is_ok_and(|a| a.kind == AccountKind::Operator);
        if !fee_ok {
            return Err(GenesisError::FeeAccount);
        }
        let mut ex = Self {
            markets,
            by_id,
            ledger,
            fee_account: genesis.fee_account,
            orders: FxHashMap::default(),
            usage: FxHashMap::default(),
            gep: BTreeMap::new(),
            needs: BTreeMap::new(),
            next_order: 0,
            next_trade: 0,
            last_seq: Seq(0),
            public_seq: vec![0; n_markets],
            blocks: BTreeMap::new(),
            next_block: 0,
            auctions: BTreeMap::new(),
            bid_index: BTreeMap::new(),
            next_auction: 0,
            next_bid: 0,
            pledges: BTreeMap::new(),
            next_pledge: 0,
            disposals: BTreeMap::new(),
            ids: IdSpace::WHOLE,
            events: Vec::with_capacity(1024),
            catalog,
        };
        let mut out = Vec::new();
        for (index, command) in genesis.opening.iter().enumerate() {
            let cmd = Sequenced {
                seq: Seq(0),
                time: Timestamp(0),
                actor: genesis.fee_account,
                command: *command,
            };
            ex.execute(&cmd, &mut out)
                .map_err(|reject| GenesisError::Opening { index, reject })?;
        }
        Ok(ex)
    }

    /// The catalogue of what this exchange lists and who trades: fixed since its genesis.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// The ledger (accounts and balances).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The book of an instrument.
    pub fn book(&self, instrument: InstrumentId) -> Option<&OrderBook> {
        self.by_id
            .get(&instrument)
            .map(|&m| &self.markets[m as usize].book)
    }

    /// A listing.
    pub fn listing(&self, instrument: InstrumentId) -> Option<&Listing> {
        self.by_id
            .get(&instrument)
            .map(|&m| &self.markets[m as usize].listing)
    }

    /// Every listing, in listing order.
    pub fn listings(&self) -> impl Iterator<Item = &Listing> {
        self.markets.iter().map(|m| &m.listing)
    }

    /// The fee account.
    pub fn fee_account(&self) -> AccountId {
        self.fee_account
    }

    /// The sequence number of the last command applied.
    pub fn last_seq(&self) -> Seq {
        self.last_seq
    }

    /// A county's GEP record for a GEP instrument.
    pub fn gep_record(&self, account: AccountId, instrument: InstrumentId) -> Option<GepRecord> {
        let m = *self.by_id.get(&instrument)?;
        self.gep.get(&(account, m)).copied()
    }

    /// What an account has bought, sold and has open in an instrument.
    pub fn usage(&self, account: AccountId, instrument: InstrumentId) -> Usage {
        self.by_id
            .get(&instrument)
            .and_then(|&m| self.usage.get(&(account, m)).copied())
            .unwrap_or_default()
    }

    /// The instrument of an open order of `owner` (`None` for anyone else's order).
    pub fn order_instrument(&self, order_id: OrderId, owner: AccountId) -> Option<InstrumentId> {
        let o = self.orders.get(&order_id).filter(|o| o.account == owner)?;
        Some(self.markets[o.market as usize].listing.instrument.spec().id)
    }

    /// The open orders of an account (resting and collected for a call auction), in id
    /// order, so that a cancel-on-disconnect sweep is deterministic.
    pub fn open_orders_of(&self, owner: AccountId) -> Vec<OrderId> {
        let mut ids: Vec<OrderId> = self
            .orders
            .iter()
            .filter(|(_, o)| o.account == owner)
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The open orders of an account (resting, or collected for a call auction), in id order:
    /// what `get_orders` answers.
    pub fn open_orders(&self, owner: AccountId) -> Vec<OpenOrderView> {
        let mut v: Vec<OpenOrderView> = self
            .orders
            .iter()
            .filter(|(_, o)| o.account == owner)
            .map(|(&id, o)| OpenOrderView {
                id,
                instrument: self.markets[o.market as usize].listing.instrument.spec().id,
                side: o.side,
                price: o.price,
                qty: o.qty,
                filled: o.filled,
                client_order_id: o.client_order_id,
            })
            .collect();
        v.sort_unstable_by_key(|o| o.id);
        v
    }

    /// The public sequence number of an instrument's last public message (0 before the first).
    pub fn public_seq(&self, instrument: InstrumentId) -> Option<u64> {
        let m = *self.by_id.get(&instrument)?;
        Some(self.public_seq[m as usize])
    }

    /// The account that owns an open order.
    pub fn order_owner(&self, order_id: OrderId) -> Option<AccountId> {
        self.orders.get(&order_id).map(|o| o.account)
    }

    pub(crate) fn market_of(&self, instrument: InstrumentId) -> Result<u32, Reject> {
        self.by_id
            .get(&instrument)
            .copied()
            .ok_or(Reject::UnknownInstrument(instrument))
    }

    pub(crate) fn require_operator(&self, actor: AccountId) -> Result<(), Reject> {
        match self.ledger.account(actor) {
            Ok(a) if a.kind == AccountKind::Operator => Ok(()),
            Ok(_) => Err(Reject::NotAuthorized),
            Err(_) => Err(Reject::UnknownAccount(actor)),
        }
    }

    /// Cash held per lot of a buy at `price`: the price plus the fee on one lot, rounded up, so
    /// that the fees of any split of the order into fills never exceed what is held.
    pub(crate) fn per_lot_hold(&self, market: u32, price: Price) -> Option<u64> {
        let l = &self.markets[market as usize].listing;
        ecomatch_risk::fee::per_lot_hold(price, l.instrument.cash_per_tick_lot(), l.fee_bps)
            .map(ecomatch_engine::quantity::Cash::fen)
    }
}

impl Exchange {
    /// Opens every book for continuous trading (the start of a demo day).
    pub fn open_all_markets(&mut self) {
        for m in &mut self.markets {
            m.book
                .set_phase(ecomatch_engine::book::Phase::Continuous, &mut Vec::new());
        }
    }
}
