//! Property test of the exchange core: random command streams over several accounts and
//! instruments of the demo market (order entry, cancels, amends and every operator command,
//! some of them from accounts that may not send them).
//!
//! After every command: the exchange's own invariants hold ([`Exchange::check_invariants`]);
//! the ledger's totals of cash and of each instrument moved only by the deposits, withdrawals,
//! issues and retirements that succeeded; every hold matches the resting orders that justify
//! it, recomputed here from the public books; what each account holds is what the registry gave
//! it plus what it bought minus what it sold; no county's GEP usage passes its allowance; and a
//! refused command produced one reject and left the state hash as it was. Each stream is then
//! replayed on a fresh exchange, which must give the same outputs and the same state hash.
//!
//! The exchange is the demo's genesis with one change: each book's price window is cut to
//! 80 %–125 % of the instrument's reference price and its capacity to 256 orders and levels.
//! The demo books span up to a million ticks and preallocate 100,000 order slots, so one
//! `demo::exchange()` takes about 30 ms to build and one `check_invariants` (which scans every
//! level and the free list) about 6 ms: thousands of streams checked after every step would
//! take a quarter of an hour. The streams never leave the narrowed window (reference prices stay
//! within ±10 %, so every band lies inside it; prices outside it are refused by the band as in
//! the demo) and never rest more than 60 orders, so the narrowing changes no outcome. The second
//! test proves it on a sample of streams: the real `demo::exchange()` and the narrowed exchange
//! give identical outputs and state hashes after every command.
//!
//! `ECOMATCH_PROPTEST_CASES` sets the number of streams (default 5,000); with `--nocapture` the
//! test prints how often each command was accepted or refused, and why.

#![allow(clippy::too_many_lines)] // the generator and the checks read better whole

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Instant;

use ecomatch_engine::book::{Phase, Side, Stp, Tif};
use ecomatch_engine::id::{AccountId, InstrumentId, OrderId, Seq, Timestamp};
use ecomatch_engine::instrument::{BookCapacity, Instrument};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::hash::StateHash;
use ecomatch_exchange::{
    ClientOrderId, Command, Exchange, Genesis, Message, OrderRequest, Output, Recipient, Reject,
    Sequenced, demo,
};
use ecomatch_risk::account::AccountStatus;
use ecomatch_risk::gate::GepRecord;
use ecomatch_risk::ledger::fee;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

// ---------------------------------------------------------------------------------------------
// The accounts and instruments the streams use.

/// The demo accounts the streams act for and on, by name.
const ACCOUNTS: [&str; 10] = [
    "operator",
    "lishui-coop",
    "lishui-reserve",
    "zj-cement",
    "ls-paper",
    "qz-chem",
    "longquan-gov",
    "qingtian-gov",
    "qingyuan-gov",
    "jingning-gov",
];
const OPERATOR: usize = 0;
const COOP: usize = 1;
const RESERVE: usize = 2;
const CEMENT: usize = 3;
const PAPER: usize = 4;
const QZ_CHEM: usize = 5;
/// 200 lots short of its GEP target.
const LONGQUAN: usize = 6;
/// 100 lots short.
const QINGTIAN: usize = 7;
/// 300 lots of surplus.
const QINGYUAN: usize = 8;
/// 200 lots of surplus.
const JINGNING: usize = 9;
/// An account id no account has.
const NO_ACCOUNT: AccountId = AccountId(999);

/// An instrument as the generator sees it.
struct Market {
    code: &'static str,
    /// The demo's reference price, in ticks.
    reference: u64,
    /// One step of the price grid, in ticks (half a percent of the reference).
    step: i64,
    /// Small order quantities run from 1 to this.
    scale: u64,
    /// The accounts that usually sell it (they hold it, or may).
    sellers: &'static [usize],
    /// The accounts that usually buy it.
    buyers: &'static [usize],
}

const FCS: usize = 0;
const GEP: usize = 1;
const COD: usize = 2;
const WATER: usize = 3;
/// The index of the instrument that is not listed.
const UNLISTED: usize = 4;

/// The four instruments traded, then one that is not listed.
const MARKETS: [Market; 5] = [
    Market {
        code: "LS-FCS-2024",
        reference: 5_000,
        step: 25,
        scale: 20,
        sellers: &[COOP],
        buyers: &[CEMENT, PAPER, QZ_CHEM, RESERVE, QINGYUAN],
    },
    Market {
        code: "LS-GEP-2025",
        reference: 100_000,
        step: 500,
        scale: 30,
        sellers: &[QINGYUAN, JINGNING],
        buyers: &[LONGQUAN, QINGTIAN],
    },
    Market {
        code: "LS-COD-LD-2025",
        reference: 4_000,
        step: 20,
        scale: 40,
        sellers: &[RESERVE, PAPER],
        buyers: &[CEMENT],
    },
    Market {
        code: "OJ-WR-2025",
        reference: 500,
        step: 3,
        scale: 15,
        sellers: &[RESERVE],
        buyers: &[COOP, CEMENT, PAPER, QINGTIAN],
    },
    Market {
        code: "NO-SUCH-2025",
        reference: 5_000,
        step: 25,
        scale: 20,
        sellers: &[COOP],
        buyers: &[CEMENT],
    },
];

fn inst(code: &str) -> InstrumentId {
    InstrumentId::new(code).expect("valid instrument code")
}

