//! # ecomatch-surveillance
//!
//! Market surveillance beside the core: a pure observer of the exchange's [`Output`]s that
//! raises [`Alert`]s, each with the evidence behind it. It reads no clock and iterates no hash
//! map: fed the same outputs with the same command times (live from the publisher, or from a
//! replay of the log) it raises the same alerts in the same order.
//!
//! Rules (thresholds in [`Config`]):
//!
//! | kind | when |
//! |---|---|
//! | `wash_trade` | the buyer and the seller of one trade are different accounts of the same affiliation group |
//! | `auction_share` | one buyer takes at least [`Config::auction_share_bps`] of a call auction's uncross, or wins at least [`Config::near_limit_bps`] of its purchase limit in a sealed-bid auction |
//! | `price_band_hit` | an order or block was refused for a price outside the band (`PRICE_OUTSIDE_BAND`, `BLOCK_OUTSIDE_BAND`) |
//! | `far_from_reference` | a trade (continuous, auction or block) more than [`Config::far_from_reference_bps`] away from the reference price |
//! | `cancel_burst` | one account cancels [`Config::cancel_burst`] orders within [`Config::cancel_window_ns`] |
//! | `gep_beyond_quota` | a county's GEP order refused for exceeding its shortfall (buy) or surplus (sell); the refused attempts are counted |

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use ecomatch_engine::book::{CancelReason, Side};
use ecomatch_engine::id::{AccountId, AuctionId, InstrumentId, Timestamp, TradeId};
use ecomatch_engine::quantity::{Price, Qty};
use ecomatch_exchange::output::{FillReport, Liquidity, OrderReason, OrderStatus};
use ecomatch_exchange::{Catalog, Exchange, Message, Output, Recipient, Reject};
use ecomatch_risk::gate::{GateError, GepRecord, QuotaKind};

/// Basis points in one whole.
const BPS: u64 = 10_000;

/// The purchase limit of a single-sided auction when the exchange names none (DESIGN.md: 25 %
/// of the offer); the call-auction share threshold is set against it.
pub const DEFAULT_PURCHASE_LIMIT_BPS: u64 = 2_500;

/// The thresholds of the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// A trade further than this from the reference price, in basis points, is flagged.
    /// The default (10 %) is the national carbon market's listing band: inside the demo's
    /// ±10 % band only block trades and auctions can get there.
    pub far_from_reference_bps: u64,
    /// This many participant cancels ...
    pub cancel_burst: usize,
    /// ... within this many nanoseconds make a burst.
    pub cancel_window_ns: u64,
    /// A buyer's share of a call auction's uncross volume that is flagged, in basis points
    /// (20 %: four fifths of the default purchase limit).
    pub auction_share_bps: u64,
    /// A sealed-bid winner's allocation that is flagged, in basis points of its purchase limit.
    pub near_limit_bps: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            far_from_reference_bps: 1_000,
            cancel_burst: 10,
            cancel_window_ns: 10_000_000_000,
            auction_share_bps: 2_000,
            near_limit_bps: 8_000,
        }
    }
}

/// What an alert is about; [`AlertKind::code`] is the stable protocol name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertKind {
    /// A trade between affiliated accounts.
    WashTrade,
    /// A buyer's share of an auction near the purchase limit.
    AuctionShare,
    /// A price refused for lying outside the band.
    PriceBandHit,
    /// A trade far from the reference price.
    FarFromReference,
    /// Many cancels by one account in a short time.
    CancelBurst,
    /// A county's GEP order beyond its shortfall or surplus.
    GepBeyondQuota,
    /// A pledge enforced: a public disposal auction of defaulted collateral opened.
    PledgeEnforced,
}

impl AlertKind {
    /// The stable code, in `snake_case`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::WashTrade => "wash_trade",
            Self::AuctionShare => "auction_share",
            Self::PriceBandHit => "price_band_hit",
            Self::FarFromReference => "far_from_reference",
            Self::CancelBurst => "cancel_burst",
            Self::GepBeyondQuota => "gep_beyond_quota",
            Self::PledgeEnforced => "pledge_enforced",
        }
    }
}

/// One piece of evidence: a count or an exact decimal (kept as text so nothing is rounded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// A count, an id or basis points.
    Int(u64),
    /// A decimal price or quantity, a code, a name.
    Text(String),
}

