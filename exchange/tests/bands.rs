//! Reference moves and the price band: no order ever trades beyond the limit it was held at,
//! and no order rests outside the band in force (docs/PROTOCOL.md, "Price bands and reference
//! moves"). These sequences killed the core before the rules existed: the uncross priced a
//! market buy above the band edge its cash was held at, and settlement ran out of hold.

mod support;

use ecomatch_engine::book::{Phase, Side, Tif};
use ecomatch_engine::quantity::Qty;
use ecomatch_exchange::{Command, Message};
use support::{Run, closed, inst, order, phase, reference, trades};

const LS: &str = "LS-FCS-2024";
const QZ: &str = "QZ-FCS-2024";

/// The first form the new user found: a market buy collected at the band edge (55.00), the
/// reference moved up during the call (band 46.80–57.20), a sell at 56.00, and the call ended.
/// The buy keeps the limit it was held at, so nothing trades at 56.00.
#[test]
fn a_market_buy_never_pays_above_the_edge_it_was_held_at() {
    for end in [Phase::Continuous, Phase::Halted, Phase::Closed] {
        let mut r = Run::demo();
        r.ok("operator", phase(LS, Phase::Call));
        r.ok("zj-cement", order(LS, Side::Buy, None, 10, Tif::Ioc));
        let held = r.held("zj-cement");
        r.ok("operator", reference(LS, 5_200));
        r.ok(
            "lishui-coop",
            order(LS, Side::Sell, Some(5_600), 10, Tif::Gtc),
        );
        let out = r.ok("operator", phase(LS, end));
        assert_eq!(trades(&out), vec![], "nothing crosses 55.00 ({end:?})");
        assert_eq!(
            closed(&out, "expired"),
            vec![(1, Some("auction_remainder"))]
        );
        assert_eq!(r.held("zj-cement"), 0, "the market buy's hold is released");
        assert!(held > 0);
    }
}

/// The same market buy does trade with a sell inside its limit: it takes part as a limit at
/// 55.00, and with the surplus on the buy side market pressure picks the highest candidate.
#[test]
fn a_market_buy_held_at_an_old_edge_trades_up_to_it() {
    let mut r = Run::demo();
    r.ok("operator", phase(LS, Phase::Call));
    r.ok("zj-cement", order(LS, Side::Buy, None, 10, Tif::Ioc));
    r.ok("operator", reference(LS, 5_200));
    r.ok(
        "lishui-coop",
        order(LS, Side::Sell, Some(5_450), 4, Tif::Gtc),
    );
    r.ok(
        "lishui-coop",
        order(LS, Side::Sell, Some(5_600), 6, Tif::Gtc),
    );
    let out = r.ok("operator", phase(LS, Phase::Continuous));
    assert_eq!(trades(&out), vec![(5_500, 4)]);
    let book = r.ex.book(inst(LS)).unwrap();
    assert_eq!(book.best(Side::Sell).map(|l| l.price.ticks()), Some(5_600));
    assert_eq!(r.held("zj-cement"), 0);
}

/// A market buy whose held edge is still the band's edge stays a market order: it has
/// priority over limits and uncrosses at the reference when only market orders meet.
#[test]
fn a_market_order_at_the_edge_in_force_is_still_a_market_order() {
    let mut r = Run::demo();
    r.ok("operator", phase(LS, Phase::Call));
    r.ok("zj-cement", order(LS, Side::Buy, None, 10, Tif::Ioc));
    r.ok("lishui-coop", order(LS, Side::Sell, None, 10, Tif::Ioc));
    let out = r.ok("operator", phase(LS, Phase::Continuous));
    assert_eq!(trades(&out), vec![(5_000, 10)], "at the reference price");
}

