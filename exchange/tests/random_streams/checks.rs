//! What must hold after every command.

#![allow(clippy::too_many_lines)]

use super::*;

// ---------------------------------------------------------------------------------------------
// The checks.

/// What the ledger's totals and each registry position must be, from the commands that
/// succeeded.
pub(crate) struct Expected {
    pub(crate) cash: u128,
    pub(crate) lots: BTreeMap<InstrumentId, u128>,
    /// Per account and instrument: the genesis holding plus issued minus retired.
    pub(crate) registry: BTreeMap<(AccountId, InstrumentId), i128>,
}

impl Expected {
    pub(crate) fn at_genesis(ex: &Exchange) -> Self {
        let ledger = ex.ledger();
        let mut e = Self {
            cash: 0,
            lots: BTreeMap::new(),
            registry: BTreeMap::new(),
        };
        for (id, _) in ledger.accounts() {
            e.cash += u128::from(ledger.cash(id).expect("account").total().fen());
            for l in ex.listings() {
                let i = l.instrument.spec().id;
                let h = ledger.holding(id, i).expect("account").total().lots();
                *e.lots.entry(i).or_default() += u128::from(h);
                e.registry.insert((id, i), i128::from(h));
            }
        }
        e
    }

    /// Records a command that succeeded.
    pub(crate) fn applied(&mut self, c: &Command) {
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
pub(crate) fn needs_operator(actor: AccountId, c: &Command) -> bool {
    match c {
        Command::NewOrder(_) | Command::CancelOrder { .. } | Command::AmendOrder { .. } => false,
        Command::Retire { account, .. } => *account != actor,
        _ => true,
    }
}

pub(crate) fn is_trading(c: &Command) -> bool {
    matches!(
        c,
        Command::NewOrder(_) | Command::CancelOrder { .. } | Command::AmendOrder { .. }
    )
}

/// Checks what one command said: a refusal is one reject to the sender and changes nothing;
/// an operator command from a participant is refused; an applied operator command is
/// confirmed; a new order keeps its time in force and post-only promises.
pub(crate) fn check_outputs(
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
                as_taker += u32::from(f.liquidity != ecomatch_exchange::output::Liquidity::Maker);
            }
            let collected = ex.collected(req.instrument).any(|c| c.id == id);
            if matches!(req.tif, Tif::Ioc | Tif::Fok) && !collected {
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
                    || ex.collected(i).any(|c| c.account == account)
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
pub(crate) fn check_state(u: &Universe, ex: &Exchange, e: &Expected) -> Result<(), TestCaseError> {
    let ledger = ex.ledger();
    let cash: u128 = ledger
        .accounts()
        .map(|(id, _)| u128::from(ledger.cash(id).expect("account").total().fen()))
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
        // Orders collected for a call hold the same way, a market buy at the band edge it
        // arrived at.
        for c in ex.collected(i) {
            let leaves = c.leaves.lots();
            match c.side {
                Side::Buy => {
                    let value = Cash::from_fen(c.held_at.ticks() * per_tick_lot);
                    let per_lot = value.fen() + fee(value, l.fee_bps).expect("fee").fen();
                    *cash_held.entry(c.account).or_default() +=
                        u128::from(per_lot) * u128::from(leaves);
                }
                Side::Sell => *lots_held.entry((c.account, i)).or_default() += leaves,
            }
            *open.entry((c.account, i, c.side)).or_default() += leaves;
        }
        let total: u128 = ledger
            .accounts()
            .map(|(id, _)| u128::from(ledger.holding(id, i).expect("account").total().lots()))
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
        let held = ledger.cash(id).expect("account").held.fen();
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
                h.held.lots(),
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
                i128::from(h.total().lots()),
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
