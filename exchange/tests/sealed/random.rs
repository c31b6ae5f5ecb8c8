//! Random bidding in two sealed-bid auctions, with every invariant checked after each step.

use ecomatch_engine::auction::sealed::{Format, TieBreak, Undersubscribed};
use ecomatch_engine::id::{AuctionId, BidId};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::{Command, Message, Output, Recipient};
use ecomatch_risk::account::AccountStatus;
use proptest::prelude::*;

use super::{FCS, OPENS, Run, bid, inst, market, result_of, trades};

/// One random step of a bidding window: who, what, and the numbers it uses.
fn step(r: &Run, kind: u8, who: u8, px: u16, qty: u16, pick: u8) -> (&'static str, Command) {
    const BIDDERS: [&str; 5] = [
        "zj-cement",
        "ls-paper",
        "qz-chem",
        "kaihua-restore",
        "lishui-coop",
    ];
    let name = BIDDERS[usize::from(who) % BIDDERS.len()];
    let auction_id = AuctionId(1 + u64::from(pick % 2));
    let bid_id = BidId(1 + u64::from(pick) % (r.ex.open_auctions().count() as u64 * 40 + 1));
    let price = 4_400 + u64::from(px % 1_700); // some below the reserve, some above the cap
    let qty = u64::from(qty % 700);
    match kind % 8 {
        0..=3 => (name, bid(auction_id, price, qty)),
        4 => {
            let c = Command::AmendBid {
                bid_id,
                price: (px % 3 != 0).then(|| Price::from_ticks(price)),
                qty: (px % 3 != 1).then(|| Qty::from_lots(qty)),
            };
            (name, c)
        }
        5 => (name, Command::WithdrawBid { bid_id }),
        6 => {
            let account = r.id(name);
            let status = if qty % 2 == 0 {
                AccountStatus::Suspended
            } else {
                AccountStatus::Active
            };
            ("operator", Command::SetAccountStatus { account, status })
        }
        _ => {
            let account = r.id(name);
            let amount = Cash::from_fen(1 + qty * 1_000_000);
            ("operator", Command::Withdraw { account, amount })
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random bidding in two auctions (uniform with a random tie-break, and pay-as-bid
    /// pro-rata with the rest sold at the reserve): every step keeps every invariant (held cash
    /// is the WCI collateral of the open bids), a refusal changes nothing, and after both
    /// closes nothing is held, and cash and lots are conserved.
    #[test]
    fn random_bidding_keeps_the_holds_exact(
        steps in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u16>(), any::<u16>(), any::<u8>()), 1..120),
        offer in 20u64..3_000, // 5% of 20 is one lot: smaller offers leave a limit of nothing
        limit in 500u16..=10_000,
    ) {
        let mut r = market();
        let fcs = inst(FCS);
        let cash = r.ex.ledger().total_cash();
        let lots = r.ex.ledger().total_holding(fcs);
        r.open(offer, |t| t.bidder_limit_bps = limit);
        r.open(offer, |t| {
            t.format = Format::PayAsBid;
            t.tie_break = TieBreak::ProRata;
            t.undersubscribed = Undersubscribed::SellAtReserve;
            t.group_limit_bps = limit;
        });
        let mut withdrawn = 0;
        for (i, &(kind, who, px, qty, pick)) in steps.iter().enumerate() {
            let (name, command) = step(&r, kind, who, px, qty, pick);
            let before = r.ex.state_hash();
            let out = r.at(OPENS + (i as u64 * 49 / steps.len() as u64), name, command);
            if let [Output { msg: Message::Reject(_), .. }] = out.as_slice() {
                prop_assert_eq!(before, r.ex.state_hash());
            } else if let Command::Withdraw { amount, .. } = command {
                withdrawn += amount.fen();
            }
            prop_assert!(out.iter().all(|o| o.to != Recipient::Public), "a bid is sealed");
        }
        for auction_id in [1, 2] {
            let out = r.close(AuctionId(auction_id));
            let result = result_of(&out);
            prop_assert!(result.sold <= Qty::from_lots(offer));
            let sold: u64 = trades(&out).iter().map(|t| t.2).sum();
            prop_assert_eq!(sold, result.sold.lots());
        }
        for (id, _) in r.ex.ledger().accounts() {
            prop_assert_eq!(r.ex.ledger().cash(id).unwrap().held.fen(), 0);
            prop_assert_eq!(r.ex.ledger().holding(id, fcs).unwrap().held.lots(), 0);
        }
        prop_assert_eq!(r.ex.ledger().total_cash().fen() + withdrawn, cash.fen());
        prop_assert_eq!(r.ex.ledger().total_holding(fcs), lots);
    }
}