/// The demo genesis with each book's window cut to 80 %–125 % of the reference price and its
/// capacity to 256 orders and levels (see the module documentation).
fn narrowed_genesis() -> Genesis {
    let mut g = demo::genesis();
    for l in &mut g.listings {
        let mut spec = l.instrument.spec().clone();
        let r = spec.reference_price.expect("demo reference price").ticks();
        spec.capacity = BookCapacity {
            max_orders: 256,
            max_levels: 256,
            min_price: Price::from_ticks(r * 4 / 5),
            max_price: Price::from_ticks(r * 5 / 4),
        };
        l.instrument = Instrument::new(spec).expect("narrowed instrument is valid");
    }
    g
}

/// A fresh narrowed exchange, every market open, as `demo::exchange` opens them.
fn narrowed_exchange() -> Exchange {
    let mut ex = Exchange::new(narrowed_genesis()).expect("narrowed genesis is valid");
    ex.open_all_markets();
    ex
}

/// Fixed facts about the market, looked up once.
struct Universe {
    accounts: [AccountId; 10],
    instruments: [InstrumentId; 5],
    /// The highest price of each demo book (a reference above it is refused).
    demo_max_price: [u64; 4],
    /// Every Lishui county and its genesis GEP record.
    counties: Vec<(AccountId, GepRecord)>,
    /// The narrowed exchange as genesis leaves it.
    template: Exchange,
}

impl Universe {
    fn new() -> Self {
        let template = narrowed_exchange();
        let ledger = template.ledger();
        let accounts = ACCOUNTS.map(|n| ledger.find(n).unwrap_or_else(|| panic!("no {n}")));
        assert_eq!(accounts[OPERATOR], template.fee_account());
        let instruments = [0, 1, 2, 3, 4].map(|i| inst(MARKETS[i].code));
        let demo = demo::listings();
        let mut demo_max_price = [0; 4];
        for (i, max) in demo_max_price.iter_mut().enumerate() {
            let l = demo
                .iter()
                .find(|l| l.instrument.spec().id == instruments[i])
                .expect("the demo lists it");
            let spec = l.instrument.spec();
            assert_eq!(
                spec.reference_price,
                Some(Price::from_ticks(MARKETS[i].reference)),
                "{}: the generator's reference price is the demo's",
                MARKETS[i].code
            );
            *max = spec.capacity.max_price.ticks();
        }
        assert!(template.listing(instruments[UNLISTED]).is_none());
        let gep = instruments[GEP];
        let counties = demo::LISHUI_COUNTIES
            .iter()
            .map(|(name, _)| {
                let id = ledger.find(name).expect("county account");
                let record = template.gep_record(id, gep).expect("genesis GEP record");
                (id, record)
            })
            .collect();
        Self {
            accounts,
            instruments,
            demo_max_price,
            counties,
            template,
        }
    }

    fn account(&self, pick: usize) -> AccountId {
        self.accounts.get(pick).copied().unwrap_or(NO_ACCOUNT)
    }
}

// ---------------------------------------------------------------------------------------------
// The generator: commands in abstract form, resolved against the exchange as the stream runs
// (so that cancels and amends name orders that exist, and their owners send them).

/// A limit price on the grid around the demo reference price, or a market order.
#[derive(Clone, Copy, Debug)]
enum PriceGen {
    /// No limit.
    Market,
    /// Up to 1.5 % below to 2 % above the reference for a buy, the other way for a sell.
    Near(i64),
    /// 9.5 % to 24 % away: outside the band unless the reference moved that way.
    Far(i64),
    /// Zero ticks.
    Zero,
}

/// An order quantity.
#[derive(Clone, Copy, Debug)]
enum QtyGen {
    /// 1 to the instrument's scale.
    Small(u64),
    /// Zero lots.
    Zero,
    /// 200 lots: passes most GEP allowances.
    Big,
    /// 600,000 lots (more than anyone can pay or deliver) or 1,000,001 (above the limit).
    Huge(bool),
}

/// Who sends an order.
#[derive(Clone, Copy, Debug)]
enum Trader {
    /// One of the instrument's usual sellers or buyers, as the side says (or, when the
    /// order's `usual_side` is false, one of the other side's).
    Usual(usize),
    /// Any account of the list, the operator included.
    Anyone(usize),
}

/// Which order a cancel or amend names.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// One of the open orders (any id if none is open).
    Open(usize),
    /// Any id from 1 to two past the last one given: open, closed or never given.
    Any(u64),
}

/// Who sends an operator command.
#[derive(Clone, Copy, Debug)]
enum Sender {
    /// The operator.
    Operator,
    /// A participant, who may not.
    Participant(usize),
}

/// Who sends a retirement.
#[derive(Clone, Copy, Debug)]
enum Retirer {
    Operator,
    /// The holder itself (allowed).
    Holder,
    /// Another participant (refused).
    Other(usize),
}

/// An amount of cash or lots for an operator command.
#[derive(Clone, Copy, Debug)]
enum Amount {
    Some(u64),
    Zero,
    /// `u64::MAX`: an overflow, or more than anyone has.
    Max,
}

/// A new reference price.
#[derive(Clone, Copy, Debug)]
enum RefGen {
    /// The demo reference moved by this many percent (−10 to +10).
    Percent(i64),
    /// Zero: refused.
    Zero,
    /// One tick above the demo book's window: refused.
    AboveWindow,
}

