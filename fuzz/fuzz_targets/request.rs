//! The JSON request decoder and the conversion into a command, on the demo market: any bytes,
//! as `ecomatch script` and `ecomatch serve` read them, must come back as a request or a
//! refusal with a code, never a panic.
#![no_main]

use std::sync::LazyLock;

use ecomatch_exchange::Exchange;
use ecomatch_gateway::protocol;
use libfuzzer_sys::fuzz_target;

static DEMO: LazyLock<Exchange> = LazyLock::new(ecomatch_exchange::demo::exchange);

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for script in [true, false] {
        let env = protocol::parse_line(text, script);
        if let Ok(request) = &env.request {
            let actor = DEMO.fee_account();
            // At the edge against the catalogue (a market of up to 4 shards), then on the core.
            if let Ok(draft) = protocol::convert(DEMO.catalog(), 4, request) {
                let _ = draft.resolve(&DEMO, actor);
            }
            let _ = request.shard_key();
        }
        if let Some(id) = &env.req_id {
            let body = protocol::Body::Pong(protocol::message::Pong {});
            let out = protocol::Framed::new(Some("public"), &body, Some(id)).text();
            assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok(), "{out}");
        }
        let _ = protocol::parse_time(env.at.as_ref());
    }
});
