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
        // Windows of about ±20 % around each reference: a fresh copy per input stays small.
        .replacen("min_price = \"0.01\"\nmax_price = \"200.00\"", "min_price = \"40.00\"\nmax_price = \"60.00\"", 1)
        .replacen("min_price = \"0.01\"\nmax_price = \"200.00\"", "min_price = \"36.00\"\nmax_price = \"54.00\"", 1)
        .replace("min_price = \"1\"\nmax_price = \"10000\"", "min_price = \"3200\"\nmax_price = \"4800\"")
        .replace("min_price = \"0.001\"\nmax_price = \"2.000\"", "min_price = \"0.400\"\nmax_price = \"0.600\"")
        // The GEP indicator (1000.00 at 0.01) with a ±1 % band in a ±2 % window: ±10 % would be
        // 20,000 levels a side, which made every fresh copy cost ~350 µs.
        .replace("reference_price = \"1000.00\"\nband_bps = 1000", "reference_price = \"1000.00\"\nband_bps = 100")
        .replace("min_price = \"0.01\"\nmax_price = \"3000.00\"", "min_price = \"980.00\"\nmax_price = \"1020.00\"")
        .replace("min_price = \"0.01\"\nmax_price = \"200.00\"", "min_price = \"16.00\"\nmax_price = \"24.00\"")
}

static MARKET: LazyLock<Exchange> = LazyLock::new(|| {
    ecomatch_gateway::config::parse(&toml()).expect("the small market loads")
});

/// A fresh copy of the small market at its genesis.
pub fn exchange() -> Exchange {
    MARKET.clone()
}