impl From<u64> for Evidence {
    fn from(v: u64) -> Self {
        Self::Int(v)
    }
}

impl From<&str> for Evidence {
    fn from(v: &str) -> Self {
        Self::Text(v.into())
    }
}

impl From<String> for Evidence {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

/// A surveillance alert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    /// What it is about.
    pub kind: AlertKind,
    /// The time of the command whose outputs raised it.
    pub time: Timestamp,
    /// The instrument, when the rule concerns one.
    pub instrument: Option<InstrumentId>,
    /// The accounts involved (buyer first where there are two sides).
    pub accounts: Vec<AccountId>,
    /// Named facts, in a fixed order per kind.
    pub evidence: Vec<(&'static str, Evidence)>,
}

/// A sealed-bid auction's purchase limit, from its opening notice.
#[derive(Clone, Copy)]
struct SealedTerms {
    bidder_limit: Qty,
}

/// The surveillance state: the static catalog plus what the rules remember between commands.
pub struct Surveillance {
    config: Config,
    catalog: Arc<Catalog>,
    /// The reference price in force per instrument, following every `reference_price`.
    references: BTreeMap<InstrumentId, Price>,
    affiliation: BTreeMap<AccountId, String>,
    gep: BTreeMap<(AccountId, InstrumentId), GepRecord>,
    cancels: BTreeMap<AccountId, VecDeque<u64>>,
    gep_attempts: BTreeMap<(AccountId, InstrumentId), (u64, u64)>,
    sealed: BTreeMap<AuctionId, SealedTerms>,
    /// Per command: each trade's first fill, waiting for the other side's.
    fills: BTreeMap<TradeId, (AccountId, FillReport)>,
    /// Per command: auction buys by instrument and account, and uncross volume by instrument.
    auction_buys: BTreeMap<(InstrumentId, AccountId), u64>,
    auction_volume: BTreeMap<InstrumentId, u64>,
}

impl Surveillance {
    /// Surveillance of the market `catalog` describes (accounts, affiliations, instruments),
    /// with the default thresholds; [`Self::include`] then adds each shard's state.
    pub fn new(catalog: Arc<Catalog>) -> Self {
        Self::with_config(catalog, Config::default())
    }

    /// Surveillance with the given thresholds.
    pub fn with_config(catalog: Arc<Catalog>, config: Config) -> Self {
        let affiliation = catalog
            .parties()
            .filter_map(|(id, p)| p.affiliation.clone().map(|g| (id, g)))
            .collect();
        Self {
            config,
            catalog,
            references: BTreeMap::new(),
            affiliation,
            gep: BTreeMap::new(),
            cancels: BTreeMap::new(),
            gep_attempts: BTreeMap::new(),
            sealed: BTreeMap::new(),
            fills: BTreeMap::new(),
            auction_buys: BTreeMap::new(),
            auction_volume: BTreeMap::new(),
        }
    }

    /// Takes in what a shard's (recovered) state knows that the catalogue does not: the
    /// reference prices in force and the GEP records kept there.
    pub fn include(&mut self, shard: &Exchange) {
        for listing in shard.listings() {
            let spec = listing.instrument.spec();
            if let Some(r) = spec.reference_price {
                self.references.insert(spec.id, r);
            }
            for (account, _) in shard.ledger().accounts() {
                if let Some(r) = shard.gep_record(account, spec.id) {
                    self.gep.insert((account, spec.id), r);
                }
            }
        }
    }

    /// Observes the outputs of one command applied at `time`; `context` is the instrument the
    /// command was about (rejects do not name it). Alerts are appended to `alerts` in the
    /// order of the outputs that raised them, auction shares last.
    pub fn observe(
        &mut self,
        time: Timestamp,
        context: Option<InstrumentId>,
        outputs: &[Output],
        alerts: &mut Vec<Alert>,
    ) {
        for out in outputs {
            self.one(time, context, out, alerts);
        }
        self.auction_shares(time, alerts);
        // Both fills of a trade come from the same command, so nothing pairs across commands.
        self.fills.clear();
    }

