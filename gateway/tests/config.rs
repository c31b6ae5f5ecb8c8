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
