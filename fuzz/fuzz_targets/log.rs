//! The log's segment and record decoder, and the command decoder of each record's payload:
//! any bytes, as one or two segments, are read back or refused with a place, never a panic.
#![no_main]

use ecomatch_exchange::wire::Reader;
use ecomatch_replay::reader::scan_bytes;
use ecomatch_replay::segment::Kind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |b| usize::from(*b) * 64);
    let body = data.get(1..).unwrap_or_default();
    let (a, b) = body.split_at(split.min(body.len()));
    for segments in [vec![body], vec![a, b]] {
        let _ = scan_bytes(&segments, |r| {
            if r.kind == Kind::Command {
                let _ = Reader(r.payload).sequenced();
            }
            Ok(())
        });
    }
    // The payload decoder alone, on raw bytes.
    let _ = Reader(data).sequenced();
});