#[derive(Clone, Copy, Debug)]
enum Cmd {
    New {
        market: usize,
        trader: Trader,
        usual_side: bool,
        side: Side,
        price: PriceGen,
        qty: QtyGen,
        tif: Tif,
        post_only: bool,
        stp: Option<Stp>,
        client_id: Option<u8>,
    },
    Cancel {
        target: Target,
        by_owner: bool,
        actor: usize,
    },
    Amend {
        target: Target,
        by_owner: bool,
        actor: usize,
        price: Option<PriceGen>,
        /// Change of the total quantity (filled + open); the absolute value for an order that
        /// is not open.
        qty: Option<i64>,
    },
    Deposit {
        by: Sender,
        account: usize,
        amount: Amount,
    },
    Withdraw {
        by: Sender,
        account: usize,
        amount: Amount,
    },
    Issue {
        by: Sender,
        account: usize,
        market: usize,
        qty: Amount,
    },
    Retire {
        by: Retirer,
        account: usize,
        market: usize,
        qty: Amount,
    },
    SetPhase {
        by: Sender,
        market: usize,
        phase: Phase,
    },
    SetReference {
        by: Sender,
        market: usize,
        price: RefGen,
    },
    Kill {
        by: Sender,
        account: usize,
    },
    SetStatus {
        by: Sender,
        account: usize,
        status: AccountStatus,
    },
    OperatorCancel {
        by: Sender,
        target: Target,
    },
}

/// A listed instrument mostly, the unlisted one rarely.
fn market() -> impl Strategy<Value = usize> {
    prop_oneof![
        18 => Just(FCS),
        18 => Just(GEP),
        12 => Just(COD),
        12 => Just(WATER),
        1 => Just(UNLISTED),
    ]
}

/// An account of the list mostly (index 10 is an unknown id).
fn account() -> impl Strategy<Value = usize> {
    prop_oneof![25 => 0..10usize, 1 => Just(10usize)]
}

fn participant() -> impl Strategy<Value = usize> {
    1..10usize
}

fn sender() -> impl Strategy<Value = Sender> {
    prop_oneof![
        6 => Just(Sender::Operator),
        1 => participant().prop_map(Sender::Participant),
    ]
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}

fn price() -> impl Strategy<Value = PriceGen> {
    prop_oneof![
        4 => Just(PriceGen::Market),
        28 => (-3i64..=4).prop_map(PriceGen::Near),
        3 => prop_oneof![-48i64..=-19, 19i64..=48].prop_map(PriceGen::Far),
        1 => Just(PriceGen::Zero),
    ]
}

fn order_qty() -> impl Strategy<Value = QtyGen> {
    prop_oneof![
        40 => (0u64..1_000).prop_map(QtyGen::Small),
        1 => Just(QtyGen::Zero),
        2 => Just(QtyGen::Big),
        1 => any::<bool>().prop_map(QtyGen::Huge),
    ]
}

fn tif() -> impl Strategy<Value = Tif> {
    prop_oneof![4 => Just(Tif::Gtc), 2 => Just(Tif::Day), 2 => Just(Tif::Ioc), 1 => Just(Tif::Fok)]
}

fn stp() -> impl Strategy<Value = Option<Stp>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some(Stp::CancelNewest)),
        1 => Just(Some(Stp::CancelOldest)),
        1 => Just(Some(Stp::CancelBoth)),
        1 => Just(Some(Stp::Decrement)),
    ]
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        4 => any::<usize>().prop_map(Target::Open),
        1 => any::<u64>().prop_map(Target::Any),
    ]
}

fn amount() -> impl Strategy<Value = Amount> {
    prop_oneof![
        18 => (1u64..=10_000_000).prop_map(Amount::Some),
        1 => Just(Amount::Zero),
        1 => Just(Amount::Max),
    ]
}

fn lots() -> impl Strategy<Value = Amount> {
    prop_oneof![
        18 => (1u64..=300).prop_map(Amount::Some),
        1 => Just(Amount::Zero),
        1 => Just(Amount::Max),
    ]
}

fn new_order() -> impl Strategy<Value = Cmd> {
    let trader = prop_oneof![
        15 => any::<usize>().prop_map(Trader::Usual),
        1 => (0..10usize).prop_map(Trader::Anyone),
    ];
    (
        (market(), trader, prop::bool::weighted(0.85), side()),
        (price(), order_qty(), tif()),
        (
            prop::bool::weighted(0.08),
            stp(),
            prop::option::weighted(0.2, 0u8..4),
        ),
    )
        .prop_map(
            |(
                (market, trader, usual_side, side),
                (price, qty, tif),
                (post_only, stp, client_id),
            )| Cmd::New {
                market,
                trader,
                usual_side,
                side,
                price,
                qty,
                tif,
                post_only,
                stp,
                client_id,
            },
        )
}

