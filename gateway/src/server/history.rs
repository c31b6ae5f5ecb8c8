//! What the server remembers of each account's trading for its pages: the latest fills (of
//! the book, of call auctions, of blocks and of sealed-bid auctions), so that a reloaded
//! trading page and its CSV still have them. Kept since the server started, as the alert
//! history is; the log holds them for good (`ecomatch replay --trades`).

use std::collections::{BTreeMap, VecDeque};

use ecomatch_engine::id::{AccountId, Timestamp};
use ecomatch_exchange::{Catalog, Message, Output, Recipient};

use crate::protocol::message::{self as m, Time};
use crate::protocol::{self, Body};

/// How many of an account's latest fills are kept.
pub const FILLS_KEPT: usize = 500;

/// The latest fills of every account that traded, as the exchange said them (encoded only
/// when a page asks).
#[derive(Default)]
pub struct Fills {
    by_account: BTreeMap<AccountId, VecDeque<(Timestamp, Output)>>,
}

impl Fills {
    /// Keeps `out` if it is a fill of an account.
    pub fn record(&mut self, time: Timestamp, out: &Output) {
        let Recipient::Account(a) = out.to else {
            return;
        };
        if !matches!(out.msg, Message::Fill(_) | Message::SealedFill(_)) {
            return;
        }
        let kept = self.by_account.entry(a).or_default();
        if kept.len() == FILLS_KEPT {
            kept.pop_front();
        }
        kept.push_back((time, *out));
    }

    /// The `fills` answer for `account`: its kept fills, oldest first, each with its type and
    /// the time of the command that made it.
    pub fn body(&self, catalog: &Catalog, account: AccountId) -> Body {
        let fills = self
            .by_account
            .get(&account)
            .map(|kept| {
                kept.iter()
                    .map(|(time, out)| {
                        let body = protocol::body(catalog, out, None);
                        m::Filled {
                            kind: body.kind(),
                            time: Time(*time),
                            fill: body,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Body::Fills(m::Fills { fills })
    }
}

/// The alert history kept across restarts: each alert, as sent, appended as a line to
/// `alerts.jsonl` in the data directory (not synced: presentation, not state; the log holds
/// what raised it), and the latest `keep` read back at start.
pub struct AlertLog {
    file: Option<std::fs::File>,
}

impl AlertLog {
    /// Opens (or creates) the file in `dir`, and returns it with the latest `keep` alerts it
    /// holds, oldest first. Without a usable file the history starts empty and nothing is
    /// written, which the server says once.
    pub fn open(dir: &std::path::Path, keep: usize) -> (Self, VecDeque<String>) {
        let path = dir.join("alerts.jsonl");
        let mut kept = VecDeque::with_capacity(keep);
        if let Ok(text) = std::fs::read_to_string(&path) {
            for line in text
                .lines()
                .filter(|l| l.starts_with('{') && l.ends_with('}'))
            {
                if kept.len() == keep {
                    kept.pop_front();
                }
                kept.push_back(line.to_owned());
            }
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| {
                tracing::warn!(
                    "alert history not kept across restarts: {}: {e}",
                    path.display()
                );
            })
            .ok();
        (Self { file }, kept)
    }

    /// A log that keeps nothing (tests, and a server without a data directory).
    pub fn none() -> Self {
        Self { file: None }
    }

    /// Appends one alert's text as a line; a failing disk stops the keeping, not the server.
    pub fn append(&mut self, text: &str) {
        use std::io::Write;
        let Some(f) = &mut self.file else { return };
        let mut line = String::with_capacity(text.len() + 1);
        line.push_str(text);
        line.push('\n');
        if let Err(e) = f.write_all(line.as_bytes()) {
            tracing::warn!("alert history no longer kept: {e}");
            self.file = None;
        }
    }
}
