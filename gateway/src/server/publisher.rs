//! The publisher thread: turns the core's durable outputs into JSON once, and routes them to
//! sessions — replies and private reports to the account's sessions, public messages to the
//! instrument's subscribers (after updating its [`MarketView`] and adding the book checksum),
//! and everything to operator-channel subscribers.
//!
//! It never waits on a session: each has a bounded outbox, and a session whose outbox is full
//! is told to close as a slow consumer and dropped from every route, so one client that stops
//! reading can neither slow the engine nor anyone else.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crossbeam_channel::{Receiver, select};
use ecomatch_engine::id::{AccountId, InstrumentId, Timestamp};
use ecomatch_exchange::{Catalog, Exchange, Message, Output, Recipient};
use ecomatch_surveillance::{Alert, Evidence, Surveillance};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::core_thread::{Batch, Item, Outcome, SessionId};
use super::fanout::{self, Gather};
use super::market::MarketView;
use super::metrics::{Metrics, Recorder};
use crate::directory::Directory;
use crate::protocol::message::{self as m, Body, Framed, Shown, Time};
use crate::protocol::{self, Answer, ReqId};

/// Messages for one session, in order: everything one batch of the core had for it, so that
/// its writer sends them with one flush.
pub type Frames = Vec<Utf8Bytes>;

/// A session's queue of messages to write.
pub type Outbox = mpsc::Sender<Frames>;

/// Tells a session to close, with the reason, from any thread; both of the session's tasks
/// wait on it. It also counts the messages queued for the session's writer, which the
/// publisher holds to the outbound queue limit.
#[derive(Debug)]
pub struct Kill {
    reason: watch::Sender<Option<&'static str>>,
    /// Messages queued and not yet written.
    pub backlog: std::sync::atomic::AtomicUsize,
}

impl Default for Kill {
    fn default() -> Self {
        Self {
            reason: watch::Sender::new(None),
            backlog: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

impl Kill {
    /// Asks the session to close; the first reason given wins.
    pub fn fire(&self, reason: &'static str) {
        self.reason.send_if_modified(|r| {
            let first = r.is_none();
            if first {
                *r = Some(reason);
            }
            first
        });
    }

    /// Why the session must close, once asked.
    pub fn reason(&self) -> Option<&'static str> {
        *self.reason.borrow()
    }

    /// Resolves once the session has been asked to close, with the reason.
    pub async fn fired(&self) -> &'static str {
        let mut rx = self.reason.subscribe();
        let r = rx.wait_for(Option::is_some).await.map(|r| *r);
        r.ok().flatten().unwrap_or("closed")
    }
}

/// How many of the latest alerts the publisher keeps and sends to a new operator subscriber,
/// so that a reloaded console loses none (well inside a session's outbound queue).
pub const ALERT_HISTORY: usize = 1000;

/// A public channel a session can subscribe to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Channel {
    /// An instrument's market data: book, trades, auction state, phase and reference.
    Market(InstrumentId),
    /// Every message of the market (operators only).
    Operator,
}

/// What sessions tell the publisher.
#[derive(Debug)]
pub enum Control {
    /// A new connection.
    Open {
        /// The session.
        id: SessionId,
        /// Where its messages go.
        outbox: Outbox,
        /// How to close it.
        kill: Arc<Kill>,
        /// The most messages it may have queued (the outbound queue limit).
        limit: usize,
    },
    /// The session logged in.
    Login {
        /// The session.
        id: SessionId,
        /// Its account.
        account: AccountId,
    },
    /// The connection closed.
    Close {
        /// The session.
        id: SessionId,
    },
    /// Subscribe (the session has checked the channel exists and is allowed).
    Subscribe {
        /// The session.
        id: SessionId,
        /// Echoed on the confirmation.
        req_id: Option<ReqId>,
        /// The channel.
        channel: Channel,
    },
    /// `get_fills`: answered here, where the latest fills are kept.
    Fills {
        /// The session.
        id: SessionId,
        /// Echoed on the answer.
        req_id: Option<ReqId>,
    },
    /// `get_instruments`: answered here, where the reference prices in force are known.
    Instruments {
        /// The session.
        id: SessionId,
        /// Echoed on the answer.
        req_id: Option<ReqId>,
    },
    /// Unsubscribe.
    Unsubscribe {
        /// The session.
        id: SessionId,
        /// Echoed on the confirmation.
        req_id: Option<ReqId>,
        /// The channel.
        channel: Channel,
    },
}