fn cmd() -> impl Strategy<Value = Cmd> {
    let cancel = (target(), prop::bool::weighted(0.85), participant()).prop_map(
        |(target, by_owner, actor)| Cmd::Cancel {
            target,
            by_owner,
            actor,
        },
    );
    let amend = (
        target(),
        prop::bool::weighted(0.85),
        participant(),
        prop::option::of(price()),
        prop::option::weighted(0.7, -6i64..=6),
    )
        .prop_map(|(target, by_owner, actor, price, qty)| Cmd::Amend {
            target,
            by_owner,
            actor,
            price,
            qty,
        });
    let deposit = (sender(), account(), amount()).prop_map(|(by, account, amount)| Cmd::Deposit {
        by,
        account,
        amount,
    });
    let withdraw =
        (sender(), account(), amount()).prop_map(|(by, account, amount)| Cmd::Withdraw {
            by,
            account,
            amount,
        });
    let issue =
        (sender(), account(), market(), lots()).prop_map(|(by, account, market, qty)| Cmd::Issue {
            by,
            account,
            market,
            qty,
        });
    let retirer = prop_oneof![
        3 => Just(Retirer::Operator),
        3 => Just(Retirer::Holder),
        1 => participant().prop_map(Retirer::Other),
    ];
    let retire =
        (retirer, account(), market(), lots()).prop_map(|(by, account, market, qty)| Cmd::Retire {
            by,
            account,
            market,
            qty,
        });
    let phase = prop_oneof![
        3 => Just(Phase::Continuous),
        1 => Just(Phase::Halted),
        1 => Just(Phase::Closed),
    ];
    let set_phase = (sender(), market(), phase).prop_map(|(by, market, phase)| Cmd::SetPhase {
        by,
        market,
        phase,
    });
    let reference = prop_oneof![
        10 => (-10i64..=10).prop_map(RefGen::Percent),
        1 => Just(RefGen::Zero),
        1 => Just(RefGen::AboveWindow),
    ];
    let set_reference = (sender(), market(), reference)
        .prop_map(|(by, market, price)| Cmd::SetReference { by, market, price });
    let kill = (sender(), account()).prop_map(|(by, account)| Cmd::Kill { by, account });
    let status = prop_oneof![3 => Just(AccountStatus::Active), 1 => Just(AccountStatus::Suspended)];
    let set_status =
        (sender(), account(), status).prop_map(|(by, account, status)| Cmd::SetStatus {
            by,
            account,
            status,
        });
    let operator_cancel =
        (sender(), target()).prop_map(|(by, target)| Cmd::OperatorCancel { by, target });
    prop_oneof![
        32 => new_order(),
        5 => cancel,
        5 => amend,
        1 => deposit,
        1 => withdraw,
        2 => issue,
        1 => retire,
        2 => set_phase,
        1 => set_reference,
        1 => kill,
        2 => set_status,
        1 => operator_cancel,
    ]
}

fn stream() -> impl Strategy<Value = Vec<Cmd>> {
    prop::collection::vec(cmd(), 1..60)
}

/// An open order as the books show it.
#[derive(Clone, Copy, Debug)]
struct Open {
    id: OrderId,
    account: AccountId,
    market: usize,
    side: Side,
    /// Filled + open.
    total: u64,
}

/// Every resting order of the traded instruments, by id.
fn open_orders(u: &Universe, ex: &Exchange) -> Vec<Open> {
    let mut v: Vec<Open> = u.instruments[..4]
        .iter()
        .enumerate()
        .flat_map(|(market, &i)| {
            ex.book(i).expect("listed").orders().map(move |o| Open {
                id: o.id,
                account: o.account,
                market,
                side: o.side,
                total: o.leaves.lots() + o.filled.lots(),
            })
        })
        .collect();
    v.sort_unstable_by_key(|o| o.id);
    v
}

/// The price of a grid point for an order on `side`: a positive `Near` step is towards the
/// other side (up for a buy, down for a sell), so that orders cross more often than not.
fn price_of(market: usize, side: Side, g: PriceGen) -> Option<Price> {
    let m = &MARKETS[market];
    let at = |k: i64| {
        let ticks = m
            .reference
            .checked_add_signed(k * m.step)
            .expect("grid price is positive");
        Some(Price::from_ticks(ticks))
    };
    match (g, side) {
        (PriceGen::Market, _) => None,
        (PriceGen::Near(k), Side::Buy) | (PriceGen::Far(k), _) => at(k),
        (PriceGen::Near(k), Side::Sell) => at(-k),
        (PriceGen::Zero, _) => Some(Price::from_ticks(0)),
    }
}

