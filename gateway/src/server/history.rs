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
