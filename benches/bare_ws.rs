//! `bare-ws`: the yardstick for the WebSocket path. A bare tokio + tokio-tungstenite server
//! that does what any JSON-over-WebSocket server must and nothing more: it reads each text
//! frame, parses it with `serde_json`, and answers with one small JSON reply echoing its
//! `req_id` (and its `type` as `order` for a `new_order`, as ecomatch's first reply is).
//! `ecomatch loadgen --url ws://127.0.0.1:9001/ws --server-pid <pid>` drives it exactly as it
//! drives `ecomatch serve`; BENCHMARKS.md sets the two side by side.
//!
//! Usage: `cargo run --release --bin bare-ws -- [ADDR]` (default 127.0.0.1:9001).

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".to_owned());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(&addr).await?;
        eprintln!("bare-ws listening on ws://{}/ws", listener.local_addr()?);
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                while let Some(Ok(msg)) = ws.next().await {
                    let Message::Text(text) = msg else { continue };
                    let reply = match serde_json::from_str::<Value>(text.as_str()) {
                        Ok(v) => {
                            let kind = if v["op"] == "new_order" {
                                "order"
                            } else {
                                "ok"
                            };
                            json!({"type": kind, "req_id": v["req_id"], "status": "new"})
                        }
                        Err(e) => {
                            json!({"type": "reject", "code": "BAD_JSON", "message": e.to_string()})
                        }
                    };
                    if ws
                        .send(Message::Text(reply.to_string().into()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    })
}
