//! Unit tests of the book: every order type and self-trade mode with exact expected events,
//! and every refusal leaving the book as it was.

use super::*;
use crate::id::AccountId;

const A: u32 = 1;
const B: u32 = 2;
const C: u32 = 3;

fn cap(max_orders: u32, max_levels: u32) -> BookCapacity {
    BookCapacity {
        max_orders,
        max_levels,
        min_price: Price::from_ticks(1),
        max_price: Price::from_ticks(10_000),
    }
}

fn open_book(max_orders: u32, max_levels: u32) -> OrderBook {
    let mut b = OrderBook::new(cap(max_orders, max_levels));
    b.set_phase(Phase::Continuous, &mut Vec::new());
    b
}

fn book() -> OrderBook {
    open_book(64, 32)
}

fn p(t: u64) -> Price {
    Price::from_ticks(t)
}

fn q(l: u64) -> Qty {
    Qty::from_lots(l)
}

/// Submits and checks invariants; returns the events.
fn go(b: &mut OrderBook, o: NewOrder) -> Vec<Event> {
    let mut ev = Vec::new();
    b.submit(&o, &mut ev).unwrap();
    b.check_invariants();
    ev
}

/// Submits something that must be refused, and checks that nothing changed.
fn refused(b: &mut OrderBook, o: NewOrder) -> BookError {
    let before = snapshot(b);
    let mut ev = Vec::new();
    let err = b.submit(&o, &mut ev).unwrap_err();
    assert!(ev.is_empty(), "a refusal emits nothing: {ev:?}");
    assert_eq!(snapshot(b), before, "a refusal changes nothing");
    b.check_invariants();
    err
}

fn snapshot(b: &OrderBook) -> (Vec<OrderView>, Phase, (Price, Price), u32) {
    (b.orders().collect(), b.phase(), b.band(), b.level_count())
}

fn accepted(id: u64, acct: u32, side: Side, price: u64, qty: u64) -> Event {
    Event::Accepted {
        order_id: OrderId(id),
        account: AccountId(acct),
        side,
        price: p(price),
        qty: q(qty),
    }
}

fn level(side: Side, price: u64, qty: u64, orders: u32) -> Event {
    Event::Level {
        side,
        price: p(price),
        qty: q(qty),
        orders,
    }
}

#[allow(clippy::too_many_arguments)]
fn trade(
    maker: (u64, u32),
    taker: (u64, u32),
    aggressor: Side,
    price: u64,
    qty: u64,
    ml: u64,
    tl: u64,
) -> Event {
    Event::Trade {
        maker: OrderId(maker.0),
        maker_account: AccountId(maker.1),
        taker: OrderId(taker.0),
        taker_account: AccountId(taker.1),
        aggressor,
        price: p(price),
        qty: q(qty),
        maker_leaves: q(ml),
        taker_leaves: q(tl),
    }
}

fn canceled(id: u64, acct: u32, qty: u64, leaves: u64, reason: CancelReason) -> Event {
    Event::Canceled {
        order_id: OrderId(id),
        account: AccountId(acct),
        qty: q(qty),
        leaves: q(leaves),
        reason,
    }
}

fn expired(id: u64, acct: u32, qty: u64, reason: ExpireReason) -> Event {
    Event::Expired {
        order_id: OrderId(id),
        account: AccountId(acct),
        qty: q(qty),
        reason,
    }
}

fn depth(b: &OrderBook, side: Side) -> Vec<(u64, u64)> {
    b.levels(side)
        .map(|l| (l.price.ticks(), l.qty.lots()))
        .collect()
}

fn ids_at(b: &OrderBook, side: Side, price: u64) -> Vec<u64> {
    b.orders_at(side, p(price)).map(|o| o.id.0).collect()
}

