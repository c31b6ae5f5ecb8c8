//! One WebSocket session: login, roles, rate limits, and the requests it hands to the core.
//!
//! A session is two tokio tasks: this reader, and a writer that drains the session's bounded
//! outbox and sends keepalive pings. Everything a session says to the core goes through the
//! shard's bounded queue with `try_send`: a full queue is a `BUSY` refusal, never a wait.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use ecomatch_engine::id::{AccountId, InstrumentId};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Message as Ws, Utf8Bytes};

use super::Route;
use super::Shared;
use super::core_thread::{Inbound, Part, SessionId, Work};
use super::limit::Bucket;
use super::publisher::{Channel, Control, Frames, Kill};
use crate::protocol::message::{self as m, Body, Framed};
use crate::protocol::{self, EdgeCode, EdgeError, ReqId};

/// Who is logged in on a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The account.
    pub account: AccountId,
    /// Whether it is an operator.
    pub operator: bool,
}

struct Session {
    id: SessionId,
    shared: Arc<Shared>,
    peer: SocketAddr,
    who: Option<Identity>,
    cancel_on_disconnect: bool,
    bucket: Bucket,
    limited_in_a_row: u32,
    failed_logins: u32,
    subscriptions: usize,
    outbox: mpsc::Sender<Frames>,
    kill: Arc<Kill>,
}

/// What a request did to the session.
enum Next {
    Continue,
    Close(&'static str),
}

/// Runs a session on an upgraded stream until it closes.
pub async fn run<S>(
    ws: WebSocketStream<S>,
    shared: Arc<Shared>,
    peer: SocketAddr,
    who: Option<Identity>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let id = shared.next_session.fetch_add(1, Ordering::Relaxed);
    let limits = shared.settings.limits.clone();
    let (outbox, rx) = mpsc::channel(limits.outbound_queue.max(1));
    let kill = Arc::new(Kill::default());
    let opened = Control::Open {
        id,
        outbox: outbox.clone(),
        kill: Arc::clone(&kill),
        limit: limits.outbound_queue.max(1),
    };
    if shared.control.try_send(opened).is_err() {
        return; // the publisher is overwhelmed or gone: refuse the session outright
    }
    let (sink, mut stream) = ws.split();
    let writer = tokio::spawn(write_loop(
        sink,
        rx,
        Arc::clone(&kill),
        limits.ping_interval(),
    ));
    let mut s = Session {
        id,
        bucket: Bucket::new(limits.conn_rate, limits.conn_burst, Instant::now()),
        shared,
        peer,
        who: None,
        cancel_on_disconnect: false,
        limited_in_a_row: 0,
        failed_logins: 0,
        subscriptions: 0,
        outbox,
        kill: Arc::clone(&kill),
    };
    if let Some(w) = who {
        s.logged_in(w, None);
    }
    let deadline = tokio::time::Instant::now() + limits.login_timeout();
    let idle = limits.ping_interval() * 3;
    let reason = loop {
        let must_login = s.who.is_none() && !s.shared.settings.anonymous_read;
        tokio::select! {
            r = kill.fired() => break r,
            () = s.shared.health.failed() => break "server_failure",
            () = tokio::time::sleep_until(deadline), if must_login => break "login_timeout",
            frame = tokio::time::timeout(idle, stream.next()) => match frame {
                Err(_) => break "idle_timeout",
                Ok(None) => break "read_error",
                Ok(Some(Err(e))) => break read_failure(&e),
                Ok(Some(Ok(Ws::Text(t)))) => match s.text(t.as_str()) {
                    Next::Continue => {}
                    Next::Close(r) => break r,
                },
                Ok(Some(Ok(Ws::Binary(_)))) => s.reject(None, EdgeCode::BadJson, "frames must be JSON text"),
                Ok(Some(Ok(Ws::Close(_)))) => break "client_closed",
                Ok(Some(Ok(_))) => {} // ping, pong: tungstenite answers pings itself
            },
        }
    };
    kill.fire(reason);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), writer).await;
    s.close();
}

