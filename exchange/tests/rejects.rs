//! Every reject code of the exchange, each shown with the command that earns it, and each
//! leaving the state exactly as it was (same state hash, one reject message, nothing else).

#![allow(clippy::too_many_lines)] // one test per family of refusals reads better whole

use ecomatch_engine::book::{Phase, Side, Stp, Tif};
use ecomatch_engine::id::{AccountId, InstrumentId, OrderId, Seq, Timestamp};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::{
    Command, Exchange, Message, OrderRequest, Output, Recipient, Sequenced, demo,
};
use ecomatch_risk::account::AccountStatus;
use ecomatch_risk::gate::GepRecord;

struct Market {
    ex: Exchange,
    seq: u64,
}

impl Market {
    fn new() -> Self {
        Self {
            ex: demo::exchange(),
            seq: 0,
        }
    }

    fn id(&self, name: &str) -> AccountId {
        self.ex
            .ledger()
            .find(name)
            .unwrap_or_else(|| panic!("no account {name}"))
    }

    fn run(&mut self, who: &str, command: Command) -> Vec<Output> {
        self.seq += 1;
        let cmd = Sequenced {
            seq: Seq(self.seq),
            time: Timestamp(self.seq * 1_000_000),
            actor: self.id(who),
            command,
        };
        let mut out = Vec::new();
        self.ex.apply(&cmd, &mut out);
        self.ex.check_invariants();
        out
    }

    /// Runs a command that must be refused with `code`, and checks nothing changed.
    fn refused(&mut self, who: &str, command: Command, code: &str) {
        let before = self.ex.state_hash();
        let out = self.run(who, command);
        let actor = self.id(who);
        assert_eq!(out.len(), 1, "{code}: exactly one message, got {out:?}");
        match out[0] {
            Output {
                to: Recipient::Account(a),
                reply: true,
                seq: 0,
                msg: Message::Reject(r),
            } if a == actor => {
                assert_eq!(r.code(), code, "{r}");
            }
            ref other => panic!("expected a reject {code}, got {other:?}"),
        }
        assert_eq!(
            before,
            self.ex.state_hash(),
            "{code}: a refusal changes nothing"
        );
    }
}

fn inst(s: &str) -> InstrumentId {
    InstrumentId::new(s).unwrap()
}

fn order(i: &str, side: Side, price: u64, qty: u64) -> Command {
    Command::NewOrder(OrderRequest {
        instrument: inst(i),
        side,
        price: Some(Price::from_ticks(price)),
        qty: Qty::from_lots(qty),
        tif: Tif::Gtc,
        post_only: false,
        stp: None,
        client_order_id: None,
    })
}

const FCS: &str = "LS-FCS-2024";
const GEP: &str = "LS-GEP-2025";
const COD: &str = "LS-COD-LD-2025";
const WATER: &str = "OJ-WR-2025";

fn buy_gep(county: &str, qty: u64) -> (String, Command) {
    (county.to_string(), order(GEP, Side::Buy, 100_000, qty))
}

