//! A walkthrough of the continuous book on a demo instrument, the Lishui forestry carbon sink
//! of vintage 2024: a few participants post, trade, amend and cancel, and every event is
//! printed with the instrument's decimal prices and quantities.

use std::io::{self, Write};
use std::str::FromStr;

use ecomatch_engine::book::{CancelReason, Event, NewOrder, OrderBook, Phase, Side, Stp, Tif};
use ecomatch_engine::id::{InstrumentId, OrderId};
use ecomatch_engine::instrument::{
    Attributes, BookCapacity, FatFinger, Instrument, InstrumentSpec, PriceBand, TradingModes,
};
use ecomatch_engine::quantity::{Notional, Price, Qty};
use rust_decimal::Decimal;

/// The demo accounts, by the number the book knows them by.
const ACCOUNTS: [&str; 4] = ["(none)", "lishui-coop", "zj-cement", "qz-paper"];

/// The demo instrument: 丽水林业碳汇 2024, tick 0.01 CNY, lot 1 tCO2e, ±10 % around 50.00.
pub fn instrument() -> Instrument {
    let d = |s| Decimal::from_str(s).expect("literal decimal");
    Instrument::new(InstrumentSpec {
        id: InstrumentId::new("LS-FCS-2024").expect("literal id"),
        name: "丽水林业碳汇 2024".into(),
        attributes: Attributes::ForestryCarbonSink {
            standard: "LS-FCS".into(),
            vintage: 2024,
        },
        tick: d("0.01"),
        lot: d("1"),
        band: PriceBand { bps: 1_000 },
        reference_price: Some(Price::from_ticks(5_000)),
        block_threshold: Qty::from_lots(100_000),
        fat_finger: FatFinger {
            max_order_qty: Qty::from_lots(50_000),
            max_order_notional: Notional::from_tick_lots(500_000_000),
        },
        modes: TradingModes {
            continuous: true,
            call_auction: true,
            single_sided_auction: true,
            block: true,
        },
        capacity: BookCapacity {
            max_orders: 100_000,
            max_levels: 2_000,
            min_price: Price::from_ticks(1),
            max_price: Price::from_ticks(100_000),
        },
    })
    .expect("the demo instrument is valid")
}