/// The second form: an ask at 48.00 rests, the reference moves to 43.00 (band 38.70–47.30)
/// while the book is continuous, then a call with a market buy held at 47.30. The ask is
/// canceled by the reference move (`outside_band`), so the uncross cannot price at 48.00.
#[test]
fn a_reference_move_cancels_resting_orders_outside_the_new_band() {
    let mut r = Run::demo();
    r.ok(
        "lishui-coop",
        order(QZ, Side::Sell, Some(4_800), 10, Tif::Gtc),
    );
    r.ok(
        "lishui-coop",
        order(QZ, Side::Sell, Some(4_700), 3, Tif::Gtc),
    );
    let coop = r.id("lishui-coop");
    assert_eq!(
        r.ex.ledger().holding(coop, inst(QZ)).unwrap().held.lots(),
        13
    );
    let out = r.ok("operator", reference(QZ, 4_300));
    assert_eq!(closed(&out, "canceled"), vec![(1, Some("outside_band"))]);
    assert_eq!(
        r.ex.ledger().holding(coop, inst(QZ)).unwrap().held.lots(),
        3
    );
    let reference_first = out
        .iter()
        .position(|o| matches!(o.msg, Message::Reference { .. }))
        .unwrap();
    let cancel = out
        .iter()
        .position(|o| matches!(o.msg, Message::Order(_)))
        .unwrap();
    assert!(reference_first < cancel, "the new band is published first");
    r.ok("operator", phase(QZ, Phase::Call));
    r.ok("zj-cement", order(QZ, Side::Buy, None, 5, Tif::Ioc));
    let out = r.ok("operator", phase(QZ, Phase::Continuous));
    assert_eq!(trades(&out), vec![(4_700, 3)]);
    assert_eq!(r.held("zj-cement"), 0);
}

/// Resting limit buys above a new band, and a market GTC remainder resting at an old band
/// edge, are canceled the same way; orders inside the band keep their place.
#[test]
fn bids_above_the_new_band_and_old_market_remainders_are_canceled() {
    let mut r = Run::demo();
    r.ok("zj-cement", order(LS, Side::Buy, Some(5_400), 10, Tif::Gtc));
    r.ok("ls-paper", order(LS, Side::Buy, None, 7, Tif::Gtc)); // rests at 55.00
    r.ok("zj-cement", order(LS, Side::Buy, Some(4_800), 2, Tif::Day));
    let out = r.ok("operator", reference(LS, 4_600)); // band 41.40–50.60
    assert_eq!(
        closed(&out, "canceled"),
        vec![(1, Some("outside_band")), (2, Some("outside_band"))]
    );
    assert_eq!(r.held("ls-paper"), 0);
    let bids: Vec<u64> =
        r.ex.book(inst(LS))
            .unwrap()
            .orders()
            .map(|o| o.id.0)
            .collect();
    assert_eq!(bids, vec![3]);
    // Then a market sell in a call cannot reach the canceled bids' prices.
    r.ok("operator", phase(LS, Phase::Call));
    r.ok("lishui-coop", order(LS, Side::Sell, None, 5, Tif::Ioc));
    let out = r.ok("operator", phase(LS, Phase::Continuous));
    assert_eq!(trades(&out), vec![(4_800, 2)]);
}

/// A reference move during a call cancels collected orders outside the new band, collected
/// market orders held beyond it among them, and republishes the indicative price.
#[test]
fn a_reference_move_in_a_call_cancels_collected_orders_and_republishes() {
    let mut r = Run::demo();
    r.ok("operator", phase(LS, Phase::Call));
    r.ok("zj-cement", order(LS, Side::Buy, None, 10, Tif::Gtc)); // held at 55.00
    r.ok("ls-paper", order(LS, Side::Buy, Some(4_700), 10, Tif::Gtc));
    r.ok(
        "lishui-coop",
        order(LS, Side::Sell, Some(4_600), 10, Tif::Gtc),
    );
    let out = r.ok("operator", reference(LS, 4_200)); // band 37.80–46.20
    assert_eq!(
        closed(&out, "canceled"),
        vec![(1, Some("outside_band")), (2, Some("outside_band"))]
    );
    let last = out
        .iter()
        .rev()
        .find_map(|o| match o.msg {
            Message::Indicative { volume, .. } => Some(volume),
            _ => None,
        })
        .expect("an auction message after the move");
    assert_eq!(last, Qty::ZERO);
    assert_eq!(r.held("zj-cement") + r.held("ls-paper"), 0);
    let out = r.ok("operator", phase(LS, Phase::Continuous));
    assert_eq!(trades(&out), vec![]);
}