struct Session {
    outbox: Outbox,
    kill: Arc<Kill>,
    limit: usize,
    account: Option<AccountId>,
    channels: BTreeSet<Channel>,
}

/// The publisher's state.
pub struct Publisher {
    catalog: Arc<Catalog>,
    directory: Arc<Directory>,
    views: BTreeMap<InstrumentId, MarketView>,
    sessions: BTreeMap<SessionId, Session>,
    by_account: BTreeMap<AccountId, BTreeSet<SessionId>>,
    subscribers: BTreeMap<Channel, BTreeSet<SessionId>>,
    ack: Recorder,
    metrics: Arc<Metrics>,
    targets: Vec<SessionId>,
    surveillance: Surveillance,
    alerts: Vec<Alert>,
    /// The latest [`ALERT_HISTORY`] alerts as sent, replayed to each new operator subscriber.
    history: VecDeque<Utf8Bytes>,
    /// Each account's latest fills, for `get_fills`.
    fills: super::history::Fills,
    /// Where the alert history is kept across restarts.
    alert_log: super::history::AlertLog,
    gather: Gather,
    batches: u64,
    panic_at: Option<u64>,
    /// What this batch or control message has for each session so far.
    pending: BTreeMap<SessionId, Frames>,
}

impl Publisher {
    /// A publisher for the recovered state of every shard, encoding with the market's
    /// `catalog`.
    pub fn new(
        catalog: Arc<Catalog>,
        directory: Arc<Directory>,
        shards: &[&Exchange],
        metrics: Arc<Metrics>,
    ) -> Self {
        let views = shards
            .iter()
            .flat_map(|state| {
                state.listings().filter_map(|l| {
                    let id = l.instrument.spec().id;
                    MarketView::of(&catalog, state, id).map(|v| (id, v))
                })
            })
            .collect();
        // The recovered state, not the genesis: references and GEP records as they are now.
        let mut surveillance = Surveillance::new(Arc::clone(&catalog));
        for state in shards {
            surveillance.include(state);
        }
        Self {
            catalog,
            directory,
            views,
            sessions: BTreeMap::new(),
            by_account: BTreeMap::new(),
            subscribers: BTreeMap::new(),
            ack: Recorder::new(),
            metrics,
            targets: Vec::new(),
            surveillance,
            alerts: Vec::new(),
            history: VecDeque::with_capacity(ALERT_HISTORY),
            fills: super::history::Fills::default(),
            alert_log: super::history::AlertLog::none(),
            gather: Gather::default(),
            batches: 0,
            panic_at: None,
            pending: BTreeMap::new(),
        }
    }

    /// Keeps the alert history in `dir` across restarts, starting from what it holds.
    pub fn keep_alerts_in(&mut self, dir: &std::path::Path) {
        let (log, kept) = super::history::AlertLog::open(dir, ALERT_HISTORY);
        self.history = kept.into_iter().map(Utf8Bytes::from).collect();
        self.alert_log = log;
    }

    /// A test's injected fault: panic on the n-th batch.
    pub fn inject_panic_at(&mut self, batch: Option<u64>) {
        self.panic_at = batch;
    }

    /// Runs until both queues are closed.
    pub fn run(mut self, batches: &Receiver<Batch>, control: &Receiver<Control>) {
        let (mut batches_open, mut control_open) = (true, true);
        let (no_batches, no_control) = (crossbeam_channel::never(), crossbeam_channel::never());
        while batches_open || control_open {
            select! {
                recv(if batches_open { batches } else { &no_batches }) -> b => match b {
                    Ok(b) => self.batch(&b),
                    Err(_) => batches_open = false,
                },
                recv(if control_open { control } else { &no_control }) -> c => match c {
                    Ok(c) => {
                        self.control(c);
                        self.flush();
                    }
                    Err(_) => control_open = false,
                },
            }
        }
    }