#[test]
fn a_limit_order_rests() {
    let mut b = book();
    let ev = go(&mut b, NewOrder::limit(1, A, Side::Buy, 100, 10));
    assert_eq!(
        ev,
        vec![
            accepted(1, A, Side::Buy, 100, 10),
            level(Side::Buy, 100, 10, 1)
        ]
    );
    assert_eq!(
        b.best(Side::Buy),
        Some(LevelView {
            price: p(100),
            qty: q(10),
            orders: 1
        })
    );
    assert_eq!(b.best(Side::Sell), None);
}

#[test]
fn crossing_limit_trades_at_the_makers_price_and_rests_the_rest() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, A, Side::Sell, 101, 5));
    let ev = go(&mut b, NewOrder::limit(2, B, Side::Buy, 103, 8));
    assert_eq!(
        ev,
        vec![
            accepted(2, B, Side::Buy, 103, 8),
            trade((1, A), (2, B), Side::Buy, 101, 5, 0, 3),
            level(Side::Sell, 101, 0, 0),
            level(Side::Buy, 103, 3, 1),
        ]
    );
    let o = b.order(OrderId(2)).unwrap();
    assert_eq!((o.leaves, o.filled), (q(3), q(5)));
}

#[test]
fn a_sweep_takes_levels_in_price_then_time_order() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, A, Side::Sell, 102, 4));
    go(&mut b, NewOrder::limit(2, A, Side::Sell, 101, 3));
    go(&mut b, NewOrder::limit(3, C, Side::Sell, 101, 2));
    go(&mut b, NewOrder::limit(4, C, Side::Sell, 104, 9));
    let ev = go(&mut b, NewOrder::limit(5, B, Side::Buy, 102, 7));
    assert_eq!(
        ev,
        vec![
            accepted(5, B, Side::Buy, 102, 7),
            trade((2, A), (5, B), Side::Buy, 101, 3, 0, 4),
            trade((3, C), (5, B), Side::Buy, 101, 2, 0, 2),
            level(Side::Sell, 101, 0, 0),
            trade((1, A), (5, B), Side::Buy, 102, 2, 2, 0),
            level(Side::Sell, 102, 2, 1),
        ]
    );
    assert_eq!(depth(&b, Side::Sell), vec![(102, 2), (104, 9)]);
    assert!(b.best(Side::Buy).is_none());
}

#[test]
fn a_market_order_is_a_limit_at_the_band_edge_and_its_rest_expires() {
    let mut b = book();
    b.set_band(p(90), p(110));
    go(&mut b, NewOrder::limit(1, A, Side::Sell, 100, 5));
    go(&mut b, NewOrder::limit(2, A, Side::Sell, 110, 5));
    let ev = go(&mut b, NewOrder::market(3, B, Side::Buy, 12));
    assert_eq!(
        ev,
        vec![
            accepted(3, B, Side::Buy, 110, 12),
            trade((1, A), (3, B), Side::Buy, 100, 5, 0, 7),
            level(Side::Sell, 100, 0, 0),
            trade((2, A), (3, B), Side::Buy, 110, 5, 0, 2),
            level(Side::Sell, 110, 0, 0),
            expired(3, B, 2, ExpireReason::IocRemainder),
        ]
    );
    assert!(b.is_empty());
    // A market sell into an empty book expires whole.
    let ev = go(&mut b, NewOrder::market(4, B, Side::Sell, 3));
    assert_eq!(
        ev,
        vec![
            accepted(4, B, Side::Sell, 90, 3),
            expired(4, B, 3, ExpireReason::IocRemainder)
        ]
    );
}

#[test]
fn a_gtc_market_order_rests_at_the_band_edge() {
    let mut b = book();
    b.set_band(p(90), p(110));
    go(
        &mut b,
        NewOrder::market(1, A, Side::Sell, 4).with_tif(Tif::Gtc),
    );
    assert_eq!(depth(&b, Side::Sell), vec![(90, 4)]);
}

