//! Each rule against real exchange outputs: the demo market, sequenced commands, exact alerts.

use ecomatch_engine::book::{Phase, Side, Tif};
use ecomatch_engine::id::{OrderId, Seq};
use ecomatch_exchange::{Command, OrderRequest, Sequenced, demo};

use super::*;

const FCS: &str = "LS-FCS-2024";
const GEP: &str = "LS-GEP-2025";
const SECOND: u64 = 1_000_000_000;

fn inst(s: &str) -> InstrumentId {
    InstrumentId::new(s).expect("instrument id")
}

struct Market {
    ex: Exchange,
    surv: Surveillance,
    seq: u64,
    out: Vec<Output>,
}

impl Market {
    fn with(genesis: ecomatch_exchange::Genesis, config: Config) -> Self {
        let mut ex = Exchange::new(genesis).expect("genesis");
        ex.open_all_markets();
        let mut surv = Surveillance::with_config(std::sync::Arc::clone(ex.catalog()), config);
        surv.include(&ex);
        Self {
            ex,
            surv,
            seq: 0,
            out: Vec::new(),
        }
    }

    fn demo() -> Self {
        Self::with(demo::genesis(), Config::default())
    }

    /// The demo with the cooperative and the cement plant in one group.
    fn affiliated() -> Self {
        let mut g = demo::genesis();
        for a in &mut g.accounts {
            if a.name == "lishui-coop" || a.name == "zj-cement" {
                a.affiliation = Some("lishui-group".into());
            }
        }
        Self::with(g, Config::default())
    }

    fn id(&self, name: &str) -> AccountId {
        self.ex.ledger().find(name).expect("account")
    }

    fn run(&mut self, secs: u64, actor: &str, command: Command) -> Vec<Alert> {
        self.seq += 1;
        let time = Timestamp(secs * SECOND);
        let cmd = Sequenced {
            seq: Seq(self.seq),
            time,
            actor: self.id(actor),
            command,
        };
        self.out.clear();
        self.ex.apply(&cmd, &mut self.out);
        let mut alerts = Vec::new();
        self.surv
            .observe(time, command.instrument(), &self.out, &mut alerts);
        alerts
    }

    /// Enters a GTC limit order and returns the alerts and the new order's id.
    fn order(
        &mut self,
        secs: u64,
        actor: &str,
        i: &str,
        side: Side,
        ticks: u64,
        lots: u64,
    ) -> (Vec<Alert>, Option<OrderId>) {
        let alerts = self.run(secs, actor, limit(i, side, ticks, lots));
        let id = self.out.iter().find_map(|o| match o.msg {
            Message::Order(r) if o.reply => Some(r.order_id),
            _ => None,
        });
        (alerts, id)
    }
}

fn limit(i: &str, side: Side, ticks: u64, lots: u64) -> Command {
    Command::NewOrder(OrderRequest {
        instrument: inst(i),
        side,
        price: Some(Price::from_ticks(ticks)),
        qty: Qty::from_lots(lots),
        tif: Tif::Gtc,
        post_only: false,
        stp: None,
        client_order_id: None,
    })
}

fn text(s: &str) -> Evidence {
    Evidence::Text(s.into())
}

#[test]
fn wash_trade_between_affiliated_accounts() {
    let mut m = Market::affiliated();
    assert!(
        m.order(1, "lishui-coop", FCS, Side::Sell, 5_000, 10)
            .0
            .is_empty()
    );
    let (alerts, _) = m.order(2, "zj-cement", FCS, Side::Buy, 5_000, 4);
    let trade_id = m
        .out
        .iter()
        .find_map(|o| match o.msg {
            Message::Trade { trade_id, .. } => Some(trade_id.0),
            _ => None,
        })
        .expect("a trade");
    assert_eq!(
        alerts,
        vec![Alert {
            kind: AlertKind::WashTrade,
            time: Timestamp(2 * SECOND),
            instrument: Some(inst(FCS)),
            accounts: vec![m.id("zj-cement"), m.id("lishui-coop")],
            evidence: vec![
                ("trade_id", Evidence::Int(trade_id)),
                ("price", text("50.00")),
                ("qty", text("4")),
                ("affiliation", text("lishui-group")),
            ],
        }]
    );
    // An unaffiliated buyer of the same offer is no wash trade.
    assert!(
        m.order(3, "ls-paper", FCS, Side::Buy, 5_000, 6)
            .0
            .is_empty()
    );
}

