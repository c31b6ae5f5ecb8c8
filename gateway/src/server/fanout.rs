//! Requests that every shard applies: an account's status, the kill switch and `get_account`.
//! Each shard applies its copy on its own; the publisher gathers the copies here and answers
//! once, when the last one is durable, so "accepted" still means durable everywhere.

use std::collections::BTreeMap;
use std::str::FromStr;

use ecomatch_exchange::{Exchange, Message, Output};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

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

/// One `account` reply from the sub-accounts of every shard: the cash of all of them (each
/// shard's is in `sub_accounts`, since cash in one shard cannot pay for another's
/// instruments), and every holding, in the market's order of instruments. The status is the
/// home shard's; each shard's own is in `sub_accounts` too, where a crash between the commits
/// of one `kill` in two shards would show.
pub fn merge_accounts(catalog: &Exchange, answers: &[Value]) -> Value {
    let Some(Value::Object(first)) = answers.first() else {
        return Value::Null;
    };
    if first.get("type").and_then(Value::as_str) != Some("account") {
        return Value::Object(first.clone()); // a refusal: the same from every shard
    }
    let field = |v: &Value, side: &str| {
        v.pointer(&format!("/cash/{side}"))
            .and_then(Value::as_str)
            .and_then(|s| Decimal::from_str(s).ok())
            .unwrap_or_default()
    };
    let mut subs = Vec::with_capacity(answers.len());
    let (mut available, mut held) = (Decimal::ZERO, Decimal::ZERO);
    let mut holdings: Vec<Value> = Vec::new();
    for (k, a) in answers.iter().enumerate() {
        available += field(a, "available");
        held += field(a, "held");
        let status = a.get("status").cloned().unwrap_or(Value::Null);
        let cash = a.get("cash").cloned().unwrap_or(Value::Null);
        subs.push(json!({"shard": k, "status": status, "cash": cash}));
        if let Some(Value::Array(h)) = a.get("holdings") {
            holdings.extend(h.iter().cloned());
        }
    }
    let order: Vec<String> = catalog
        .listings()
        .map(|l| l.instrument.spec().id.as_str().to_owned())
        .collect();
    let rank = |h: &Value| {
        let name = h.get("instrument").and_then(Value::as_str).unwrap_or("");
        order.iter().position(|n| n == name).unwrap_or(usize::MAX)
    };
    holdings.sort_by_key(rank);
    let mut out = Map::new();
    for (key, value) in first {
        let value = match key.as_str() {
            "cash" => json!({"available": fen(available), "held": fen(held)}),
            "holdings" => Value::Array(core::mem::take(&mut holdings)),
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    out.insert("sub_accounts".into(), Value::Array(subs));
    Value::Object(out)
}

fn fen(d: Decimal) -> String {
    let mut d = d;
    d.rescale(2);
    d.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_merge_cash_and_holdings_in_market_order() {
        let catalog = ecomatch_exchange::demo::exchange();
        let home = json!({"type": "account", "req_id": 7, "account": "zj-cement",
            "cash": {"available": "100.50", "held": "0.00"},
            "holdings": [{"instrument": "OJ-WR-2025", "available": "100", "held": "0"}]});
        let other = json!({"type": "account", "req_id": 7, "account": "zj-cement",
            "cash": {"available": "10.00", "held": "2.25"},
            "holdings": [{"instrument": "LS-FCS-2024", "available": "5", "held": "1"}]});
        let m = merge_accounts(&catalog, &[home, other]);
        assert_eq!(m["req_id"], 7);
        assert_eq!(m["cash"], json!({"available": "110.50", "held": "2.25"}));
        let names: Vec<&str> = m["holdings"]
            .as_array()
            .expect("holdings")
            .iter()
            .map(|h| h["instrument"].as_str().expect("name"))
            .collect();
        assert_eq!(names, ["LS-FCS-2024", "OJ-WR-2025"]);
        assert_eq!(m["sub_accounts"][1]["cash"]["held"], "2.25");
    }
}
