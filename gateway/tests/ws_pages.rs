//! What the pages read from the server, through the protocol any client can use: display
//! names, open orders, every account for the operator, the GEP headroom, the alert history an
//! operator subscription starts with, and the recent trades and open sealed-bid auctions a
//! market snapshot carries.

mod server;

use serde_json::{Value, json};
use server::{Client, Server, order, scratch};

fn find<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .and_then(|l| l.iter().find(|x| x[key] == value))
        .unwrap_or_else(|| panic!("no {key} = {value} in {list}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_orders_accounts_and_headroom() {
    let dir = scratch("pages-names");
    let server = Server::start(&dir, None);
    let url = server.url();
    let mut anon = Client::connect(&url).await;
    let r = anon.call(json!({"op": "get_directory"})).await;
    assert_eq!(r["code"], "LOGIN_REQUIRED", "{r}");
    let r = anon.call(json!({"op": "get_instruments"})).await;
    let gep = find(&r["instruments"], "instrument", "LS-GEP-2025");
    assert_eq!(gep["name_en"], "Lishui GEP indicator 2025", "{gep}");
    assert_eq!(gep["band_bps"], 1000, "{gep}");
    assert_eq!(gep["modes"][0], "continuous", "{gep}");

    let mut county = Client::login(&url, "demo-longquan-gov").await;
    let r = county.call(json!({"op": "get_directory"})).await;
    let lq = find(&r["accounts"], "account", "longquan-gov");
    assert_eq!(
        (&lq["name_zh"], &lq["name_en"], &lq["kind"]),
        (
            &json!("龙泉市"),
            &json!("Longquan City"),
            &json!("county_government")
        ),
        "{lq}"
    );
    let r = county
        .call(json!({"op": "get_directory", "extra": 1}))
        .await;
    assert_eq!(r["code"], "BAD_REQUEST", "{r}");
    let r = county.call(json!({"op": "get_accounts"})).await;
    assert_eq!(
        r["code"], "FORBIDDEN",
        "a participant lists no accounts: {r}"
    );
    new_queries_refuse_what_they_do_not_take(&mut county).await;

    let gep_of = |r: &Value| find(&r["counties"], "account", "longquan-gov").clone();
    let r = county
        .call(json!({"op": "get_gep", "instrument": "LS-GEP-2025"}))
        .await;
    assert_eq!(gep_of(&r)["may_buy"], "200", "the shortfall: {r}");
    let placed = county
        .call(order("LS-GEP-2025", "buy", "990.00", "50"))
        .await;
    assert_eq!(placed["status"], "new", "{placed}");
    let r = county
        .call(json!({"op": "get_gep", "instrument": "LS-GEP-2025"}))
        .await;
    let row = gep_of(&r);
    assert_eq!(
        (&row["open_buy"], &row["may_buy"], &row["may_sell"]),
        (&json!("50"), &json!("150"), &json!("0")),
        "the open bid counts against the headroom: {row}"
    );
    let r = county.call(json!({"op": "get_orders"})).await;
    assert_eq!(r["type"], "orders", "{r}");
    let mine = &r["orders"][0];
    assert_eq!(
        (
            &mine["order_id"],
            &mine["price"],
            &mine["leaves_qty"],
            &mine["status"]
        ),
        (
            &placed["order_id"],
            &json!("990.00"),
            &json!("50"),
            &json!("new")
        ),
        "{r}"
    );
    let mut cement = Client::login(&url, "demo-zj-cement").await;
    let r = cement.call(json!({"op": "get_orders"})).await;
    assert_eq!(r["orders"], json!([]), "nobody sees another's orders: {r}");
    county
        .call(json!({"op": "cancel_order", "order_id": placed["order_id"]}))
        .await;
    let r = county.call(json!({"op": "get_orders"})).await;
    assert_eq!(r["orders"], json!([]), "{r}");

    let mut op = Client::login(&url, "demo-operator").await;
    let r = op.call(json!({"op": "get_accounts"})).await;
    let accounts = r["accounts"].as_array().expect("accounts");
    assert_eq!(accounts.len(), 18, "every demo account: {r}");
    let coop = find(&r["accounts"], "account", "lishui-coop");
    assert_eq!(
        (&coop["status"], &coop["cash"]["available"]),
        (&json!("active"), &json!("10000000.00")),
        "{coop}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_subscription_starts_with_the_alerts_raised_before() {
    let dir = scratch("pages-alerts");
    let server = Server::start(&dir, None);
    let url = server.url();
    let mut cement = Client::login(&url, "demo-zj-cement").await;
    for price in ["60.00", "61.00"] {
        let r = cement.call(order("LS-FCS-2024", "buy", price, "1")).await;
        assert_eq!(r["code"], "PRICE_OUTSIDE_BAND", "{r}");
    }
    // Two reloads of a console: each hears both alerts, oldest first, after its confirmation.
    for _ in 0..2 {
        let mut op = Client::login(&url, "demo-operator").await;
        let r = op
            .call(json!({"op": "subscribe", "channel": "operator"}))
            .await;
        assert_eq!(r["type"], "subscribed", "{r}");
        let first = op.until(|m| m["type"] == "alert").await;
        let second = op.until(|m| m["type"] == "alert").await;
        assert_eq!(
            (&first["evidence"]["price"], &second["evidence"]["price"]),
            (&json!("60.00"), &json!("61.00")),
            "{first} {second}"
        );
        assert_eq!(first["kind"], "price_band_hit", "{first}");
        assert_eq!(first["accounts"], json!(["zj-cement"]), "{first}");
    }
    // A restart (a crash, even) keeps them: the history is kept beside the log.
    drop(cement);
    server.kill();
    let server = Server::start(&dir, None);
    let mut op = Client::login(&server.url(), "demo-operator").await;
    op.call(json!({"op": "subscribe", "channel": "operator"}))
        .await;
    let first = op.until(|m| m["type"] == "alert").await;
    let second = op.until(|m| m["type"] == "alert").await;
    assert_eq!(
        (&first["evidence"]["price"], &second["evidence"]["price"]),
        (&json!("60.00"), &json!("61.00")),
        "after the restart: {first} {second}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_carries_the_recent_trades_and_the_open_sealed_auctions() {
    let dir = scratch("pages-snapshot");
    let server = Server::start(&dir, None);
    let url = server.url();
    let mut coop = Client::login(&url, "demo-lishui-coop").await;
    let mut cement = Client::login(&url, "demo-zj-cement").await;
    coop.call(order("LS-FCS-2024", "sell", "50.50", "10")).await;
    cement.call(order("LS-FCS-2024", "buy", "50.50", "4")).await;
    let mut op = Client::login(&url, "demo-operator").await;
    let opened = op
        .call(json!({
            "op": "open_sealed_auction", "instrument": "LS-FCS-2024", "seller": "lishui-coop",
            "offer": "100", "reserve": "45.00", "opens_at": "2026-01-01T00:00:00Z",
            "closes_at": "2099-01-01T00:00:00Z", "seed": "00".repeat(32),
        }))
        .await;
    assert_eq!(opened["type"], "done", "{opened}");
    // A reloaded page asks for its fills: the one of this trade, with its time.
    let fills = cement.call(json!({"op": "get_fills"})).await;
    let f = &fills["fills"][0];
    assert_eq!(
        (&f["type"], &f["price"], &f["qty"], &f["side"]),
        (&json!("fill"), &json!("50.50"), &json!("4"), &json!("buy")),
        "{fills}"
    );
    assert!(
        f["time"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{fills}"
    );
    let (bank, pledge_id) = enforce_a_pledge(&url, &mut coop).await;
    let mut late = Client::connect(&url).await;
    let r = late.call(json!({"op": "get_fills"})).await;
    assert_eq!(r["code"], "LOGIN_REQUIRED", "{r}");
    late.call(json!({"op": "subscribe", "channel": "market", "instrument": "LS-FCS-2024"}))
        .await;
    let snap = late.until(|m| m["type"] == "book").await;
    let trades = snap["trades"].as_array().expect("trades");
    assert_eq!(trades.len(), 1, "{snap}");
    assert_eq!(
        (&trades[0][1], &trades[0][2]),
        (&json!("50.50"), &json!("4"))
    );
    assert!(trades[0][0].as_str().is_some_and(|t| t.ends_with('Z')));
    let auctions = snap["sealed_auctions"].as_array().expect("auctions");
    assert_eq!(auctions.len(), 2, "the auction and the disposal: {snap}");
    let disposal = &snap["disposals"][0];
    assert_eq!(
        (
            &disposal["pledge_id"],
            &disposal["pledgee"],
            &disposal["status"]
        ),
        (&pledge_id, &json!("ls-rcb"), &json!("opened")),
        "{snap}"
    );
    assert_eq!(
        (
            &auctions[0]["type"],
            &auctions[0]["auction_id"],
            &auctions[0]["offer"]
        ),
        (
            &json!("sealed_auction"),
            &opened["auction_id"],
            &json!("100")
        ),
        "{snap}"
    );
    drop((coop, cement, op, bank, late));
    server.kill();
    after_a_restart(&dir, &pledge_id).await;
}

/// A disposal of pledged lots: the cooperative pledges 100 t maturing in a second (room for a
/// loaded machine to sequence the registration before it),
/// the bank confirms and enforces after it. Returns the bank's session and the pledge id.
async fn enforce_a_pledge(url: &str, coop: &mut Client) -> (Client, Value) {
    let mut bank = Client::login(url, "demo-ls-rcb").await;
    let maturity = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after the epoch")
        .as_millis()
        + 1_000;
    let pledge = coop
        .call(
            json!({"op": "register_pledge", "pledgee": "ls-rcb", "instrument": "LS-FCS-2024",
            "qty": "100", "secured_amount": "1000.00", "maturity": maturity as u64}),
        )
        .await;
    let pledge_id = pledge["pledge_id"].clone();
    bank.call(json!({"op": "confirm_pledge", "pledge_id": pledge_id}))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let enforced = bank
        .call(
            json!({"op": "enforce_pledge", "pledge_id": pledge_id, "reserve": "45.00",
            "closes_at": "2099-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(enforced["status"], "enforcing", "{enforced}");
    (bank, pledge_id)
}

/// After a restart the snapshot lists the open auction and the disposal again, restored from
/// the state (their notices' numbers are not kept: 0).
async fn after_a_restart(dir: &std::path::Path, pledge_id: &Value) {
    let server = Server::start(dir, None);
    let mut again = Client::connect(&server.url()).await;
    again
        .call(json!({"op": "subscribe", "channel": "market", "instrument": "LS-FCS-2024"}))
        .await;
    let snap = again.until(|m| m["type"] == "book").await;
    assert_eq!(
        snap["sealed_auctions"].as_array().map(Vec::len),
        Some(2),
        "{snap}"
    );
    assert_eq!(
        (
            &snap["disposals"][0]["pledge_id"],
            &snap["disposals"][0]["seq"]
        ),
        (pledge_id, &json!(0)),
        "{snap}"
    );
}

/// Every new query refuses what it does not take, and the session goes on.
async fn new_queries_refuse_what_they_do_not_take(c: &mut Client) {
    for op in [
        "get_fills",
        "get_orders",
        "get_pledges",
        "get_bids",
        "get_blocks",
        "get_permissions",
    ] {
        let r = c.call(json!({"op": op, "since": 1})).await;
        assert_eq!(r["code"], "BAD_REQUEST", "{op}: {r}");
    }
    let r = c
        .call(json!({"op": "confirm_pledge", "pledge_id": "-1"}))
        .await;
    assert_eq!(r["code"], "BAD_PLEDGE_ID", "{r}");
}