#[test]
fn price_band_hit_is_reported_with_the_refusal() {
    let mut m = Market::demo();
    let (alerts, id) = m.order(1, "zj-cement", FCS, Side::Buy, 5_600, 1);
    assert_eq!(id, None);
    assert_eq!(
        alerts,
        vec![Alert {
            kind: AlertKind::PriceBandHit,
            time: Timestamp(SECOND),
            instrument: Some(inst(FCS)),
            accounts: vec![m.id("zj-cement")],
            evidence: vec![
                ("code", text("PRICE_OUTSIDE_BAND")),
                ("price", text("56.00")),
                ("low", text("45.00")),
                ("high", text("55.00")),
                (
                    "message",
                    text("price 56.00 is outside the band 45.00 to 55.00")
                ),
            ],
        }]
    );
    assert!(
        m.order(2, "zj-cement", FCS, Side::Buy, 5_500, 1)
            .0
            .is_empty()
    );
}

#[test]
fn trade_far_from_reference_follows_reference_changes() {
    let config = Config {
        far_from_reference_bps: 500,
        ..Config::default()
    };
    let mut m = Market::with(demo::genesis(), config);
    m.order(1, "lishui-coop", FCS, Side::Sell, 5_300, 10);
    let (alerts, _) = m.order(2, "zj-cement", FCS, Side::Buy, 5_300, 5);
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind, AlertKind::FarFromReference);
    assert_eq!(alerts[0].instrument, Some(inst(FCS)));
    assert_eq!(
        alerts[0].evidence[1..],
        [
            ("price", text("53.00")),
            ("reference", text("50.00")),
            ("deviation_bps", Evidence::Int(600)),
            ("threshold_bps", Evidence::Int(500)),
        ]
    );
    let set = Command::SetReferencePrice {
        instrument: inst(FCS),
        price: Price::from_ticks(5_200),
    };
    assert!(m.run(3, "operator", set).is_empty());
    assert!(
        m.order(4, "zj-cement", FCS, Side::Buy, 5_300, 5)
            .0
            .is_empty(),
        "1.9 % from 52"
    );
    // The default threshold (10 %) lets the same first trade pass.
    let mut d = Market::demo();
    d.order(1, "lishui-coop", FCS, Side::Sell, 5_300, 10);
    assert!(
        d.order(2, "zj-cement", FCS, Side::Buy, 5_300, 5)
            .0
            .is_empty()
    );
}

#[test]
fn cancel_burst_within_the_window() {
    let mut m = Market::demo();
    let ids: Vec<OrderId> = (0..12)
        .map(|k| {
            m.order(k, "zj-cement", FCS, Side::Buy, 4_600 + k, 1)
                .1
                .expect("accepted")
        })
        .collect();
    let mut raised = Vec::new();
    for (k, id) in ids.iter().enumerate() {
        let alerts = m.run(
            100 + k as u64,
            "zj-cement",
            Command::CancelOrder { order_id: *id },
        );
        raised.extend(alerts.into_iter().map(|a| (k, a)));
    }
    assert_eq!(
        raised,
        vec![(
            9,
            Alert {
                kind: AlertKind::CancelBurst,
                time: Timestamp(109 * SECOND),
                instrument: None,
                accounts: vec![m.id("zj-cement")],
                evidence: vec![
                    ("cancels", Evidence::Int(10)),
                    ("within_ms", Evidence::Int(9_000)),
                    ("window_ms", Evidence::Int(10_000)),
                ],
            }
        )]
    );
    // Slow cancels (one every 2 s: five in any 10 s) raise nothing.
    let mut slow = Market::demo();
    let ids: Vec<OrderId> = (0..12)
        .map(|k| {
            slow.order(k, "ls-paper", FCS, Side::Buy, 4_600 + k, 1)
                .1
                .expect("accepted")
        })
        .collect();
    for (k, id) in ids.iter().enumerate() {
        let c = Command::CancelOrder { order_id: *id };
        assert!(slow.run(100 + 2 * k as u64, "ls-paper", c).is_empty());
    }
}

