//! A market cut into shards: each shard is its own core thread, log and state; ids name their
//! shard; cash lives in per-shard sub-accounts; account-wide commands reach every shard and
//! are answered once; a restart recovers every shard; a data directory written for another
//! cut is refused.

mod server;

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use server::{Client, Server, config_with, order, scratch};

/// Shard 0 (home): LS-COD-LD-2025, LS-GEP-2025, KH-EC-2024; shard 1: the carbon sinks;
/// shard 2: the water right.
const SHARDS: &str = "[server]\nshards = [[\"LS-FCS-2024\", \"QZ-FCS-2024\"], [\"OJ-WR-2025\"]]";

fn id(r: &Value, field: &str) -> u64 {
    r[field]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{field} in {r}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sharded_market_trades_routes_and_recovers_as_one() {
    let dir = scratch("shards");
    let config = config_with(&dir, SHARDS);
    let server = Server::start(&dir, Some(&config));
    let url = server.url();
    let mut op = Client::login(&url, "demo-operator").await;
    let mut coop = Client::login(&url, "demo-lishui-coop").await;
    let mut reserve = Client::login(&url, "demo-lishui-reserve").await;
    let mut cement = Client::login(&url, "demo-zj-cement").await;

    // Cash is per shard: the opening cash is at home, shard 1 gets a deposit of its own.
    let r = op
        .call(json!({"op": "deposit", "account": "zj-cement", "amount": "100000.00", "shard": 1}))
        .await;
    assert_eq!(r["type"], "done", "{r}");
    let r = op
        .call(json!({"op": "deposit", "account": "zj-cement", "amount": "1.00", "shard": 3}))
        .await;
    assert_eq!(r["code"], "UNKNOWN_SHARD", "{r}");

    // Each shard numbers its orders in its own space: k+1, k+1+3, ...
    let sell = coop
        .call(order("LS-FCS-2024", "sell", "50.00", "100"))
        .await;
    assert_eq!(id(&sell, "order_id") % 3, 2, "shard 1: {sell}");
    let water = reserve
        .call(order("OJ-WR-2025", "sell", "0.500", "1000"))
        .await;
    assert_eq!(id(&water, "order_id") % 3, 0, "shard 2: {water}");
    let cod = reserve
        .call(order("LS-COD-LD-2025", "sell", "4000", "1.00"))
        .await;
    assert_eq!(id(&cod, "order_id") % 3, 1, "shard 0: {cod}");

    // A buy on shard 1 fills against shard 1's cash; shard 2's sub-account is empty.
    let buy = cement
        .call(order("LS-FCS-2024", "buy", "50.00", "40"))
        .await;
    assert_eq!(id(&buy, "order_id") % 3, 2, "shard 1: {buy}");
    let fill = cement.until(|m| m["type"] == "fill").await;
    assert_eq!(
        (fill["qty"].as_str(), fill["status"].as_str()),
        (Some("40"), Some("filled"))
    );
    assert_eq!(id(&fill, "trade_id") % 3, 2, "a trade of shard 1: {fill}");
    let no_cash = cement
        .call(order("OJ-WR-2025", "buy", "0.500", "1000"))
        .await;
    assert_eq!(no_cash["type"], "reject", "{no_cash}");

    refusals_change_nothing(&mut op, &mut cement).await;

    // Cancels find their shard from the id alone.
    let cancel = json!({"op": "cancel_order", "order_id": sell["order_id"]});
    let r = coop.call(cancel).await;
    assert_eq!(r["status"], "canceled", "{r}");

    // get_account gathers the sub-accounts: 10,000,000 at home + 100,000 - 40 × 50.00 paid
    // - 2.00 fee (10 bps).
    let account = cement.call(json!({"op": "get_account"})).await;
    let subs = account["sub_accounts"].as_array().expect("sub-accounts");
    assert_eq!(subs.len(), 3, "{account}");
    assert_eq!(subs[1]["cash"]["available"], "97998.00", "{account}");
    assert_eq!(subs[2]["status"], "active", "{account}");
    assert_eq!(account["cash"]["available"], "10097998.00", "{account}");
    let holdings = account["holdings"].as_array().expect("holdings");
    assert_eq!(holdings[0]["instrument"], "LS-FCS-2024", "{account}");
    assert_eq!(holdings[0]["available"], "40", "{account}");
    lists_gather_every_shard(&mut op, &mut reserve, &account, [&water, &cod]).await;

    kill_reaches_every_shard(&mut op, &mut reserve, [&water, &cod]).await;
    let (_, metrics) = server.get("/metrics");
    assert!(
        metrics.contains("ecomatch_input_queue_depth{shard=\"2\"}"),
        "{metrics}"
    );

    // A crash and a restart: every shard recovers, and numbering goes on in each space.
    let before = strip(account);
    drop((op, coop, reserve, cement));
    server.kill();
    let server = Server::start(&dir, Some(&config));
    let mut cement = Client::login(&server.url(), "demo-zj-cement").await;
    let after = strip(cement.call(json!({"op": "get_account"})).await);
    assert_eq!(before, after, "sub-accounts after the restart");
    let next = cement.call(order("LS-FCS-2024", "buy", "45.00", "1")).await;
    assert_eq!(id(&next, "order_id"), id(&buy, "order_id") + 3, "{next}");
    drop(cement);
    drop(server);

    // An auditor replays one shard's log on its own: its genesis says which shard it is.
    let out = Command::new(env!("CARGO_BIN_EXE_ecomatch"))
        .args(["replay", "--verify", "--book", "LS-FCS-2024"])
        .arg(dir.join("data").join("shard-1"))
        .output()
        .expect("replay");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("45.00"),
        "the resting bid of the restart:\n{text}"
    );

    a_different_cut_is_refused(&dir, &config);
}

