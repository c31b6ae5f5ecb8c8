//! The publisher's copy of each instrument's public state: the level-2 book, phase, reference,
//! last trade, the day's volume, and the latest call-auction indicative message. It is built
//! from the recovered exchange at start-up and then only from public messages, exactly as a
//! client builds its own, so the checksums it sends are the ones a client can recompute.
//!
//! The checksum is Kraken's WebSocket v2 book checksum: for the ten best asks (low to high)
//! and then the ten best bids (high to low), take each price and quantity string as sent,
//! remove the `.` and the leading zeros, concatenate them all, and take the CRC-32 (IEEE) of
//! the result as an unsigned 32-bit number.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use ecomatch_engine::book::{Phase, Side};
use ecomatch_engine::id::{AuctionId, InstrumentId, Timestamp};
use ecomatch_engine::quantity::{Price, Qty};
use ecomatch_exchange::catalog::{Catalog, Product};
use ecomatch_exchange::report::{AuctionNotice, DisposalNotice, DisposalStatus};
use ecomatch_exchange::{Exchange, Message};
use rust_decimal::Decimal;

use crate::protocol;
use crate::protocol::message::{self as m, Body, Shown, Time};

/// How many of the latest trades a snapshot carries (for a chart and a tape to start from).
pub const RECENT_TRADES: usize = 500;

/// Levels that enter the checksum, per side.
pub const CHECKSUM_LEVELS: usize = 10;

/// One instrument's public state.
#[derive(Clone, Debug)]
pub struct MarketView {
    catalog: Arc<Catalog>,
    instrument: InstrumentId,
    /// Bids by price (best is last).
    bids: BTreeMap<Price, Qty>,
    /// Asks by price (best is first).
    asks: BTreeMap<Price, Qty>,
    /// The last public sequence number.
    pub seq: u64,
    phase: Phase,
    reference: Option<Price>,
    band: (Price, Price),
    last: Option<Price>,
    volume: u128,
    turnover_ticks: u128,
    indicative: Option<m::Auction>,
    /// The latest trades since the server started, oldest first.
    recent: VecDeque<(Timestamp, Price, Qty)>,
    /// Sealed-bid auctions opened and not yet closed, with their notices' numbers.
    sealed: BTreeMap<AuctionId, (u64, AuctionNotice)>,
    /// Of those, the disposals of pledged lots, with their notices' numbers.
    disposals: BTreeMap<AuctionId, (u64, DisposalNotice)>,
}

impl MarketView {
    /// The view of an instrument of a (recovered) exchange, formatting with the market's
    /// catalogue.
    pub fn of(catalog: &Arc<Catalog>, ex: &Exchange, instrument: InstrumentId) -> Option<Self> {
        catalog.product(instrument)?;
        let book = ex.book(instrument)?;
        let side = |s| book.levels(s).map(|l| (l.price, l.qty)).collect();
        Some(Self {
            catalog: Arc::clone(catalog),
            instrument,
            bids: side(Side::Buy),
            asks: side(Side::Sell),
            seq: ex.public_seq(instrument)?,
            phase: book.phase(),
            reference: ex.listing(instrument)?.instrument.spec().reference_price,
            band: book.band(),
            last: None,
            volume: 0,
            turnover_ticks: 0,
            indicative: None,
            recent: VecDeque::with_capacity(RECENT_TRADES),
            // The number of a notice published before the server started is not kept: 0.
            sealed: ex
                .open_auction_notices()
                .filter(|n| n.instrument == instrument)
                .map(|n| (n.auction_id, (0, n)))
                .collect(),
            disposals: open_disposals(ex, instrument),
        })
    }

    fn product(&self) -> &Product {
        self.catalog
            .product(self.instrument)
            .expect("checked when the view was made")
    }

