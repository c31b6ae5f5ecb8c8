//! The publisher's copy of each instrument's public state: the level-2 book, phase, reference,
//! last trade, the day's volume, and the latest call-auction indicative message. It is built
//! from the recovered exchange at start-up and then only from public messages, exactly as a
//! client builds its own, so the checksums it sends are the ones a client can recompute.
//!
//! The checksum is Kraken's WebSocket v2 book checksum: for the ten best asks (low to high)
//! and then the ten best bids (high to low), take each price and quantity string as sent,
//! remove the `.` and the leading zeros, concatenate them all, and take the CRC-32 (IEEE) of
//! the result as an unsigned 32-bit number.

use std::collections::BTreeMap;

use ecomatch_engine::book::{Phase, Side};
use ecomatch_engine::id::InstrumentId;
use ecomatch_engine::quantity::{Price, Qty};
use ecomatch_exchange::{Exchange, Message};
use serde_json::{Value, json};

/// Levels that enter the checksum, per side.
pub const CHECKSUM_LEVELS: usize = 10;

/// One instrument's public state.
#[derive(Clone, Debug)]
pub struct MarketView {
    tick: rust_decimal::Decimal,
    lot: rust_decimal::Decimal,
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
    indicative: Option<Value>,
}

impl MarketView {
    /// The view of an instrument of a (recovered) exchange.
    pub fn of(ex: &Exchange, instrument: InstrumentId) -> Option<Self> {
        let listing = ex.listing(instrument)?;
        let book = ex.book(instrument)?;
        let side = |s| book.levels(s).map(|l| (l.price, l.qty)).collect();
        Some(Self {
            tick: listing.instrument.spec().tick,
            lot: listing.instrument.spec().lot,
            bids: side(Side::Buy),
            asks: side(Side::Sell),
            seq: ex.public_seq(instrument)?,
            phase: book.phase(),
            reference: listing.instrument.spec().reference_price,
            band: book.band(),
            last: None,
            volume: 0,
            turnover_ticks: 0,
            indicative: None,
        })
    }

    fn px(&self, p: Price) -> String {
        p.to_decimal(self.tick).to_string()
    }

    fn q(&self, q: Qty) -> String {
        q.to_decimal(self.lot).to_string()
    }

    /// Applies a public message of this instrument with its sequence number.
    pub fn apply(&mut self, seq: u64, msg: &Message, encoded: &Value) {
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
            Message::Trade { price, qty, .. }
            | Message::AuctionTrade { price, qty, .. }
            | Message::BlockTrade { price, qty, .. }
            | Message::SealedTrade { price, qty, .. } => {
                self.last = Some(price);
                self.volume += u128::from(qty.lots());
                self.turnover_ticks += u128::from(qty.lots()) * u128::from(price.ticks());
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
            Message::Indicative { .. } => self.indicative = Some(encoded.clone()),
            _ => {}
        }
    }

    /// The checksum of the current top ten levels.
    pub fn checksum(&self) -> u32 {
        let mut text = String::with_capacity(CHECKSUM_LEVELS * 2 * 16);
        let asks = self.asks.iter().take(CHECKSUM_LEVELS);
        let bids = self.bids.iter().rev().take(CHECKSUM_LEVELS);
        for (p, q) in asks.chain(bids) {
            push_stripped(&mut text, &self.px(*p));
            push_stripped(&mut text, &self.q(*q));
        }
        crc32fast::hash(text.as_bytes())
    }

    /// The reference price in force, as the last `reference_price` message set it.
    pub fn reference(&self) -> Option<Price> {
        self.reference
    }

    /// The snapshot a subscriber gets first: the whole book, the phase and the day so far.
    pub fn snapshot(&self, instrument: InstrumentId) -> Value {
        let bids: Vec<Value> = self
            .bids
            .iter()
            .rev()
            .map(|(p, q)| json!([self.px(*p), self.q(*q)]))
            .collect();
        let asks: Vec<Value> = self
            .asks
            .iter()
            .map(|(p, q)| json!([self.px(*p), self.q(*q)]))
            .collect();
        let turnover = self.turnover_decimal();
        json!({"type": "book", "instrument": instrument.as_str(), "seq": self.seq,
            "action": "snapshot", "phase": self.phase.as_str(),
            "reference_price": self.reference.map(|p| self.px(p)),
            "band": [self.px(self.band.0), self.px(self.band.1)],
            "last_price": self.last.map(|p| self.px(p)),
            "volume": self.volume_decimal(), "turnover": turnover,
            "bids": bids, "asks": asks, "checksum": self.checksum(),
            "auction": self.indicative.clone()})
    }

    fn volume_decimal(&self) -> String {
        u64::try_from(self.volume)
            .map_or_else(|_| self.volume.to_string(), |v| self.q(Qty::from_lots(v)))
    }

    fn turnover_decimal(&self) -> String {
        let (Ok(t), Some(step)) = (
            i128::try_from(self.turnover_ticks),
            self.tick.checked_mul(self.lot),
        ) else {
            return self.turnover_ticks.to_string();
        };
        rust_decimal::Decimal::try_from_i128_with_scale(t, 0)
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
        let mut v = MarketView::of(&ex, id).expect("listed");
        let empty = v.checksum();
        assert_eq!(empty, crc32fast::hash(b""));
        let seq = v.seq;
        let level = Message::Level {
            instrument: id,
            side: Side::Buy,
            price: Price::from_ticks(5230),
            qty: Qty::from_lots(60),
        };
        v.apply(seq + 1, &level, &Value::Null);
        let mut text = String::new();
        push_stripped(&mut text, &v.px(Price::from_ticks(5230)));
        push_stripped(&mut text, &v.q(Qty::from_lots(60)));
        assert_eq!(v.checksum(), crc32fast::hash(text.as_bytes()));
        let gone = Message::Level {
            instrument: id,
            side: Side::Buy,
            price: Price::from_ticks(5230),
            qty: Qty::from_lots(0),
        };
        v.apply(seq + 2, &gone, &Value::Null);
        assert_eq!(v.checksum(), empty);
    }
}