#[test]
fn ioc_trades_what_it_can_and_never_rests() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, A, Side::Buy, 100, 5));
    let ev = go(
        &mut b,
        NewOrder::limit(2, B, Side::Sell, 100, 8).with_tif(Tif::Ioc),
    );
    assert_eq!(
        ev,
        vec![
            accepted(2, B, Side::Sell, 100, 8),
            trade((1, A), (2, B), Side::Sell, 100, 5, 0, 3),
            level(Side::Buy, 100, 0, 0),
            expired(2, B, 3, ExpireReason::IocRemainder),
        ]
    );
    assert!(b.is_empty());
}

#[test]
fn fok_fills_in_full_or_not_at_all() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, A, Side::Sell, 100, 5));
    go(&mut b, NewOrder::limit(2, C, Side::Sell, 101, 5));
    let before = snapshot(&b);
    let ev = go(
        &mut b,
        NewOrder::limit(3, B, Side::Buy, 101, 11).with_tif(Tif::Fok),
    );
    assert_eq!(
        ev,
        vec![
            accepted(3, B, Side::Buy, 101, 11),
            expired(3, B, 11, ExpireReason::FokUnfillable)
        ]
    );
    assert_eq!(snapshot(&b), before);
    // Limited at 100 only 5 are reachable.
    let ev = go(
        &mut b,
        NewOrder::limit(4, B, Side::Buy, 100, 6).with_tif(Tif::Fok),
    );
    assert_eq!(
        ev.last(),
        Some(&expired(4, B, 6, ExpireReason::FokUnfillable))
    );
    let ev = go(
        &mut b,
        NewOrder::limit(5, B, Side::Buy, 101, 10).with_tif(Tif::Fok),
    );
    assert_eq!(
        ev,
        vec![
            accepted(5, B, Side::Buy, 101, 10),
            trade((1, A), (5, B), Side::Buy, 100, 5, 0, 5),
            level(Side::Sell, 100, 0, 0),
            trade((2, C), (5, B), Side::Buy, 101, 5, 0, 0),
            level(Side::Sell, 101, 0, 0),
        ]
    );
    assert!(b.is_empty());
}

#[test]
fn fok_does_not_count_own_orders_that_self_trade_prevention_would_meet() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, B, Side::Sell, 100, 5));
    go(&mut b, NewOrder::limit(2, A, Side::Sell, 100, 5));
    let before = snapshot(&b);
    let ev = go(
        &mut b,
        NewOrder::limit(3, B, Side::Buy, 100, 5).with_tif(Tif::Fok),
    );
    assert_eq!(
        ev.last(),
        Some(&expired(3, B, 5, ExpireReason::FokUnfillable))
    );
    assert_eq!(
        snapshot(&b),
        before,
        "no self-trade cancel happens for a killed FOK"
    );
    // Cancel-oldest removes the own order and the rest fills.
    let ev = go(
        &mut b,
        NewOrder::limit(4, B, Side::Buy, 100, 5)
            .with_tif(Tif::Fok)
            .with_stp(Stp::CancelOldest),
    );
    assert_eq!(
        ev,
        vec![
            accepted(4, B, Side::Buy, 100, 5),
            canceled(1, B, 5, 0, CancelReason::SelfTrade),
            trade((2, A), (4, B), Side::Buy, 100, 5, 0, 0),
            level(Side::Sell, 100, 0, 0),
        ]
    );
}

#[test]
fn day_orders_expire_at_the_end_of_the_day_and_gtc_stay() {
    let mut b = book();
    go(
        &mut b,
        NewOrder::limit(1, A, Side::Buy, 100, 5).with_tif(Tif::Day),
    );
    go(&mut b, NewOrder::limit(2, A, Side::Buy, 100, 6));
    go(
        &mut b,
        NewOrder::limit(3, B, Side::Sell, 105, 7).with_tif(Tif::Day),
    );
    let mut ev = Vec::new();
    b.expire_day_orders(&mut ev);
    b.check_invariants();
    assert_eq!(
        ev,
        vec![
            expired(1, A, 5, ExpireReason::EndOfDay),
            level(Side::Buy, 100, 6, 1),
            expired(3, B, 7, ExpireReason::EndOfDay),
            level(Side::Sell, 105, 0, 0),
        ]
    );
    assert_eq!(ids_at(&b, Side::Buy, 100), vec![2]);
}

