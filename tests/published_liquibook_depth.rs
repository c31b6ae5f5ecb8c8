//! Published scenario tables of Liquibook: its depth-restore scenarios on a deep book (the rest of its tables are in `published_liquibook.rs`, exchange-core's in `published_exchange_core.rs`), restated as facts
//! about our book: their numbers (prices, quantities, which resting order fills, in which
//! order, and the depth left), our code. Nothing of theirs is copied but the numbers; each
//! scenario names the repository, file and test it comes from.
//!
//! - exchange-core (<https://github.com/exchange-core/exchange-core>),
//!   `src/test/java/exchange/core2/core/orderbook/OrderBookBaseTest.java`, read at commit
//!   `1524fa3887c2b74b63f34e2b610d84d82765fb3c`. Every scenario starts from the book its
//!   `before()` builds and ends with its `after()` sweep, which must empty the book. Skipped:
//!   the budget orders (`FOK_BUDGET`, `IOC_BUDGET`) of later versions of that file and of its
//!   offshoots, which cap price × size rather than price, a limit our book does not have; the
//!   exchange-mode reserve ("hold") prices of its bids, a risk concept that lives outside our
//!   book; and its randomised comparison runs (`multipleCommands*`), which are not tables.
//! - Liquibook (<https://github.com/enewhuis/liquibook>), `test/unit/ut_order_book.cpp` (read at
//!   commit `38bcc8463e1257508bf5fd78e2bd460ca8336557`) and
//!   `test/unit/ut_immediate_or_cancel.cpp` (commit `57fa62417e3ed9222824e69ebae41c74af695f7c`).
//!   Liquibook orders are objects without ids; here each gets the next id in the order the test
//!   adds it (and its own account, as Liquibook has no self-trade prevention). Its depth checks
//!   look at five levels per side, so those are compared on our top five. Its fill checks give a
//!   quantity and a cost per order; here the trades are asserted one by one, maker and price
//!   included, which also fixes the order the fills happen in.
//!
//! Where the semantics differ (Liquibook's resting market orders, its size replaces that go
//! below the filled quantity) the test says so and asserts the closest equivalent of ours.

mod published;

use ecomatch_engine::book::{OrderBook, Side};
use published::*;

/// The 24-order book of Liquibook's restore-depth tests: ask0..ask10 get ids 1..=11 and
/// bid0..bid12 ids 12..=24, added in that order.
fn lb_deep_book() -> OrderBook {
    let mut b = lb_book();
    let asks = [
        (1250, 500),
        (1251, 400),
        (1252, 100),
        (1252, 200),
        (1254, 300),
        (1255, 200),
        (1255, 500),
        (1256, 100),
        (1256, 100),
        (1257, 700),
        (1258, 600),
    ];
    let bids = [
        (1249, 100),
        (1249, 200),
        (1249, 200),
        (1248, 400),
        (1246, 600),
        (1246, 500),
        (1245, 200),
        (1245, 100),
        (1245, 200),
        (1244, 700),
        (1244, 300),
        (1242, 300),
        (1241, 400),
    ];
    let orders: Vec<(u64, Side, u64, u64)> = asks
        .iter()
        .map(|&(p, q)| (SELL, p, q))
        .chain(bids.iter().map(|&(p, q)| (BUY, p, q)))
        .zip(1..)
        .map(|((side, p, q), id)| (id, side, p, q))
        .collect();
    lb_rest(&mut b, &orders);
    assert_eq!(b.len(), 24);
    assert_eq!(
        top5(&b, BUY),
        vec![
            (1249, 500, 3),
            (1248, 400, 1),
            (1246, 1100, 2),
            (1245, 500, 3),
            (1244, 1000, 2)
        ]
    );
    assert_eq!(
        top5(&b, SELL),
        vec![
            (1250, 500, 1),
            (1251, 400, 1),
            (1252, 300, 2),
            (1254, 300, 1),
            (1255, 700, 2)
        ]
    );
    b
}