#[test]
fn county_buying_beyond_its_shortfall_counts_refusals() {
    let mut m = Market::demo();
    // 龙泉: target 5,000, achieved 4,800, so it may buy 200.
    let reference =
        m.ex.listing(inst(GEP))
            .expect("listed")
            .instrument
            .spec()
            .reference_price;
    let p = reference.expect("reference").ticks();
    let (first, id) = m.order(1, "longquan-gov", GEP, Side::Buy, p, 150);
    assert!(first.is_empty() && id.is_some());
    let (alerts, _) = m.order(2, "longquan-gov", GEP, Side::Buy, p, 60);
    let (again, _) = m.order(3, "longquan-gov", GEP, Side::Buy, p, 51);
    let expected = |secs, asked: u64, count, total: u64| Alert {
        kind: AlertKind::GepBeyondQuota,
        time: Timestamp(secs * SECOND),
        instrument: Some(inst(GEP)),
        accounts: vec![m.id("longquan-gov")],
        evidence: vec![
            ("side", text("buy")),
            ("used", text("150")),
            ("asked", Evidence::Text(asked.to_string())),
            ("cap", text("200")),
            ("refused_orders", Evidence::Int(count)),
            ("refused_qty", Evidence::Text(total.to_string())),
            ("target", text("5000")),
            ("achieved", text("4800")),
        ],
    };
    assert_eq!(alerts, vec![expected(2, 60, 1, 60)]);
    assert_eq!(again, vec![expected(3, 51, 2, 111)]);
    assert!(
        m.order(4, "longquan-gov", GEP, Side::Buy, p, 50)
            .0
            .is_empty(),
        "exactly the cap"
    );
}

#[test]
fn call_auction_share_above_threshold() {
    let mut m = Market::demo();
    let phase = |phase| Command::SetPhase {
        instrument: inst(FCS),
        phase,
    };
    assert!(m.run(1, "operator", phase(Phase::Call)).is_empty());
    m.order(2, "lishui-coop", FCS, Side::Sell, 5_000, 100);
    m.order(3, "zj-cement", FCS, Side::Buy, 5_000, 85);
    m.order(4, "ls-paper", FCS, Side::Buy, 5_000, 15);
    let alerts = m.run(5, "operator", phase(Phase::Continuous));
    assert_eq!(
        alerts,
        vec![Alert {
            kind: AlertKind::AuctionShare,
            time: Timestamp(5 * SECOND),
            instrument: Some(inst(FCS)),
            accounts: vec![m.id("zj-cement")],
            evidence: vec![
                ("auction", text("call")),
                ("qty", text("85")),
                ("auction_volume", text("100")),
                ("share_bps", Evidence::Int(8_500)),
                ("threshold_bps", Evidence::Int(2_000)),
                ("purchase_limit_bps", Evidence::Int(2_500)),
            ],
        }]
    );
}

#[test]
fn same_outputs_same_alerts() {
    let run = || {
        let mut m = Market::affiliated();
        let mut all = Vec::new();
        for k in 0..30 {
            let side = if k % 2 == 0 { Side::Sell } else { Side::Buy };
            let who = if k % 3 == 0 { "ls-paper" } else { "zj-cement" };
            let who = if side == Side::Sell {
                "lishui-coop"
            } else {
                who
            };
            all.extend(m.order(k, who, FCS, side, 4_400 + 20 * k, 3).0);
        }
        all
    };
    let first = run();
    assert!(!first.is_empty());
    assert_eq!(first, run());
}