    /// Applies a public message of this instrument with its sequence number.
    pub fn apply(&mut self, seq: u64, msg: &Message) {
        debug_assert!(seq == self.seq + 1, "public sequence has a gap");
        self.seq = seq;
        match *msg {
            Message::Level {
                side, price, qty, ..
            } => {
                let book = match side {
                    Side::Buy => &mut self.bids,
                    Side::Sell => &mut self.asks,
                };
                if qty.lots() == 0 {
                    book.remove(&price);
                } else {
                    book.insert(price, qty);
                }
            }
            Message::Trade {
                price, qty, time, ..
            }
            | Message::AuctionTrade {
                price, qty, time, ..
            }
            | Message::BlockTrade {
                price, qty, time, ..
            }
            | Message::SealedTrade {
                price, qty, time, ..
            } => {
                self.last = Some(price);
                self.volume += u128::from(qty.lots());
                self.turnover_ticks += u128::from(qty.lots()) * u128::from(price.ticks());
                if self.recent.len() == RECENT_TRADES {
                    self.recent.pop_front();
                }
                self.recent.push_back((time, price, qty));
            }
            Message::AuctionOpened(n) => {
                self.sealed.insert(n.auction_id, (seq, n));
            }
            Message::AuctionResult(ref r) => {
                self.sealed.remove(&r.auction_id);
                self.disposals.remove(&r.auction_id);
            }
            Message::Disposal(d) if d.status == DisposalStatus::Opened => {
                self.disposals.insert(d.auction_id, (seq, d));
            }
            Message::Phase { phase, .. } => {
                self.phase = phase;
                if phase != Phase::Call {
                    self.indicative = None;
                }
            }
            Message::Reference {
                price,
                band_lo,
                band_hi,
                ..
            } => {
                self.reference = Some(price);
                self.band = (band_lo, band_hi);
            }
            Message::Indicative {
                price,
                volume,
                surplus,
                surplus_side,
                ..
            } => {
                let p = self.product();
                self.indicative = Some(m::Auction {
                    instrument: Shown(self.instrument),
                    seq,
                    indicative_price: price.map(|x| p.price(x)),
                    volume: p.qty(volume),
                    surplus: p.qty(surplus),
                    surplus_side: surplus_side.map(Side::as_str),
                });
            }
            _ => {}
        }
    }

    /// The checksum of the current top ten levels.
    pub fn checksum(&self) -> u32 {
        let mut text = String::with_capacity(CHECKSUM_LEVELS * 2 * 16);
        let asks = self.asks.iter().take(CHECKSUM_LEVELS);
        let bids = self.bids.iter().rev().take(CHECKSUM_LEVELS);
        let product = self.product();
        for (p, q) in asks.chain(bids) {
            push_stripped(&mut text, &product.price(*p).to_string());
            push_stripped(&mut text, &product.qty(*q).to_string());
        }
        crc32fast::hash(text.as_bytes())
    }

    /// The reference price in force, as the last `reference_price` message set it.
    pub fn reference(&self) -> Option<Price> {
        self.reference
    }

    /// The snapshot a subscriber gets first: the whole book, the phase and the day so far.
    pub fn snapshot(&self) -> Body {
        let p = self.product();
        let level = |(price, qty): (&Price, &Qty)| [p.price(*price), p.qty(*qty)];
        Body::Snapshot(Box::new(m::Snapshot {
            instrument: Shown(self.instrument),
            seq: self.seq,
            action: "snapshot",
            phase: self.phase.as_str(),
            reference_price: self.reference.map(|x| p.price(x)),
            band: [p.price(self.band.0), p.price(self.band.1)],
            last_price: self.last.map(|x| p.price(x)),
            volume: self.volume_decimal(p),
            turnover: self.turnover_decimal(p),
            bids: self.bids.iter().rev().map(level).collect(),
            asks: self.asks.iter().map(level).collect(),
            checksum: self.checksum(),
            auction: self.indicative.map(|auction| m::Published {
                to: "public",
                kind: "auction",
                auction,
            }),
            trades: self
                .recent
                .iter()
                .map(|&(t, price, qty)| (Time(t), p.price(price), p.qty(qty)))
                .collect(),
            sealed_auctions: self
                .sealed
                .values()
                .filter_map(
                    |(seq, n)| match protocol::auction_notice(&self.catalog, n, *seq) {
                        Body::SealedAuction(auction) => Some(m::PublishedSealed {
                            to: "public",
                            kind: "sealed_auction",
                            auction,
                        }),
                        _ => None,
                    },
                )
                .collect(),
            disposals: self
                .disposals
                .values()
                .map(|(seq, d)| m::PublishedDisposal {
                    to: "public",
                    kind: "disposal",
                    disposal: protocol::disposal_notice(&self.catalog, d, *seq),
                })
                .collect(),
        }))
    }

