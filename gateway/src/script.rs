//! `ecomatch script`: the headless driver. Reads requests as JSON lines (the protocol's JSON
//! plus `"as"`, the acting account, and `"at"`, the time), applies them in order, and writes
//! every message the exchange sends as a JSON line with `"to"`. The same input gives the same
//! output, byte for byte: the time comes from `"at"` and the sequence from the line order.
//!
//! Blank lines and lines starting with `#` are skipped, so scenario files can carry comments.

use std::io::{self, BufRead, Write};
use std::time::UNIX_EPOCH;

use ecomatch_engine::id::{AccountId, InstrumentId, Seq, Timestamp};
use ecomatch_exchange::{Command, Exchange, Sequenced};
use serde_json::{Map, Value};

use crate::protocol::{self, EdgeError, Envelope, Publisher, Query};

/// The driver's state: the exchange, the public sequence numbers, the command sequence.
pub struct Driver {
    ex: Exchange,
    publisher: Publisher,
    seq: u64,
    outputs: Vec<ecomatch_exchange::Output>,
}

impl Driver {
    /// A driver over an exchange.
    pub fn new(ex: Exchange) -> Self {
        Self {
            ex,
            publisher: Publisher::default(),
            seq: 0,
            outputs: Vec::new(),
        }
    }

    /// The exchange.
    pub fn exchange(&self) -> &Exchange {
        &self.ex
    }

    /// Applies every line of `input`, writing replies to `out`.
    pub fn run(&mut self, input: impl BufRead, out: &mut impl Write) -> io::Result<()> {
        for line in input.lines() {
            self.line(&line?, out)?;
        }
        out.flush()
    }

    /// Applies one line.
    pub fn line(&mut self, line: &str, out: &mut impl Write) -> io::Result<()> {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return Ok(());
        }
        let env = protocol::parse_line(trimmed, true);
        let name = env.actor.clone().unwrap_or_else(|| "?".into());
        match self.step(&env) {
            Ok(lines) => lines.iter().try_for_each(|v| writeln!(out, "{v}")),
            Err(e) => writeln!(out, "{}", edge_reject(&name, env.req_id.as_ref(), &e)),
        }
    }

    fn step(&mut self, env: &Envelope) -> Result<Vec<Value>, EdgeError> {
        if let Err(e) = &env.request {
            if e.code == "BAD_JSON" {
                return Err(e.clone());
            }
        }
        let name = env
            .actor
            .as_deref()
            .ok_or_else(|| EdgeError::new("BAD_REQUEST", "\"as\" must name the acting account"))?;
        let actor = self.ex.ledger().find(name).ok_or_else(|| {
            EdgeError::new("UNKNOWN_ACCOUNT", format!("account {name} does not exist"))
        })?;
        let time = parse_time(env.at.as_ref())?;
        let request = env.request.clone()?;
        match protocol::to_command(&self.ex, actor, &request)? {
            Err(query) => Ok(vec![self.answer(actor, &query, env.req_id.as_ref())]),
            Ok(command) => {
                self.seq += 1;
                let context = command
                    .instrument()
                    .or_else(|| order_instrument(&self.ex, actor, &command));
                let cmd = Sequenced {
                    seq: Seq(self.seq),
                    time,
                    actor,
                    command,
                };
                self.outputs.clear();
                self.ex.apply(&cmd, &mut self.outputs);
                let outs = core::mem::take(&mut self.outputs);
                let lines = outs
                    .iter()
                    .map(|o| {
                        let req_id = env.req_id.as_ref();
                        protocol::encode(&self.ex, o, req_id, context, &mut self.publisher)
                    })
                    .collect();
                self.outputs = outs;
                Ok(lines)
            }
        }
    }

    fn answer(&self, actor: AccountId, query: &Query, req_id: Option<&Value>) -> Value {
        let body = match query {
            Query::Book { instrument, depth } => {
                protocol::book_snapshot(&self.ex, *instrument, *depth)
            }
            Query::Account => protocol::account_snapshot(&self.ex, actor),
        };
        let mut m = Map::new();
        m.insert(
            "to".into(),
            protocol::recipient_name(&self.ex, ecomatch_exchange::Recipient::Account(actor)).into(),
        );
        let mut body = match body {
            Value::Object(b) => b.into_iter(),
            _ => unreachable!("snapshots are objects"),
        };
        if let Some((k, v)) = body.next() {
            m.insert(k, v);
        }
        if let Some(id) = req_id {
            m.insert("req_id".into(), id.clone());
        }
        m.extend(body);
        Value::Object(m)
    }
}

/// The instrument of the order an amend or cancel of `actor` names (before it applies).
fn order_instrument(ex: &Exchange, actor: AccountId, command: &Command) -> Option<InstrumentId> {
    match *command {
        Command::AmendOrder { order_id, .. } | Command::CancelOrder { order_id } => {
            ex.order_instrument(order_id, actor)
        }
        _ => None,
    }
}

/// `"at"`: RFC 3339 (`2026-03-02T09:30:00Z`, fractions allowed) or milliseconds since the epoch.
pub fn parse_time(at: Option<&Value>) -> Result<Timestamp, EdgeError> {
    let bad = || {
        EdgeError::new(
            "BAD_TIME",
            "\"at\" must be an RFC 3339 UTC time or milliseconds since the epoch",
        )
    };
    match at {
        Some(Value::String(s)) => {
            let t = humantime::parse_rfc3339(s).map_err(|_| bad())?;
            let nanos = t.duration_since(UNIX_EPOCH).map_err(|_| bad())?.as_nanos();
            u64::try_from(nanos).map(Timestamp).map_err(|_| bad())
        }
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|ms| ms.checked_mul(1_000_000))
            .map(Timestamp)
            .ok_or_else(bad),
        _ => Err(bad()),
    }
}

fn edge_reject(to: &str, req_id: Option<&Value>, e: &EdgeError) -> Value {
    let mut m = Map::new();
    m.insert("to".into(), to.into());
    m.insert("type".into(), "reject".into());
    if let Some(id) = req_id {
        m.insert("req_id".into(), id.clone());
    }
    m.insert("code".into(), e.code.into());
    m.insert("message".into(), e.message.clone().into());
    Value::Object(m)
}
