//! Snapshots: the whole state of the exchange at a sequence number, in the binary form of
//! [`crate::wire`], and its restoration onto a fresh exchange built from the same genesis.
//! Restoring puts each book's resting orders back in priority order without matching; the
//! caller checks the restored state hash against the one recorded with the snapshot.

use ecomatch_engine::book::{OrderBook, OrderView};
use ecomatch_engine::id::{AccountId, AuctionId, BidId, BlockId, OrderId, Seq};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_risk::gate::{GepRecord, Usage};
use ecomatch_risk::ledger::Balance;

use crate::command::ClientOrderId;
use crate::state::{Auction, OpenBid};
use crate::state::{Exchange, OpenOrder};
use crate::wire::{self, DecodeError, Reader, Writer};

const MAGIC: &str = "ecomatch-snapshot-v2";

impl Exchange {
    /// The whole state, encoded: the one walk of the state, which the state hash hashes too.
    pub fn snapshot(&self) -> Vec<u8> {
        self.encode(self.last_seq.0)
    }

    /// The encoding with `seq` in the place of the last sequence number (the state hash
    /// leaves it out: a refused command moves only the sequence).
    pub(crate) fn encode(&self, seq: u64) -> Vec<u8> {
        let mut buf = Vec::with_capacity(1 << 16);
        let mut w = Writer(&mut buf);
        w.short_str(MAGIC);
        let (first, stride) = self.ids.parts();
        for v in [seq, first, stride, self.next_order, self.next_trade] {
            w.u64(v);
        }
        w.u64(self.ledger.accounts().count() as u64);
        for (id, a) in self.ledger.accounts() {
            let cash = self.ledger.cash(id).expect("listed account");
            w.u8(a.status as u8);
            w.u64(cash.available.fen());
            w.u64(cash.held.fen());
        }
        let holdings: Vec<_> = self.ledger.holdings().collect();
        w.u64(holdings.len() as u64);
        for (inst, account, b) in holdings {
            w.short_str(inst.as_str());
            w.u32(account.0);
            w.u64(b.available.lots());
            w.u64(b.held.lots());
        }
        self.snapshot_maps(&mut w);
        w.u64(self.markets.len() as u64);
        for (i, m) in self.markets.iter().enumerate() {
            w.u64(self.public_seq[i]);
            w.opt_u64(
                m.listing
                    .instrument
                    .spec()
                    .reference_price
                    .map(Price::ticks),
            );
            w.u8(m.book.phase() as u8);
            let (lo, hi) = m.book.band();
            w.u64(lo.ticks());
            w.u64(hi.ticks());
            w.u64(m.book.len() as u64);
            for o in m.book.orders() {
                let meta = self.orders.get(&o.id).expect("every resting order is open");
                for v in [
                    o.id.0,
                    u64::from(o.account.0),
                    o.price.ticks(),
                    o.leaves.lots(),
                    o.filled.lots(),
                    meta.qty.lots(),
                    meta.per_lot_hold,
                ] {
                    w.u64(v);
                }
                for v in [
                    wire::side(o.side),
                    wire::tif(o.tif),
                    wire::stp(o.stp),
                    u8::from(o.post_only),
                ] {
                    w.u8(v);
                }
                w.short_str(
                    meta.client_order_id
                        .as_ref()
                        .map_or("", ClientOrderId::as_str),
                );
            }
            w.u64(m.call.len() as u64);
            for e in m.call.values() {
                let meta = &self.orders[&e.id];
                w.u64(e.id.0);
                w.opt_u64(e.limit.map(Price::ticks));
                w.u8(wire::tif(e.tif));
                w.u32(meta.account.0);
                w.u8(wire::side(meta.side));
                for v in [meta.price.ticks(), meta.qty.lots(), meta.per_lot_hold] {
                    w.u64(v);
                }
                w.short_str(
                    meta.client_order_id
                        .as_ref()
                        .map_or("", ClientOrderId::as_str),
                );
            }
        }
        self.snapshot_auctions(&mut w);
        self.snapshot_pledges(&mut w);
        buf
    }

    /// Open sealed-bid auctions by id: market, terms (with the seed), bids by bidder and id.
    /// The collateral is not written: it is a function of the bids.
    fn snapshot_auctions(&self, w: &mut Writer<'_>) {
        w.u64(self.next_auction);
        w.u64(self.next_bid);
        w.u64(self.auctions.len() as u64);
        for (id, a) in &self.auctions {
            w.u64(id.0);
            w.u32(a.market);
            w.auction_terms(&a.terms);
            w.u64(a.bids.len() as u64);
            for (&(bidder, bid_id), b) in &a.bids {
                w.u32(bidder.0);
                for v in [bid_id.0, b.price.ticks(), b.qty.lots(), b.seq] {
                    w.u64(v);
                }
            }
        }
    }