#[test]
fn post_only_rests_when_passive_and_is_refused_when_it_would_take() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, A, Side::Sell, 101, 5));
    go(&mut b, NewOrder::limit(2, B, Side::Buy, 100, 5).post_only());
    assert_eq!(
        refused(&mut b, NewOrder::limit(3, B, Side::Buy, 101, 5).post_only()),
        BookError::PostOnlyWouldTake
    );
    let e = refused(
        &mut b,
        NewOrder::market(4, B, Side::Buy, 5)
            .with_tif(Tif::Gtc)
            .post_only(),
    );
    assert_eq!(e.code(), "INVALID_ORDER");
    let e = refused(
        &mut b,
        NewOrder::limit(5, B, Side::Buy, 99, 5)
            .with_tif(Tif::Ioc)
            .post_only(),
    );
    assert_eq!(e.code(), "INVALID_ORDER");
}

#[test]
fn stp_cancel_newest_keeps_the_resting_order() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, C, Side::Sell, 100, 2));
    go(&mut b, NewOrder::limit(2, A, Side::Sell, 100, 5));
    go(&mut b, NewOrder::limit(3, C, Side::Sell, 100, 4));
    let ev = go(&mut b, NewOrder::limit(4, A, Side::Buy, 100, 10));
    assert_eq!(
        ev,
        vec![
            accepted(4, A, Side::Buy, 100, 10),
            trade((1, C), (4, A), Side::Buy, 100, 2, 0, 8),
            level(Side::Sell, 100, 9, 2),
            canceled(4, A, 8, 0, CancelReason::SelfTrade),
        ]
    );
    assert_eq!(ids_at(&b, Side::Sell, 100), vec![2, 3]);
}

#[test]
fn stp_cancel_oldest_removes_the_resting_order_and_goes_on() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, A, Side::Sell, 100, 5));
    go(&mut b, NewOrder::limit(2, C, Side::Sell, 100, 4));
    let ev = go(
        &mut b,
        NewOrder::limit(3, A, Side::Buy, 100, 6).with_stp(Stp::CancelOldest),
    );
    assert_eq!(
        ev,
        vec![
            accepted(3, A, Side::Buy, 100, 6),
            canceled(1, A, 5, 0, CancelReason::SelfTrade),
            trade((2, C), (3, A), Side::Buy, 100, 4, 0, 2),
            level(Side::Sell, 100, 0, 0),
            level(Side::Buy, 100, 2, 1),
        ]
    );
}

#[test]
fn stp_cancel_both() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, A, Side::Sell, 100, 5));
    go(&mut b, NewOrder::limit(2, C, Side::Sell, 100, 4));
    let ev = go(
        &mut b,
        NewOrder::limit(3, A, Side::Buy, 100, 6).with_stp(Stp::CancelBoth),
    );
    assert_eq!(
        ev,
        vec![
            accepted(3, A, Side::Buy, 100, 6),
            canceled(1, A, 5, 0, CancelReason::SelfTrade),
            level(Side::Sell, 100, 4, 1),
            canceled(3, A, 6, 0, CancelReason::SelfTrade),
        ]
    );
    assert_eq!(ids_at(&b, Side::Sell, 100), vec![2]);
}

