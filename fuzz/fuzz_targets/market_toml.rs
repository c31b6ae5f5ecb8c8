//! The market TOML loader: any text loads into a market that holds its invariants, or is
//! refused with a message, never a panic (an out-of-range number once loaded and killed the
//! first trade).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(ex) = ecomatch_gateway::config::parse(text) {
        ex.check_invariants();
    }
    let _ = ecomatch_gateway::server::settings::from_toml(text, None);
});