    fn snapshot_maps(&self, w: &mut Writer<'_>) {
        let mut usage: Vec<_> = self.usage.iter().collect();
        usage.sort_unstable_by_key(|(k, _)| **k);
        w.u64(usage.len() as u64);
        for ((a, m), u) in usage {
            w.u32(a.0);
            w.u32(*m);
            for v in [u.open_buy, u.bought, u.open_sell, u.sold] {
                w.u64(v);
            }
        }
        w.u64(self.gep.len() as u64);
        for ((a, m), r) in &self.gep {
            w.u32(a.0);
            w.u32(*m);
            w.u64(r.target);
            w.u64(r.achieved);
        }
        w.u64(self.needs.len() as u64);
        for ((a, m), n) in &self.needs {
            w.u32(a.0);
            w.u32(*m);
            w.u64(*n);
        }
        w.u64(self.next_block);
        w.u64(self.blocks.len() as u64);
        for (id, b) in &self.blocks {
            w.u64(id.0);
            w.u32(b.market);
            w.u32(b.proposer.0);
            w.u32(b.counterparty.0);
            w.u8(wire::side(b.side));
            for v in [b.price.ticks(), b.qty.lots(), b.expires.0] {
                w.u64(v);
            }
        }
    }

    /// Restores a snapshot onto `base`, a fresh exchange built from the same genesis.
    pub fn restore(mut base: Exchange, bytes: &[u8]) -> Result<Exchange, DecodeError> {
        let mut r = Reader(bytes);
        if r.short_str()? != MAGIC {
            return Err(DecodeError("not an ecomatch snapshot"));
        }
        base.last_seq = Seq(r.u64()?);
        if (r.u64()?, r.u64()?) != base.ids.parts() {
            return Err(DecodeError("a snapshot of another shard"));
        }
        base.next_order = r.u64()?;
        base.next_trade = r.u64()?;
        restore_ledger(&mut base, &mut r)?;
        restore_maps(&mut base, &mut r)?;
        if r.u64()? != base.markets.len() as u64 {
            return Err(DecodeError(
                "the snapshot has other markets than the genesis",
            ));
        }
        base.orders.clear();
        for m in 0..base.markets.len() {
            restore_market(&mut base, m, &mut r)?;
            // The call's depth is built when it is first needed; its totals must fit now.
            base.markets[m].depth = None;
            if !base.call_fits(m as u32) {
                return Err(DecodeError("a call whose quantities overflow"));
            }
        }
        restore_auctions(&mut base, &mut r)?;
        crate::pledge::record::restore(&mut base, &mut r)?;
        if !r.0.is_empty() {
            return Err(DecodeError("trailing bytes"));
        }
        Ok(base)
    }
}

fn restore_ledger(ex: &mut Exchange, r: &mut Reader<'_>) -> Result<(), DecodeError> {
    let n = r.u64()?;
    if n != ex.ledger.accounts().count() as u64 {
        return Err(DecodeError(
            "the snapshot has other accounts than the genesis",
        ));
    }
    let mut cash = Vec::with_capacity(n as usize);
    for i in 0..n {
        let s = wire::status_of(r.u8()?)?;
        ex.ledger
            .set_status(AccountId(i as u32), s)
            .map_err(|_| DecodeError("bad account"))?;
        cash.push(Balance {
            available: Cash::from_fen(r.u64()?),
            held: Cash::from_fen(r.u64()?),
        });
    }
    let mut holdings = Vec::new();
    for _ in 0..r.u64()? {
        holdings.push((
            r.instrument()?,
            AccountId(r.u32()?),
            Balance {
                available: Qty::from_lots(r.u64()?),
                held: Qty::from_lots(r.u64()?),
            },
        ));
    }
    ex.ledger
        .restore_balances(&cash, &holdings)
        .map_err(|_| DecodeError("inconsistent balances"))
}

fn restore_maps(ex: &mut Exchange, r: &mut Reader<'_>) -> Result<(), DecodeError> {
    ex.usage.clear();
    for _ in 0..r.u64()? {
        let key = (AccountId(r.u32()?), r.u32()?);
        ex.usage.insert(
            key,
            Usage {
                open_buy: r.u64()?,
                bought: r.u64()?,
                open_sell: r.u64()?,
                sold: r.u64()?,
            },
        );
    }
    ex.gep.clear();
    for _ in 0..r.u64()? {
        let key = (AccountId(r.u32()?), r.u32()?);
        ex.gep.insert(
            key,
            GepRecord {
                target: r.u64()?,
                achieved: r.u64()?,
            },
        );
    }
    ex.needs.clear();
    for _ in 0..r.u64()? {
        let key = (AccountId(r.u32()?), r.u32()?);
        ex.needs.insert(key, r.u64()?);
    }
    ex.next_block = r.u64()?;
    ex.blocks.clear();
    for _ in 0..r.u64()? {
        let id = r.u64()?;
        let market = r.u32()?;
        if market as usize >= ex.markets.len() {
            return Err(DecodeError("a block proposal on an unknown market"));
        }
        let (proposer, counterparty) = (AccountId(r.u32()?), AccountId(r.u32()?));
        let side = wire::side_of(r.u8()?)?;
        let (price, qty, expires) = (
            Price::from_ticks(r.u64()?),
            Qty::from_lots(r.u64()?),
            ecomatch_engine::id::Timestamp(r.u64()?),
        );
        ex.blocks.insert(
            BlockId(id),
            crate::state::Block {
                market,
                proposer,
                counterparty,
                side,
                price,
                qty,
                expires,
            },
        );
    }
    Ok(())
}