const LB_DEEP_ASKS_TOP5: [Lvl; 5] = [
    (1250, 500, 1),
    (1251, 400, 1),
    (1252, 300, 2),
    (1254, 300, 1),
    (1255, 700, 2),
];

// Liquibook ut_order_book.cpp TestCancelBidRestore: cancels bid3 (15), then bid7 (19) and bid4
// (16), then bid1 (13), bid0 (12) and bid2 (14); the five-level depth refills from below.
#[test]
fn lb_cancel_bid_restore() {
    let mut b = lb_deep_book();
    assert_eq!(cancel(&mut b, 15), Ok(400));
    assert_eq!(
        top5(&b, BUY),
        vec![
            (1249, 500, 3),
            (1246, 1100, 2),
            (1245, 500, 3),
            (1244, 1000, 2),
            (1242, 300, 1)
        ]
    );
    assert_eq!(cancel(&mut b, 19), Ok(100));
    assert_eq!(cancel(&mut b, 16), Ok(600));
    assert_eq!(
        top5(&b, BUY),
        vec![
            (1249, 500, 3),
            (1246, 500, 1),
            (1245, 400, 2),
            (1244, 1000, 2),
            (1242, 300, 1)
        ]
    );
    for (id, qty) in [(13, 200), (12, 100), (14, 200)] {
        assert_eq!(cancel(&mut b, id), Ok(qty));
    }
    assert_eq!(
        top5(&b, BUY),
        vec![
            (1246, 500, 1),
            (1245, 400, 2),
            (1244, 1000, 2),
            (1242, 300, 1),
            (1241, 400, 1)
        ]
    );
    assert_eq!(top5(&b, SELL), LB_DEEP_ASKS_TOP5.to_vec());
}

// Liquibook ut_order_book.cpp TestCancelAskRestore: cancels ask1 (2), then ask2 (3) and ask6
// (7), then ask0 (1).
#[test]
fn lb_cancel_ask_restore() {
    let mut b = lb_deep_book();
    let bids = top5(&b, BUY);
    assert_eq!(cancel(&mut b, 2), Ok(400));
    assert_eq!(
        top5(&b, SELL),
        vec![
            (1250, 500, 1),
            (1252, 300, 2),
            (1254, 300, 1),
            (1255, 700, 2),
            (1256, 200, 2)
        ]
    );
    assert_eq!(cancel(&mut b, 3), Ok(100));
    assert_eq!(cancel(&mut b, 7), Ok(500));
    assert_eq!(
        top5(&b, SELL),
        vec![
            (1250, 500, 1),
            (1252, 200, 1),
            (1254, 300, 1),
            (1255, 200, 1),
            (1256, 200, 2)
        ]
    );
    assert_eq!(cancel(&mut b, 1), Ok(500));
    assert_eq!(
        top5(&b, SELL),
        vec![
            (1252, 200, 1),
            (1254, 300, 1),
            (1255, 200, 1),
            (1256, 200, 2),
            (1257, 700, 1)
        ]
    );
    assert_eq!(top5(&b, BUY), bids);
}