/// The operator's list of accounts gathers each account's sub-accounts as `get_account` does,
/// and a participant's open orders come from every shard, in id order.
async fn lists_gather_every_shard(
    op: &mut Client,
    reserve: &mut Client,
    account: &Value,
    [water, cod]: [&Value; 2],
) {
    let all = op.call(json!({"op": "get_accounts"})).await;
    let mine = all["accounts"]
        .as_array()
        .and_then(|l| l.iter().find(|a| a["account"] == "zj-cement"))
        .expect("zj-cement listed");
    let mut alone = strip(account.clone());
    for envelope in ["to", "type"] {
        alone.as_object_mut().map(|o| o.remove(envelope));
    }
    assert_eq!(mine, &alone, "as get_account answers it: {all}");
    assert_eq!(all["accounts"].as_array().map(Vec::len), Some(18), "{all}");
    let open = reserve.call(json!({"op": "get_orders"})).await;
    let ids: Vec<&Value> = open["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| &o["order_id"])
        .collect();
    assert_eq!(
        ids,
        [&cod["order_id"], &water["order_id"]],
        "in id order: {open}"
    );
}

/// What names no shard goes to the home shard and gets the usual refusal; nothing moves.
async fn refusals_change_nothing(op: &mut Client, cement: &mut Client) {
    let before = cement.call(json!({"op": "get_account"})).await;
    for (req, code) in [
        (
            json!({"op": "cancel_order", "order_id": "seventeen"}),
            "BAD_ORDER_ID",
        ),
        (
            json!({"op": "cancel_order", "order_id": "999"}),
            "UNKNOWN_ORDER",
        ),
        (order("XX-1", "buy", "1.00", "1"), "UNKNOWN_INSTRUMENT"),
        (
            json!({"op": "accept_block", "block_id": "x"}),
            "BAD_BLOCK_ID",
        ),
        (json!({"op": "get_account", "shard": 1}), "BAD_REQUEST"),
    ] {
        let r = cement.call(req.clone()).await;
        assert_eq!(r["code"], code, "{req} -> {r}");
    }
    let r = op
        .call(json!({"op": "withdraw", "account": "zj-cement", "amount": "1.00", "shard": -1}))
        .await;
    assert_eq!(r["code"], "BAD_REQUEST", "{r}");
    let after = cement.call(json!({"op": "get_account"})).await;
    assert_eq!(strip(before), strip(after), "refusals change nothing");
}

/// The kill switch reaches every shard and is answered once; the account hears of its new
/// status once, and of the cancel of each of its `resting` orders, whatever their shard.
async fn kill_reaches_every_shard(op: &mut Client, reserve: &mut Client, resting: [&Value; 2]) {
    let kill = op
        .call(json!({"op": "kill", "account": "lishui-reserve"}))
        .await;
    assert_eq!(
        (kill["type"].as_str(), kill["op"].as_str()),
        (Some("done"), Some("kill"))
    );
    let mut canceled = Vec::new();
    let mut statuses = 0;
    while canceled.len() < 2 {
        let m = reserve.next().await.expect("open");
        if m["type"] == "account_status" {
            statuses += 1;
        } else if m["status"] == "canceled" {
            canceled.push(id(&m, "order_id"));
        }
    }
    canceled.sort_unstable();
    let mut expected = resting.map(|o| id(o, "order_id"));
    expected.sort_unstable();
    assert_eq!(canceled, expected);
    // Everything of the kill was queued before the pong: count what is left up to it.
    reserve.send(json!({"op": "ping"})).await;
    loop {
        let m = reserve.next().await.expect("open");
        match m["type"].as_str() {
            Some("pong") => break,
            Some("account_status") => statuses += 1,
            _ => {}
        }
    }
    assert_eq!(statuses, 1, "one status message, not one per shard");
    let r = op
        .call(json!({"op": "set_account_status", "account": "lishui-reserve", "status": "active"}))
        .await;
    assert_eq!(r["type"], "done", "{r}");
}

/// The same data directory cut differently is refused, naming the shard.
fn a_different_cut_is_refused(dir: &Path, config: &Path) {
    let data = dir.join("data");
    let other = dir.join("other.toml");
    let text = std::fs::read_to_string(config)
        .expect("config")
        .replace(SHARDS, "[server]\nshards = [[\"OJ-WR-2025\"]]");
    std::fs::write(&other, text).expect("write");
    let err = refused(&data, &other);
    assert!(err.contains("shard"), "{err}");
    // The right cut with a shard's log gone: refused too, since a fresh shard 2 would give
    // out ids its clients already hold.
    std::fs::rename(data.join("shard-2"), dir.join("shard-2-away")).expect("move");
    let err = refused(&data, config);
    assert!(err.contains("shard 2 has none"), "{err}");
}

/// Starts `serve` on `data` with `config`, expects it to refuse, and returns what it said.
fn refused(data: &Path, config: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ecomatch"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .arg("--config")
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{err}");
    err
}

fn strip(mut v: Value) -> Value {
    v.as_object_mut().expect("object").remove("req_id");
    v
}