fn restore_market(ex: &mut Exchange, m: usize, r: &mut Reader<'_>) -> Result<(), DecodeError> {
    ex.public_seq[m] = r.u64()?;
    let reference = r.opt_u64()?.map(Price::from_ticks);
    let phase = wire::phase_of(r.u8()?)?;
    let (lo, hi) = (Price::from_ticks(r.u64()?), Price::from_ticks(r.u64()?));
    let market = &mut ex.markets[m];
    if let Some(p) = reference {
        let set = market.listing.instrument.set_reference_price(p);
        set.map_err(|_| DecodeError("bad reference price"))?;
    }
    let mut book = OrderBook::for_instrument(&market.listing.instrument);
    if lo > hi || lo < book.capacity().min_price || hi > book.capacity().max_price {
        return Err(DecodeError("bad band"));
    }
    book.set_band(lo, hi);
    book.set_phase(phase, &mut Vec::new());
    for _ in 0..r.u64()? {
        let (view, open) = resting(r, m as u32)?;
        book.restore(&view)
            .map_err(|_| DecodeError("a resting order does not fit its book"))?;
        ex.orders.insert(view.id, open);
    }
    book.note_last_id(OrderId(ex.next_order));
    ex.markets[m].book = book;
    ex.markets[m].call.clear();
    for _ in 0..r.u64()? {
        let id = OrderId(r.u64()?);
        let limit = r.opt_u64()?.map(Price::from_ticks);
        let tif = wire::tif_of(r.u8()?)?;
        let account = AccountId(r.u32()?);
        let side = wire::side_of(r.u8()?)?;
        let (price, qty, per_lot_hold) = (
            Price::from_ticks(r.u64()?),
            Qty::from_lots(r.u64()?),
            r.u64()?,
        );
        let client_order_id = r.client_order_id()?;
        if phase != ecomatch_engine::book::Phase::Call {
            return Err(DecodeError("orders collected outside a call phase"));
        }
        let entry = crate::state::CallEntry { id, limit, tif };
        if ex.markets[m].call.insert(id, entry).is_some() {
            return Err(DecodeError("an order collected twice"));
        }
        let open = OpenOrder {
            account,
            market: m as u32,
            side,
            price,
            qty,
            filled: Qty::ZERO,
            per_lot_hold,
            client_order_id,
        };
        ex.orders.insert(id, open);
    }
    Ok(())
}

fn restore_auctions(ex: &mut Exchange, r: &mut Reader<'_>) -> Result<(), DecodeError> {
    ex.auctions.clear();
    ex.bid_index.clear();
    if r.0.is_empty() {
        // Written before sealed-bid auctions existed: there were none.
        ex.next_auction = 0;
        ex.next_bid = 0;
        return Ok(());
    }
    ex.next_auction = r.u64()?;
    ex.next_bid = r.u64()?;
    for _ in 0..r.u64()? {
        let id = AuctionId(r.u64()?);
        let market = r.u32()?;
        let terms = r.auction_terms()?;
        if ex.by_id.get(&terms.instrument) != Some(&market) {
            return Err(DecodeError("an auction on an unknown market"));
        }
        let mut bids = std::collections::BTreeMap::new();
        for _ in 0..r.u64()? {
            let bidder = AccountId(r.u32()?);
            let bid_id = BidId(r.u64()?);
            let bid = OpenBid {
                price: Price::from_ticks(r.u64()?),
                qty: Qty::from_lots(r.u64()?),
                seq: r.u64()?,
            };
            bids.insert((bidder, bid_id), bid);
            if ex.bid_index.insert(bid_id, (id, bidder)).is_some() {
                return Err(DecodeError("a bid in two places"));
            }
        }
        ex.auctions.insert(
            id,
            Auction {
                market,
                terms,
                bids,
            },
        );
    }
    Ok(())
}

/// One resting order of a snapshot: as the book sees it, and as the exchange tracks it.
fn resting(r: &mut Reader<'_>, market: u32) -> Result<(OrderView, OpenOrder), DecodeError> {
    let id = OrderId(r.u64()?);
    let account = AccountId(u32::try_from(r.u64()?).map_err(|_| DecodeError("bad account"))?);
    let price = Price::from_ticks(r.u64()?);
    let (leaves, filled, qty) = (
        Qty::from_lots(r.u64()?),
        Qty::from_lots(r.u64()?),
        Qty::from_lots(r.u64()?),
    );
    let per_lot_hold = r.u64()?;
    let side = wire::side_of(r.u8()?)?;
    let tif = wire::tif_of(r.u8()?)?;
    let stp = wire::stp_of(r.u8()?)?;
    let post_only = r.flag()?;
    let client_order_id = r.client_order_id()?;
    let view = OrderView {
        id,
        account,
        side,
        price,
        leaves,
        filled,
        tif,
        stp,
        post_only,
    };
    let open = OpenOrder {
        account,
        market,
        side,
        price,
        qty,
        filled,
        per_lot_hold,
        client_order_id,
    };
    Ok((view, open))
}
