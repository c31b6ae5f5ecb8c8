//! A plain exchange fed request lines as `ecomatch script` feeds them, with its own command
//! sequence: the building block of the sharded comparison and the storage-fault runs, which
//! check their own things rather than the model's.

use ecomatch_engine::id::{AccountId, Seq, Timestamp};
use ecomatch_exchange::{Command, Exchange, Output, Sequenced};
use ecomatch_gateway::protocol;
use ecomatch_gateway::protocol::parse_time;

/// What a request became.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Refused before the exchange, with this code.
    Edge(&'static str),
    /// A query.
    Query,
    /// Applied; its outputs.
    Applied(Vec<Output>),
}

/// An exchange with its own command sequence.
pub struct Node {
    /// The exchange.
    pub ex: Exchange,
    /// The last sequence number given.
    pub seq: u64,
    /// The last command applied.
    pub last: Option<Sequenced>,
}

impl Node {
    /// A node over `ex`, before its first command.
    pub fn new(ex: Exchange) -> Self {
        Self {
            ex,
            seq: 0,
            last: None,
        }
    }

    /// Applies a command of `actor` at `time` as the next in sequence.
    pub fn apply(&mut self, actor: AccountId, time: Timestamp, command: Command) -> Vec<Output> {
        self.seq += 1;
        let cmd = Sequenced {
            seq: Seq(self.seq),
            time,
            actor,
            command,
        };
        let mut out = Vec::new();
        self.ex.apply(&cmd, &mut out);
        self.last = Some(cmd);
        out
    }

    /// Decodes, converts and applies one request line.
    pub fn line(&mut self, line: &str) -> Outcome {
        let env = protocol::parse_line(line, true);
        let Ok(request) = env.request else {
            return Outcome::Edge(env.request.err().map_or("", |e| e.code.as_str()));
        };
        let Some(actor) = env.actor.as_deref().and_then(|n| self.ex.ledger().find(n)) else {
            return Outcome::Edge("UNKNOWN_ACCOUNT");
        };
        let Ok(time) = parse_time(env.at.as_ref()) else {
            return Outcome::Edge("BAD_TIME");
        };
        match protocol::to_command(&self.ex, actor, &request) {
            Err(e) => Outcome::Edge(e.code.as_str()),
            Ok(Err(_)) => Outcome::Query,
            Ok(Ok(command)) => Outcome::Applied(self.apply(actor, time, command)),
        }
    }
}