/// One step of the walkthrough.
enum Step {
    New(&'static str, NewOrder),
    Amend(&'static str, u64, Option<u64>, Option<u64>),
    Cancel(&'static str, u64),
}

fn steps() -> Vec<Step> {
    use Step::{Amend, Cancel, New};
    vec![
        New(
            "the cooperative offers 500 t at 52.30",
            NewOrder::limit(1, 1, Side::Sell, 5_230, 500),
        ),
        New(
            "and 300 t more at 52.80",
            NewOrder::limit(2, 1, Side::Sell, 5_280, 300),
        ),
        New(
            "a cement plant bids 200 t at 51.50",
            NewOrder::limit(3, 2, Side::Buy, 5_150, 200),
        ),
        New(
            "a paper mill buys 600 t up to 53.00, IOC",
            NewOrder::limit(4, 3, Side::Buy, 5_300, 600).with_tif(Tif::Ioc),
        ),
        New(
            "a bid outside the ±10 % band is refused",
            NewOrder::limit(5, 2, Side::Buy, 5_600, 10),
        ),
        Amend(
            "the cement plant lowers its bid to 150 t (keeps priority)",
            3,
            None,
            Some(150),
        ),
        New(
            "the cooperative posts 100 t post-only at 51.60",
            NewOrder::limit(6, 1, Side::Sell, 5_160, 100).post_only(),
        ),
        Amend(
            "the cement plant raises its price to 51.60 and trades",
            3,
            Some(5_160),
            None,
        ),
        New(
            "the cement plant sells into its own bid: self-trade prevented",
            NewOrder::limit(7, 2, Side::Sell, 5_160, 10).with_stp(Stp::CancelNewest),
        ),
        Cancel("the cement plant cancels what is left", 3),
    ]
}

/// Runs the walkthrough and prints it.
pub fn run(out: &mut impl Write) -> io::Result<()> {
    let inst = instrument();
    let spec = inst.spec();
    let mut book = OrderBook::for_instrument(&inst);
    let mut events = Vec::new();
    book.set_phase(Phase::Continuous, &mut events);
    let (lo, hi) = book.band();
    writeln!(
        out,
        "{} {} ({}, {}), tick {}, band {}..{}",
        spec.id,
        spec.name,
        inst.family().code(),
        inst.family().unit(),
        spec.tick,
        lo.to_decimal(spec.tick),
        hi.to_decimal(spec.tick)
    )?;
    for step in steps() {
        events.clear();
        let (what, result) = match &step {
            Step::New(what, o) => (what, book.submit(o, &mut events)),
            Step::Amend(what, id, px, qty) => (
                what,
                book.amend(
                    OrderId(*id),
                    px.map(Price::from_ticks),
                    qty.map(Qty::from_lots),
                    &mut events,
                ),
            ),
            Step::Cancel(what, id) => (
                what,
                book.cancel(OrderId(*id), CancelReason::Requested, &mut events)
                    .map(|_| ()),
            ),
        };
        writeln!(out, "\n# {what}")?;
        if let Err(e) = result {
            writeln!(out, "  rejected {}: {e}", e.code())?;
        }
        for e in &events {
            writeln!(out, "  {}", describe(e, &inst))?;
        }
        book.check_invariants();
    }
    writeln!(out, "\nbook at the end:")?;
    for side in [Side::Sell, Side::Buy] {
        for l in book.levels(side) {
            writeln!(
                out,
                "  {:4} {:>8} x {}",
                side.as_str(),
                l.price.to_decimal(spec.tick),
                l.qty.to_decimal(spec.lot)
            )?;
        }
    }
    Ok(())
}

fn who(a: ecomatch_engine::id::AccountId) -> &'static str {
    ACCOUNTS.get(a.0 as usize).copied().unwrap_or("?")
}

/// One event as a line of text.
fn describe(e: &Event, inst: &Instrument) -> String {
    let (tick, lot) = (inst.spec().tick, inst.spec().lot);
    let px = |p: Price| p.to_decimal(tick);
    let q = |q: Qty| q.to_decimal(lot);
    match *e {
        Event::Accepted {
            order_id,
            account,
            side,
            price,
            qty,
        } => {
            format!(
                "accepted #{order_id} {} {} {} @ {}",
                who(account),
                side.as_str(),
                q(qty),
                px(price)
            )
        }
        Event::Trade {
            maker,
            taker,
            price,
            qty,
            aggressor,
            ..
        } => {
            format!(
                "trade {} @ {} (maker #{maker}, taker #{taker}, aggressor {})",
                q(qty),
                px(price),
                aggressor.as_str()
            )
        }
        Event::Canceled {
            order_id,
            qty,
            leaves,
            reason,
            ..
        } => {
            format!(
                "canceled #{order_id} {} ({}), {} left",
                q(qty),
                reason.as_str(),
                q(leaves)
            )
        }
        Event::Expired {
            order_id,
            qty,
            reason,
            ..
        } => format!("expired #{order_id} {} ({})", q(qty), reason.as_str()),
        Event::Amended {
            order_id,
            price,
            qty,
            leaves,
            priority_kept,
            ..
        } => format!(
            "amended #{order_id} to {} @ {} ({} open, priority {})",
            q(qty),
            px(price),
            q(leaves),
            if priority_kept { "kept" } else { "lost" }
        ),
        Event::Level {
            side,
            price,
            qty,
            orders,
        } => {
            format!(
                "level {} {} now {} in {orders} orders",
                side.as_str(),
                px(price),
                q(qty)
            )
        }
        Event::Phase { phase } => format!("phase {}", phase.as_str()),
    }
}
