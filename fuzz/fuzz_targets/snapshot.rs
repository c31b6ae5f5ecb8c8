//! The snapshot decoder: any bytes restore onto the (small) demo market or are refused, never a panic;
//! what restores encodes back to the same bytes.
#![no_main]

use ecomatch_exchange::Exchange;
use libfuzzer_sys::fuzz_target;

mod small_market;

fuzz_target!(|data: &[u8]| {
    if let Ok(ex) = Exchange::restore(small_market::exchange(), data) {
        let _ = ex.state_hash();
        let again = ex.snapshot();
        let back = Exchange::restore(small_market::exchange(), &again)
            .expect("a snapshot of a restored state restores");
        assert_eq!(back.snapshot(), again, "snapshot, restore, snapshot");
    }
});