#[test]
fn refusals_of_the_gate() {
    let mut m = Market::new();
    // An enterprise may not trade GEP indicators; a county of another municipality neither.
    m.refused(
        "zj-cement",
        order(GEP, Side::Buy, 100_000, 1),
        "NOT_ELIGIBLE",
    );
    m.refused("qz-chem", order(COD, Side::Buy, 4_000, 1), "OUTSIDE_AREA");
    // Permits need an approved requirement; ls-paper has none, zj-cement 5,000.
    m.refused(
        "ls-paper",
        order(COD, Side::Buy, 4_000, 1),
        "NO_APPROVED_NEED",
    );
    m.refused(
        "zj-cement",
        order(COD, Side::Buy, 4_000, 5_001),
        "QUOTA_EXCEEDED",
    );
    // GEP: 龙泉 is 200 short, 庆元 300 over: neither may go beyond.
    let (who, c) = buy_gep("longquan-gov", 201);
    m.refused(&who, c, "QUOTA_EXCEEDED");
    m.refused(
        "qingyuan-gov",
        order(GEP, Side::Sell, 100_000, 301),
        "QUOTA_EXCEEDED",
    );
    m.refused(
        "liandu-gov",
        order(GEP, Side::Buy, 100_000, 1),
        "QUOTA_EXCEEDED",
    );
    // Fat finger, funds, holdings.
    m.refused(
        "zj-cement",
        order(FCS, Side::Buy, 5_000, 1_000_001),
        "ORDER_TOO_LARGE",
    );
    m.refused(
        "zj-cement",
        order(FCS, Side::Buy, 5_000, 2_000_000 / 10),
        "INSUFFICIENT_FUNDS",
    );
    m.refused(
        "zj-cement",
        order(FCS, Side::Sell, 5_000, 1),
        "INSUFFICIENT_HOLDINGS",
    );
    m.refused(
        "zj-cement",
        order("NO-SUCH", Side::Buy, 5_000, 1),
        "UNKNOWN_INSTRUMENT",
    );
    // A water right needs the basin: qz-chem is in the Qiantang basin.
    m.refused("qz-chem", order(WATER, Side::Buy, 500, 1), "OUTSIDE_AREA");
}

#[test]
fn refusals_of_the_book() {
    let mut m = Market::new();
    m.refused(
        "zj-cement",
        order(FCS, Side::Buy, 5_600, 1),
        "PRICE_OUTSIDE_BAND",
    );
    m.refused(
        "zj-cement",
        order(FCS, Side::Buy, 5_000, 0),
        "INVALID_QUANTITY",
    );
    m.run("lishui-coop", order(FCS, Side::Sell, 5_100, 10));
    let post_only = Command::NewOrder(OrderRequest {
        instrument: inst(FCS),
        side: Side::Buy,
        price: Some(Price::from_ticks(5_100)),
        qty: Qty::from_lots(1),
        tif: Tif::Gtc,
        post_only: true,
        stp: None,
        client_order_id: None,
    });
    m.refused("zj-cement", post_only, "POST_ONLY_WOULD_TAKE");
    m.refused(
        "zj-cement",
        Command::CancelOrder {
            order_id: OrderId(99),
        },
        "UNKNOWN_ORDER",
    );
    // Another account's order is as unknown as one that never existed.
    m.refused(
        "zj-cement",
        Command::CancelOrder {
            order_id: OrderId(1),
        },
        "UNKNOWN_ORDER",
    );
    m.refused(
        "zj-cement",
        Command::AmendOrder {
            order_id: OrderId(1),
            price: None,
            qty: Some(Qty::from_lots(1)),
        },
        "UNKNOWN_ORDER",
    );
    m.run("zj-cement", order(FCS, Side::Buy, 5_100, 10)); // fills order 1
    m.refused(
        "lishui-coop",
        Command::CancelOrder {
            order_id: OrderId(1),
        },
        "ORDER_NOT_OPEN",
    );
    m.refused(
        "lishui-coop",
        Command::AmendOrder {
            order_id: OrderId(1),
            price: None,
            qty: Some(Qty::from_lots(5)),
        },
        "ORDER_NOT_OPEN",
    );
    m.run("lishui-coop", order(FCS, Side::Sell, 5_200, 10));
    m.run("zj-cement", order(FCS, Side::Buy, 5_200, 4));
    m.refused(
        "lishui-coop",
        Command::AmendOrder {
            order_id: OrderId(3),
            price: None,
            qty: Some(Qty::from_lots(4)),
        },
        "AMEND_QTY_TOO_LOW",
    );
    m.run(
        "operator",
        Command::SetPhase {
            instrument: inst(FCS),
            phase: Phase::Halted,
        },
    );
    m.refused(
        "zj-cement",
        order(FCS, Side::Buy, 5_000, 1),
        "MARKET_HALTED",
    );
    m.run(
        "operator",
        Command::SetPhase {
            instrument: inst(FCS),
            phase: Phase::Closed,
        },
    );
    m.refused(
        "zj-cement",
        order(FCS, Side::Buy, 5_000, 1),
        "MARKET_CLOSED",
    );
}

