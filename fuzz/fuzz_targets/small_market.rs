//! The demo market with small books (64 orders and levels, narrow price windows), so that a
//! fresh copy per input costs microseconds: the same instruments, accounts and balances.

use std::sync::LazyLock;

use ecomatch_exchange::Exchange;

/// The market's TOML: docs/market.example.toml with small capacities and windows.
pub fn toml() -> String {
    let example = include_str!("../../docs/market.example.toml");
    example
        .replace("max_orders = 100000", "max_orders = 64")
        .replace("max_orders = 10000", "max_orders = 64")
        .replace("max_levels = 10000", "max_levels = 64")
        .replace("max_price = \"200.00\"", "max_price = \"70.00\"")
        .replace("max_price = \"10000\"", "max_price = \"6000\"")
        .replace("min_price = \"0.01\"\nmax_price = \"3000.00\"", "min_price = \"800.00\"\nmax_price = \"1300.00\"")
}

static MARKET: LazyLock<Exchange> = LazyLock::new(|| {
    ecomatch_gateway::config::parse(&toml()).expect("the small market loads")
});

/// A fresh copy of the small market at its genesis.
pub fn exchange() -> Exchange {
    MARKET.clone()
}