    fn control(&mut self, c: Control) {
        match c {
            Control::Open {
                id,
                outbox,
                kill,
                limit,
            } => {
                let s = Session {
                    outbox,
                    kill,
                    limit,
                    account: None,
                    channels: BTreeSet::new(),
                };
                self.sessions.insert(id, s);
            }
            Control::Login { id, account } => {
                if let Some(s) = self.sessions.get_mut(&id) {
                    s.account = Some(account);
                    self.by_account.entry(account).or_default().insert(id);
                }
            }
            Control::Close { id } => self.drop_session(id),
            Control::Subscribe {
                id,
                req_id,
                channel,
            } => self.subscribe(id, req_id.as_ref(), channel),
            Control::Fills { id, req_id } => {
                if let Some(account) = self.sessions.get(&id).and_then(|s| s.account) {
                    let body = self.fills.body(&self.catalog, account);
                    self.send_body(id, &body, req_id.as_ref());
                }
            }
            Control::Instruments { id, req_id } => {
                let body = super::catalog::instruments(&self.catalog, &self.directory, &self.views);
                self.send_body(id, &body, req_id.as_ref());
            }
            Control::Unsubscribe {
                id,
                req_id,
                channel,
            } => {
                if let Some(s) = self.sessions.get_mut(&id) {
                    s.channels.remove(&channel);
                }
                if let Some(set) = self.subscribers.get_mut(&channel) {
                    set.remove(&id);
                }
                let body = Body::Unsubscribed(channel_body(channel));
                self.send_body(id, &body, req_id.as_ref());
            }
        }
    }

    fn subscribe(&mut self, id: SessionId, req_id: Option<&ReqId>, channel: Channel) {
        let Some(s) = self.sessions.get_mut(&id) else {
            return;
        };
        s.channels.insert(channel);
        self.subscribers.entry(channel).or_default().insert(id);
        self.send_body(id, &Body::Subscribed(channel_body(channel)), req_id);
        match channel {
            Channel::Market(inst) => {
                if let Some(view) = self.views.get(&inst) {
                    let snapshot = view.snapshot();
                    self.send_body(id, &snapshot, None);
                }
            }
            // The alerts raised before, oldest first, as they were sent.
            Channel::Operator => {
                let history: Vec<Utf8Bytes> = self.history.iter().cloned().collect();
                for text in &history {
                    self.send_to(id, text);
                }
            }
        }
    }

    fn drop_session(&mut self, id: SessionId) {
        let Some(s) = self.sessions.remove(&id) else {
            return;
        };
        if let Some(a) = s.account {
            if let Some(set) = self.by_account.get_mut(&a) {
                set.remove(&id);
                if set.is_empty() {
                    self.by_account.remove(&a);
                }
            }
        }
        for c in s.channels {
            if let Some(set) = self.subscribers.get_mut(&c) {
                set.remove(&id);
            }
        }
    }

    /// Queues a reply of the server itself (no `to`) to one session.
    fn send_body(&mut self, id: SessionId, body: &Body, req_id: Option<&ReqId>) {
        let text = Framed::new(None, body, req_id).text();
        self.send_to(id, &Utf8Bytes::from(text));
    }

    /// Queues `text` for one session, to go out with the rest of what this batch (or control
    /// message) has for it: see [`Self::flush`].
    fn send_to(&mut self, id: SessionId, text: &Utf8Bytes) {
        if self.sessions.contains_key(&id) {
            self.pending.entry(id).or_default().push(text.clone());
        }
    }

