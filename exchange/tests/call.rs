//! Call auctions in the exchange: orders collect with their holds, the indicative price follows
//! every change, the uncross settles at one price, the rest rests or expires, and all of it
//! survives a snapshot in the middle of the call.

mod support;

use ecomatch_engine::book::{Phase, Side, Tif};
use ecomatch_engine::id::{InstrumentId, OrderId, Seq, Timestamp};
use ecomatch_engine::quantity::Qty;
use ecomatch_exchange::{Command, Exchange, Message, Sequenced, demo};
use support::Run;

const FCS: &str = "LS-FCS-2024";

fn inst() -> InstrumentId {
    support::inst(FCS)
}

fn order(side: Side, price: Option<u64>, qty: u64, tif: Tif) -> Command {
    support::order(FCS, side, price, qty, tif)
}

/// A call on the carbon sink: buys 300 @ 50.02 and 400 @ 50.01, sells 200 @ 49.99, 500 @ 50.00
/// and 300 @ 50.02. 700 execute at 50.00 and at 50.01, both without surplus, so the reference
/// (50.00) decides: 50.00. The sell at 50.02 rests afterwards.
fn call_market() -> Run {
    let mut r = Run::demo();
    let reserve = r.id("lishui-reserve");
    r.go(
        "operator",
        Command::Issue {
            account: reserve,
            instrument: inst(),
            qty: Qty::from_lots(1_000),
        },
    );
    r.go(
        "operator",
        Command::SetPhase {
            instrument: inst(),
            phase: Phase::Call,
        },
    );
    r.go("zj-cement", order(Side::Buy, Some(5_002), 300, Tif::Gtc));
    r.go("ls-paper", order(Side::Buy, Some(5_001), 400, Tif::Day));
    r.go("lishui-coop", order(Side::Sell, Some(4_999), 200, Tif::Gtc));
    r.go("lishui-coop", order(Side::Sell, Some(5_000), 500, Tif::Gtc));
    r.go(
        "lishui-reserve",
        order(Side::Sell, Some(5_002), 300, Tif::Gtc),
    );
    r
}

#[test]
fn a_call_collects_then_uncrosses_at_one_price() {
    let mut r = call_market();
    assert_eq!(
        r.ex.book(inst()).unwrap().len(),
        0,
        "nothing rests or matches during the call"
    );
    let held = r.ex.ledger().cash(r.id("zj-cement")).unwrap().held.fen();
    assert!(held > 0, "the buy's cash is held while it waits");
    let out = r.go(
        "operator",
        Command::SetPhase {
            instrument: inst(),
            phase: Phase::Continuous,
        },
    );
    let trades: Vec<(u64, u64)> = out
        .iter()
        .filter_map(|o| match o.msg {
            Message::AuctionTrade { price, qty, .. } => Some((price.ticks(), qty.lots())),
            _ => None,
        })
        .collect();
    assert!(trades.iter().all(|t| t.0 == 5_000), "one price: {trades:?}");
    assert_eq!(trades.iter().map(|t| t.1).sum::<u64>(), 700);
    let book = r.ex.book(inst()).unwrap();
    assert_eq!(
        book.best(Side::Sell)
            .map(|l| (l.price.ticks(), l.qty.lots())),
        Some((5_002, 300))
    );
    assert!(book.best(Side::Buy).is_none());
    // The cement plant paid 300 × 50.00 (+ fee) and nothing stays held.
    assert_eq!(r.ex.ledger().cash(r.id("zj-cement")).unwrap().held.fen(), 0);
    assert_eq!(
        r.ex.ledger()
            .holding(r.id("zj-cement"), inst())
            .unwrap()
            .available
            .lots(),
        300
    );
}

#[test]
fn call_refusals_cancels_and_snapshots() {
    let mut r = call_market();
    let amend = Command::AmendOrder {
        order_id: OrderId(1),
        price: None,
        qty: Some(Qty::from_lots(10)),
    };
    assert_eq!(r.code("zj-cement", amend), Some("MARKET_IN_CALL"));
    assert_eq!(
        r.code("zj-cement", order(Side::Buy, Some(5_000), 1, Tif::Fok)),
        Some("INVALID_ORDER")
    );
    assert_eq!(
        r.code("zj-cement", order(Side::Buy, Some(5_600), 1, Tif::Gtc)),
        Some("PRICE_OUTSIDE_BAND")
    );
    assert_eq!(
        r.code("zj-cement", order(Side::Buy, Some(5_000), 0, Tif::Gtc)),
        Some("INVALID_QUANTITY")
    );
    // Cancelling a collected order releases its hold and republishes the indicative price.
    let out = r.go(
        "ls-paper",
        Command::CancelOrder {
            order_id: OrderId(2),
        },
    );
    assert!(
        out.iter()
            .any(|o| matches!(o.msg, Message::Indicative { .. }))
    );
    assert_eq!(r.ex.ledger().cash(r.id("ls-paper")).unwrap().held.fen(), 0);
    // A snapshot in the middle of the call restores to the same state and the same uncross.
    let mut back = Exchange::restore(demo::exchange(), &r.ex.snapshot()).unwrap();
    assert_eq!(back.state_hash(), r.ex.state_hash());
    let end = Sequenced {
        seq: Seq(r.seq + 1),
        time: Timestamp(99),
        actor: r.id("operator"),
        command: Command::SetPhase {
            instrument: inst(),
            phase: Phase::Continuous,
        },
    };
    let (mut a, mut b) = (Vec::new(), Vec::new());
    r.ex.apply(&end, &mut a);
    back.apply(&end, &mut b);
    assert_eq!(a, b);
    assert_eq!(r.ex.state_hash(), back.state_hash());
    r.ex.check_invariants();
}

