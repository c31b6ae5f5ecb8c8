//! The state hash: SHA-256 over a canonical encoding of everything that decides future
//! behaviour, so that a replay can prove it reached the same state bit for bit.
//!
//! The encoding is fixed-width little-endian integers and length-prefixed strings, visited in
//! a fixed order (markets in listing order, resting orders in book priority, accounts by id,
//! maps sorted by key), never `Debug` output or hash-map order.

use sha2::{Digest, Sha256};

use ecomatch_engine::book::{Side, Stp, Tif};
use ecomatch_risk::account::AccountStatus;

use crate::state::Exchange;
use crate::wire;

/// A 32-byte SHA-256 state hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StateHash(pub [u8; 32]);

impl core::fmt::Display for StateHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl core::fmt::Debug for StateHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "StateHash({self})")
    }
}

struct Canon(Sha256);

impl Canon {
    fn u64(&mut self, v: u64) {
        self.0.update(v.to_le_bytes());
    }

    fn u8(&mut self, v: u8) {
        self.0.update([v]);
    }

    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.update(s.as_bytes());
    }
}

impl Exchange {
    /// The hash of the whole state.
    pub fn state_hash(&self) -> StateHash {
        let mut c = Canon(Sha256::new());
        // The sequence number is not hashed: a checkpoint records it beside the hash, and a
        // refused command (which moves only the sequence) must leave the hash as it was.
        c.str("ecomatch-state-v1");
        if self.ids != crate::shard::IdSpace::WHOLE {
            // Only for shards, so that the hashes of one-shard markets stay as they were.
            let (first, stride) = self.ids.parts();
            c.str("ids");
            c.u64(first);
            c.u64(stride);
        }
        c.u64(self.next_order);
        c.u64(self.next_trade);
        for m in &self.markets {
            let spec = m.listing.instrument.spec();
            c.str(spec.id.as_str());
            c.u64(self.public_seq[self.by_id[&spec.id] as usize]);
            c.u64(
                spec.reference_price
                    .map_or(0, ecomatch_engine::quantity::Price::ticks),
            );
            c.u8(m.book.phase() as u8);
            let (lo, hi) = m.book.band();
            c.u64(lo.ticks());
            c.u64(hi.ticks());
            c.u64(m.call.len() as u64);
            for e in &m.call {
                c.u64(e.id.0);
                c.u64(e.limit.map_or(0, ecomatch_engine::quantity::Price::ticks));
                c.u8(tif_code(e.tif));
                let meta = self
                    .orders
                    .get(&e.id)
                    .expect("every collected order is open");
                for v in [
                    u64::from(meta.account.0),
                    meta.price.ticks(),
                    meta.qty.lots(),
                    meta.per_lot_hold,
                ] {
                    c.u64(v);
                }
                c.u8(side_code(meta.side));
                c.str(meta.client_order_id.as_ref().map_or("", |id| id.as_str()));
            }
            c.u64(m.book.len() as u64);
            for o in m.book.orders() {
                c.u64(o.id.0);
                c.u64(u64::from(o.account.0));
                c.u8(side_code(o.side));
                c.u64(o.price.ticks());
                c.u64(o.leaves.lots());
                c.u64(o.filled.lots());
                c.u8(tif_code(o.tif));
                c.u8(stp_code(o.stp));
                c.u8(u8::from(o.post_only));
                let meta = self.orders.get(&o.id).expect("every resting order is open");
                c.u64(meta.per_lot_hold);
                c.u64(meta.qty.lots());
                c.str(meta.client_order_id.as_ref().map_or("", |id| id.as_str()));
            }
        }
        self.hash_accounts(&mut c);
        StateHash(c.0.finalize().into())
    }

    fn hash_accounts(&self, c: &mut Canon) {
        for (id, a) in self.ledger.accounts() {
            c.str(&a.name);
            c.u8(match a.status {
                AccountStatus::Active => 0,
                AccountStatus::Suspended => 1,
                AccountStatus::Killed => 2,
            });
            let cash = self.ledger.cash(id).expect("listed account");
            c.u64(cash.available.fen());
            c.u64(cash.held.fen());
        }
        for (inst, account, b) in self.ledger.holdings() {
            c.str(inst.as_str());
            c.u64(u64::from(account.0));
            c.u64(b.available.lots());
            c.u64(b.held.lots());
        }
        let mut usage: Vec<_> = self.usage.iter().collect();
        usage.sort_unstable_by_key(|(k, _)| **k);
        for ((a, m), u) in usage {
            for v in [
                u64::from(a.0),
                u64::from(*m),
                u.open_buy,
                u.bought,
                u.open_sell,
                u.sold,
            ] {
                c.u64(v);
            }
        }
        for ((a, m), r) in &self.gep {
            for v in [u64::from(a.0), u64::from(*m), r.target, r.achieved] {
                c.u64(v);
            }
        }
        for ((a, m), n) in &self.needs {
            for v in [u64::from(a.0), u64::from(*m), *n] {
                c.u64(v);
            }
        }
        // Once inside the loop over needs above, so that without any need recorded the block
        // proposals were left out of the hash.
        c.u64(self.next_block);
        for (id, b) in &self.blocks {
            for v in [
                *id,
                u64::from(b.market),
                u64::from(b.proposer.0),
                u64::from(b.counterparty.0),
            ] {
                c.u64(v);
            }
            c.u8(side_code(b.side));
            for v in [b.price.ticks(), b.qty.lots(), b.expires.0] {
                c.u64(v);
            }
        }
        self.hash_auctions(c);
    }

    /// Open sealed-bid auctions by id, each with its terms (the seed included) and its bids
    /// by bidder and bid id.
    fn hash_auctions(&self, c: &mut Canon) {
        // Before the first auction nothing is added, so the hashes of states (and the
        // checkpoints of logs) from before sealed-bid auctions existed stay as they were.
        if self.next_auction == 0 {
            return;
        }
        c.u64(self.next_auction);
        c.u64(self.next_bid);
        c.u64(self.auctions.len() as u64);
        for (id, a) in &self.auctions {
            let t = &a.terms;
            c.u64(*id);
            c.u64(u64::from(a.market));
            c.str(t.instrument.as_str());
            for v in [
                u64::from(t.seller.0),
                t.offer.lots(),
                t.reserve.ticks(),
                t.cap.map_or(0, ecomatch_engine::quantity::Price::ticks),
                u64::from(t.bidder_limit_bps),
                u64::from(t.group_limit_bps),
                t.opens.0,
                t.closes.0,
            ] {
                c.u64(v);
            }
            for v in [
                wire::format(t.format),
                wire::tie_break(t.tie_break),
                wire::undersubscribed(t.undersubscribed),
            ] {
                c.u8(v);
            }
            c.0.update(t.seed);
            c.u64(a.bids.len() as u64);
            for (&(bidder, bid_id), b) in &a.bids {
                for v in [
                    u64::from(bidder.0),
                    bid_id,
                    b.price.ticks(),
                    b.qty.lots(),
                    b.seq,
                ] {
                    c.u64(v);
                }
            }
        }
    }
}

fn side_code(s: Side) -> u8 {
    match s {
        Side::Buy => 0,
        Side::Sell => 1,
    }
}

fn tif_code(t: Tif) -> u8 {
    match t {
        Tif::Gtc => 0,
        Tif::Day => 1,
        Tif::Ioc => 2,
        Tif::Fok => 3,
    }
}

fn stp_code(s: Stp) -> u8 {
    match s {
        Stp::CancelNewest => 0,
        Stp::CancelOldest => 1,
        Stp::CancelBoth => 2,
        Stp::Decrement => 3,
    }
}
