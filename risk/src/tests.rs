//! Ledger tests: each refusal changes nothing, and a property test against a reference model
//! in plain `i128` arithmetic shows that totals are conserved and nothing goes negative.

use ecomatch_engine::id::{AccountId, InstrumentId};
use ecomatch_engine::quantity::{Cash, Qty};
use proptest::prelude::*;

use crate::account::{Account, AccountKind, AccountStatus};
use crate::error::LedgerError;
use crate::fee::fee;
use crate::ledger::{Ledger, Settlement};

fn account(name: &str) -> Account {
    Account {
        name: name.into(),
        kind: AccountKind::Enterprise,
        region: "莲都".into(),
        municipality: "丽水".into(),
        basin: None,
        affiliation: None,
        status: AccountStatus::Active,
    }
}

fn inst(i: usize) -> InstrumentId {
    InstrumentId::new(["LS-FCS-2024", "LS-COD-2025"][i]).unwrap()
}

fn ledger(n: usize) -> Ledger {
    let mut l = Ledger::new();
    for i in 0..n {
        l.open(account(&format!("acct-{i}")));
    }
    l
}

/// Runs `f`, which must fail with `code`, and checks that the ledger did not change.
fn refused(l: &mut Ledger, code: &str, f: impl FnOnce(&mut Ledger) -> Result<(), LedgerError>) {
    let before = l.clone();
    let err = f(l).unwrap_err();
    assert_eq!(err.code(), code, "{err}");
    assert_eq!(*l, before, "a refusal changes nothing");
    l.check_invariants();
}

#[test]
fn every_refusal_leaves_the_ledger_unchanged() {
    let mut l = ledger(3);
    let (a, b, op) = (AccountId(0), AccountId(1), AccountId(2));
    l.deposit(a, Cash::from_fen(1_000)).unwrap();
    l.issue(b, inst(0), Qty::from_lots(10)).unwrap();
    refused(&mut l, "UNKNOWN_ACCOUNT", |l| {
        l.deposit(AccountId(9), Cash::from_fen(1))
    });
    refused(&mut l, "ZERO_AMOUNT", |l| l.deposit(a, Cash::ZERO));
    refused(&mut l, "OVERFLOW", |l| {
        l.deposit(a, Cash::from_fen(u64::MAX))
    });
    refused(&mut l, "INSUFFICIENT_FUNDS", |l| {
        l.withdraw(a, Cash::from_fen(1_001))
    });
    refused(&mut l, "INSUFFICIENT_FUNDS", |l| {
        l.hold_cash(a, Cash::from_fen(1_001))
    });
    refused(&mut l, "HOLD_UNDERFLOW", |l| {
        l.release_cash(a, Cash::from_fen(1))
    });
    refused(&mut l, "INSUFFICIENT_HOLDINGS", |l| {
        l.lock(b, inst(0), Qty::from_lots(11))
    });
    refused(&mut l, "INSUFFICIENT_HOLDINGS", |l| {
        l.retire(b, inst(1), Qty::from_lots(1))
    });
    refused(&mut l, "HOLD_UNDERFLOW", |l| {
        l.unlock(b, inst(0), Qty::from_lots(1))
    });
    l.hold_cash(a, Cash::from_fen(600)).unwrap();
    l.lock(b, inst(0), Qty::from_lots(5)).unwrap();
    let fill = Settlement {
        instrument: inst(0),
        buyer: a,
        seller: b,
        fee_account: op,
        qty: Qty::from_lots(5),
        amount: Cash::from_fen(500),
        buyer_fee: Cash::from_fen(5),
        seller_fee: Cash::from_fen(5),
        buyer_hold: Cash::from_fen(550),
    };
    refused(&mut l, "HOLD_UNDERFLOW", |l| {
        l.settle(&Settlement {
            buyer_hold: Cash::from_fen(504),
            ..fill
        })
    });
    refused(&mut l, "HOLD_UNDERFLOW", |l| {
        l.settle(&Settlement {
            buyer_hold: Cash::from_fen(601),
            ..fill
        })
    });
    refused(&mut l, "HOLD_UNDERFLOW", |l| {
        l.settle(&Settlement {
            qty: Qty::from_lots(6),
            ..fill
        })
    });
    refused(&mut l, "SELF_SETTLEMENT", |l| {
        l.settle(&Settlement { seller: a, ..fill })
    });
    refused(&mut l, "OVERFLOW", |l| {
        l.settle(&Settlement {
            seller_fee: Cash::from_fen(501),
            ..fill
        })
    });
    l.settle(&fill).unwrap();
    l.check_invariants();
    assert_eq!(
        l.cash(a).unwrap(),
        crate::ledger::Balance {
            available: Cash::from_fen(445),
            held: Cash::from_fen(50)
        }
    );
    assert_eq!(l.cash(b).unwrap().available.fen(), 495);
    assert_eq!(l.cash(op).unwrap().available.fen(), 10);
    assert_eq!(l.holding(a, inst(0)).unwrap().available.lots(), 5);
    assert_eq!(
        l.holding(b, inst(0)).unwrap(),
        crate::ledger::Balance {
            available: Qty::from_lots(5),
            held: Qty::ZERO
        }
    );
}