    /// Hands each session what was queued for it, in one piece; a session whose backlog would
    /// pass its limit, or whose outbox is full, is a slow consumer and is dropped.
    fn flush(&mut self) {
        let pending = core::mem::take(&mut self.pending);
        for (id, frames) in pending {
            let Some(s) = self.sessions.get(&id) else {
                continue;
            };
            let n = frames.len();
            let backlog = s.kill.backlog.fetch_add(n, Ordering::Relaxed) + n;
            let sent = if backlog > s.limit {
                Err(mpsc::error::TrySendError::Full(frames))
            } else {
                s.outbox.try_send(frames)
            };
            match sent {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    s.kill.fire("slow_consumer");
                    self.metrics.slow_consumers.fetch_add(1, Ordering::Relaxed);
                    self.drop_session(id);
                }
                Err(mpsc::error::TrySendError::Closed(_)) => self.drop_session(id),
            }
        }
    }

    fn batch(&mut self, b: &Batch) {
        self.batch_items(b);
        self.flush();
    }

    fn batch_items(&mut self, b: &Batch) {
        self.batches += 1;
        assert!(
            self.panic_at != Some(self.batches),
            "injected fault: a panic in the publisher on batch {}",
            self.batches
        );
        for item in &b.items {
            match item.part {
                None => self.item(item, &b.outputs),
                Some(part) => {
                    if let Some(copies) = self.gather.add(part, item, &b.outputs) {
                        self.copies(&copies);
                    }
                }
            }
        }
        self.ack.publish(&self.metrics.ack);
    }

    /// Answers a request every shard applied, once all its copies are durable: one reply, one
    /// status change, and every shard's order reports.
    fn copies(&mut self, copies: &[fanout::Copy]) {
        let answers: Option<Vec<Answer>> = copies
            .iter()
            .map(|(item, _)| match &item.outcome {
                Outcome::Answer(a) => Some(a.clone()),
                Outcome::Applied { .. } | Outcome::Rejected(_) => None,
            })
            .collect();
        if let Some(answers) = answers {
            let mut item = copies[0].0.clone();
            item.outcome = Outcome::Answer(fanout::merge(&self.catalog, answers));
            return self.item(&item, &[]);
        }
        let replier = fanout::replier(copies);
        for (k, (item, outputs)) in copies.iter().enumerate() {
            let Outcome::Applied { context, .. } = item.outcome else {
                continue;
            };
            let kept: Vec<Output> = outputs
                .iter()
                .filter(|o| fanout::passes(k, o))
                .copied()
                .collect();
            self.item(&applied(item, context, kept.len()), &kept);
        }
        // The answer last, so that it follows every shard's reports of what was done.
        let (item, outputs) = &copies[replier];
        match item.outcome {
            Outcome::Applied { context, .. } => {
                let replies: Vec<Output> = outputs.iter().filter(|o| o.reply).copied().collect();
                self.item(&applied(item, context, replies.len()), &replies);
            }
            Outcome::Answer(_) | Outcome::Rejected(_) => self.item(item, outputs),
        }
    }

    fn item(&mut self, item: &Item, outputs: &[Output]) {
        match &item.outcome {
            Outcome::Answer(a) => {
                self.ack.record(item.received.elapsed());
                let body = protocol::answer_body(&self.catalog, a);
                self.reply(item, &body);
            }
            Outcome::Rejected(e) => {
                self.ack.record(item.received.elapsed());
                self.metrics.reject(e.code.as_str());
                // Refused at the edge, as `ecomatch script` refuses it: with `to`.
                self.reply(item, &protocol::refusal(e));
            }
            Outcome::Applied { context, range } => {
                let mut acked = false;
                for out in &outputs[range.clone()] {
                    if out.reply && !acked {
                        self.ack.record(item.received.elapsed());
                        acked = true;
                    }
                    self.output(item, out, *context);
                    self.fills.record(item.time, out);
                }
                self.surveil(item.time, *context, &outputs[range.clone()]);
            }
        }
    }

    /// Sends the direct reply of a request, `to` its account, with its `req_id`.
    fn reply(&mut self, item: &Item, body: &Body) {
        let to = self.catalog.name(item.actor);
        let text = Framed::new(Some(&to), body, item.req_id.as_ref()).text();
        self.send_to(item.session, &Utf8Bytes::from(text));
    }

    /// Runs surveillance over one applied command's outputs and sends each alert to the
    /// operator channel.
    fn surveil(&mut self, time: Timestamp, context: Option<InstrumentId>, outputs: &[Output]) {
        let mut alerts = core::mem::take(&mut self.alerts);
        alerts.clear();
        self.surveillance
            .observe(time, context, outputs, &mut alerts);
        for alert in &alerts {
            let body = alert_body(&self.catalog, alert);
            let text = Utf8Bytes::from(Framed::new(None, &body, None).text());
            if self.history.len() == ALERT_HISTORY {
                self.history.pop_front();
            }
            self.history.push_back(text.clone());
            self.alert_log.append(&text);
            let targets: Vec<SessionId> = self
                .subscribers
                .get(&Channel::Operator)
                .map(|set| set.iter().copied().collect())
                .unwrap_or_default();
            for id in targets {
                self.send_to(id, &text);
            }
        }
        self.alerts = alerts;
    }

    fn output(&mut self, item: &Item, out: &Output, context: Option<InstrumentId>) {
        if let Message::Reject(r) = out.msg {
            self.metrics.reject(r.code());
        }
        self.targets.clear();
        let public = out
            .msg
            .public_instrument()
            .filter(|_| out.to == Recipient::Public);
        match out.to {
            Recipient::Public => {
                if let Some(inst) = public {
                    if let Some(view) = self.views.get_mut(&inst) {
                        view.apply(out.seq, &out.msg);
                    }
                    if let Some(set) = self.subscribers.get(&Channel::Market(inst)) {
                        self.targets.extend(set);
                    }
                }
            }
            Recipient::Account(a) => {
                if out.reply {
                    self.targets.push(item.session);
                }
                if let Some(set) = self.by_account.get(&a) {
                    self.targets.extend(set);
                }
            }
        }
        if let Some(set) = self.subscribers.get(&Channel::Operator) {
            self.targets.extend(set);
        }
        if self.targets.is_empty() {
            return; // nobody to tell: not even encoded
        }
        self.targets.sort_unstable();
        self.targets.dedup();
        let mut body = protocol::body(&self.catalog, out, context);
        if let (Body::BookUpdate(u), Some(view)) =
            (&mut body, public.and_then(|i| self.views.get(&i)))
        {
            u.checksum = Some(view.checksum());
        }
        // The `req_id` is the requesting session's: its copy alone carries it, so that no
        // other session (of the account, or on the operator channel) takes another's reply
        // for its own. Each form is written once, and only if someone gets it.
        let catalog = Arc::clone(&self.catalog);
        let to = protocol::recipient(&catalog, out.to);
        let id = item.req_id.as_ref().filter(|_| out.reply);
        let mine = id.map(|id| Utf8Bytes::from(Framed::new(Some(&to), &body, Some(id)).text()));
        let plain = std::cell::OnceCell::new();
        let targets = core::mem::take(&mut self.targets);
        for &t in &targets {
            let text = match &mine {
                Some(m) if t == item.session => m,
                _ => plain
                    .get_or_init(|| Utf8Bytes::from(Framed::new(Some(&to), &body, None).text())),
            };
            self.send_to(t, text);
        }
        self.targets = targets;
    }
}