#[test]
fn refusals_of_operator_commands_and_accounts() {
    let mut m = Market::new();
    let cement = m.id("zj-cement");
    m.refused(
        "zj-cement",
        Command::Deposit {
            account: cement,
            amount: Cash::from_fen(1),
        },
        "NOT_AUTHORIZED",
    );
    m.refused(
        "zj-cement",
        Command::SetPhase {
            instrument: inst(FCS),
            phase: Phase::Halted,
        },
        "NOT_AUTHORIZED",
    );
    m.refused(
        "zj-cement",
        Command::Kill { account: cement },
        "NOT_AUTHORIZED",
    );
    m.refused(
        "operator",
        Command::Deposit {
            account: AccountId(999),
            amount: Cash::from_fen(1),
        },
        "UNKNOWN_ACCOUNT",
    );
    m.refused(
        "operator",
        Command::Deposit {
            account: cement,
            amount: Cash::ZERO,
        },
        "ZERO_AMOUNT",
    );
    m.refused(
        "operator",
        Command::Withdraw {
            account: cement,
            amount: Cash::from_fen(u64::MAX),
        },
        "INSUFFICIENT_FUNDS",
    );
    m.refused(
        "operator",
        Command::Retire {
            account: cement,
            instrument: inst(FCS),
            qty: Qty::from_lots(1),
        },
        "INSUFFICIENT_HOLDINGS",
    );
    m.refused(
        "operator",
        Command::Deposit {
            account: cement,
            amount: Cash::from_fen(u64::MAX),
        },
        "OVERFLOW",
    );
    let coop = m.id("lishui-coop");
    m.refused(
        "zj-cement",
        Command::Retire {
            account: coop,
            instrument: inst(FCS),
            qty: Qty::from_lots(1),
        },
        "NOT_AUTHORIZED",
    );
    m.refused(
        "operator",
        Command::SetGep {
            account: cement,
            instrument: inst("X"),
            record: GepRecord::default(),
        },
        "UNKNOWN_INSTRUMENT",
    );
    m.refused(
        "operator",
        Command::OperatorCancel {
            order_id: OrderId(5),
        },
        "UNKNOWN_ORDER",
    );
    m.run(
        "operator",
        Command::SetAccountStatus {
            account: cement,
            status: AccountStatus::Suspended,
        },
    );
    m.refused(
        "zj-cement",
        order(FCS, Side::Buy, 5_000, 1),
        "ACCOUNT_SUSPENDED",
    );
    m.run("operator", Command::Kill { account: cement });
    m.refused(
        "zj-cement",
        order(FCS, Side::Buy, 5_000, 1),
        "ACCOUNT_KILLED",
    );
    m.refused(
        "operator",
        Command::SetReferencePrice {
            instrument: inst(FCS),
            price: Price::from_ticks(0),
        },
        "INVALID_PRICE",
    );
}

#[test]
fn a_stp_mode_chosen_per_order_reaches_the_book() {
    let mut m = Market::new();
    m.run(
        "operator",
        Command::Issue {
            account: m.id("zj-cement"),
            instrument: inst(FCS),
            qty: Qty::from_lots(10),
        },
    );
    m.run("zj-cement", order(FCS, Side::Sell, 5_000, 10));
    let out = m.run(
        "zj-cement",
        Command::NewOrder(OrderRequest {
            instrument: inst(FCS),
            side: Side::Buy,
            price: Some(Price::from_ticks(5_000)),
            qty: Qty::from_lots(4),
            tif: Tif::Gtc,
            post_only: false,
            stp: Some(Stp::CancelOldest),
            client_order_id: None,
        }),
    );
    assert!(out.iter().any(|o| matches!(o.msg, Message::Order(r) if r.order_id == OrderId(1) && r.reason.map(ecomatch_exchange::output::OrderReason::as_str) == Some("self_trade"))));
    assert!(m.ex.book(inst(FCS)).unwrap().best(Side::Sell).is_none());
}