    fn one(
        &mut self,
        time: Timestamp,
        context: Option<InstrumentId>,
        out: &Output,
        alerts: &mut Vec<Alert>,
    ) {
        match (out.to, out.msg) {
            (Recipient::Account(a), Message::Fill(f)) => self.fill(time, a, f, alerts),
            (Recipient::Account(a), Message::Order(o))
                if o.status == OrderStatus::Canceled
                    && o.reason == Some(OrderReason::Canceled(CancelReason::Requested)) =>
            {
                self.cancel(time, a, alerts);
            }
            (Recipient::Account(a), Message::Reject(r)) => self.reject(time, a, context, r, alerts),
            (
                Recipient::Public,
                Message::Trade {
                    instrument,
                    trade_id,
                    price,
                    ..
                }
                | Message::AuctionTrade {
                    instrument,
                    trade_id,
                    price,
                    ..
                }
                | Message::BlockTrade {
                    instrument,
                    trade_id,
                    price,
                    ..
                }
                | Message::SealedTrade {
                    instrument,
                    trade_id,
                    price,
                    ..
                },
            ) => {
                if let Message::AuctionTrade { qty, .. } = out.msg {
                    let v = self.auction_volume.entry(instrument).or_default();
                    *v = v.saturating_add(qty.lots());
                }
                self.far_from_reference(time, instrument, trade_id, price, alerts);
            }
            (
                _,
                Message::Reference {
                    instrument, price, ..
                },
            ) => {
                self.references.insert(instrument, price);
            }
            (_, Message::AuctionOpened(n)) => {
                let terms = SealedTerms {
                    bidder_limit: n.bidder_limit,
                };
                self.sealed.insert(n.auction_id, terms);
            }
            (
                _,
                Message::Allocation {
                    instrument,
                    auction_id,
                    bidder,
                    qty,
                    ..
                },
            ) => self.allocation(time, instrument, auction_id, bidder, qty, alerts),
            (Recipient::Public, Message::Disposal(d))
                if d.status == ecomatch_exchange::report::DisposalStatus::Opened =>
            {
                alerts.push(Alert {
                    kind: AlertKind::PledgeEnforced,
                    time,
                    instrument: Some(d.instrument),
                    accounts: vec![d.pledgee],
                    evidence: vec![
                        ("pledge_id", d.pledge_id.0.into()),
                        ("auction_id", d.auction_id.0.into()),
                        ("offer", Evidence::Text(self.q(d.instrument, d.offer))),
                    ],
                });
            }
            _ => {}
        }
    }

    /// A price as the protocol writes it: in the instrument's unit, with the tick's places.
    fn px(&self, instrument: InstrumentId, p: Price) -> String {
        self.catalog
            .product(instrument)
            .map_or_else(|| p.ticks().to_string(), |x| x.price(p).to_string())
    }

    /// A quantity as the protocol writes it: in the instrument's unit, with the lot's places.
    fn q(&self, instrument: InstrumentId, q: Qty) -> String {
        self.catalog
            .product(instrument)
            .map_or_else(|| q.lots().to_string(), |x| x.qty(q).to_string())
    }

    /// The evidence of a price-band refusal, in the instrument's prices.
    fn band_evidence(
        &self,
        r: Reject,
        context: Option<InstrumentId>,
    ) -> Vec<(&'static str, Evidence)> {
        let mut evidence = vec![("code", r.code().into())];
        let Some(i) = context else {
            evidence.push(("message", r.to_string().into()));
            return evidence;
        };
        let (price, lo, hi) =
            if let Reject::Book(ecomatch_engine::book::BookError::PriceOutsideBand {
                price,
                lo,
                hi,
            }) = r
            {
                (Some(price), lo, hi)
            } else {
                // A block: the band is ±30 % of the reference in force.
                let reference = self.references.get(&i).copied();
                let Some(reference) = reference else {
                    evidence.push(("message", r.to_string().into()));
                    return evidence;
                };
                let (lo, hi) = ecomatch_exchange::block::BLOCK_BAND.limits(reference);
                evidence.push(("reference", self.px(i, reference).into()));
                (None, lo, hi)
            };
        let (lo, hi) = (self.px(i, lo), self.px(i, hi));
        let message = match price {
            Some(p) => {
                let p = self.px(i, p);
                evidence.push(("price", p.clone().into()));
                format!("price {p} is outside the band {lo} to {hi}")
            }
            None => format!("the block's price is outside {lo} to {hi} (±30 % of the reference)"),
        };
        evidence.push(("low", lo.into()));
        evidence.push(("high", hi.into()));
        evidence.push(("message", message.into()));
        evidence
    }

