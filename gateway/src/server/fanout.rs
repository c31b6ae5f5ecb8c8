//! Requests that every shard applies: an account's status, the kill switch and `get_account`.
//! Each shard applies its copy on its own; the publisher gathers the copies here and answers
//! once, when the last one is durable, so "accepted" still means durable everywhere.

use std::collections::BTreeMap;

use ecomatch_engine::id::AccountId;
use ecomatch_engine::quantity::Cash;
use ecomatch_exchange::{Catalog, Message, Output};
use ecomatch_risk::account::AccountStatus;
use ecomatch_risk::ledger::CashBalance;

use crate::protocol::{AccountView, Answer, SubAccount};

use super::core_thread::{Item, Outcome, Part};

/// One shard's copy: its result and its outputs.
pub type Copy = (Item, Vec<Output>);

/// The copies still waiting for their siblings, by token.
#[derive(Default)]
pub struct Gather {
    waiting: BTreeMap<u64, Vec<Option<Copy>>>,
}

impl Gather {
    /// Keeps one copy; once every copy of its request is in, hands them all back in shard
    /// order.
    pub fn add(&mut self, part: Part, item: &Item, outputs: &[Output]) -> Option<Vec<Copy>> {
        let mut item = item.clone();
        let own = match &mut item.outcome {
            Outcome::Applied { range, .. } => {
                let own = outputs[range.clone()].to_vec();
                *range = 0..own.len();
                own
            }
            Outcome::Answer(_) | Outcome::Rejected(_) => Vec::new(),
        };
        let slots = self
            .waiting
            .entry(part.token)
            .or_insert_with(|| vec![None; part.of as usize]);
        debug_assert!(slots[part.index as usize].is_none(), "one copy per shard");
        slots[part.index as usize] = Some((item, own));
        if slots.iter().any(Option::is_none) {
            return None;
        }
        let slots = self.waiting.remove(&part.token)?;
        Some(slots.into_iter().flatten().collect())
    }
}

/// Which copy answers the request: the first refusal (every shard checks the same account, so
/// they refuse alike), else the home shard's.
pub fn replier(copies: &[Copy]) -> usize {
    copies
        .iter()
        .position(|(item, outputs)| match &item.outcome {
            Outcome::Rejected(_) => true,
            Outcome::Applied { .. } => outputs
                .iter()
                .any(|o| o.reply && matches!(o.msg, Message::Reject(_))),
            Outcome::Answer(_) => false,
        })
        .unwrap_or(0)
}

/// Whether copy `k` passes `out` on before the reply: every order report of every shard, and
/// the account's new status once (from the home shard). The replier's reply goes last.
pub fn passes(k: usize, out: &Output) -> bool {
    !out.reply && (k == 0 || !matches!(out.msg, Message::Status(_)))
}

/// One answer from every shard's answer to a query they all got: `get_account` (see
/// [`merge_accounts`]), `get_accounts` (each account merged alike) and `get_orders` (every
/// shard's open orders, in id order as one shard answers).
pub fn merge(catalog: &Catalog, answers: Vec<Answer>) -> Answer {
    match answers.first() {
        Some(Answer::Accounts(_)) => {
            let mut lists: Vec<std::vec::IntoIter<AccountView>> = answers
                .into_iter()
                .filter_map(|a| match a {
                    Answer::Accounts(v) => Some(v.into_iter()),
                    _ => None,
                })
                .collect();
            let mut merged = Vec::new();
            // Every shard knows every account, in the same order.
            while let Some(views) = lists
                .iter_mut()
                .map(Iterator::next)
                .collect::<Option<Vec<_>>>()
            {
                let views = views.into_iter().map(Answer::Account).collect();
                if let Answer::Account(v) = merge_accounts(catalog, views) {
                    merged.push(v);
                }
            }
            Answer::Accounts(merged)
        }
        Some(Answer::Orders(_)) => {
            let mut orders: Vec<_> = answers
                .into_iter()
                .flat_map(|a| match a {
                    Answer::Orders(v) => v,
                    _ => Vec::new(),
                })
                .collect();
            orders.sort_unstable_by_key(|o| o.id);
            Answer::Orders(orders)
        }
        Some(Answer::Permissions(_)) => {
            let mut all: Vec<_> = answers
                .into_iter()
                .flat_map(|a| match a {
                    Answer::Permissions(v) => v,
                    _ => Vec::new(),
                })
                .collect();
            all.sort_by_key(|(i, _, _)| catalog.rank(*i).unwrap_or(usize::MAX));
            Answer::Permissions(all)
        }
        Some(Answer::Bids(_)) => Answer::Bids(
            answers
                .into_iter()
                .flat_map(|a| match a {
                    Answer::Bids(v) => v,
                    _ => Vec::new(),
                })
                .collect(),
        ),
        Some(Answer::Blocks(_)) => {
            let mut blocks: Vec<_> = answers
                .into_iter()
                .flat_map(|a| match a {
                    Answer::Blocks(v) => v,
                    _ => Vec::new(),
                })
                .collect();
            blocks.sort_unstable_by_key(|b| b.block_id);
            Answer::Blocks(blocks)
        }
        Some(Answer::Pledges(_)) => {
            let mut pledges: Vec<_> = answers
                .into_iter()
                .flat_map(|a| match a {
                    Answer::Pledges(v) => v,
                    _ => Vec::new(),
                })
                .collect();
            pledges.sort_unstable_by_key(|(id, _)| *id);
            Answer::Pledges(pledges)
        }
        _ => merge_accounts(catalog, answers),
    }
}

