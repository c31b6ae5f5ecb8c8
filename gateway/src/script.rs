//! `ecomatch script`: the headless front end. Reads requests as JSON lines (the protocol's
//! JSON plus `"as"`, the acting account, and `"at"`, the time), hands each to the
//! [`Sequencer`], and writes every message the exchange sends as a JSON line with `"to"`. The
//! same input gives the same output, byte for byte: the time comes from `"at"` and the sequence
//! from the line order.
//!
//! Blank lines and lines starting with `#` are skipped, so scenario files can carry comments.
//!
//! With a log (`--log DIR`), the replies are held back until the log is durable under the
//! fsync policy: a reply on stdout means the command survives a crash.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::time::UNIX_EPOCH;

use ecomatch_engine::id::Timestamp;
use serde_json::{Map, Value};

use crate::protocol::{self, EdgeError, Envelope};
use crate::sequencer::{Sequencer, Submitted};

/// The JSON-lines front end over a sequencer, with the replies that wait for the log.
pub struct Script {
    seq: Sequencer,
    held: Vec<u8>,
    logged: bool,
}

impl Script {
    /// A front end over `seq`; `logged` says whether replies must wait for the log.
    pub fn new(seq: Sequencer, logged: bool) -> Self {
        Self {
            seq,
            held: Vec::new(),
            logged,
        }
    }

    /// The sequencer.
    pub fn sequencer(&self) -> &Sequencer {
        &self.seq
    }

    /// The sequencer, once the input is done.
    pub fn into_sequencer(self) -> Sequencer {
        self.seq
    }

    /// Makes the log durable and releases the replies that waited for it.
    pub fn commit(&mut self, out: &mut impl Write) -> io::Result<()> {
        if self.logged {
            self.seq.sync().map_err(io::Error::other)?;
            out.write_all(&self.held)?;
            self.held.clear();
        }
        out.flush()
    }

    /// Applies every line of `input`, writing replies to `out`. With a log, the pending
    /// commands are committed whenever the input has nothing more ready (group commit: a burst
    /// of lines costs one write and one fsync), and whenever the fsync policy asks.
    pub fn run<R: Read>(
        &mut self,
        input: &mut BufReader<R>,
        out: &mut impl Write,
    ) -> io::Result<()> {
        let mut line = String::new();
        loop {
            // Nothing more ready to apply (no whole line buffered): make the pending commands
            // durable and release their replies before waiting for more input.
            if !input.buffer().contains(&b'\n') {
                self.commit(out)?;
            }
            line.clear();
            if input.read_line(&mut line)? == 0 {
                break;
            }
            self.line(&line, out)?;
        }
        self.commit(out)
    }

    /// Applies one line.
    pub fn line(&mut self, line: &str, out: &mut impl Write) -> io::Result<()> {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return Ok(());
        }
        let env = protocol::parse_line(trimmed, true);
        let name = env.actor.clone().unwrap_or_else(|| "?".into());
        let mut text = Vec::new();
        match self.step(&env) {
            Ok(lines) => lines.iter().try_for_each(|v| writeln!(text, "{v}"))?,
            Err(e) => writeln!(
                text,
                "{}",
                protocol::text(&edge_reject(&name, &e), env.req_id.as_ref())
            )?,
        }
        if let Some(e) = self.seq.take_fatal() {
            return Err(e);
        }
        if !self.logged {
            return out.write_all(&text);
        }
        self.held.extend_from_slice(&text);
        if self.seq.should_commit() {
            self.commit(out)
        } else {
            Ok(())
        }
    }

    fn step(&mut self, env: &Envelope) -> Result<Vec<String>, EdgeError> {
        if let Err(e) = &env.request {
            if e.code == "BAD_JSON" {
                return Err(e.clone());
            }
        }
        let name = env
            .actor
            .as_deref()
            .ok_or_else(|| EdgeError::new("BAD_REQUEST", "\"as\" must name the acting account"))?;
        let actor = self.seq.exchange().ledger().find(name).ok_or_else(|| {
            EdgeError::new("UNKNOWN_ACCOUNT", format!("account {name} does not exist"))
        })?;
        let time = parse_time(env.at.as_ref())?;
        let request = env.request.clone()?;
        match self.seq.submit(actor, time, &request)? {
            Submitted::Query(query) => Ok(vec![protocol::text(
                &self.seq.answer(actor, &query),
                env.req_id.as_ref(),
            )]),
            Submitted::Applied { context } => Ok(self
                .seq
                .outputs()
                .iter()
                .map(|o| {
                    let id = env.req_id.as_ref().filter(|_| o.reply);
                    protocol::text(&protocol::encode(self.seq.exchange(), o, context), id)
                })
                .collect()),
        }
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

fn edge_reject(to: &str, e: &EdgeError) -> Value {
    let mut m = Map::new();
    m.insert("to".into(), to.into());
    m.insert("type".into(), "reject".into());
    m.insert("code".into(), e.code.into());
    m.insert("message".into(), e.message.clone().into());
    Value::Object(m)
}
