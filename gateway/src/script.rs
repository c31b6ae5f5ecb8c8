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

use std::sync::Arc;

use crate::protocol::{self, EdgeCode, EdgeError, Envelope, Framed};
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
        if let Err(e) = self.step(&env, &mut text) {
            let body = protocol::refusal(&e);
            Framed::new(Some(&name), &body, env.req_id.as_ref()).write(&mut text);
            text.push(b'\n');
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

    /// Applies one request, writing its messages as lines to `text`.
    fn step(&mut self, env: &Envelope, text: &mut Vec<u8>) -> Result<(), EdgeError> {
        if let Err(e) = &env.request {
            if e.code == EdgeCode::BadJson {
                return Err(e.clone());
            }
        }
        let name = env.actor.as_deref().ok_or_else(|| {
            EdgeError::new(EdgeCode::BadRequest, "\"as\" must name the acting account")
        })?;
        let catalog = Arc::clone(self.seq.exchange().catalog());
        let actor = catalog.find(name).ok_or_else(|| {
            EdgeError::new(
                EdgeCode::UnknownAccount,
                format!("account {name} does not exist"),
            )
        })?;
        let time = protocol::parse_time(env.at.as_ref())?;
        let request = env.request.clone()?;
        // The one operator-only query: commands reach the exchange, which refuses them itself.
        let operator = catalog
            .party(actor)
            .is_some_and(|p| p.kind == ecomatch_risk::account::AccountKind::Operator);
        if matches!(request, protocol::Request::GetAccounts(_)) && !operator {
            return Err(EdgeError::new(
                EdgeCode::Forbidden,
                "only operators may list every account",
            ));
        }
        let draft = protocol::convert(&catalog, 1, &request)?;
        let mut line = |to: &str, body: &protocol::Body, req_id| {
            Framed::new(Some(to), body, req_id).write(text);
            text.push(b'\n');
        };
        match self.seq.submit(actor, time, draft)? {
            Submitted::Query(query) => {
                let body = protocol::answer_body(&catalog, &self.seq.answer(actor, &query));
                line(name, &body, env.req_id.as_ref());
            }
            Submitted::Applied { context } => {
                for o in self.seq.outputs() {
                    let body = protocol::body(&catalog, o, context);
                    let id = env.req_id.as_ref().filter(|_| o.reply);
                    line(&protocol::recipient(&catalog, o.to), &body, id);
                }
            }
        }
        Ok(())
    }
}
