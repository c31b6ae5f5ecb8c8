//! The JSON protocol of ecomatch, shared by `ecomatch script` and the WebSocket server
//! (docs/PROTOCOL.md): requests are JSON objects with an `op`, decimals are JSON strings, and
//! every reply has a `type`.
//!
//! The modules form layers, none importing another that imports it back: `error` (stable
//! codes) and `format` (times, bytes) at the bottom; `req_id` and `request` read requests;
//! `convert` turns them into exchange commands against the catalogue, at the edge; `answer`
//! reads queries' answers from the state on the core; `message` holds the typed replies and
//! `encode` turns outputs and answers into them, off the core.

mod answer;
mod convert;
mod encode;
mod error;
mod field;
mod format;
pub mod message;
mod pledge;
mod req_id;
mod request;

pub use answer::{AccountView, Answer, BookView, CountyView, GepView, SubAccount, answer};
pub use convert::{Draft, Pending, convert, to_command};
pub use encode::{
    answer as answer_body, body, opened as auction_notice, recipient, refusal, reject_message,
    status,
};
pub use error::{EdgeCode, EdgeError, all_codes};
pub use format::{hex, parse_time, rfc3339};
pub use message::{Body, Framed};
pub use pledge::notice as disposal_notice;
pub use req_id::ReqId;
pub use request::{Envelope, Query, Request, ShardKey, parse_line, parse_object};
