//! Helpers shared by the published-scenario tests (exchange-core and Liquibook tables).

#![allow(dead_code, unreachable_pub)]

use ecomatch_engine::book::{
    BookError, CancelReason, Event, ExpireReason, NewOrder, OrderBook, Phase, Side, Tif,
};
use ecomatch_engine::id::OrderId;
use ecomatch_engine::instrument::BookCapacity;
use ecomatch_engine::quantity::{Price, Qty};

pub const BUY: Side = Side::Buy;
pub const SELL: Side = Side::Sell;

/// A depth level: (price, total quantity, number of orders).
pub type Lvl = (u64, u64, u32);
/// A trade: (maker order id, price, quantity).
pub type Fill = (u64, u64, u64);

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

/// An open book over the price window `1..=max_price`.
pub fn open(max_price: u64) -> OrderBook {
    let mut b = OrderBook::new(BookCapacity {
        max_orders: 1024,
        max_levels: 256,
        min_price: Price::from_ticks(1),
        max_price: Price::from_ticks(max_price),
    });
    b.set_phase(Phase::Continuous, &mut Vec::new());
    b
}

/// Submits an order that must be accepted; checks the invariants.
pub fn submit(b: &mut OrderBook, o: &NewOrder) -> Vec<Event> {
    let mut ev = Vec::new();
    b.submit(o, &mut ev)
        .unwrap_or_else(|e| panic!("{o:?} refused: {e}"));
    b.check_invariants();
    ev
}

pub fn ioc(id: u64, account: u32, side: Side, price: u64, qty: u64) -> NewOrder {
    NewOrder::limit(id, account, side, price, qty).with_tif(Tif::Ioc)
}

pub fn fok(id: u64, account: u32, side: Side, price: u64, qty: u64) -> NewOrder {
    NewOrder::limit(id, account, side, price, qty).with_tif(Tif::Fok)
}

pub fn fills(ev: &[Event]) -> Vec<Fill> {
    ev.iter()
        .filter_map(|e| match *e {
            Event::Trade {
                maker, price, qty, ..
            } => Some((maker.0, price.ticks(), qty.lots())),
            _ => None,
        })
        .collect()
}

/// The expired quantity and why, if the order expired.
pub fn expired(ev: &[Event]) -> Option<(u64, ExpireReason)> {
    ev.iter().find_map(|e| match *e {
        Event::Expired { qty, reason, .. } => Some((qty.lots(), reason)),
        _ => None,
    })
}

pub fn depth(b: &OrderBook, side: Side) -> Vec<Lvl> {
    b.levels(side)
        .map(|l| (l.price.ticks(), l.qty.lots(), l.orders))
        .collect()
}

/// The five best levels, as Liquibook's depth checks see them.
pub fn top5(b: &OrderBook, side: Side) -> Vec<Lvl> {
    b.levels(side)
        .take(5)
        .map(|l| (l.price.ticks(), l.qty.lots(), l.orders))
        .collect()
}

/// The ids resting at one price, in time priority.
pub fn queue(b: &OrderBook, side: Side, price: u64) -> Vec<u64> {
    b.orders_at(side, Price::from_ticks(price))
        .map(|o| o.id.0)
        .collect()
}

pub fn cancel(b: &mut OrderBook, id: u64) -> Result<u64, BookError> {
    let mut ev = Vec::new();
    let r = b.cancel(OrderId(id), CancelReason::Requested, &mut ev);
    b.check_invariants();
    if r.is_err() {
        assert!(ev.is_empty(), "a refused cancel emits nothing: {ev:?}");
    }
    r.map(Qty::lots)
}

/// Amends an order's price and/or total quantity (filled + open).
pub fn amend(
    b: &mut OrderBook,
    id: u64,
    price: Option<u64>,
    qty: Option<u64>,
) -> Result<Vec<Event>, BookError> {
    let mut ev = Vec::new();
    let r = b.amend(
        OrderId(id),
        price.map(Price::from_ticks),
        qty.map(Qty::from_lots),
        &mut ev,
    );
    b.check_invariants();
    r.map(|()| ev)
}

pub fn leaves(b: &OrderBook, id: u64) -> Option<u64> {
    b.order(OrderId(id)).map(|o| o.leaves.lots())
}

// Liquibook helpers.

pub const LB_MAX_PRICE: u64 = 20_000;

pub fn lb_book() -> OrderBook {
    open(LB_MAX_PRICE)
}

/// A Liquibook limit order: its own account, so no self-trade prevention ever applies.
pub fn lb(id: u64, side: Side, price: u64, qty: u64) -> NewOrder {
    NewOrder::limit(id, u32::try_from(id).expect("small id"), side, price, qty)
}

/// Adds orders that must not match ("No match" in Liquibook's tests).
pub fn lb_rest(b: &mut OrderBook, orders: &[(u64, Side, u64, u64)]) {
    for &(id, side, price, qty) in orders {
        let ev = submit(b, &lb(id, side, price, qty));
        assert!(fills(&ev).is_empty(), "order {id} matched: {ev:?}");
    }
}

/// Adds an order and returns its trades.
pub fn lb_add(b: &mut OrderBook, id: u64, side: Side, price: u64, qty: u64) -> Vec<Fill> {
    fills(&submit(b, &lb(id, side, price, qty)))
}