/// Turns an abstract command into the actor and the command, given the exchange now.
/// `last_order` is the highest order id seen in the outputs so far.
fn resolve(uni: &Universe, ex: &Exchange, last_order: u64, cmd: &Cmd) -> (AccountId, Command) {
    let operator = uni.accounts[OPERATOR];
    let by = |s: Sender| match s {
        Sender::Operator => operator,
        Sender::Participant(p) => uni.account(p),
    };
    let pick = |t: Target| -> (OrderId, Option<Open>) {
        let open = open_orders(uni, ex);
        match t {
            Target::Open(k) if !open.is_empty() => {
                let o = open[k % open.len()];
                (o.id, Some(o))
            }
            Target::Open(k) => (OrderId(k as u64 % (last_order + 2) + 1), None),
            Target::Any(k) => {
                let id = OrderId(k % (last_order + 2) + 1);
                (id, open.iter().find(|o| o.id == id).copied())
            }
        }
    };
    match *cmd {
        Cmd::New {
            market,
            trader,
            usual_side,
            side,
            price,
            qty,
            tif,
            post_only,
            stp,
            client_id,
        } => {
            let mkt = &MARKETS[market];
            let actor = match trader {
                Trader::Usual(k) => {
                    let sells = (side == Side::Sell) == usual_side;
                    let list = if sells { mkt.sellers } else { mkt.buyers };
                    uni.account(list[k % list.len()])
                }
                Trader::Anyone(a) => uni.account(a),
            };
            let qty = match qty {
                QtyGen::Small(k) => 1 + k % mkt.scale,
                QtyGen::Zero => 0,
                QtyGen::Big => 200,
                QtyGen::Huge(false) => 600_000,
                QtyGen::Huge(true) => 1_000_001,
            };
            let client_order_id = client_id.map(|n| {
                ClientOrderId::new(&format!("client-{n}")).expect("valid client order id")
            });
            let req = OrderRequest {
                instrument: uni.instruments[market],
                side,
                price: price_of(market, side, price),
                qty: Qty::from_lots(qty),
                tif,
                post_only,
                stp,
                client_order_id,
            };
            (actor, Command::NewOrder(req))
        }
        Cmd::Cancel {
            target,
            by_owner,
            actor,
        } => {
            let (order_id, open) = pick(target);
            let actor = match open {
                Some(o) if by_owner => o.account,
                _ => uni.account(actor),
            };
            (actor, Command::CancelOrder { order_id })
        }
        Cmd::Amend {
            target,
            by_owner,
            actor,
            price,
            qty,
        } => {
            let (order_id, open) = pick(target);
            let actor = match open {
                Some(o) if by_owner => o.account,
                _ => uni.account(actor),
            };
            let market = open.map_or(FCS, |o| o.market);
            let qty = qty.map(|d| {
                let lots = match open {
                    Some(o) => o.total.saturating_add_signed(d),
                    None => d.unsigned_abs(),
                };
                Qty::from_lots(lots)
            });
            let side = open.map_or(Side::Buy, |o| o.side);
            let price = price.and_then(|p| price_of(market, side, p));
            (
                actor,
                Command::AmendOrder {
                    order_id,
                    price,
                    qty,
                },
            )
        }
        Cmd::Deposit {
            by: s,
            account,
            amount,
        } => {
            let amount = match amount {
                Amount::Some(v) => v,
                Amount::Zero => 0,
                Amount::Max => u64::MAX,
            };
            let account = uni.account(account);
            let amount = Cash::from_fen(amount);
            (by(s), Command::Deposit { account, amount })
        }
        Cmd::Withdraw {
            by: s,
            account,
            amount,
        } => {
            let amount = match amount {
                Amount::Some(v) => v,
                Amount::Zero => 0,
                Amount::Max => u64::MAX,
            };
            let account = uni.account(account);
            let amount = Cash::from_fen(amount);
            (by(s), Command::Withdraw { account, amount })
        }
        Cmd::Issue {
            by: s,
            account,
            market,
            qty,
        } => {
            let qty = match qty {
                Amount::Some(v) => v,
                Amount::Zero => 0,
                Amount::Max => u64::MAX,
            };
            let command = Command::Issue {
                account: uni.account(account),
                instrument: uni.instruments[market],
                qty: Qty::from_lots(qty),
            };
            (by(s), command)
        }
        Cmd::Retire {
            by: r,
            account,
            market,
            qty,
        } => {
            let qty = match qty {
                Amount::Some(v) => v,
                Amount::Zero => 0,
                Amount::Max => u64::MAX,
            };
            let holder = uni.account(account);
            let actor = match r {
                Retirer::Operator => operator,
                Retirer::Holder => holder,
                Retirer::Other(p) => uni.account(p),
            };
            let command = Command::Retire {
                account: holder,
                instrument: uni.instruments[market],
                qty: Qty::from_lots(qty),
            };
            (actor, command)
        }
        Cmd::SetPhase {
            by: s,
            market,
            phase,
        } => (
            by(s),
            Command::SetPhase {
                instrument: uni.instruments[market],
                phase,
            },
        ),
        Cmd::SetReference {
            by: s,
            market,
            price,
        } => {
            let mkt = &MARKETS[market];
            let ticks = match price {
                RefGen::Percent(p) => mkt
                    .reference
                    .checked_add_signed(i64::try_from(mkt.reference).expect("small") * p / 100)
                    .expect("positive reference"),
                RefGen::Zero => 0,
                RefGen::AboveWindow => uni.demo_max_price.get(market).map_or(1, |&max| max + 1),
            };
            (
                by(s),
                Command::SetReferencePrice {
                    instrument: uni.instruments[market],
                    price: Price::from_ticks(ticks),
                },
            )
        }
        Cmd::Kill { by: s, account } => (
            by(s),
            Command::Kill {
                account: uni.account(account),
            },
        ),
        Cmd::SetStatus {
            by: s,
            account,
            status,
        } => (
            by(s),
            Command::SetAccountStatus {
                account: uni.account(account),
                status,
            },
        ),
        Cmd::OperatorCancel { by: s, target } => (
            by(s),
            Command::OperatorCancel {
                order_id: pick(target).0,
            },
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// The checks.

/// What the ledger's totals and each registry position must be, from the commands that
/// succeeded.
struct Expected {
    cash: u128,
    lots: BTreeMap<InstrumentId, u128>,
    /// Per account and instrument: the genesis holding plus issued minus retired.
    registry: BTreeMap<(AccountId, InstrumentId), i128>,
}

impl Expected {
    fn at_genesis(ex: &Exchange) -> Self {
        let ledger = ex.ledger();
        let mut e = Self {
            cash: 0,
            lots: BTreeMap::new(),
            registry: BTreeMap::new(),
        };
        for (id, _) in ledger.accounts() {
            e.cash += u128::from(ledger.cash(id).expect("account").total());
            for l in ex.listings() {
                let i = l.instrument.spec().id;
                let h = ledger.holding(id, i).expect("account").total();
                *e.lots.entry(i).or_default() += u128::from(h);
                e.registry.insert((id, i), i128::from(h));
            }
        }
        e
    }

    /// Records a command that succeeded.
    fn applied(&mut self, c: &Command) {
        match *c {
            Command::Deposit { amount, .. } => self.cash += u128::from(amount.fen()),
            Command::Withdraw { amount, .. } => self.cash -= u128::from(amount.fen()),
            Command::Issue {
                account,
                instrument,
                qty,
            } => {
                *self.lots.get_mut(&instrument).expect("listed") += u128::from(qty.lots());
                *self.registry.entry((account, instrument)).or_default() += i128::from(qty.lots());
            }
            Command::Retire {
                account,
                instrument,
                qty,
            } => {
                *self.lots.get_mut(&instrument).expect("listed") -= u128::from(qty.lots());
                *self.registry.entry((account, instrument)).or_default() -= i128::from(qty.lots());
            }
            _ => {}
        }
    }
}

/// True if only the operator may send `c` from `actor` (retirement is the holder's too).
fn needs_operator(actor: AccountId, c: &Command) -> bool {
    match c {
        Command::NewOrder(_) | Command::CancelOrder { .. } | Command::AmendOrder { .. } => false,
        Command::Retire { account, .. } => *account != actor,
        _ => true,
    }
}

fn is_trading(c: &Command) -> bool {
    matches!(
        c,
        Command::NewOrder(_) | Command::CancelOrder { .. } | Command::AmendOrder { .. }
    )
}

/// Checks what one command said: a refusal is one reject to the sender and changes nothing;
/// an operator command from a participant is refused; an applied operator command is
/// confirmed; a new order keeps its time in force and post-only promises.
fn check_outputs(
    u: &Universe,
    ex: &Exchange,
    cmd: &Sequenced,
    out: &[Output],
    before: StateHash,
    after: StateHash,
) -> Result<Option<Reject>, TestCaseError> {
    let reject = out.iter().find_map(|o| match o.msg {
        Message::Reject(r) => Some(r),
        _ => None,
    });
    let operator = u.accounts[OPERATOR];
    if cmd.actor != operator && cmd.actor != NO_ACCOUNT && needs_operator(cmd.actor, &cmd.command) {
        prop_assert_eq!(
            reject.map(|r| r.code()),
            Some("NOT_AUTHORIZED"),
            "a participant's operator command"
        );
    }
    if let Some(r) = reject {
        prop_assert_eq!(out.len(), 1, "a refusal ({}) says one thing", r.code());
        prop_assert_eq!(
            out[0].to,
            Recipient::Account(cmd.actor),
            "a refusal is private"
        );
        prop_assert!(out[0].reply, "a refusal is the reply");
        prop_assert_eq!(before, after, "a refusal ({}) changed the state", r.code());
        return Ok(Some(r));
    }
    prop_assert!(!out.is_empty(), "an applied command says something");
    if !is_trading(&cmd.command) {
        prop_assert_eq!(
            out.last().map(|o| (o.to, o.reply, o.msg)),
            Some((
                Recipient::Account(cmd.actor),
                true,
                Message::Done {
                    command: cmd.command.name()
                }
            )),
            "an applied operator command ends with its confirmation"
        );
    }
    match cmd.command {
        Command::NewOrder(req) => {
            let accepted = out.iter().find_map(|o| match o.msg {
                Message::Order(r) if o.reply && o.to == Recipient::Account(cmd.actor) => {
                    Some(r.order_id)
                }
                _ => None,
            });
            prop_assert!(accepted.is_some(), "an accepted order is acknowledged");
            let id = accepted.unwrap_or_default();
            let fills = out.iter().filter_map(|o| match o.msg {
                Message::Fill(f) if f.order_id == id => Some(f),
                _ => None,
            });
            let (mut filled, mut as_taker) = (0, 0);
            for f in fills {
                filled += f.qty.lots();
                as_taker += u32::from(!f.maker);
            }
            if matches!(req.tif, Tif::Ioc | Tif::Fok) {
                prop_assert!(ex.order_owner(id).is_none(), "an IOC or FOK order rests");
            }
            if req.tif == Tif::Fok {
                prop_assert!(
                    filled == 0 || filled == req.qty.lots(),
                    "a FOK order filled {} of {}",
                    filled,
                    req.qty.lots()
                );
            }
            if req.post_only {
                prop_assert_eq!(as_taker, 0, "a post-only order took liquidity");
            }
        }
        Command::Kill { account } => {
            prop_assert_eq!(
                ex.ledger().account(account).map(|a| a.status).ok(),
                Some(AccountStatus::Killed)
            );
            let left = u.instruments[..4].iter().any(|&i| {
                ex.book(i)
                    .expect("listed")
                    .orders()
                    .any(|o| o.account == account)
            });
            prop_assert!(!left, "a killed account still has open orders");
        }
        Command::SetPhase {
            instrument,
            phase: Phase::Closed,
        } => {
            let day_left = ex
                .book(instrument)
                .expect("listed")
                .orders()
                .any(|o| o.tif == Tif::Day);
            prop_assert!(!day_left, "a DAY order outlived the close");
        }
        _ => {}
    }
    Ok(None)
}

/// Checks the ledger and the quotas against the books and the expected totals.
fn check_state(u: &Universe, ex: &Exchange, e: &Expected) -> Result<(), TestCaseError> {
    let ledger = ex.ledger();
    let cash: u128 = ledger
        .accounts()
        .map(|(id, _)| u128::from(ledger.cash(id).expect("account").total()))
        .sum();
    prop_assert_eq!(cash, e.cash, "cash is not conserved");
    prop_assert_eq!(u128::from(ledger.total_cash().fen()), e.cash, "cash total");
    // The holds that the resting orders justify, from the public books: a buy holds its open
    // lots × (price + the fee on one lot), a sell its open lots.
    let mut cash_held: BTreeMap<AccountId, u128> = BTreeMap::new();
    let mut lots_held: BTreeMap<(AccountId, InstrumentId), u64> = BTreeMap::new();
    let mut open: BTreeMap<(AccountId, InstrumentId, Side), u64> = BTreeMap::new();
    for l in ex.listings() {
        let i = l.instrument.spec().id;
        let per_tick_lot = l.instrument.cash_per_tick_lot().fen();
        for o in ex.book(i).expect("listed").orders() {
            let leaves = o.leaves.lots();
            match o.side {
                Side::Buy => {
                    let value = Cash::from_fen(o.price.ticks() * per_tick_lot);
                    let per_lot = value.fen() + fee(value, l.fee_bps).expect("fee").fen();
                    *cash_held.entry(o.account).or_default() +=
                        u128::from(per_lot) * u128::from(leaves);
                }
                Side::Sell => *lots_held.entry((o.account, i)).or_default() += leaves,
            }
            *open.entry((o.account, i, o.side)).or_default() += leaves;
        }
        let total: u128 = ledger
            .accounts()
            .map(|(id, _)| u128::from(ledger.holding(id, i).expect("account").total()))
            .sum();
        prop_assert_eq!(total, e.lots[&i], "{} is not conserved", i.as_str());
        prop_assert_eq!(
            u128::from(ledger.total_holding(i).lots()),
            total,
            "{} total",
            i.as_str()
        );
    }
    for (id, _) in ledger.accounts() {
        let held = ledger.cash(id).expect("account").held;
        prop_assert_eq!(
            u128::from(held),
            cash_held.get(&id).copied().unwrap_or(0),
            "account {}: held cash vs its resting buys",
            id
        );
        for l in ex.listings() {
            let i = l.instrument.spec().id;
            let h = ledger.holding(id, i).expect("account");
            let usage = ex.usage(id, i);
            prop_assert_eq!(
                h.held,
                lots_held.get(&(id, i)).copied().unwrap_or(0),
                "account {}: held {} vs its resting sells",
                id,
                i.as_str()
            );
            prop_assert_eq!(
                (usage.open_buy, usage.open_sell),
                (
                    open.get(&(id, i, Side::Buy)).copied().unwrap_or(0),
                    open.get(&(id, i, Side::Sell)).copied().unwrap_or(0)
                ),
                "account {}: open usage of {} vs the book",
                id,
                i.as_str()
            );
            let registry = e.registry.get(&(id, i)).copied().unwrap_or(0);
            prop_assert_eq!(
                i128::from(h.total()),
                registry + i128::from(usage.bought) - i128::from(usage.sold),
                "account {}: {} held is not registry + bought - sold",
                id,
                i.as_str()
            );
        }
    }
    let gep = u.instruments[GEP];
    for &(county, genesis) in &u.counties {
        let record = ex.gep_record(county, gep);
        prop_assert_eq!(
            record,
            Some(genesis),
            "county {}: GEP record changed",
            county
        );
        let usage = ex.usage(county, gep);
        prop_assert!(
            usage.open_buy + usage.bought <= genesis.allowance(Side::Buy),
            "county {}: buys {:?} beyond its shortfall {}",
            county,
            usage,
            genesis.allowance(Side::Buy)
        );
        prop_assert!(
            usage.open_sell + usage.sold <= genesis.allowance(Side::Sell),
            "county {}: sells {:?} beyond its surplus {}",
            county,
            usage,
            genesis.allowance(Side::Sell)
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Running streams.

/// Counts of what the streams did, printed with `--nocapture`.
#[derive(Default)]
struct Stats {
    streams: u64,
    steps: u64,
    trades: u64,
    outcomes: BTreeMap<(&'static str, &'static str), u64>,
    /// Steps after which a county's GEP usage stood exactly at its allowance.
    gep_at_cap: u64,
}

impl Stats {
    fn print(&self, what: &str, elapsed: std::time::Duration) {
        println!(
            "{what}: {} streams, {} commands, {} trades in {elapsed:.1?}; \
             {} steps with a county at its GEP allowance",
            self.streams, self.steps, self.trades, self.gep_at_cap
        );
        for ((command, outcome), n) in &self.outcomes {
            println!("  {command:<20} {outcome:<24} {n}");
        }
    }
}

fn cases() -> u32 {
    std::env::var("ECOMATCH_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        // Report the minimal stream in the failure; write no regression file into the tree.
        failure_persistence: None,
        ..Config::default()
    })
}

/// Runs one stream with every check after every command, then replays it on a fresh
/// exchange.
fn run_stream(u: &Universe, cmds: &[Cmd], stats: &RefCell<Stats>) -> Result<(), TestCaseError> {
    let mut ex = u.template.clone();
    let mut expected = Expected::at_genesis(&ex);
    check_state(u, &ex, &expected)?;
    let mut log: Vec<(Sequenced, Vec<Output>)> = Vec::with_capacity(cmds.len());
    let mut last_order = 0u64;
    let mut hash = ex.state_hash();
    let mut st = Stats::default();
    for (step, c) in cmds.iter().enumerate() {
        let (actor, command) = resolve(u, &ex, last_order, c);
        let seq = step as u64 + 1;
        let cmd = Sequenced {
            seq: Seq(seq),
            time: Timestamp(seq * 1_000_000),
            actor,
            command,
        };
        let mut out = Vec::new();
        ex.apply(&cmd, &mut out);
        ex.check_invariants();
        let after = ex.state_hash();
        let reject = check_outputs(u, &ex, &cmd, &out, hash, after)
            .map_err(|e| TestCaseError::fail(format!("step {step}: {cmd:?}: {e}")))?;
        if reject.is_none() {
            expected.applied(&cmd.command);
        }
        check_state(u, &ex, &expected)
            .map_err(|e| TestCaseError::fail(format!("after step {step}: {cmd:?}: {e}")))?;
        for o in &out {
            match o.msg {
                Message::Order(r) => last_order = last_order.max(r.order_id.0),
                Message::Fill(f) => last_order = last_order.max(f.order_id.0),
                Message::Trade { .. } => st.trades += 1,
                _ => {}
            }
        }
        let gep = u.instruments[GEP];
        st.gep_at_cap += u64::from(u.counties.iter().any(|&(county, record)| {
            let usage = ex.usage(county, gep);
            let buy = record.allowance(Side::Buy);
            let sell = record.allowance(Side::Sell);
            (buy > 0 && usage.open_buy + usage.bought == buy)
                || (sell > 0 && usage.open_sell + usage.sold == sell)
        }));
        *st.outcomes
            .entry((cmd.command.name(), reject.map_or("ok", |r| r.code())))
            .or_default() += 1;
        st.steps += 1;
        hash = after;
        log.push((cmd, out));
    }
    // Determinism: the same commands on a fresh exchange say the same and end in the same state.
    let mut fresh = narrowed_exchange();
    for (step, (cmd, want)) in log.iter().enumerate() {
        let mut got = Vec::new();
        fresh.apply(cmd, &mut got);
        prop_assert_eq!(&got, want, "replay of step {}: {:?}", step, cmd);
    }
    prop_assert_eq!(fresh.state_hash(), hash, "replay ends in another state");
    let mut s = stats.borrow_mut();
    s.streams += 1;
    s.steps += st.steps;
    s.trades += st.trades;
    s.gep_at_cap += st.gep_at_cap;
    for (k, n) in st.outcomes {
        *s.outcomes.entry(k).or_default() += n;
    }
    Ok(())
}

#[test]
fn random_streams_keep_the_exchange_consistent() {
    let u = Universe::new();
    let stats = RefCell::new(Stats::default());
    let start = Instant::now();
    let result = runner(cases()).run(&stream(), |cmds| run_stream(&u, &cmds, &stats));
    stats.borrow().print("random streams", start.elapsed());
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The narrowed books change nothing: the same streams on the real `demo::exchange()` give
/// the same outputs and the same state hash after every command.
#[test]
fn narrowed_books_behave_as_the_demo_exchange() {
    let u = Universe::new();
    let start = Instant::now();
    let result = runner((cases() / 50).max(1)).run(&stream(), |cmds| {
        let mut narrow = u.template.clone();
        let mut full = demo::exchange();
        prop_assert_eq!(narrow.state_hash(), full.state_hash(), "genesis");
        let mut last_order = 0u64;
        for (step, c) in cmds.iter().enumerate() {
            let (actor, command) = resolve(&u, &narrow, last_order, c);
            let seq = step as u64 + 1;
            let cmd = Sequenced {
                seq: Seq(seq),
                time: Timestamp(seq * 1_000_000),
                actor,
                command,
            };
            let (mut a, mut b) = (Vec::new(), Vec::new());
            narrow.apply(&cmd, &mut a);
            full.apply(&cmd, &mut b);
            prop_assert_eq!(&a, &b, "step {}: {:?}", step, cmd);
            prop_assert_eq!(narrow.state_hash(), full.state_hash(), "step {}", step);
            for o in &a {
                if let Message::Order(r) = o.msg {
                    last_order = last_order.max(r.order_id.0);
                }
            }
        }
        full.check_invariants();
        Ok(())
    });
    println!("demo equivalence: {:.1?}", start.elapsed());
    if let Err(e) = result {
        panic!("{e}");
    }
}