/// A market of one small carbon-sink book and one GEP indicator, to reach the limits the demo
/// never does: a book at capacity, a value limit, a holding limit, a county without a GEP
/// record, an instrument that does not trade continuously.
fn small_market() -> Market {
    use ecomatch_engine::quantity::Notional;
    let mut g = demo::genesis();
    for l in &mut g.listings {
        let mut spec = l.instrument.spec().clone();
        match spec.id.as_str() {
            FCS => {
                spec.capacity.max_orders = 2;
                spec.fat_finger.max_order_notional = Notional::from_tick_lots(5_000 * 100);
                l.holding_limit = Some(Qty::from_lots(150));
            }
            WATER => spec.modes.continuous = false,
            _ => {}
        }
        l.instrument = ecomatch_engine::instrument::Instrument::new(spec).unwrap();
    }
    let longquan = g
        .accounts
        .iter()
        .position(|a| a.name == "longquan-gov")
        .unwrap() as u32;
    g.opening
        .retain(|c| !matches!(c, Command::SetGep { account, .. } if account.0 == longquan));
    let mut ex = Exchange::new(g).unwrap();
    ex.open_all_markets();
    Market { ex, seq: 0 }
}

#[test]
fn refusals_at_the_limits_of_a_market() {
    let mut m = small_market();
    m.refused(
        "ls-paper",
        order(WATER, Side::Buy, 500, 1),
        "MODE_NOT_ALLOWED",
    );
    m.refused(
        "longquan-gov",
        order(GEP, Side::Buy, 100_000, 1),
        "NO_GEP_RECORD",
    );
    // 101 lots at 50.00 is above the value limit of 100 lots' worth.
    m.refused(
        "zj-cement",
        order(FCS, Side::Buy, 5_000, 101),
        "NOTIONAL_TOO_LARGE",
    );
    m.run("zj-cement", order(FCS, Side::Buy, 4_900, 100));
    m.refused(
        "zj-cement",
        order(FCS, Side::Buy, 4_800, 51),
        "QUOTA_EXCEEDED",
    );
    m.run("ls-paper", order(FCS, Side::Buy, 4_800, 1));
    // Two orders rest: the book is full for a third that would rest.
    m.refused("qz-chem", order(FCS, Side::Buy, 4_700, 1), "BOOK_FULL");
    let post_only_market = Command::NewOrder(OrderRequest {
        instrument: inst(FCS),
        side: Side::Sell,
        price: None,
        qty: Qty::from_lots(1),
        tif: Tif::Gtc,
        post_only: true,
        stp: None,
        client_order_id: None,
    });
    m.refused("lishui-coop", post_only_market, "INVALID_ORDER");
}

#[test]
fn amending_is_refused_to_suspended_accounts_and_past_the_value_limit() {
    let mut m = small_market();
    m.run("zj-cement", order(FCS, Side::Buy, 4_500, 100));
    // 100 lots at 50.00 is the value limit: the same order moved to 50.01 is above it.
    let amend_up = Command::AmendOrder {
        order_id: OrderId(1),
        price: Some(Price::from_ticks(5_001)),
        qty: None,
    };
    m.refused("zj-cement", amend_up, "NOTIONAL_TOO_LARGE");
    let cement = m.id("zj-cement");
    m.run(
        "operator",
        Command::SetAccountStatus {
            account: cement,
            status: AccountStatus::Suspended,
        },
    );
    let amend = Command::AmendOrder {
        order_id: OrderId(1),
        price: None,
        qty: Some(Qty::from_lots(50)),
    };
    m.refused("zj-cement", amend, "ACCOUNT_SUSPENDED");
    // Cancelling stays allowed.
    let out = m.run(
        "zj-cement",
        Command::CancelOrder {
            order_id: OrderId(1),
        },
    );
    assert!(
        out.iter()
            .any(|o| matches!(o.msg, Message::Order(r) if r.status.as_str() == "canceled"))
    );
}