#[test]
fn fees_round_up_to_the_fen() {
    assert_eq!(fee(Cash::from_fen(523_000), 10), Some(Cash::from_fen(523)));
    assert_eq!(fee(Cash::from_fen(1), 1), Some(Cash::from_fen(1)));
    assert_eq!(fee(Cash::from_fen(0), 30), Some(Cash::ZERO));
    assert_eq!(
        fee(Cash::from_fen(u64::MAX), 10_000),
        Some(Cash::from_fen(u64::MAX))
    );
}

/// The reference: balances as plain integers, rules restated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct RefLedger {
    cash: [(i128, i128); 3],
    lots: [[(i128, i128); 3]; 2],
    pledged: [[i128; 3]; 2],
}

const MAX: i128 = u64::MAX as i128;

#[derive(Clone, Debug)]
enum Op {
    Deposit(usize, u64),
    Withdraw(usize, u64),
    Issue(usize, usize, u64),
    Retire(usize, usize, u64),
    Hold(usize, u64),
    Release(usize, u64),
    Lock(usize, usize, u64),
    Unlock(usize, usize, u64),
    Pledge(usize, usize, u64),
    Unpledge(usize, usize, u64),
    OfferPledged(usize, usize, u64),
    ReturnToPledge(usize, usize, u64),
    Transfer(usize, usize, u64),
    Settle {
        inst: usize,
        buyer: usize,
        seller: usize,
        qty: u64,
        amount: u64,
        bfee: u64,
        sfee: u64,
        extra: u64,
    },
}

impl RefLedger {
    /// Applies `op` if the rules allow it; returns whether they did.
    fn apply(&mut self, op: &Op) -> bool {
        let mut next = self.clone();
        let ok = next.try_apply(op) && next.all_in_range();
        if ok {
            *self = next;
        }
        ok
    }

    fn all_in_range(&self) -> bool {
        let ok = |(a, h): (i128, i128)| (0..=MAX).contains(&a) && (0..=MAX).contains(&h);
        self.cash.iter().all(|b| ok(*b))
            && self.lots.iter().flatten().all(|b| ok(*b))
            && self.pledged.iter().flatten().all(|p| (0..=MAX).contains(p))
            && self.cash.iter().map(|b| b.0 + b.1).sum::<i128>() <= MAX
            && self.lots.iter().zip(&self.pledged).all(|(i, p)| {
                i.iter().map(|b| b.0 + b.1).sum::<i128>() + p.iter().sum::<i128>() <= MAX
            })
    }

    /// The pledge moves and cash transfers of `try_apply`.
    fn try_pledge(&mut self, op: &Op) -> bool {
        match *op {
            Op::Pledge(a, i, v) | Op::Unpledge(a, i, v) => {
                let v = if matches!(op, Op::Pledge(..)) {
                    i128::from(v)
                } else {
                    -i128::from(v)
                };
                v != 0 && {
                    self.lots[i][a].0 -= v;
                    self.pledged[i][a] += v;
                    true
                }
            }
            Op::OfferPledged(a, i, v) | Op::ReturnToPledge(a, i, v) => {
                let v = if matches!(op, Op::OfferPledged(..)) {
                    i128::from(v)
                } else {
                    -i128::from(v)
                };
                v != 0 && {
                    self.pledged[i][a] -= v;
                    self.lots[i][a].1 += v;
                    true
                }
            }
            Op::Transfer(from, to, v) => {
                v > 0 && {
                    if from != to {
                        self.cash[from].0 -= i128::from(v);
                        self.cash[to].0 += i128::from(v);
                    }
                    true
                }
            }
            _ => false,
        }
    }