/// Every family, ending the call in every phase: the two forms never kill the core and
/// never trade beyond a limit or outside the band.
#[test]
fn both_forms_on_every_family() {
    // (instrument, buyer, seller, moved reference, sell price above the old band)
    let cases = [
        (LS, "zj-cement", "lishui-coop", 5_200, 5_600),
        (QZ, "zj-cement", "lishui-coop", 4_600, 4_980),
        (
            "LS-COD-LD-2025",
            "zj-cement",
            "lishui-reserve",
            4_200,
            4_500,
        ),
        ("OJ-WR-2025", "zj-cement", "lishui-reserve", 520, 560),
        (
            "LS-GEP-2025",
            "longquan-gov",
            "qingyuan-gov",
            104_000,
            112_000,
        ),
        ("KH-EC-2024", "zj-cement", "kaihua-restore", 2_100, 2_250),
    ];
    for (code, buyer, seller, moved, ask) in cases {
        for end in [Phase::Continuous, Phase::Halted, Phase::Closed] {
            // Form 1: the reference moves during the call.
            let mut r = Run::demo();
            r.ok("operator", phase(code, Phase::Call));
            r.ok(buyer, order(code, Side::Buy, None, 10, Tif::Ioc));
            r.ok("operator", reference(code, moved));
            r.ok(seller, order(code, Side::Sell, Some(ask), 10, Tif::Gtc));
            let out = r.ok("operator", phase(code, end));
            assert_eq!(trades(&out), vec![], "{code} form 1 ending {end:?}");
            assert_eq!(r.held(buyer), 0);
            // Form 2: the reference moves down under a resting ask before the call.
            let mut r = Run::demo();
            r.ok(
                seller,
                order(code, Side::Sell, Some(ask - ask / 40), 10, Tif::Gtc),
            );
            r.ok("operator", reference(code, moved * 9 / 10));
            r.ok("operator", phase(code, Phase::Call));
            r.ok(buyer, order(code, Side::Buy, None, 5, Tif::Ioc));
            let out = r.ok("operator", phase(code, end));
            assert_eq!(trades(&out), vec![], "{code} form 2 ending {end:?}");
            assert_eq!(r.held(buyer), 0);
        }
    }
}

/// Amending a resting order re-holds at the new price first, so an amendment never leaves an
/// order priced above what it holds, whatever the band did meanwhile.
#[test]
fn an_amended_order_is_held_at_its_new_price() {
    let mut r = Run::demo();
    r.ok("zj-cement", order(LS, Side::Buy, Some(5_000), 10, Tif::Gtc));
    let before = r.held("zj-cement");
    r.ok("operator", reference(LS, 5_200));
    r.ok(
        "zj-cement",
        Command::AmendOrder {
            order_id: ecomatch_engine::id::OrderId(1),
            price: Some(ecomatch_engine::quantity::Price::from_ticks(5_700)),
            qty: None,
        },
    );
    assert!(r.held("zj-cement") > before);
    r.ok(
        "lishui-coop",
        order(LS, Side::Sell, Some(5_700), 10, Tif::Ioc),
    );
    assert_eq!(r.held("zj-cement"), 0);
}

/// The call's depth follows a reference move: a collected market buy held at 55.00 becomes a
/// limit at 55.00 once the band widens past it, and canceling it afterwards takes out what
/// it now counts as (the simulator found the depth taking out a market order that was no
/// longer one). Every step runs the full invariants, the depth against its orders included.
#[test]
fn a_collected_market_order_leaves_the_depth_as_what_it_counts_as_now() {
    let mut r = Run::demo();
    r.ok("operator", phase(LS, Phase::Call));
    r.ok("zj-cement", order(LS, Side::Buy, None, 10, Tif::Ioc));
    r.ok(
        "lishui-coop",
        order(LS, Side::Sell, Some(5_400), 4, Tif::Gtc),
    );
    r.ok("operator", reference(LS, 5_200));
    let out = r.ok(
        "zj-cement",
        Command::CancelOrder {
            order_id: ecomatch_engine::id::OrderId(1),
        },
    );
    assert_eq!(closed(&out, "canceled"), vec![(1, Some("requested"))]);
    let indicative = out.iter().find_map(|o| match o.msg {
        Message::Indicative { price, volume, .. } => Some((price, volume)),
        _ => None,
    });
    assert_eq!(indicative, Some((None, Qty::ZERO)), "only the ask is left");
    r.ok("operator", reference(LS, 5_000));
    r.ok("operator", phase(LS, Phase::Continuous));
}
