//! Snapshots: at any point of a run, snapshot + restore gives the same state hash, and the
//! restored exchange then answers every further command exactly as the original does.

use ecomatch_engine::book::{Phase, Side, Stp, Tif};
use ecomatch_engine::id::{AccountId, InstrumentId, OrderId, Seq, Timestamp};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::{Command, Exchange, OrderRequest, Sequenced, demo};
use proptest::prelude::*;

fn inst(s: &str) -> InstrumentId {
    InstrumentId::new(s).unwrap()
}

/// A command from a small vocabulary that reaches every part of the state: orders on two
/// instruments (GEP and carbon), cancels, amends, deposits, a kill, a halt, a new reference.
fn command(ex: &Exchange, pick: u8, a: u8, px: u16, qty: u8, id: u8) -> (AccountId, Command) {
    let names = [
        "lishui-coop",
        "zj-cement",
        "ls-paper",
        "longquan-gov",
        "qingyuan-gov",
        "operator",
    ];
    let actor = ex
        .ledger()
        .find(names[usize::from(a) % names.len()])
        .unwrap();
    let op = ex.fee_account();
    let order = |i: &str, side, price: u64| {
        Command::NewOrder(OrderRequest {
            instrument: inst(i),
            side,
            price: Some(Price::from_ticks(price)),
            qty: Qty::from_lots(1 + u64::from(qty % 20)),
            tif: if qty % 5 == 0 { Tif::Day } else { Tif::Gtc },
            post_only: false,
            stp: if qty % 3 == 0 {
                Some(Stp::Decrement)
            } else {
                None
            },
            client_order_id: None,
        })
    };
    let side = if px % 2 == 0 { Side::Buy } else { Side::Sell };
    match pick % 12 {
        0..=4 => (
            actor,
            order("LS-FCS-2024", side, 4_950 + u64::from(px % 100)),
        ),
        5 | 6 => (
            actor,
            order("LS-GEP-2025", side, 99_500 + u64::from(px % 1_000)),
        ),
        7 => (
            actor,
            Command::CancelOrder {
                order_id: OrderId(u64::from(id)),
            },
        ),
        8 => (
            actor,
            Command::AmendOrder {
                order_id: OrderId(u64::from(id)),
                price: None,
                qty: Some(Qty::from_lots(u64::from(qty % 30))),
            },
        ),
        9 => (
            op,
            Command::Deposit {
                account: actor,
                amount: Cash::from_fen(1 + u64::from(px)),
            },
        ),
        10 => (
            op,
            Command::SetReferencePrice {
                instrument: inst("LS-FCS-2024"),
                price: Price::from_ticks(4_990 + u64::from(px % 20)),
            },
        ),
        _ => match qty % 3 {
            0 => (op, Command::Kill { account: actor }),
            1 => (
                op,
                Command::SetPhase {
                    instrument: inst("LS-FCS-2024"),
                    phase: Phase::Closed,
                },
            ),
            _ => (
                op,
                Command::SetPhase {
                    instrument: inst("LS-FCS-2024"),
                    phase: Phase::Continuous,
                },
            ),
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    #[test]
    fn snapshot_and_restore_anywhere_is_invisible(
        steps in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u16>(), any::<u8>(), any::<u8>()), 1..100),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut live = demo::exchange();
        let cut = cut.index(steps.len() + 1);
        let mut restored: Option<Exchange> = None;
        for (i, &(pick, a, px, qty, id)) in steps.iter().enumerate() {
            if i == cut {
                let bytes = live.snapshot();
                let back = Exchange::restore(demo::exchange(), &bytes).expect("restores");
                back.check_invariants();
                prop_assert_eq!(back.state_hash(), live.state_hash());
                prop_assert_eq!(back.snapshot(), bytes, "a restored snapshot snapshots the same");
                restored = Some(back);
            }
            let (actor, command) = command(&live, pick, a, px, qty, id);
            let cmd = Sequenced { seq: Seq(i as u64 + 1), time: Timestamp(i as u64), actor, command };
            let mut out = Vec::new();
            live.apply(&cmd, &mut out);
            live.check_invariants();
            if let Some(r) = restored.as_mut() {
                let mut rout = Vec::new();
                r.apply(&cmd, &mut rout);
                prop_assert_eq!(&rout, &out, "step {}: {:?}", i, cmd.command);
                prop_assert_eq!(r.state_hash(), live.state_hash());
            }
        }
    }
}

#[test]
fn a_damaged_snapshot_is_refused() {
    let ex = demo::exchange();
    let bytes = ex.snapshot();
    assert!(Exchange::restore(demo::exchange(), &bytes[..bytes.len() - 1]).is_err());
    assert!(Exchange::restore(demo::exchange(), b"not a snapshot").is_err());
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(Exchange::restore(demo::exchange(), &longer).is_err());
}
