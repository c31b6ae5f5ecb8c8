//! Refusals at the edge: every code the protocol layer gives before a command reaches the
//! exchange, each shown through the script driver, and each leaving the exchange untouched.

use ecomatch_gateway::script::Script;
use serde_json::Value;

/// Runs one line and returns the single reply, checking the exchange did not change.
/// The demo market behind the JSON-lines front end, without a log.
fn script() -> Script {
    let seq = ecomatch_gateway::sequencer::Sequencer::new(ecomatch_exchange::demo::exchange());
    Script::new(seq, false)
}

fn reply(driver: &mut Script, line: &str) -> Value {
    let before = driver.sequencer().exchange().state_hash();
    let mut out = Vec::new();
    driver.line(line, &mut out).expect("write to a Vec");
    assert_eq!(
        driver.sequencer().exchange().state_hash(),
        before,
        "an edge refusal changes nothing: {line}"
    );
    let text = String::from_utf8(out).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "one reply to {line}: {text}");
    serde_json::from_str(lines[0]).expect("replies are JSON")
}

fn code(driver: &mut Script, line: &str) -> String {
    let v = reply(driver, line);
    assert_eq!(v["type"], "reject", "{v}");
    v["code"].as_str().expect("code").to_owned()
}

const AT: &str = r#""as":"zj-cement","at":"2026-03-02T09:30:00Z""#;