/// Why a read failed, as the close reason: RFC 6455 gives a message over the size limit
/// 1009, text that is not UTF-8 1007, and other protocol violations 1002.
fn read_failure(e: &tokio_tungstenite::tungstenite::Error) -> &'static str {
    use tokio_tungstenite::tungstenite::Error;
    match e {
        Error::Capacity(_) => "message_too_big",
        Error::Utf8(_) => "invalid_utf8",
        Error::Protocol(_) => "protocol_error",
        _ => "read_error",
    }
}

/// The close code of a close reason.
fn close_code(reason: &str) -> CloseCode {
    match reason {
        "client_closed" => CloseCode::Normal,
        "slow_consumer" | "rate_limit_abuse" | "too_many_failed_logins" | "login_timeout" => {
            CloseCode::Policy
        }
        "message_too_big" => CloseCode::Size,
        "invalid_utf8" => CloseCode::Invalid,
        "protocol_error" => CloseCode::Protocol,
        "server_failure" => CloseCode::Error,
        _ => CloseCode::Away,
    }
}

/// Writes the outbox and the pings until the session is told to close, then sends the close
/// frame. Every write races the close request: a client that stops reading fills its socket
/// and a write would wait forever, so a session declared slow (or closed for any reason) lets
/// go of its socket, task and queued messages within [`CLOSE_WAIT`], read or not.
///
/// Each wake-up writes everything queued by then (each batch of the core comes as one piece;
/// up to [`BATCH`] messages) and flushes once: one `sendto` for the order report, the fill and
/// the trade of a request, not three.
async fn write_loop<S>(
    mut sink: futures_util::stream::SplitSink<WebSocketStream<S>, Ws>,
    mut rx: mpsc::Receiver<Frames>,
    kill: Arc<Kill>,
    ping: std::time::Duration,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut tick = tokio::time::interval(ping);
    tick.tick().await;
    let reason = loop {
        // `None`: the keepalive's turn.
        let first: Option<Frames> = tokio::select! {
            msg = rx.recv() => match msg {
                Some(frames) => Some(frames),
                None => break None,
            },
            _ = tick.tick() => None,
            reason = kill.fired() => break Some(reason),
        };
        let batch = async {
            let mut written = 0;
            if first.is_none() {
                sink.feed(Ws::Ping(Vec::new().into())).await?;
            }
            let mut next = first;
            while let Some(frames) = next.take() {
                written += frames.len();
                for text in frames {
                    sink.feed(Ws::Text(text)).await?;
                }
                if written < BATCH {
                    next = rx.try_recv().ok();
                }
            }
            sink.flush().await.map(|()| written)
        };
        tokio::select! {
            r = batch => match r {
                Ok(written) => {
                    kill.backlog.fetch_sub(written, Ordering::Relaxed);
                }
                Err(_) => break None,
            },
            reason = kill.fired() => break Some(reason),
        }
    };
    if let Some(reason) = reason {
        let frame = CloseFrame {
            code: close_code(reason),
            reason: reason.into(),
        };
        let _ = tokio::time::timeout(CLOSE_WAIT, sink.send(Ws::Close(Some(frame)))).await;
    }
    // The reader may still be waiting: wake it whatever ended the writer.
    kill.fire("write_error");
}

/// The most frames one wake-up of a session's writer sends before it flushes.
const BATCH: usize = 256;

/// The longest a closing session waits to send its close frame.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_millis(500);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginReq {
    api_key: String,
    #[serde(default)]
    cancel_on_disconnect: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscribeReq {
    channel: String,
    instrument: Option<String>,
}