    fn volume_decimal(&self, p: &Product) -> String {
        u64::try_from(self.volume)
            .map_or_else(|_| self.volume.to_string(), |v| p.lots(v).to_string())
    }

    fn turnover_decimal(&self, p: &Product) -> String {
        let (Ok(t), Some(step)) = (
            i128::try_from(self.turnover_ticks),
            p.tick.checked_mul(p.lot),
        ) else {
            return self.turnover_ticks.to_string();
        };
        Decimal::try_from_i128_with_scale(t, 0)
            .ok()
            .and_then(|t| t.checked_mul(step))
            .map_or_else(
                || self.turnover_ticks.to_string(),
                |mut v| {
                    // Cash, as everywhere in the protocol: CNY with two places.
                    v.rescale(2);
                    v.to_string()
                },
            )
    }
}

/// The open disposals of an instrument in a recovered exchange, as their opening notices
/// read (numbered 0: the notice's number is not kept).
fn open_disposals(
    ex: &Exchange,
    instrument: InstrumentId,
) -> BTreeMap<AuctionId, (u64, DisposalNotice)> {
    ex.pledges()
        .filter(|(_, p)| p.instrument == instrument)
        .filter_map(|(id, p)| {
            let auction_id = p.auction?;
            let notice = DisposalNotice {
                pledge_id: id,
                instrument,
                auction_id,
                pledgee: p.pledgee,
                status: DisposalStatus::Opened,
                offer: p.qty,
                sold: Qty::ZERO,
            };
            Some((auction_id, (0, notice)))
        })
        .collect()
}

/// Appends `s` without its `.` and without leading zeros.
fn push_stripped(out: &mut String, s: &str) {
    let digits = s.chars().filter(|c| *c != '.');
    let mut leading = true;
    for c in digits {
        if leading && c == '0' {
            continue;
        }
        leading = false;
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripping_follows_kraken() {
        let mut s = String::new();
        push_stripped(&mut s, "45285.2");
        push_stripped(&mut s, "0.00100000");
        assert_eq!(s, "452852100000");
    }

    #[test]
    fn kraken_v2_documented_example() {
        // Kraken's v2 guide: asks then bids, each "price qty" stripped and concatenated.
        let mut text = String::new();
        for (p, q) in [("45285.2", "0.00100000"), ("45286.4", "1.54571953")] {
            push_stripped(&mut text, p);
            push_stripped(&mut text, q);
        }
        assert_eq!(text, "452852100000452864154571953");
        assert_eq!(
            crc32fast::hash(b"123456789"),
            0xCBF4_3926,
            "CRC-32/ISO-HDLC check value"
        );
    }

    #[test]
    fn checksum_tracks_level_updates() {
        let ex = ecomatch_exchange::demo::exchange();
        let id = InstrumentId::new("LS-FCS-2024").expect("id");
        let mut v = MarketView::of(ex.catalog(), &ex, id).expect("listed");
        let empty = v.checksum();
        assert_eq!(empty, crc32fast::hash(b""));
        let seq = v.seq;
        let level = Message::Level {
            instrument: id,
            side: Side::Buy,
            price: Price::from_ticks(5230),
            qty: Qty::from_lots(60),
        };
        v.apply(seq + 1, &level);
        let mut text = String::new();
        push_stripped(
            &mut text,
            &v.product().price(Price::from_ticks(5230)).to_string(),
        );
        push_stripped(&mut text, &v.product().qty(Qty::from_lots(60)).to_string());
        assert_eq!(v.checksum(), crc32fast::hash(text.as_bytes()));
        let gone = Message::Level {
            instrument: id,
            side: Side::Buy,
            price: Price::from_ticks(5230),
            qty: Qty::from_lots(0),
        };
        v.apply(seq + 2, &gone);
        assert_eq!(v.checksum(), empty);
    }
}