fn order(fields: &str) -> String {
    format!(r#"{{{AT},"op":"new_order","instrument":"LS-FCS-2024",{fields}}}"#)
}

#[test]
fn every_edge_code() {
    let mut d = script();
    let cases = [
        ("not json".to_owned(), "BAD_JSON"),
        ("[1,2]".to_owned(), "BAD_JSON"),
        (format!(r#"{{{AT},"op":"launch"}}"#), "UNKNOWN_OP"),
        (
            order(r#""side":"buy","type":"limit","price":"50.00","qty":"1","colour":"red""#),
            "BAD_REQUEST",
        ),
        (
            order(r#""side":"buy","type":"limit","price":50.0,"qty":"1""#),
            "BAD_REQUEST",
        ),
        (
            order(r#""side":"up","type":"limit","price":"50.00","qty":"1""#),
            "BAD_REQUEST",
        ),
        (
            r#"{"at":"2026-03-02T09:30:00Z","op":"get_account"}"#.to_owned(),
            "BAD_REQUEST",
        ),
        (
            r#"{"as":"zj-cement","at":"yesterday","op":"get_account"}"#.to_owned(),
            "BAD_TIME",
        ),
        (
            r#"{"as":"zj-cement","op":"get_account"}"#.to_owned(),
            "BAD_TIME",
        ),
        (
            r#"{"as":"nobody","at":1,"op":"get_account"}"#.to_owned(),
            "UNKNOWN_ACCOUNT",
        ),
        (
            order(r#""side":"buy","type":"limit","price":"5e1","qty":"1""#),
            "BAD_DECIMAL",
        ),
        (
            order(r#""side":"buy","type":"limit","price":"","qty":"1""#),
            "BAD_DECIMAL",
        ),
        (
            order(r#""side":"buy","type":"limit","price":"50.001","qty":"1""#),
            "PRICE_NOT_ON_TICK",
        ),
        (
            order(r#""side":"buy","type":"limit","price":"50.00","qty":"1.5""#),
            "QTY_NOT_ON_LOT",
        ),
        (
            order(r#""side":"buy","type":"limit","price":"50.00","qty":"-1""#),
            "NEGATIVE_VALUE",
        ),
        (
            order(r#""side":"buy","type":"limit","price":"50.00","qty":"99999999999999999999999""#),
            "VALUE_TOO_LARGE",
        ),
        (
            order(r#""side":"buy","type":"limit","qty":"1""#),
            "MISSING_PRICE",
        ),
        (
            order(r#""side":"buy","type":"market","price":"50.00","qty":"1""#),
            "UNEXPECTED_PRICE",
        ),
        (
            order(&format!(
                r#""side":"buy","type":"limit","price":"50.00","qty":"1","client_order_id":"{}""#,
                "x".repeat(37)
            )),
            "BAD_CLIENT_ORDER_ID",
        ),
        (
            format!(r#"{{{AT},"op":"cancel_order","order_id":"seventeen"}}"#),
            "BAD_ORDER_ID",
        ),
        (
            format!(r#"{{{AT},"op":"amend_order","order_id":"1"}}"#),
            "BAD_REQUEST",
        ),
        (
            format!(
                r#"{{{AT},"op":"new_order","instrument":"XX-1","side":"buy","type":"limit","price":"1","qty":"1"}}"#
            ),
            "UNKNOWN_INSTRUMENT",
        ),
        (
            format!(r#"{{{AT},"op":"deposit","account":"nobody","amount":"1.00"}}"#),
            "UNKNOWN_ACCOUNT",
        ),
        (
            format!(r#"{{{AT},"op":"deposit","account":"zj-cement","amount":"1.001"}}"#),
            "AMOUNT_NOT_IN_FEN",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(code(&mut d, &line), want, "{line}");
    }
}

/// The sub-account of a deposit or withdrawal: a market of one shard has only shard 0.
#[test]
fn shard_edge_codes() {
    let mut d = script();
    let cases = [
        (
            format!(r#"{{{AT},"op":"deposit","account":"zj-cement","amount":"1.00","shard":1}}"#),
            "UNKNOWN_SHARD",
        ),
        (
            format!(r#"{{{AT},"op":"withdraw","account":"zj-cement","amount":"1.00","shard":-1}}"#),
            "BAD_REQUEST",
        ),
        (
            format!(
                r#"{{{AT},"op":"deposit","account":"zj-cement","amount":"1.00","shard":"home"}}"#
            ),
            "BAD_REQUEST",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(code(&mut d, &line), want, "{line}");
    }
    let home =
        format!(r#"{{{AT},"op":"deposit","account":"zj-cement","amount":"1.00","shard":0}}"#);
    assert_eq!(
        code(&mut d, &home),
        "NOT_AUTHORIZED",
        "shard 0 is this market: only the role is wrong"
    );
}

#[test]
fn req_id_is_echoed_on_refusals_and_queries() {
    let mut d = script();
    let v = reply(
        &mut d,
        r#"{"as":"zj-cement","at":1,"req_id":{"k":[1]},"op":"nope"}"#,
    );
    assert_eq!(v["req_id"], serde_json::json!({"k": [1]}));
    assert_eq!(v["to"], "zj-cement");
    let v = reply(
        &mut d,
        r#"{"as":"zj-cement","at":1,"req_id":7,"op":"get_book","instrument":"LS-FCS-2024","depth":1}"#,
    );
    assert_eq!(
        (v["type"].as_str(), v["req_id"].as_i64()),
        (Some("book"), Some(7))
    );
}

#[test]
fn sealed_auction_edge_codes() {
    let mut d = script();
    let open = |extra: &str| {
        format!(
            r#"{{"as":"operator","at":"2026-03-02T09:00:00Z","op":"open_sealed_auction","instrument":"LS-FCS-2024","seller":"lishui-coop","offer":"1000","reserve":"45.00","opens_at":"2026-03-02T09:30:00Z","closes_at":"2026-03-02T11:30:00Z",{extra}}}"#
        )
    };
    let seed = format!(r#""seed":"{}""#, "ab".repeat(32));
    let cases = [
        (open(r#""seed":"abc""#), "BAD_SEED"),
        (
            open(&format!(r#""seed":"{}""#, "+f".repeat(32))),
            "BAD_SEED",
        ),
        (
            open(&format!(r#"{seed},"bidder_limit":"12.345""#)),
            "BAD_PURCHASE_LIMIT",
        ),
        (
            open(&format!(r#"{seed},"group_limit":"0""#)),
            "BAD_PURCHASE_LIMIT",
        ),
        (
            open(&format!(r#"{seed},"group_limit":"100.01""#)),
            "BAD_PURCHASE_LIMIT",
        ),
        // A repeated field takes the last value, as serde_json does.
        (
            open(&format!(r#"{seed},"reserve":"45.001""#)),
            "PRICE_NOT_ON_TICK",
        ),
        (
            open(&format!(r#"{seed},"cap":"45.001""#)),
            "PRICE_NOT_ON_TICK",
        ),
        (open(&format!(r#"{seed},"offer":"1.5""#)), "QTY_NOT_ON_LOT"),
        (
            format!(r#"{{{AT},"op":"sealed_bid","auction_id":"one","price":"50.00","qty":"1"}}"#),
            "BAD_AUCTION_ID",
        ),
        (
            format!(r#"{{{AT},"op":"sealed_bid","auction_id":"9","price":"50.00","qty":"1"}}"#),
            "UNKNOWN_AUCTION",
        ),
        (
            format!(r#"{{{AT},"op":"withdraw_bid","bid_id":"-1"}}"#),
            "BAD_BID_ID",
        ),
        (
            format!(r#"{{{AT},"op":"amend_bid","bid_id":"1"}}"#),
            "BAD_REQUEST",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(code(&mut d, &line), want, "{line}");
    }
    // A well-formed opening passes the edge; its bids convert with the instrument's tick.
    let mut out = Vec::new();
    let line = open(&format!(r#"{seed},"bidder_limit":"12.5""#));
    d.line(&line, &mut out).expect("write to a Vec");
    let text = String::from_utf8(out).expect("utf-8");
    let notice: Value = serde_json::from_str(text.lines().nth(1).expect("a notice")).unwrap();
    assert_eq!(notice["bidder_limit"], "125", "12.5 % of 1,000");
    let done: Value = serde_json::from_str(text.lines().last().expect("a reply")).unwrap();
    assert_eq!(
        (done["type"].as_str(), done["auction_id"].as_str()),
        (Some("done"), Some("1"))
    );
    let bid = format!(r#"{{{AT},"op":"sealed_bid","auction_id":"1","price":"50.005","qty":"1"}}"#);
    assert_eq!(code(&mut d, &bid), "PRICE_NOT_ON_TICK");
}