/// One `account` answer from the sub-accounts of every shard: the cash of all of them (each
/// shard's is in `sub_accounts`, since cash in one shard cannot pay for another's
/// instruments), and every holding, in the market's order of instruments. The status is the
/// home shard's; each shard's own is in `sub_accounts` too, where a crash between the commits
/// of one `kill` in two shards would show.
pub fn merge_accounts(catalog: &Catalog, answers: Vec<Answer>) -> Answer {
    let mut views = answers.into_iter().filter_map(|a| match a {
        Answer::Account(v) => Some(v),
        _ => None,
    });
    let Some(mut merged) = views.next() else {
        return Answer::Account(AccountView {
            account: AccountId(0),
            status: AccountStatus::Active,
            cash: CashBalance::default(),
            holdings: Vec::new(),
            sub_accounts: Some(Vec::new()),
        });
    };
    let mut subs = vec![SubAccount {
        shard: 0,
        status: merged.status,
        cash: merged.cash,
    }];
    for (shard, v) in (1u32..).zip(views) {
        subs.push(SubAccount {
            shard,
            status: v.status,
            cash: v.cash,
        });
        merged.cash = CashBalance {
            available: add(merged.cash.available, v.cash.available),
            held: add(merged.cash.held, v.cash.held),
        };
        merged.holdings.extend(v.holdings);
    }
    merged
        .holdings
        .sort_by_key(|(i, _, _)| catalog.rank(*i).unwrap_or(usize::MAX));
    merged.sub_accounts = Some(subs);
    Answer::Account(merged)
}

/// Cash of two shards together. Each shard's fits 64-bit fen; a sum beyond (no real market
/// comes near 184 trillion yuan) shows the ceiling rather than wrapping, and `sub_accounts`
/// keep the exact figures.
fn add(a: Cash, b: Cash) -> Cash {
    Cash::from_fen(a.fen().saturating_add(b.fen()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecomatch_engine::id::InstrumentId;
    use ecomatch_engine::quantity::Qty;
    use ecomatch_risk::ledger::LotBalance;

    #[test]
    fn accounts_merge_cash_and_holdings_in_market_order() {
        let ex = ecomatch_exchange::demo::exchange();
        let catalog = ex.catalog();
        let cement = catalog.find("zj-cement").expect("demo account");
        let (ls, oj) = (
            InstrumentId::new("LS-FCS-2024").expect("id"),
            InstrumentId::new("OJ-WR-2025").expect("id"),
        );
        let lots = |a, h| LotBalance {
            available: Qty::from_lots(a),
            held: Qty::from_lots(h),
        };
        let cash = |a, h| CashBalance {
            available: Cash::from_fen(a),
            held: Cash::from_fen(h),
        };
        let view = |c, holdings| {
            Answer::Account(AccountView {
                account: cement,
                status: AccountStatus::Active,
                cash: c,
                holdings,
                sub_accounts: None,
            })
        };
        let home = view(cash(10_050, 0), vec![(oj, lots(100, 0), Qty::ZERO)]);
        let other = view(cash(1_000, 225), vec![(ls, lots(5, 1), Qty::from_lots(2))]);
        let Answer::Account(m) = merge_accounts(catalog, vec![home, other]) else {
            panic!("an account answer");
        };
        assert_eq!(m.cash, cash(11_050, 225));
        let order: Vec<InstrumentId> = m.holdings.iter().map(|(i, _, _)| *i).collect();
        assert_eq!(order, [ls, oj]);
        let subs = m.sub_accounts.expect("sub-accounts");
        assert_eq!(subs[1].cash, cash(1_000, 225));
        assert_eq!(subs.iter().map(|s| s.shard).collect::<Vec<_>>(), [0, 1]);
    }
}
