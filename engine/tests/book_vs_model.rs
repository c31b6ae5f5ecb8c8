//! Property test: the book and a simple reference model, driven by the same random command
//! streams, give identical results, identical events and identical books after every step.

mod model;

use ecomatch_engine::book::{CancelReason, NewOrder, OrderBook, Phase, Side, Stp, Tif};
use ecomatch_engine::id::{AccountId, OrderId};
use ecomatch_engine::instrument::BookCapacity;
use ecomatch_engine::quantity::{Price, Qty};
use model::Model;
use proptest::prelude::*;

/// A small book, so that streams hit full levels, full pools, and every self-trade case.
const BAND: (u64, u64) = (5, 25);
const MAX_ORDERS: u32 = 14;
const MAX_LEVELS: u32 = 9;

#[derive(Clone, Debug)]
enum Cmd {
    New {
        side: Side,
        price: Option<u64>,
        qty: u64,
        tif: Tif,
        post_only: bool,
        stp: Stp,
        account: u32,
    },
    Cancel {
        pick: usize,
    },
    Amend {
        pick: usize,
        price: Option<u64>,
        qty: Option<u64>,
    },
    ExpireDay,
    Phase(Phase),
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Buy), Just(Side::Sell)]
}

fn tif() -> impl Strategy<Value = Tif> {
    prop_oneof![4 => Just(Tif::Gtc), 2 => Just(Tif::Day), 2 => Just(Tif::Ioc), 1 => Just(Tif::Fok)]
}

fn stp() -> impl Strategy<Value = Stp> {
    prop_oneof![
        Just(Stp::CancelNewest),
        Just(Stp::CancelOldest),
        Just(Stp::CancelBoth),
        Just(Stp::Decrement)
    ]
}

fn cmd() -> impl Strategy<Value = Cmd> {
    // Prices run a little outside the band (and to zero) so refusals are exercised too.
    let price = prop_oneof![9 => (3u64..=27).prop_map(Some), 1 => Just(None), 1 => Just(Some(0))];
    let new = (
        side(),
        price,
        0u64..=12,
        tif(),
        prop::bool::weighted(0.15),
        stp(),
        1u32..=3,
    )
        .prop_map(
            |(side, price, qty, tif, post_only, stp, account)| Cmd::New {
                side,
                price,
                qty,
                tif,
                post_only,
                stp,
                account,
            },
        );
    let amend = (
        any::<usize>(),
        prop::option::of(4u64..=26),
        prop::option::of(0u64..=14),
    )
        .prop_map(|(pick, price, qty)| Cmd::Amend { pick, price, qty });
    let phase = prop_oneof![8 => Just(Phase::Continuous), 1 => Just(Phase::Halted), 1 => Just(Phase::Closed)];
    prop_oneof![
        12 => new,
        4 => any::<usize>().prop_map(|pick| Cmd::Cancel { pick }),
        3 => amend,
        1 => Just(Cmd::ExpireDay),
        1 => phase.prop_map(Cmd::Phase),
    ]
}

fn new_book() -> OrderBook {
    let cap = BookCapacity {
        max_orders: MAX_ORDERS,
        max_levels: MAX_LEVELS,
        min_price: Price::from_ticks(1),
        max_price: Price::from_ticks(30),
    };
    let mut b = OrderBook::new(cap);
    b.set_band(Price::from_ticks(BAND.0), Price::from_ticks(BAND.1));
    b.set_phase(Phase::Continuous, &mut Vec::new());
    b
}

/// The book's resting orders in the model's shape.
fn resting(b: &OrderBook) -> Vec<model::MOrder> {
    b.orders()
        .map(|o| model::MOrder {
            id: o.id.0,
            account: o.account.0,
            side: o.side,
            price: o.price.ticks(),
            leaves: o.leaves.lots(),
            filled: o.filled.lots(),
            tif: o.tif,
            stp: o.stp,
            post_only: o.post_only,
        })
        .collect()
}

/// Runs one stream through both and compares after every step.
fn run(cmds: &[Cmd]) -> Result<(), TestCaseError> {
    let mut book = new_book();
    let mut model = Model::new(BAND, MAX_ORDERS as usize, MAX_LEVELS as usize);
    let mut next_id = 1u64;
    for (step, c) in cmds.iter().enumerate() {
        let mut ev = Vec::new();
        // Picks reach one past the ids used, so unknown ids are exercised too.
        let pick_id = |pick: usize| (pick as u64) % next_id + 1;
        let (got, want) = match c {
            Cmd::New {
                side,
                price,
                qty,
                tif,
                post_only,
                stp,
                account,
            } => {
                let o = NewOrder {
                    id: OrderId(next_id),
                    account: AccountId(*account),
                    side: *side,
                    price: price.map(Price::from_ticks),
                    qty: Qty::from_lots(*qty),
                    tif: *tif,
                    post_only: *post_only,
                    stp: *stp,
                };
                next_id += 1;
                (book.submit(&o, &mut ev).map(|()| ev), model.submit(&o))
            }
            Cmd::Cancel { pick } => {
                let id = pick_id(*pick);
                let got = book
                    .cancel(OrderId(id), CancelReason::Requested, &mut ev)
                    .map(|_| ev);
                (got, model.cancel(id))
            }
            Cmd::Amend { pick, price, qty } => {
                let id = pick_id(*pick);
                let got = book
                    .amend(
                        OrderId(id),
                        price.map(Price::from_ticks),
                        qty.map(Qty::from_lots),
                        &mut ev,
                    )
                    .map(|()| ev);
                (got, model.amend(id, *price, *qty))
            }
            Cmd::ExpireDay => {
                book.expire_day_orders(&mut ev);
                (Ok(ev), Ok(model.expire_day()))
            }
            Cmd::Phase(p) => {
                book.set_phase(*p, &mut ev);
                model.phase = *p;
                (Ok(Vec::new()), Ok(Vec::new()))
            }
        };
        book.check_invariants();
        if !matches!(c, Cmd::Phase(_)) {
            prop_assert_eq!(&got, &want, "step {}: {:?}", step, c);
        }
        let mut want_book = model.bids.clone();
        want_book.extend(model.asks.iter().cloned());
        prop_assert_eq!(
            resting(&book),
            want_book,
            "book after step {}: {:?}",
            step,
            c
        );
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("ECOMATCH_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn book_matches_reference_model(cmds in prop::collection::vec(cmd(), 1..80)) {
        run(&cmds)?;
    }
}