    fn try_apply(&mut self, op: &Op) -> bool {
        match *op {
            Op::Deposit(a, v) => {
                v > 0 && {
                    self.cash[a].0 += i128::from(v);
                    true
                }
            }
            Op::Withdraw(a, v) => {
                v > 0 && {
                    self.cash[a].0 -= i128::from(v);
                    true
                }
            }
            Op::Issue(a, i, v) => {
                v > 0 && {
                    self.lots[i][a].0 += i128::from(v);
                    true
                }
            }
            Op::Retire(a, i, v) => {
                v > 0 && {
                    self.lots[i][a].0 -= i128::from(v);
                    true
                }
            }
            Op::Hold(a, v) => {
                let v = i128::from(v);
                self.cash[a].0 -= v;
                self.cash[a].1 += v;
                true
            }
            Op::Release(a, v) => {
                let v = i128::from(v);
                self.cash[a].1 -= v;
                self.cash[a].0 += v;
                true
            }
            Op::Lock(a, i, v) => {
                let v = i128::from(v);
                self.lots[i][a].0 -= v;
                self.lots[i][a].1 += v;
                true
            }
            Op::Unlock(a, i, v) => {
                let v = i128::from(v);
                self.lots[i][a].1 -= v;
                self.lots[i][a].0 += v;
                true
            }
            Op::Pledge(..)
            | Op::Unpledge(..)
            | Op::OfferPledged(..)
            | Op::ReturnToPledge(..)
            | Op::Transfer(..) => self.try_pledge(op),
            Op::Settle {
                inst,
                buyer,
                seller,
                qty,
                amount,
                bfee,
                sfee,
                extra,
            } => {
                if buyer == seller || qty == 0 || sfee > amount {
                    return false;
                }
                let (q, amt, bf, sf) = (
                    i128::from(qty),
                    i128::from(amount),
                    i128::from(bfee),
                    i128::from(sfee),
                );
                let hold = amt + bf + i128::from(extra);
                self.lots[inst][seller].1 -= q;
                self.lots[inst][buyer].0 += q;
                self.cash[buyer].1 -= hold;
                self.cash[buyer].0 += hold - amt - bf;
                self.cash[seller].0 += amt - sf;
                self.cash[2].0 += bf + sf;
                hold <= MAX
            }
        }
    }
}

fn apply(l: &mut Ledger, op: &Op) -> Result<(), LedgerError> {
    let id = |a: usize| AccountId(a as u32);
    match *op {
        Op::Deposit(a, v) => l.deposit(id(a), Cash::from_fen(v)),
        Op::Withdraw(a, v) => l.withdraw(id(a), Cash::from_fen(v)),
        Op::Issue(a, i, v) => l.issue(id(a), inst(i), Qty::from_lots(v)),
        Op::Retire(a, i, v) => l.retire(id(a), inst(i), Qty::from_lots(v)),
        Op::Hold(a, v) => l.hold_cash(id(a), Cash::from_fen(v)),
        Op::Release(a, v) => l.release_cash(id(a), Cash::from_fen(v)),
        Op::Lock(a, i, v) => l.lock(id(a), inst(i), Qty::from_lots(v)),
        Op::Unlock(a, i, v) => l.unlock(id(a), inst(i), Qty::from_lots(v)),
        Op::Pledge(a, i, v) => l.pledge(id(a), inst(i), Qty::from_lots(v)),
        Op::Unpledge(a, i, v) => l.unpledge(id(a), inst(i), Qty::from_lots(v)),
        Op::OfferPledged(a, i, v) => l.offer_pledged(id(a), inst(i), Qty::from_lots(v)),
        Op::ReturnToPledge(a, i, v) => l.return_to_pledge(id(a), inst(i), Qty::from_lots(v)),
        Op::Transfer(from, to, v) => l.transfer_cash(id(from), id(to), Cash::from_fen(v)),
        Op::Settle {
            inst: i,
            buyer,
            seller,
            qty,
            amount,
            bfee,
            sfee,
            extra,
        } => {
            let Some(hold) = amount.checked_add(bfee).and_then(|h| h.checked_add(extra)) else {
                return Err(LedgerError::Overflow);
            };
            l.settle(&Settlement {
                instrument: inst(i),
                buyer: id(buyer),
                seller: id(seller),
                fee_account: id(2),
                qty: Qty::from_lots(qty),
                amount: Cash::from_fen(amount),
                buyer_fee: Cash::from_fen(bfee),
                seller_fee: Cash::from_fen(sfee),
                buyer_hold: Cash::from_fen(hold),
            })
        }
    }
}