// Liquibook ut_order_book.cpp TestFillCompleteBidRestoreDepth: cross asks 25..=28.
#[test]
fn lb_fill_complete_bid_restore_depth() {
    let mut b = lb_deep_book();
    // Fill the top bid level and rest the rest of the ask.
    assert_eq!(
        lb_add(&mut b, 25, SELL, 1249, 800),
        vec![(12, 1249, 100), (13, 1249, 200), (14, 1249, 200)]
    );
    assert_eq!(
        top5(&b, BUY),
        vec![
            (1248, 400, 1),
            (1246, 1100, 2),
            (1245, 500, 3),
            (1244, 1000, 2),
            (1242, 300, 1)
        ]
    );
    let asks = vec![
        (1249, 300, 1),
        (1250, 500, 1),
        (1251, 400, 1),
        (1252, 300, 2),
        (1254, 300, 1),
    ];
    assert_eq!(top5(&b, SELL), asks);
    // Fill the top bid level exactly.
    assert_eq!(lb_add(&mut b, 26, SELL, 1248, 400), vec![(15, 1248, 400)]);
    assert_eq!(
        top5(&b, BUY),
        vec![
            (1246, 1100, 2),
            (1245, 500, 3),
            (1244, 1000, 2),
            (1242, 300, 1),
            (1241, 400, 1)
        ]
    );
    assert_eq!(top5(&b, SELL), asks);
    // Fill the top bid level and rest 1300; nothing below to restore.
    assert_eq!(
        lb_add(&mut b, 27, SELL, 1246, 2400),
        vec![(16, 1246, 600), (17, 1246, 500)]
    );
    assert_eq!(
        top5(&b, BUY),
        vec![
            (1245, 500, 3),
            (1244, 1000, 2),
            (1242, 300, 1),
            (1241, 400, 1)
        ]
    );
    assert_eq!(
        top5(&b, SELL),
        vec![
            (1246, 1300, 1),
            (1249, 300, 1),
            (1250, 500, 1),
            (1251, 400, 1),
            (1252, 300, 2)
        ]
    );
    // Partial fill of the top bid level: one order filled, one reduced.
    assert_eq!(
        lb_add(&mut b, 28, SELL, 1245, 250),
        vec![(18, 1245, 200), (19, 1245, 50)]
    );
    assert_eq!(
        top5(&b, BUY),
        vec![
            (1245, 250, 2),
            (1244, 1000, 2),
            (1242, 300, 1),
            (1241, 400, 1)
        ]
    );
}

// Liquibook ut_order_book.cpp TestFillCompleteAskRestoreDepth: cross bids 25..=29.
#[test]
fn lb_fill_complete_ask_restore_depth() {
    let mut b = lb_deep_book();
    assert_eq!(lb_add(&mut b, 25, BUY, 1250, 800), vec![(1, 1250, 500)]);
    let bids = vec![
        (1250, 300, 1),
        (1249, 500, 3),
        (1248, 400, 1),
        (1246, 1100, 2),
        (1245, 500, 3),
    ];
    assert_eq!(top5(&b, BUY), bids);
    assert_eq!(
        top5(&b, SELL),
        vec![
            (1251, 400, 1),
            (1252, 300, 2),
            (1254, 300, 1),
            (1255, 700, 2),
            (1256, 200, 2)
        ]
    );
    assert_eq!(lb_add(&mut b, 26, BUY, 1251, 400), vec![(2, 1251, 400)]);
    assert_eq!(top5(&b, BUY), bids);
    assert_eq!(
        top5(&b, SELL),
        vec![
            (1252, 300, 2),
            (1254, 300, 1),
            (1255, 700, 2),
            (1256, 200, 2),
            (1257, 700, 1)
        ]
    );
    assert_eq!(
        lb_add(&mut b, 27, BUY, 1252, 2400),
        vec![(3, 1252, 100), (4, 1252, 200)]
    );
    assert_eq!(
        top5(&b, BUY),
        vec![
            (1252, 2100, 1),
            (1250, 300, 1),
            (1249, 500, 3),
            (1248, 400, 1),
            (1246, 1100, 2)
        ]
    );
    assert_eq!(
        top5(&b, SELL),
        vec![
            (1254, 300, 1),
            (1255, 700, 2),
            (1256, 200, 2),
            (1257, 700, 1),
            (1258, 600, 1)
        ]
    );
    assert_eq!(lb_add(&mut b, 28, BUY, 1254, 300), vec![(5, 1254, 300)]);
    assert_eq!(
        top5(&b, SELL),
        vec![
            (1255, 700, 2),
            (1256, 200, 2),
            (1257, 700, 1),
            (1258, 600, 1)
        ]
    );
    assert_eq!(
        lb_add(&mut b, 29, BUY, 1255, 550),
        vec![(6, 1255, 200), (7, 1255, 350)]
    );
    assert_eq!(
        top5(&b, SELL),
        vec![
            (1255, 150, 1),
            (1256, 200, 2),
            (1257, 700, 1),
            (1258, 600, 1)
        ]
    );
}
