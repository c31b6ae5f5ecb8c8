//! The command generator: proptest strategies, and turning a generated command into an exchange command.

#![allow(clippy::too_many_lines)]

use super::*;

// ---------------------------------------------------------------------------------------------
// The generator: commands in abstract form, resolved against the exchange as the stream runs
// (so that cancels and amends name orders that exist, and their owners send them).

/// A limit price on the grid around the demo reference price, or a market order.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PriceGen {
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
pub(crate) enum QtyGen {
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
pub(crate) enum Trader {
    /// One of the instrument's usual sellers or buyers, as the side says (or, when the
    /// order's `usual_side` is false, one of the other side's).
    Usual(usize),
    /// Any account of the list, the operator included.
    Anyone(usize),
}

/// Which order a cancel or amend names.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target {
    /// One of the open orders (any id if none is open).
    Open(usize),
    /// Any id from 1 to two past the last one given: open, closed or never given.
    Any(u64),
}

/// Who sends an operator command.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sender {
    /// The operator.
    Operator,
    /// A participant, who may not.
    Participant(usize),
}

/// Who sends a retirement.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Retirer {
    Operator,
    /// The holder itself (allowed).
    Holder,
    /// Another participant (refused).
    Other(usize),
}

/// An amount of cash or lots for an operator command.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Amount {
    Some(u64),
    Zero,
    /// `u64::MAX`: an overflow, or more than anyone has.
    Max,
}

/// A new reference price.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RefGen {
    /// The demo reference moved by this many percent (−10 to +10).
    Percent(i64),
    /// Zero: refused.
    Zero,
    /// One tick above the demo book's window: refused.
    AboveWindow,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Cmd {
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
pub(crate) fn market() -> impl Strategy<Value = usize> {
    prop_oneof![
        18 => Just(FCS),
        18 => Just(GEP),
        12 => Just(COD),
        12 => Just(WATER),
        1 => Just(UNLISTED),
    ]
}

/// An account of the list mostly (index 10 is an unknown id).
pub(crate) fn account() -> impl Strategy<Value = usize> {
    prop_oneof![25 => 0..10usize, 1 => Just(10usize)]
}

pub(crate) fn participant() -> impl Strategy<Value = usize> {
    1..10usize
}

pub(crate) fn sender() -> impl Strategy<Value = Sender> {
    prop_oneof![
        6 => Just(Sender::Operator),
        1 => participant().prop_map(Sender::Participant),
    ]
}

pub(crate) fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}

pub(crate) fn price() -> impl Strategy<Value = PriceGen> {
    prop_oneof![
        4 => Just(PriceGen::Market),
        28 => (-3i64..=4).prop_map(PriceGen::Near),
        3 => prop_oneof![-48i64..=-19, 19i64..=48].prop_map(PriceGen::Far),
        1 => Just(PriceGen::Zero),
    ]
}

pub(crate) fn order_qty() -> impl Strategy<Value = QtyGen> {
    prop_oneof![
        40 => (0u64..1_000).prop_map(QtyGen::Small),
        1 => Just(QtyGen::Zero),
        2 => Just(QtyGen::Big),
        1 => any::<bool>().prop_map(QtyGen::Huge),
    ]
}

pub(crate) fn tif() -> impl Strategy<Value = Tif> {
    prop_oneof![4 => Just(Tif::Gtc), 2 => Just(Tif::Day), 2 => Just(Tif::Ioc), 1 => Just(Tif::Fok)]
}

pub(crate) fn stp() -> impl Strategy<Value = Option<Stp>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some(Stp::CancelNewest)),
        1 => Just(Some(Stp::CancelOldest)),
        1 => Just(Some(Stp::CancelBoth)),
        1 => Just(Some(Stp::Decrement)),
    ]
}

pub(crate) fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        4 => any::<usize>().prop_map(Target::Open),
        1 => any::<u64>().prop_map(Target::Any),
    ]
}

pub(crate) fn amount() -> impl Strategy<Value = Amount> {
    prop_oneof![
        18 => (1u64..=10_000_000).prop_map(Amount::Some),
        1 => Just(Amount::Zero),
        1 => Just(Amount::Max),
    ]
}

pub(crate) fn lots() -> impl Strategy<Value = Amount> {
    prop_oneof![
        18 => (1u64..=300).prop_map(Amount::Some),
        1 => Just(Amount::Zero),
        1 => Just(Amount::Max),
    ]
}

pub(crate) fn new_order() -> impl Strategy<Value = Cmd> {
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

pub(crate) fn cmd() -> impl Strategy<Value = Cmd> {
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
    // The call phase with reference moves inside it: a poison pill hid there (a market buy
    // priced beyond the edge it was held at), which streams without calls never reached.
    let phase = prop_oneof![
        3 => Just(Phase::Continuous),
        2 => Just(Phase::Call),
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

pub(crate) fn stream() -> impl Strategy<Value = Vec<Cmd>> {
    prop::collection::vec(cmd(), 1..60)
}

/// An open order as the books show it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Open {
    pub(crate) id: OrderId,
    pub(crate) account: AccountId,
    pub(crate) market: usize,
    pub(crate) side: Side,
    /// Filled + open.
    pub(crate) total: u64,
}

/// Every resting order of the traded instruments, by id.
pub(crate) fn open_orders(u: &Universe, ex: &Exchange) -> Vec<Open> {
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
pub(crate) fn price_of(market: usize, side: Side, g: PriceGen) -> Option<Price> {
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
pub(crate) fn resolve(
    uni: &Universe,
    ex: &Exchange,
    last_order: u64,
    cmd: &Cmd,
) -> (AccountId, Command) {
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