fn amount() -> impl Strategy<Value = u64> {
    prop_oneof![8 => 0u64..2_000, 1 => Just(u64::MAX), 1 => (u64::MAX - 5)..=u64::MAX]
}

fn op() -> impl Strategy<Value = Op> {
    let a = 0usize..3;
    let i = 0usize..2;
    prop_oneof![
        (a.clone(), amount()).prop_map(|(a, v)| Op::Deposit(a, v)),
        (a.clone(), amount()).prop_map(|(a, v)| Op::Withdraw(a, v)),
        (a.clone(), i.clone(), amount()).prop_map(|(a, i, v)| Op::Issue(a, i, v)),
        (a.clone(), i.clone(), amount()).prop_map(|(a, i, v)| Op::Retire(a, i, v)),
        (a.clone(), amount()).prop_map(|(a, v)| Op::Hold(a, v)),
        (a.clone(), amount()).prop_map(|(a, v)| Op::Release(a, v)),
        (a.clone(), i.clone(), amount()).prop_map(|(a, i, v)| Op::Lock(a, i, v)),
        (a.clone(), i.clone(), amount()).prop_map(|(a, i, v)| Op::Unlock(a, i, v)),
        (a.clone(), i.clone(), amount()).prop_map(|(a, i, v)| Op::Pledge(a, i, v)),
        (a.clone(), i.clone(), amount()).prop_map(|(a, i, v)| Op::Unpledge(a, i, v)),
        (a.clone(), i.clone(), amount()).prop_map(|(a, i, v)| Op::OfferPledged(a, i, v)),
        (a.clone(), i.clone(), amount()).prop_map(|(a, i, v)| Op::ReturnToPledge(a, i, v)),
        (a.clone(), a.clone(), amount()).prop_map(|(f, t, v)| Op::Transfer(f, t, v)),
        (
            i,
            a.clone(),
            a,
            0u64..200,
            0u64..2_000,
            0u64..50,
            0u64..50,
            0u64..100
        )
            .prop_map(
                |(inst, buyer, seller, qty, amount, bfee, sfee, extra)| Op::Settle {
                    inst,
                    buyer,
                    seller,
                    qty,
                    amount,
                    bfee,
                    sfee,
                    extra
                }
            ),
    ]
}

fn cases() -> u32 {
    std::env::var("ECOMATCH_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
        .min(5_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn ledger_matches_reference_and_conserves(ops in prop::collection::vec(op(), 1..60)) {
        let mut l = ledger(3);
        let mut r = RefLedger::default();
        let (mut cash_total, mut lots_total) = (0i128, [0i128; 2]);
        for (step, op) in ops.iter().enumerate() {
            let before = l.clone();
            let got = apply(&mut l, op);
            let want = r.apply(op);
            prop_assert_eq!(got.is_ok(), want, "step {}: {:?} -> {:?}", step, op, got);
            if got.is_err() {
                prop_assert_eq!(&l, &before, "a refusal changed the ledger");
            } else {
                match *op {
                    Op::Deposit(_, v) => cash_total += i128::from(v),
                    Op::Withdraw(_, v) => cash_total -= i128::from(v),
                    Op::Issue(_, i, v) => lots_total[i] += i128::from(v),
                    Op::Retire(_, i, v) => lots_total[i] -= i128::from(v),
                    _ => {}
                }
            }
            l.check_invariants();
            prop_assert_eq!(i128::from(l.total_cash().fen()), cash_total);
            for a in 0..3 {
                let c = l.cash(AccountId(a as u32)).unwrap();
                prop_assert_eq!((i128::from(c.available.fen()), i128::from(c.held.fen())), r.cash[a]);
                for (i, total) in lots_total.iter().enumerate() {
                    let h = l.holding(AccountId(a as u32), inst(i)).unwrap();
                    prop_assert_eq!((i128::from(h.available.lots()), i128::from(h.held.lots())), r.lots[i][a]);
                    prop_assert_eq!(i128::from(l.pledged(AccountId(a as u32), inst(i)).lots()), r.pledged[i][a]);
                    prop_assert_eq!(i128::from(l.total_holding(inst(i)).lots()), *total);
                }
            }
        }
    }
}