#[test]
fn market_and_ioc_remainders_expire_after_the_uncross() {
    let mut r = Run::demo();
    r.go(
        "operator",
        Command::SetPhase {
            instrument: inst(),
            phase: Phase::Call,
        },
    );
    r.go("zj-cement", order(Side::Buy, None, 100, Tif::Ioc));
    r.go("ls-paper", order(Side::Buy, Some(5_000), 50, Tif::Ioc));
    r.go("lishui-coop", order(Side::Sell, Some(5_000), 60, Tif::Gtc));
    let out = r.go(
        "operator",
        Command::SetPhase {
            instrument: inst(),
            phase: Phase::Continuous,
        },
    );
    let expired: Vec<u64> = out
        .iter()
        .filter_map(|o| match o.msg {
            Message::Order(rep) if rep.status.as_str() == "expired" => Some(rep.order_id.0),
            _ => None,
        })
        .collect();
    // 60 trade at 50.00, market order first: it keeps 40 (expired), the IOC all 50 (expired).
    assert_eq!(expired, vec![1, 2]);
    assert_eq!(r.ex.book(inst()).unwrap().len(), 0);
    assert_eq!(r.ex.ledger().cash(r.id("zj-cement")).unwrap().held.fen(), 0);
}

#[test]
fn an_account_on_both_sides_of_the_uncross_never_trades_with_itself() {
    let mut r = Run::demo();
    let cement = r.id("zj-cement");
    r.go(
        "operator",
        Command::Issue {
            account: cement,
            instrument: inst(),
            qty: Qty::from_lots(100),
        },
    );
    r.go(
        "operator",
        Command::SetPhase {
            instrument: inst(),
            phase: Phase::Call,
        },
    );
    // The cement plant buys 50 and sells 50 at 50.00; the paper mill sells 20.
    r.go("zj-cement", order(Side::Buy, Some(5_000), 50, Tif::Gtc));
    r.go("zj-cement", order(Side::Sell, Some(5_000), 50, Tif::Gtc));
    r.go(
        "operator",
        Command::Issue {
            account: r.id("ls-paper"),
            instrument: inst(),
            qty: Qty::from_lots(20),
        },
    );
    r.go("ls-paper", order(Side::Sell, Some(5_000), 20, Tif::Gtc));
    let out = r.go(
        "operator",
        Command::SetPhase {
            instrument: inst(),
            phase: Phase::Continuous,
        },
    );
    let traded: u64 = out
        .iter()
        .filter_map(|o| match o.msg {
            Message::AuctionTrade { qty, .. } => Some(qty.lots()),
            _ => None,
        })
        .sum();
    // Time priority allocates the 50 to the cement plant's own earlier sell: that would be a
    // wash trade, so both sides of it are canceled (self-trade prevention), not traded; the
    // quantity is not re-allocated. The paper mill's 20 rests.
    assert_eq!(traded, 0);
    let stp: Vec<u64> = out
        .iter()
        .filter_map(|o| match o.msg {
            Message::Order(rep)
                if rep
                    .reason
                    .map(ecomatch_exchange::output::OrderReason::as_str)
                    == Some("self_trade") =>
            {
                Some(rep.order_id.0)
            }
            _ => None,
        })
        .collect();
    assert_eq!(stp, vec![1, 2]);
    let book = r.ex.book(inst()).unwrap();
    assert_eq!(book.best(Side::Sell).map(|l| l.qty.lots()), Some(20));
    assert!(book.best(Side::Buy).is_none());
    assert_eq!(r.ex.ledger().cash(cement).unwrap().held.fen(), 0);
    r.ex.check_invariants();
}

/// A closing auction: the operator moves the call to `closed`. The uncross runs first; then the
/// day ends, so what is left of DAY orders expires and GTC orders wait in the book for the
/// next session (an opening auction moves to `continuous` instead, where both keep trading).
#[test]
fn a_closing_auction_expires_day_leftovers_and_keeps_gtc_ones() {
    let mut r = Run::demo();
    let phase = |phase| Command::SetPhase {
        instrument: inst(),
        phase,
    };
    r.go("operator", phase(Phase::Call));
    r.go("zj-cement", order(Side::Buy, Some(5_000), 100, Tif::Gtc));
    r.go("ls-paper", order(Side::Buy, Some(4_990), 50, Tif::Day));
    r.go("lishui-coop", order(Side::Sell, Some(5_000), 60, Tif::Gtc));
    let out = r.go("operator", phase(Phase::Closed));
    let trades: Vec<u64> = out
        .iter()
        .filter_map(|o| match o.msg {
            Message::AuctionTrade { qty, price, .. } => {
                assert_eq!(price.ticks(), 5_000);
                Some(qty.lots())
            }
            _ => None,
        })
        .collect();
    assert_eq!(trades, vec![60]);
    let expired: Vec<(u64, u64)> = out
        .iter()
        .filter_map(|o| match o.msg {
            Message::Order(rep) if rep.status.as_str() == "expired" => {
                Some((rep.order_id.0, rep.filled.lots()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        expired,
        vec![(2, 0)],
        "ls-paper's DAY bid expired, nothing filled"
    );
    let book = r.ex.book(inst()).unwrap();
    assert_eq!(book.phase(), Phase::Closed);
    let resting: Vec<(u64, u64)> = book.orders().map(|o| (o.id.0, o.leaves.lots())).collect();
    assert_eq!(
        resting,
        vec![(1, 40)],
        "zj-cement's GTC bid waits for tomorrow"
    );
    assert_eq!(r.ex.ledger().cash(r.id("ls-paper")).unwrap().held.fen(), 0);
}