#[test]
fn stp_decrement_reduces_both_without_a_trade() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, A, Side::Sell, 100, 5));
    go(&mut b, NewOrder::limit(2, C, Side::Sell, 100, 4));
    // Taker 3 > maker 5: the maker is canceled, the taker reduced by 3 and goes on.
    let ev = go(
        &mut b,
        NewOrder::limit(3, A, Side::Buy, 100, 7).with_stp(Stp::Decrement),
    );
    assert_eq!(
        ev,
        vec![
            accepted(3, A, Side::Buy, 100, 7),
            canceled(1, A, 5, 0, CancelReason::SelfTrade),
            canceled(3, A, 5, 2, CancelReason::SelfTrade),
            trade((2, C), (3, A), Side::Buy, 100, 2, 2, 0),
            level(Side::Sell, 100, 2, 1),
        ]
    );
    // Taker smaller than the maker: the maker keeps the difference, the taker is gone.
    go(&mut b, NewOrder::limit(4, C, Side::Buy, 99, 1));
    let ev = go(
        &mut b,
        NewOrder::limit(5, C, Side::Buy, 100, 1).with_stp(Stp::Decrement),
    );
    assert_eq!(
        ev,
        vec![
            accepted(5, C, Side::Buy, 100, 1),
            canceled(2, C, 1, 1, CancelReason::SelfTrade),
            canceled(5, C, 1, 0, CancelReason::SelfTrade),
            level(Side::Sell, 100, 1, 1),
        ]
    );
    assert_eq!(b.order(OrderId(2)).unwrap().leaves, q(1));
}

#[test]
fn cancel_unknown_and_closed_orders() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, A, Side::Buy, 100, 5));
    go(&mut b, NewOrder::limit(2, B, Side::Sell, 100, 5)); // fills 1 and 2
    go(&mut b, NewOrder::limit(3, A, Side::Buy, 99, 5));
    let mut ev = Vec::new();
    assert_eq!(
        b.cancel(OrderId(3), CancelReason::Requested, &mut ev),
        Ok(q(5))
    );
    assert_eq!(
        ev,
        vec![
            level(Side::Buy, 99, 0, 0),
            canceled(3, A, 5, 0, CancelReason::Requested)
        ]
    );
    let before = snapshot(&b);
    let mut ev = Vec::new();
    assert_eq!(
        b.cancel(OrderId(1), CancelReason::Requested, &mut ev),
        Err(BookError::OrderNotOpen(OrderId(1)))
    );
    assert_eq!(
        b.cancel(OrderId(3), CancelReason::Requested, &mut ev),
        Err(BookError::OrderNotOpen(OrderId(3)))
    );
    assert_eq!(
        b.cancel(OrderId(99), CancelReason::Requested, &mut ev),
        Err(BookError::UnknownOrder(OrderId(99)))
    );
    assert!(ev.is_empty());
    assert_eq!(snapshot(&b), before);
}

#[test]
fn amend_down_keeps_priority_up_or_reprice_loses_it() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, A, Side::Buy, 100, 5));
    go(&mut b, NewOrder::limit(2, B, Side::Buy, 100, 5));
    let mut ev = Vec::new();
    b.amend(OrderId(1), None, Some(q(3)), &mut ev).unwrap();
    b.check_invariants();
    assert_eq!(
        ev,
        vec![
            Event::Amended {
                order_id: OrderId(1),
                account: AccountId(A),
                price: p(100),
                qty: q(3),
                leaves: q(3),
                priority_kept: true
            },
            level(Side::Buy, 100, 8, 2),
        ]
    );
    assert_eq!(ids_at(&b, Side::Buy, 100), vec![1, 2]);
    let mut ev = Vec::new();
    b.amend(OrderId(1), None, Some(q(4)), &mut ev).unwrap();
    b.check_invariants();
    assert_eq!(
        ids_at(&b, Side::Buy, 100),
        vec![2, 1],
        "quantity up loses priority"
    );
    assert_eq!(
        ev[1],
        Event::Amended {
            order_id: OrderId(1),
            account: AccountId(A),
            price: p(100),
            qty: q(4),
            leaves: q(4),
            priority_kept: false
        }
    );
    let mut ev = Vec::new();
    b.amend(OrderId(2), Some(p(101)), None, &mut ev).unwrap();
    b.amend(OrderId(2), Some(p(100)), None, &mut ev).unwrap();
    b.check_invariants();
    assert_eq!(
        ids_at(&b, Side::Buy, 100),
        vec![1, 2],
        "a price change loses priority"
    );
}