    fn fill(
        &mut self,
        time: Timestamp,
        account: AccountId,
        f: FillReport,
        alerts: &mut Vec<Alert>,
    ) {
        if f.liquidity == Liquidity::Auction && f.side == Side::Buy {
            let b = self
                .auction_buys
                .entry((f.instrument, account))
                .or_default();
            *b = b.saturating_add(f.qty.lots());
        }
        let Some((other, _)) = self.fills.remove(&f.trade_id) else {
            self.fills.insert(f.trade_id, (account, f));
            return;
        };
        let (buyer, seller) = match f.side {
            Side::Buy => (account, other),
            Side::Sell => (other, account),
        };
        let (Some(gb), Some(gs)) = (self.affiliation.get(&buyer), self.affiliation.get(&seller))
        else {
            return;
        };
        if gb != gs || buyer == seller {
            return;
        }
        let group = gb.clone();
        alerts.push(Alert {
            kind: AlertKind::WashTrade,
            time,
            instrument: Some(f.instrument),
            accounts: vec![buyer, seller],
            evidence: vec![
                ("trade_id", f.trade_id.0.into()),
                ("price", self.px(f.instrument, f.price).into()),
                ("qty", self.q(f.instrument, f.qty).into()),
                ("affiliation", group.into()),
            ],
        });
    }

    fn cancel(&mut self, time: Timestamp, account: AccountId, alerts: &mut Vec<Alert>) {
        let window = self.config.cancel_window_ns;
        let times = self.cancels.entry(account).or_default();
        times.push_back(time.0);
        while times
            .front()
            .is_some_and(|&t| time.0.saturating_sub(t) >= window)
        {
            times.pop_front();
        }
        if times.len() < self.config.cancel_burst.max(1) {
            return;
        }
        let first = times.front().copied().unwrap_or(time.0);
        let count = times.len() as u64;
        // Start afresh, so that one burst raises one alert rather than one per further cancel.
        times.clear();
        alerts.push(Alert {
            kind: AlertKind::CancelBurst,
            time,
            instrument: None,
            accounts: vec![account],
            evidence: vec![
                ("cancels", count.into()),
                (
                    "within_ms",
                    (time.0.saturating_sub(first) / 1_000_000).into(),
                ),
                ("window_ms", (window / 1_000_000).into()),
            ],
        });
    }

    fn reject(
        &mut self,
        time: Timestamp,
        account: AccountId,
        context: Option<InstrumentId>,
        r: Reject,
        alerts: &mut Vec<Alert>,
    ) {
        match r {
            Reject::Gate(GateError::QuotaExceeded {
                kind: QuotaKind::Gep,
                used,
                asked,
                cap,
            }) => self.gep_attempt(time, account, context, [used, asked, cap], alerts),
            _ if matches!(r.code(), "PRICE_OUTSIDE_BAND" | "BLOCK_OUTSIDE_BAND") => {
                alerts.push(Alert {
                    kind: AlertKind::PriceBandHit,
                    time,
                    instrument: context,
                    accounts: vec![account],
                    evidence: self.band_evidence(r, context),
                });
            }
            _ => {}
        }
    }

    fn gep_attempt(
        &mut self,
        time: Timestamp,
        account: AccountId,
        context: Option<InstrumentId>,
        [used, asked, cap]: [u64; 3],
        alerts: &mut Vec<Alert>,
    ) {
        let (count, total) = match context {
            Some(i) => {
                let e = self.gep_attempts.entry((account, i)).or_default();
                e.0 = e.0.saturating_add(1);
                e.1 = e.1.saturating_add(asked);
                *e
            }
            None => (1, asked),
        };
        let record = context.and_then(|i| self.gep.get(&(account, i)).copied());
        // The refusal does not say the side: the catalog's record tells which cap it was
        // (a county has either a shortfall or a surplus, so the two caps differ unless both are 0).
        let side = record.map_or("unknown", |r| {
            let (buy, sell) = (r.allowance(Side::Buy), r.allowance(Side::Sell));
            if cap == buy && cap != sell {
                "buy"
            } else if cap == sell && cap != buy {
                "sell"
            } else {
                "unknown"
            }
        });
        // Quantities in the indicator's unit, as the protocol writes them.
        let q = |lots: u64| -> Evidence {
            match context {
                Some(i) => self.q(i, Qty::from_lots(lots)).into(),
                None => lots.to_string().into(),
            }
        };
        let mut evidence = vec![
            ("side", side.into()),
            ("used", q(used)),
            ("asked", q(asked)),
            ("cap", q(cap)),
            ("refused_orders", count.into()),
            ("refused_qty", q(total)),
        ];
        if let Some(r) = record {
            evidence.push(("target", q(r.target)));
            evidence.push(("achieved", q(r.achieved)));
        }
        alerts.push(Alert {
            kind: AlertKind::GepBeyondQuota,
            time,
            instrument: context,
            accounts: vec![account],
            evidence,
        });
    }

