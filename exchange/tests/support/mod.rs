//! A small harness for the exchange's cross-module tests: commands applied one after another
//! on the demo market, with `check_invariants()` after every step and refusals checked to
//! change nothing.

#![allow(dead_code)] // each test file uses its own part of the harness

use ecomatch_engine::book::{Phase, Side, Tif};
use ecomatch_engine::id::{AccountId, InstrumentId, Seq, Timestamp};
use ecomatch_engine::quantity::{Price, Qty};
use ecomatch_exchange::{Command, Exchange, Message, OrderRequest, Output, Sequenced, demo};

/// An instrument of the demo market by its code.
pub fn inst(code: &str) -> InstrumentId {
    InstrumentId::new(code).unwrap()
}

/// A new order in raw units (ticks, lots); `None` for a market order.
pub fn order(code: &str, side: Side, price: Option<u64>, qty: u64, tif: Tif) -> Command {
    Command::NewOrder(OrderRequest {
        instrument: inst(code),
        side,
        price: price.map(Price::from_ticks),
        qty: Qty::from_lots(qty),
        tif,
        post_only: false,
        stp: None,
        client_order_id: None,
    })
}

/// An operator's phase change.
pub fn phase(code: &str, phase: Phase) -> Command {
    Command::SetPhase {
        instrument: inst(code),
        phase,
    }
}

/// An operator's reference price move, in ticks.
pub fn reference(code: &str, ticks: u64) -> Command {
    Command::SetReferencePrice {
        instrument: inst(code),
        price: Price::from_ticks(ticks),
    }
}

/// An exchange and the sequence of the commands applied to it.
pub struct Run {
    /// The exchange.
    pub ex: Exchange,
    /// The last sequence number given.
    pub seq: u64,
}

impl Run {
    /// The demo market, every instrument in continuous trading.
    pub fn demo() -> Self {
        Self {
            ex: demo::exchange(),
            seq: 0,
        }
    }

    /// An account by name.
    pub fn id(&self, name: &str) -> AccountId {
        self.ex.ledger().find(name).unwrap()
    }

    /// Applies a command of `who`; checks every invariant after it.
    pub fn go(&mut self, who: &str, command: Command) -> Vec<Output> {
        self.go_at(Timestamp(self.seq + 1), who, command)
    }

    /// [`Self::go`] at `time` (the sequence number is the time otherwise).
    pub fn go_at(&mut self, time: Timestamp, who: &str, command: Command) -> Vec<Output> {
        self.seq += 1;
        let cmd = Sequenced {
            seq: Seq(self.seq),
            time,
            actor: self.id(who),
            command,
        };
        let mut out = Vec::new();
        self.ex.apply(&cmd, &mut out);
        self.ex.check_invariants();
        out
    }

    /// Applies a command that must succeed; returns its outputs.
    pub fn ok(&mut self, who: &str, command: Command) -> Vec<Output> {
        self.ok_at(Timestamp(self.seq + 1), who, command)
    }

    /// [`Self::ok`] at `time`.
    pub fn ok_at(&mut self, time: Timestamp, who: &str, command: Command) -> Vec<Output> {
        let out = self.go_at(time, who, command);
        if let Some(r) = out.iter().find_map(|o| match o.msg {
            Message::Reject(r) => Some(r),
            _ => None,
        }) {
            panic!("refused: {} ({r})", r.code());
        }
        out
    }

    /// Applies a command; `Some(code)` if it was refused, in which case the state hash must
    /// be what it was before.
    pub fn code(&mut self, who: &str, command: Command) -> Option<&'static str> {
        self.code_at(Timestamp(self.seq + 1), who, command)
    }

    /// [`Self::code`] at `time`.
    pub fn code_at(
        &mut self,
        time: Timestamp,
        who: &str,
        command: Command,
    ) -> Option<&'static str> {
        let before = self.ex.state_hash();
        let out = self.go_at(time, who, command);
        match out.as_slice() {
            [
                Output {
                    msg: Message::Reject(r),
                    ..
                },
            ] => {
                assert_eq!(self.ex.state_hash(), before, "a refusal changed the state");
                Some(r.code())
            }
            _ => None,
        }
    }

    /// Cash held by an account, in fen.
    pub fn held(&self, name: &str) -> u64 {
        self.ex.ledger().cash(self.id(name)).unwrap().held.fen()
    }
}

/// The (price, qty) of every trade of any kind among `out`, in ticks and lots.
pub fn trades(out: &[Output]) -> Vec<(u64, u64)> {
    out.iter()
        .filter_map(|o| match o.msg {
            Message::Trade { price, qty, .. }
            | Message::AuctionTrade { price, qty, .. }
            | Message::BlockTrade { price, qty, .. } => Some((price.ticks(), qty.lots())),
            _ => None,
        })
        .collect()
}

/// The ids and reasons of the order reports among `out` with status `status`.
pub fn closed(out: &[Output], status: &str) -> Vec<(u64, Option<&'static str>)> {
    out.iter()
        .filter_map(|o| match o.msg {
            Message::Order(r) if r.status.as_str() == status => Some((
                r.order_id.0,
                r.reason.map(ecomatch_exchange::output::OrderReason::as_str),
            )),
            _ => None,
        })
        .collect()
}
