//! Answers to queries (`get_book`, `get_account`, `get_accounts`, `get_orders`, `get_gep`),
//! read from the exchange's state
//! as integers: the core thread only copies what it holds, and the publisher (or the script)
//! turns the answer into a message with the catalogue's formatter.

use ecomatch_engine::book::{Phase, Side};
use ecomatch_engine::id::{AccountId, InstrumentId};
use ecomatch_engine::quantity::{Price, Qty};
use ecomatch_exchange::Exchange;
use ecomatch_exchange::state::OpenOrderView;
use ecomatch_risk::account::AccountStatus;
use ecomatch_risk::gate::{GepRecord, Usage};
use ecomatch_risk::ledger::{CashBalance, LotBalance};

use super::request::Query;

/// An instrument's book, best levels first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BookView {
    /// The instrument.
    pub instrument: InstrumentId,
    /// Its phase.
    pub phase: Phase,
    /// Bid levels, best first.
    pub bids: Vec<(Price, Qty)>,
    /// Ask levels, best first.
    pub asks: Vec<(Price, Qty)>,
}

/// One shard's part of an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubAccount {
    /// The shard.
    pub shard: u32,
    /// The account's status there.
    pub status: AccountStatus,
    /// Its cash there.
    pub cash: CashBalance,
}

/// An account's status, cash and holdings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountView {
    /// The account.
    pub account: AccountId,
    /// Its status.
    pub status: AccountStatus,
    /// Its cash.
    pub cash: CashBalance,
    /// Every instrument it holds lots of, in market order, with its pledged lots.
    pub holdings: Vec<(InstrumentId, LotBalance, Qty)>,
    /// In a sharded market, each shard's part (the fields above are then their sum).
    pub sub_accounts: Option<Vec<SubAccount>>,
}

/// One county's record and trading of a GEP indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountyView {
    /// The county's account.
    pub account: AccountId,
    /// Its verified target and achievement.
    pub record: GepRecord,
    /// What it has bought, sold and has open.
    pub usage: Usage,
}

/// Every county with a record of a GEP indicator, in account order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GepView {
    /// The indicator.
    pub instrument: InstrumentId,
    /// The counties.
    pub counties: Vec<CountyView>,
}

/// A query's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `get_book`.
    Book(BookView),
    /// `get_account`.
    Account(AccountView),
    /// `get_gep`.
    Gep(GepView),
    /// `get_accounts` (operators): every account, in account order.
    Accounts(Vec<AccountView>),
    /// `get_orders`: the sender's open orders, in id order.
    Orders(Vec<OpenOrderView>),
    /// `get_permissions`: per instrument of the shard, whether the sender's kind and place let
    /// it buy and sell (the gate's eligibility rule, whatever its status).
    Permissions(Vec<(InstrumentId, bool, bool)>),
    /// `get_bids`: the sender's open sealed bids, by auction then bid.
    Bids(Vec<ecomatch_exchange::report::BidReport>),
    /// `get_blocks`: the open proposals the sender made or received, in id order.
    Blocks(Vec<ecomatch_exchange::report::BlockReport>),
    /// `get_pledges`: the sender's pledges as pledgor or pledgee (an operator's: all), in id
    /// order.
    Pledges(
        Vec<(
            ecomatch_engine::id::PledgeId,
            ecomatch_exchange::pledge::Pledge,
        )>,
    ),
}

/// Answers `query` of `actor` from the exchange's state. The query was converted against the
/// catalogue, so its instrument is listed, and `actor` is a logged-in (known) account; an
/// instrument another shard trades reads as an empty book.
pub fn answer(ex: &Exchange, actor: AccountId, query: &Query) -> Answer {
    match *query {
        Query::Book { instrument, depth } => {
            let side = |s| {
                ex.book(instrument).map_or_else(Vec::new, |b| {
                    b.levels(s).take(depth).map(|l| (l.price, l.qty)).collect()
                })
            };
            Answer::Book(BookView {
                instrument,
                phase: ex
                    .book(instrument)
                    .map_or(Phase::Closed, ecomatch_engine::book::OrderBook::phase),
                bids: side(Side::Buy),
                asks: side(Side::Sell),
            })
        }
        Query::Account => Answer::Account(account(ex, actor)),
        Query::Accounts => Answer::Accounts(
            ex.ledger()
                .accounts()
                .map(|(id, _)| account(ex, id))
                .collect(),
        ),
        Query::Orders => Answer::Orders(ex.open_orders(actor)),
        Query::Bids => Answer::Bids(ex.open_bids_of(actor)),
        Query::Permissions => Answer::Permissions(permissions(ex, actor)),
        Query::Blocks => Answer::Blocks(ex.open_blocks_of(actor)),
        Query::Pledges => {
            let operator = ex
                .ledger()
                .account(actor)
                .is_ok_and(|a| a.kind == ecomatch_risk::account::AccountKind::Operator);
            Answer::Pledges(
                ex.pledges()
                    .filter(|(_, p)| operator || p.pledgor == actor || p.pledgee == actor)
                    .map(|(id, p)| (id, *p))
                    .collect(),
            )
        }
        Query::Gep { instrument } => Answer::Gep(GepView {
            instrument,
            counties: ex
                .ledger()
                .accounts()
                .filter_map(|(account, _)| {
                    let record = ex.gep_record(account, instrument)?;
                    let usage = ex.usage(account, instrument);
                    Some(CountyView {
                        account,
                        record,
                        usage,
                    })
                })
                .collect(),
        }),
    }
}

fn account(ex: &Exchange, id: AccountId) -> AccountView {
    let ledger = ex.ledger();
    let status = ledger
        .account(id)
        .map_or(AccountStatus::Active, |a| a.status);
    let holdings = ex
        .listings()
        .map(|l| l.instrument.spec().id)
        .filter_map(|i| {
            let b = ledger.holding(id, i).ok()?;
            let pledged = ledger.pledged(id, i);
            (!b.total().is_zero() || !pledged.is_zero()).then_some((i, b, pledged))
        })
        .collect();
    AccountView {
        account: id,
        status,
        cash: ledger.cash(id).unwrap_or_default(),
        holdings,
        sub_accounts: None,
    }
}

fn permissions(ex: &Exchange, actor: AccountId) -> Vec<(InstrumentId, bool, bool)> {
    let Ok(account) = ex.ledger().account(actor) else {
        return Vec::new();
    };
    ex.listings()
        .map(|l| {
            let admits = |side| l.eligibility.admits(account, side).is_ok();
            (
                l.instrument.spec().id,
                admits(Side::Buy),
                admits(Side::Sell),
            )
        })
        .collect()
}