impl Session {
    /// Sends a reply of the session itself, with the request's `req_id`.
    fn send(&self, body: &Body, req_id: Option<&ReqId>) {
        // A full outbox here means the session is already being closed as a slow consumer.
        let text = Framed::new(None, body, req_id).text();
        self.kill.backlog.fetch_add(1, Ordering::Relaxed);
        let _ = self.outbox.try_send(vec![Utf8Bytes::from(text)]);
    }

    fn reject(&self, req_id: Option<&ReqId>, code: EdgeCode, message: &str) {
        self.shared.metrics.reject(code.as_str());
        let body = protocol::refusal(&EdgeError::new(code, message));
        self.send(&body, req_id);
    }

    fn text(&mut self, text: &str) -> Next {
        let map = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                self.reject(None, EdgeCode::BadJson, "a request is a JSON object");
                return Next::Continue;
            }
            Err(e) => {
                self.reject(None, EdgeCode::BadJson, &e.to_string());
                return Next::Continue;
            }
        };
        let req_id = map.get("req_id").map(|v| ReqId::exact(v, text));
        if !self.admit() {
            self.limited_in_a_row += 1;
            if self.limited_in_a_row > self.shared.settings.limits.abuse_after {
                return Next::Close("rate_limit_abuse");
            }
            self.reject(
                req_id.as_ref(),
                EdgeCode::RateLimited,
                "too many requests: slow down",
            );
            return Next::Continue;
        }
        self.limited_in_a_row = 0;
        let op = map
            .get("op")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        match op.as_str() {
            "login" => self.login(map, req_id.as_ref()),
            "subscribe" | "unsubscribe" => {
                self.subscribe(map, req_id, op == "subscribe");
                Next::Continue
            }
            "get_directory" => {
                self.directory(&map, req_id.as_ref());
                Next::Continue
            }
            "get_fills" => {
                self.fills(&map, req_id);
                Next::Continue
            }
            "ping" | "get_instruments" => {
                if let Some(field) = map.keys().find(|k| *k != "op" && *k != "req_id") {
                    let message = format!("unknown field `{field}`: {op} takes no fields");
                    self.reject(req_id.as_ref(), EdgeCode::BadRequest, &message);
                } else if op == "ping" {
                    self.send(&Body::Pong(m::Pong {}), req_id.as_ref());
                } else if self
                    .shared
                    .control
                    .try_send(Control::Instruments {
                        id: self.id,
                        req_id,
                    })
                    .is_err()
                {
                    self.reject(None, EdgeCode::Busy, "the server is busy: try again");
                }
                Next::Continue
            }
            _ => {
                self.request(map, req_id.as_ref(), text);
                Next::Continue
            }
        }
    }

    /// `get_directory`: every account's kind and display names, for logged-in sessions (a
    /// participant names its block counterparty from it). Static, so answered here.
    fn directory(&self, map: &Map<String, Value>, req_id: Option<&ReqId>) {
        if let Some(field) = map.keys().find(|k| *k != "op" && *k != "req_id") {
            let message = format!("unknown field `{field}`: get_directory takes no fields");
            return self.reject(req_id, EdgeCode::BadRequest, &message);
        }
        if self.who.is_none() {
            return self.reject(req_id, EdgeCode::LoginRequired, "log in first");
        }
        let catalog = &self.shared.catalog;
        let accounts = catalog
            .parties()
            .map(|(_, p)| {
                let names = self.shared.directory.account(&p.name);
                m::Listing {
                    account: p.name.clone(),
                    kind: p.kind.code(),
                    name_zh: names.zh,
                    name_en: names.en,
                }
            })
            .collect();
        self.send(&Body::Directory(m::Directory { accounts }), req_id);
    }

    /// `get_fills`: the account's latest fills, which the publisher keeps.
    fn fills(&self, map: &Map<String, Value>, req_id: Option<ReqId>) {
        if let Some(field) = map.keys().find(|k| *k != "op" && *k != "req_id") {
            let message = format!("unknown field `{field}`: get_fills takes no fields");
            return self.reject(req_id.as_ref(), EdgeCode::BadRequest, &message);
        }
        if self.who.is_none() {
            return self.reject(req_id.as_ref(), EdgeCode::LoginRequired, "log in first");
        }
        let ask = Control::Fills {
            id: self.id,
            req_id,
        };
        if self.shared.control.try_send(ask).is_err() {
            self.reject(None, EdgeCode::Busy, "the server is busy: try again");
        }
    }

    /// The connection's and the account's rate limits.
    fn admit(&mut self) -> bool {
        let now = Instant::now();
        if !self.bucket.take(now) {
            return false;
        }
        let Some(who) = self.who else { return true };
        let limits = &self.shared.settings.limits;
        let mut accounts = self
            .shared
            .account_buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        accounts
            .entry(who.account)
            .or_insert_with(|| Bucket::new(limits.account_rate, limits.account_burst, now))
            .take(now)
    }

    fn login(&mut self, map: Map<String, Value>, req_id: Option<&ReqId>) -> Next {
        let mut map = map;
        map.remove("op");
        map.remove("req_id");
        let req: LoginReq = match serde_json::from_value(Value::Object(map)) {
            Ok(r) => r,
            Err(e) => {
                self.reject(req_id, EdgeCode::BadRequest, &e.to_string());
                return Next::Continue;
            }
        };
        if self.who.is_some() {
            self.reject(
                req_id,
                EdgeCode::AlreadyLoggedIn,
                "this session is already logged in",
            );
            return Next::Continue;
        }
        if !self.shared.login_allowed(self.peer.ip()) {
            // Trying on while locked out counts towards closing the connection too.
            self.failed_logins += 1;
            self.reject(
                req_id,
                EdgeCode::LoginRateLimited,
                "too many failed logins from this address: wait a minute",
            );
            return self.after_failed_login();
        }
        if let Some(who) = self.shared.identify(&req.api_key) {
            self.cancel_on_disconnect = req.cancel_on_disconnect;
            self.logged_in(who, req_id);
            return Next::Continue;
        }
        self.shared.login_failed(self.peer.ip());
        self.failed_logins += 1;
        self.reject(req_id, EdgeCode::BadApiKey, "unknown API key");
        self.after_failed_login()
    }

    fn after_failed_login(&self) -> Next {
        if self.failed_logins >= 10 {
            Next::Close("too_many_failed_logins")
        } else {
            Next::Continue
        }
    }

    fn logged_in(&mut self, who: Identity, req_id: Option<&ReqId>) {
        self.who = Some(who);
        let _ = self.shared.control.try_send(Control::Login {
            id: self.id,
            account: who.account,
        });
        let account = self.shared.catalog.name(who.account).into_owned();
        let role = if who.operator {
            "operator"
        } else {
            "participant"
        };
        let body = Body::Login(m::Login {
            account,
            role,
            cancel_on_disconnect: self.cancel_on_disconnect,
        });
        self.send(&body, req_id);
    }

    fn subscribe(&mut self, mut map: Map<String, Value>, req_id: Option<ReqId>, on: bool) {
        map.remove("op");
        map.remove("req_id");
        let req: SubscribeReq = match serde_json::from_value(Value::Object(map)) {
            Ok(r) => r,
            Err(e) => return self.reject(req_id.as_ref(), EdgeCode::BadRequest, &e.to_string()),
        };
        let channel = match (req.channel.as_str(), req.instrument.as_deref()) {
            ("market", Some(i)) => match InstrumentId::new(i)
                .ok()
                .filter(|id| self.shared.catalog.product(*id).is_some())
            {
                Some(id) => Channel::Market(id),
                None => {
                    return self.reject(
                        req_id.as_ref(),
                        EdgeCode::UnknownInstrument,
                        &format!("instrument {i} does not exist"),
                    );
                }
            },
            ("market", None) => {
                return self.reject(
                    req_id.as_ref(),
                    EdgeCode::BadRequest,
                    "the market channel needs an instrument",
                );
            }
            ("operator", _) => Channel::Operator,
            (c, _) => {
                return self.reject(
                    req_id.as_ref(),
                    EdgeCode::UnknownChannel,
                    &format!("no channel {c:?}: market or operator"),
                );
            }
        };
        let allowed = match channel {
            Channel::Operator => self.who.is_some_and(|w| w.operator),
            Channel::Market(_) => self.who.is_some() || self.shared.settings.anonymous_read,
        };
        if !allowed {
            let code = if self.who.is_some() {
                EdgeCode::Forbidden
            } else {
                EdgeCode::LoginRequired
            };
            return self.reject(
                req_id.as_ref(),
                code,
                "this channel is not open to this session",
            );
        }
        if on && self.subscriptions >= self.shared.settings.limits.max_subscriptions {
            return self.reject(
                req_id.as_ref(),
                EdgeCode::TooManySubscriptions,
                "subscription limit reached",
            );
        }
        let control = if on {
            self.subscriptions += 1;
            Control::Subscribe {
                id: self.id,
                req_id,
                channel,
            }
        } else {
            self.subscriptions = self.subscriptions.saturating_sub(1);
            Control::Unsubscribe {
                id: self.id,
                req_id,
                channel,
            }
        };
        if self.shared.control.try_send(control).is_err() {
            self.reject(None, EdgeCode::Busy, "the server is busy: try again");
        }
    }

    fn request(&mut self, map: Map<String, Value>, req_id: Option<&ReqId>, text: &str) {
        let Some(who) = self.who else {
            return self.reject(req_id, EdgeCode::LoginRequired, "log in first");
        };
        let env = protocol::parse_object(map, false, text);
        let request = match env.request {
            Ok(r) => r,
            Err(e) => return self.reject(req_id, e.code, &e.message),
        };
        if request.operator_only() && !who.operator {
            return self.reject(req_id, EdgeCode::Forbidden, "only operators may do this");
        }
        self.shared.metrics.command(request.op());
        let shards = self.shared.shards.len() as u32;
        let draft = protocol::convert(&self.shared.catalog, shards, &request);
        let inbound = |work, part| Inbound {
            session: self.id,
            actor: who.account,
            req_id: req_id.cloned(),
            work,
            received: Instant::now(),
            part,
        };
        // A refusal changes nothing anywhere: the home shard passes it back in its turn, so
        // that it keeps its place among the session's replies.
        let (work, route) = match draft {
            Ok(d) => (Work::Draft(d), self.shared.route(&request)),
            Err(e) => (Work::Refused(e), Route::One(0)),
        };
        let sent = match (work, route) {
            (work, Route::One(k)) => self.shared.shards[k].try_send(inbound(work, None)).is_ok(),
            (work, Route::Every) => {
                let token = self.shared.next_part.fetch_add(1, Ordering::Relaxed);
                let copies = (0..shards).map(|index| {
                    let part = Part {
                        token,
                        index,
                        of: shards,
                    };
                    inbound(work.clone(), Some(part))
                });
                self.shared.fan_out.try_send(copies.collect()).is_ok()
            }
        };
        if !sent {
            self.reject(req_id, EdgeCode::Busy, "the exchange is busy: try again");
        }
    }

    fn close(self) {
        let _ = self.shared.control.try_send(Control::Close { id: self.id });
        let (Some(who), true) = (self.who, self.cancel_on_disconnect) else {
            return;
        };
        // Must not be lost to a full queue: wait for room on a blocking thread.
        let shared = self.shared;
        let id = self.id;
        tokio::task::spawn_blocking(move || {
            for shard in &shared.shards {
                let _ = shard.send(Inbound {
                    session: id,
                    actor: who.account,
                    req_id: None,
                    work: Work::CancelAll,
                    received: Instant::now(),
                    part: None,
                });
            }
        });
    }
}
