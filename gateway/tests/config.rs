//! The TOML configuration: the example file is the demo market, and bad files are refused with
//! an error that names the entry and the field.

use std::path::Path;

use ecomatch_gateway::config;

fn example() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/market.example.toml"),
    )
    .expect("docs/market.example.toml")
}

#[test]
fn the_example_config_is_the_demo_market() {
    let ex = config::parse(&example()).expect("the example loads");
    ex.check_invariants();
    assert_eq!(
        ex.state_hash(),
        ecomatch_exchange::demo::exchange().state_hash()
    );
}

fn refused(text: &str, expect: &str) {
    let err = config::parse(text)
        .err()
        .unwrap_or_else(|| panic!("accepted a bad config; wanted {expect}"));
    assert!(
        err.to_string().contains(expect),
        "error {err:?} does not mention {expect:?}"
    );
}

#[test]
fn bad_configs_are_refused_with_the_place_and_the_reason() {
    let ex = example();
    refused(
        &ex.replacen("tick = \"0.01\"", "tick = \"0.001\"", 1),
        "instrument[0] (LS-FCS-2024): tick × lot",
    );
    refused(
        &ex.replacen(
            "reference_price = \"50.00\"",
            "reference_price = \"50.005\"",
            1,
        ),
        "reference_price: 50.005 is not a multiple of 0.01",
    );
    refused(
        &ex.replacen(
            "family = \"forestry_carbon_sink\"",
            "family = \"unicorns\"",
            1,
        ),
        "family \"unicorns\"",
    );
    refused(
        &ex.replacen("vintage = 2024\n", "", 1),
        "forestry_carbon_sink needs `vintage`",
    );
    refused(
        &ex.replacen("kind = \"cooperative\"", "kind = \"bank\"", 1),
        "account[1] (lishui-coop): kind \"bank\"",
    );
    refused(
        &ex.replacen("fee_account = \"operator\"", "fee_account = \"nobody\"", 1),
        "fee_account: no account named nobody",
    );
    refused(
        &ex.replacen(
            "fee_account = \"operator\"",
            "fee_account = \"lishui-coop\"",
            1,
        ),
        "fee account must be an operator",
    );
    refused(
        &ex.replacen(
            "\"LS-FCS-2024\" = \"50000\"",
            "\"LS-FCS-2099\" = \"50000\"",
            1,
        ),
        "instrument LS-FCS-2099 is not configured",
    );
    refused(
        &ex.replacen(
            "\"LS-FCS-2024\" = \"50000\"",
            "\"LS-FCS-2024\" = \"0.5\"",
            1,
        ),
        "holdings: 0.5 is not a multiple of 1",
    );
    refused(
        &ex.replacen("band_bps = 1000", "band_bps = 1000\ncolour = \"green\"", 1),
        "unknown field `colour`",
    );
    refused(
        &format!(
            "{ex}\n[[account]]\nname = \"operator\"\nkind = \"operator\"\nregion = \"x\"\nmunicipality = \"x\"\n"
        ),
        "account operator is defined twice",
    );
    refused("fee_account = 3", "invalid type");
}

#[test]
fn the_example_config_lists_the_demo_instruments_exactly() {
    let ex = config::parse(&example()).expect("the example loads");
    let demo = ecomatch_exchange::demo::exchange();
    let specs = |e: &ecomatch_exchange::Exchange| {
        e.listings()
            .map(|l| {
                (
                    l.instrument.clone(),
                    l.fee_bps,
                    l.eligibility.clone(),
                    l.holding_limit,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(specs(&ex), specs(&demo));
}

/// Every configured number is checked against its range when the market loads, with the entry
/// and the field named: a value the engine cannot honour never reaches a trade. (A `fee_bps`
/// above 10000 was accepted and made the first trade's settlement overflow.)
#[test]
fn numbers_out_of_range_are_refused_at_load() {
    let ex = example();
    let fee = ex.replacen("fee_bps = 10\n", "fee_bps = 10001\n", 1);
    assert_ne!(fee, ex);
    refused(&fee, "instrument[0] (LS-FCS-2024): fee_bps: 10001");
    refused(
        &ex.replacen("band_bps = 1000", "band_bps = 10001", 1),
        "instrument[0] (LS-FCS-2024): price band must be at most 10000 bps",
    );
    refused(
        &ex.replacen("max_order_qty = \"1000000\"", "max_order_qty = \"0\"", 1),
        "instrument[0] (LS-FCS-2024): bad fat-finger limit: max_order_qty",
    );
    refused(
        &ex.replacen(
            "max_order_value = \"1000000000.00\"",
            "max_order_value = \"0.00\"",
            1,
        ),
        "instrument[0] (LS-FCS-2024): bad fat-finger limit: max_order_value",
    );
    refused(
        &ex.replacen("max_orders = 100000", "max_orders = 4000000000", 1),
        "instrument[0] (LS-FCS-2024): bad book capacity",
    );
    // The genesis itself refuses a fee beyond the trade's value, whatever built it.
    let (mut genesis, _) = config::parse_genesis(&ex).expect("the example");
    genesis.listings[0].fee_bps = 10_001;
    let e = ecomatch_exchange::Exchange::new(genesis).expect_err("fee above 100 %");
    assert!(e.to_string().contains("fee_bps"), "{e}");
}

/// An account may start with nothing: zero cash or zero holdings in the file are no deposit
/// and no issuance, rather than a refused opening command (`ZERO_AMOUNT`).
#[test]
fn an_account_may_start_with_nothing() {
    let ex = example();
    let text = ex.replacen("cash = \"10000000.00\"", "cash = \"0.00\"", 1);
    assert_ne!(text, ex);
    let market = config::parse(&text).expect("zero cash is allowed");
    let text = ex.replacen("\"LS-FCS-2024\" = \"50000\"", "\"LS-FCS-2024\" = \"0\"", 1);
    assert_ne!(text, ex);
    config::parse(&text).expect("zero holdings are allowed");
    let coop = market.ledger().find("lishui-coop").unwrap();
    assert_eq!(market.ledger().cash(coop).unwrap().available.fen(), 0);
    market.check_invariants();
}