    fn far_from_reference(
        &self,
        time: Timestamp,
        instrument: InstrumentId,
        trade_id: TradeId,
        price: Price,
        alerts: &mut Vec<Alert>,
    ) {
        let Some(&reference) = self.references.get(&instrument) else {
            return;
        };
        let (p, r) = (u128::from(price.ticks()), u128::from(reference.ticks()));
        if r == 0 {
            return;
        }
        let diff = p.abs_diff(r);
        let bps = diff.saturating_mul(u128::from(BPS)) / r;
        if bps <= u128::from(self.config.far_from_reference_bps) {
            return;
        }
        alerts.push(Alert {
            kind: AlertKind::FarFromReference,
            time,
            instrument: Some(instrument),
            accounts: Vec::new(),
            evidence: vec![
                ("trade_id", trade_id.0.into()),
                ("price", self.px(instrument, price).into()),
                ("reference", self.px(instrument, reference).into()),
                (
                    "deviation_bps",
                    u64::try_from(bps).unwrap_or(u64::MAX).into(),
                ),
                ("threshold_bps", self.config.far_from_reference_bps.into()),
            ],
        });
    }

    fn auction_shares(&mut self, time: Timestamp, alerts: &mut Vec<Alert>) {
        let buys = core::mem::take(&mut self.auction_buys);
        let volumes = core::mem::take(&mut self.auction_volume);
        for ((instrument, account), qty) in buys {
            let Some(&volume) = volumes.get(&instrument).filter(|v| **v > 0) else {
                continue;
            };
            let share = u128::from(qty).saturating_mul(u128::from(BPS)) / u128::from(volume);
            if share < u128::from(self.config.auction_share_bps) {
                continue;
            }
            alerts.push(Alert {
                kind: AlertKind::AuctionShare,
                time,
                instrument: Some(instrument),
                accounts: vec![account],
                evidence: vec![
                    ("auction", "call".into()),
                    ("qty", self.q(instrument, Qty::from_lots(qty)).into()),
                    (
                        "auction_volume",
                        self.q(instrument, Qty::from_lots(volume)).into(),
                    ),
                    ("share_bps", u64::try_from(share).unwrap_or(u64::MAX).into()),
                    ("threshold_bps", self.config.auction_share_bps.into()),
                    ("purchase_limit_bps", DEFAULT_PURCHASE_LIMIT_BPS.into()),
                ],
            });
        }
    }

    fn allocation(
        &self,
        time: Timestamp,
        instrument: InstrumentId,
        auction_id: AuctionId,
        bidder: AccountId,
        qty: Qty,
        alerts: &mut Vec<Alert>,
    ) {
        let Some(terms) = self.sealed.get(&auction_id) else {
            return;
        };
        let limit = u128::from(terms.bidder_limit.lots());
        if limit == 0 {
            return;
        }
        let of_limit = u128::from(qty.lots()).saturating_mul(u128::from(BPS)) / limit;
        if of_limit < u128::from(self.config.near_limit_bps) {
            return;
        }
        alerts.push(Alert {
            kind: AlertKind::AuctionShare,
            time,
            instrument: Some(instrument),
            accounts: vec![bidder],
            evidence: vec![
                ("auction", "sealed".into()),
                ("auction_id", auction_id.0.into()),
                ("qty", self.q(instrument, qty).into()),
                (
                    "purchase_limit",
                    self.q(instrument, terms.bidder_limit).into(),
                ),
                (
                    "of_limit_bps",
                    u64::try_from(of_limit).unwrap_or(u64::MAX).into(),
                ),
                ("threshold_bps", self.config.near_limit_bps.into()),
            ],
        });
    }
}