#[test]
fn amend_to_a_crossing_price_trades_like_a_new_order() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, A, Side::Sell, 102, 3));
    go(&mut b, NewOrder::limit(2, B, Side::Buy, 100, 5));
    let mut ev = Vec::new();
    b.amend(OrderId(2), Some(p(102)), None, &mut ev).unwrap();
    b.check_invariants();
    assert_eq!(
        ev,
        vec![
            level(Side::Buy, 100, 0, 0),
            Event::Amended {
                order_id: OrderId(2),
                account: AccountId(B),
                price: p(102),
                qty: q(5),
                leaves: q(5),
                priority_kept: false
            },
            trade((1, A), (2, B), Side::Buy, 102, 3, 0, 2),
            level(Side::Sell, 102, 0, 0),
            level(Side::Buy, 102, 2, 1),
        ]
    );
    let o = b.order(OrderId(2)).unwrap();
    assert_eq!((o.leaves, o.filled, o.price), (q(2), q(3), p(102)));
    // The total may not go to or below what is filled; the filled order cannot be amended.
    let before = snapshot(&b);
    let mut ev = Vec::new();
    assert_eq!(
        b.amend(OrderId(2), None, Some(q(3)), &mut ev),
        Err(BookError::AmendQtyTooLow { filled: q(3) })
    );
    assert_eq!(
        b.amend(OrderId(2), None, Some(q(0)), &mut ev),
        Err(BookError::InvalidQuantity)
    );
    assert_eq!(
        b.amend(OrderId(1), None, Some(q(9)), &mut ev),
        Err(BookError::OrderNotOpen(OrderId(1)))
    );
    assert_eq!(
        b.amend(OrderId(7), None, Some(q(9)), &mut ev),
        Err(BookError::UnknownOrder(OrderId(7)))
    );
    assert_eq!(
        b.amend(OrderId(2), Some(p(0)), None, &mut ev),
        Err(BookError::InvalidPrice)
    );
    assert_eq!(
        b.amend(OrderId(2), Some(p(10_001)), None, &mut ev)
            .unwrap_err()
            .code(),
        "PRICE_OUTSIDE_BAND"
    );
    assert!(ev.is_empty());
    assert_eq!(snapshot(&b), before);
}

#[test]
fn a_post_only_order_amended_across_the_book_is_refused() {
    let mut b = book();
    go(&mut b, NewOrder::limit(1, A, Side::Sell, 102, 3));
    go(&mut b, NewOrder::limit(2, B, Side::Buy, 100, 5).post_only());
    let before = snapshot(&b);
    let mut ev = Vec::new();
    assert_eq!(
        b.amend(OrderId(2), Some(p(102)), None, &mut ev),
        Err(BookError::PostOnlyWouldTake)
    );
    assert_eq!(snapshot(&b), before);
}

#[test]
fn closed_and_halted_books_refuse_entry_but_allow_cancels() {
    let mut b = OrderBook::new(cap(8, 8));
    assert_eq!(
        refused(&mut b, NewOrder::limit(1, A, Side::Buy, 100, 5)),
        BookError::MarketClosed
    );
    let mut ev = Vec::new();
    b.set_phase(Phase::Continuous, &mut ev);
    assert_eq!(
        ev,
        vec![Event::Phase {
            phase: Phase::Continuous
        }]
    );
    go(&mut b, NewOrder::limit(1, A, Side::Buy, 100, 5));
    b.set_phase(Phase::Halted, &mut ev);
    assert_eq!(
        refused(&mut b, NewOrder::limit(2, A, Side::Buy, 100, 5)),
        BookError::MarketHalted
    );
    assert_eq!(
        b.amend(OrderId(1), None, Some(q(1)), &mut Vec::new()),
        Err(BookError::MarketHalted)
    );
    assert_eq!(
        b.cancel(OrderId(1), CancelReason::Operator, &mut Vec::new()),
        Ok(q(5))
    );
}