/// `item` as applied with `len` outputs of its own.
fn applied(item: &Item, context: Option<InstrumentId>, len: usize) -> Item {
    let mut item = item.clone();
    item.outcome = Outcome::Applied {
        context,
        range: 0..len,
    };
    item
}

/// The `alert` message of the operator channel.
pub fn alert_body(catalog: &Catalog, alert: &Alert) -> Body {
    let facts = alert
        .evidence
        .iter()
        .map(|(k, v)| {
            let fact = match v {
                Evidence::Int(n) => m::Fact::Int(*n),
                Evidence::Text(t) => m::Fact::Text(t.clone()),
            };
            (*k, fact)
        })
        .collect();
    Body::Alert(m::Alert {
        kind: alert.kind.code(),
        time: Time(alert.time),
        instrument: alert.instrument.map(Shown),
        accounts: alert
            .accounts
            .iter()
            .map(|a| catalog.name(*a).into_owned())
            .collect(),
        evidence: m::Evidence(facts),
    })
}

fn channel_body(channel: Channel) -> m::Channel {
    match channel {
        Channel::Market(i) => m::Channel {
            channel: "market",
            instrument: Some(Shown(i)),
        },
        Channel::Operator => m::Channel {
            channel: "operator",
            instrument: None,
        },
    }
}
