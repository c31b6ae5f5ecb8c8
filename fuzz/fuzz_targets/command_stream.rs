//! A stream of commands, decoded from the bytes with the log's own command decoder, applied
//! to a fresh (small) demo exchange with every invariant of the simulator's model checked after each:
//! the fuzzer searches the command space for a poison pill the simulator's generator would not
//! think of.
#![no_main]

use ecomatch_engine::id::Seq;
use ecomatch_exchange::wire::Reader;
use ecomatch_sim::model::Model;
use libfuzzer_sys::fuzz_target;

mod small_market;

fuzz_target!(|data: &[u8]| {
    let mut ex = small_market::exchange();
    let mut model = Model::new(&ex);
    let mut r = Reader(data);
    let mut seq = 0;
    let mut out = Vec::new();
    while let Ok(mut cmd) = r.sequenced() {
        seq += 1;
        cmd.seq = Seq(seq);
        let before = ex.state_hash();
        out.clear();
        ex.apply(&cmd, &mut out);
        ex.check_invariants();
        if let Err(e) = model.after(&ex, &cmd, &out, Some(before)) {
            panic!("command {seq} ({cmd:?}): {e}");
        }
        if seq > 64 {
            break;
        }
    }
});