#[test]
fn bad_input_is_refused_with_a_specific_code() {
    let mut b = book();
    b.set_band(p(90), p(110));
    go(&mut b, NewOrder::limit(5, A, Side::Buy, 100, 5));
    assert_eq!(
        refused(&mut b, NewOrder::limit(6, A, Side::Buy, 100, 0)),
        BookError::InvalidQuantity
    );
    assert_eq!(
        refused(&mut b, NewOrder::limit(6, A, Side::Buy, 0, 1)),
        BookError::InvalidPrice
    );
    assert_eq!(
        refused(&mut b, NewOrder::limit(6, A, Side::Buy, 111, 1)),
        BookError::PriceOutsideBand {
            price: p(111),
            lo: p(90),
            hi: p(110)
        }
    );
    assert_eq!(
        refused(&mut b, NewOrder::limit(6, A, Side::Sell, 89, 1)).code(),
        "PRICE_OUTSIDE_BAND"
    );
    assert_eq!(
        refused(&mut b, NewOrder::limit(5, A, Side::Buy, 100, 1)),
        BookError::DuplicateOrderId(OrderId(5))
    );
    assert_eq!(
        refused(&mut b, NewOrder::limit(4, A, Side::Buy, 100, 1)),
        BookError::DuplicateOrderId(OrderId(4))
    );
}

#[test]
fn a_full_book_refuses_what_would_rest_but_takes_what_fills() {
    let mut b = open_book(2, 8);
    go(&mut b, NewOrder::limit(1, A, Side::Sell, 101, 5));
    go(&mut b, NewOrder::limit(2, A, Side::Sell, 102, 5));
    assert_eq!(
        refused(&mut b, NewOrder::limit(3, B, Side::Buy, 100, 1)),
        BookError::BookFull(Capacity::Orders)
    );
    // Would take 5 at 101 and rest 1 in the freed slot.
    go(&mut b, NewOrder::limit(4, B, Side::Buy, 101, 6));
    assert_eq!(depth(&b, Side::Buy), vec![(101, 1)]);
    // An IOC never needs a slot.
    go(
        &mut b,
        NewOrder::limit(5, B, Side::Buy, 100, 1).with_tif(Tif::Ioc),
    );
    assert_eq!(b.len(), 2);
}

#[test]
fn a_book_with_all_its_levels_refuses_a_new_price_but_joins_an_old_one() {
    let mut b = open_book(16, 2);
    go(&mut b, NewOrder::limit(1, A, Side::Buy, 100, 5));
    go(&mut b, NewOrder::limit(2, A, Side::Sell, 105, 5));
    assert_eq!(
        refused(&mut b, NewOrder::limit(3, B, Side::Buy, 99, 1)),
        BookError::BookFull(Capacity::Levels)
    );
    go(&mut b, NewOrder::limit(4, B, Side::Buy, 100, 1));
    // Taking the whole ask level frees a level for the rest of the order.
    go(&mut b, NewOrder::limit(5, B, Side::Buy, 106, 6));
    assert_eq!(depth(&b, Side::Buy), vec![(106, 1), (100, 6)]);
    let mut ev = Vec::new();
    assert_eq!(
        b.amend(OrderId(4), Some(p(98)), None, &mut ev),
        Err(BookError::BookFull(Capacity::Levels))
    );
}

#[test]
fn depth_and_orders_are_reported_best_first() {
    let mut b = book();
    for (id, side, px) in [
        (1, Side::Buy, 98),
        (2, Side::Buy, 100),
        (3, Side::Sell, 103),
        (4, Side::Sell, 101),
        (5, Side::Buy, 100),
    ] {
        go(&mut b, NewOrder::limit(id, A, side, px, id));
    }
    assert_eq!(depth(&b, Side::Buy), vec![(100, 7), (98, 1)]);
    assert_eq!(depth(&b, Side::Sell), vec![(101, 4), (103, 3)]);
    let all: Vec<u64> = b.orders().map(|o| o.id.0).collect();
    assert_eq!(all, vec![2, 5, 1, 4, 3]);
}
