//! The pledge register in the exchange: pending pledges returned, an enforcement withdrawn
//! before its close (bids canceled, collateral released, lots back in the pledge), a second
//! round whose undersubscribed disposal sells part at the reserve and pays the bank what it
//! raised, the rest released; every step checked against every invariant, every refusal
//! changing nothing, and the register surviving a snapshot. (The golden scenario
//! `tests/golden/pledge_disposal.jsonl` walks the protocol's side.)

#![allow(clippy::too_many_lines)] // scenario tests read better whole

use ecomatch_engine::id::{AuctionId, PledgeId, Timestamp};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::report::PledgeStatus;
use ecomatch_exchange::{Command, Exchange, Message, Output, demo};

const FCS: &str = "LS-FCS-2024";
const MINUTE: u64 = 60_000_000_000;

mod support;

use support::{Run, inst};

/// The pledge scenarios' steps, on the shared harness, in minutes.
trait Minutes {
    fn at(&mut self, at: u64, who: &str, command: Command) -> Vec<Output>;
    fn refused(&mut self, at: u64, who: &str, command: Command, code: &str);
    fn cash(&self, who: &str) -> u64;
    fn lots(&self, who: &str) -> (u64, u64, u64);
    fn pledge(&self, id: PledgeId) -> ecomatch_exchange::pledge::Pledge;
    fn register(&mut self, at: u64, who: &str, qty: u64, secured_fen: u64) -> PledgeId;
    fn enforce(&mut self, at: u64, id: PledgeId, reserve: u64, closes: u64) -> AuctionId;
    fn bid(&mut self, at: u64, who: &str, auction_id: AuctionId, price: u64, qty: u64);
}

impl Minutes for Run {
    /// Applies `command` from `who` at minute `at`: it must succeed; every invariant after it.
    fn at(&mut self, at: u64, who: &str, command: Command) -> Vec<Output> {
        self.ok_at(Timestamp(at * MINUTE), who, command)
    }

    /// A command that must be refused with `code` and change nothing.
    fn refused(&mut self, at: u64, who: &str, command: Command, code: &str) {
        assert_eq!(
            self.code_at(Timestamp(at * MINUTE), who, command),
            Some(code)
        );
    }

    fn cash(&self, who: &str) -> u64 {
        self.ex.ledger().cash(self.id(who)).unwrap().available.fen()
    }

    /// (available, held, pledged) lots of the carbon sink.
    fn lots(&self, who: &str) -> (u64, u64, u64) {
        let (id, i) = (self.id(who), inst(FCS));
        let b = self.ex.ledger().holding(id, i).unwrap();
        let p = self.ex.ledger().pledged(id, i);
        (b.available.lots(), b.held.lots(), p.lots())
    }

    fn pledge(&self, id: PledgeId) -> ecomatch_exchange::pledge::Pledge {
        *self.ex.pledge(id).expect("registered")
    }

    fn register(&mut self, at: u64, who: &str, qty: u64, secured_fen: u64) -> PledgeId {
        let cmd = Command::RegisterPledge {
            pledgee: self.id("ls-rcb"),
            instrument: inst(FCS),
            qty: Qty::from_lots(qty),
            secured: Cash::from_fen(secured_fen),
            maturity: Timestamp(100 * MINUTE),
        };
        let out = self.at(at, who, cmd);
        match out.first().map(|o| o.msg) {
            Some(Message::Pledge(r)) => r.pledge_id,
            other => panic!("a pledge report first: {other:?}"),
        }
    }

    fn enforce(&mut self, at: u64, id: PledgeId, reserve: u64, closes: u64) -> AuctionId {
        let cmd = Command::EnforcePledge {
            pledge_id: id,
            reserve: Price::from_ticks(reserve),
            closes: Timestamp(closes * MINUTE),
        };
        self.at(at, "ls-rcb", cmd);
        self.pledge(id).auction.expect("an auction")
    }

    fn bid(&mut self, at: u64, who: &str, auction_id: AuctionId, price: u64, qty: u64) {
        let cmd = Command::SealedBid {
            auction_id,
            price: Price::from_ticks(price),
            qty: Qty::from_lots(qty),
        };
        self.at(at, who, cmd);
    }
}

fn market() -> Run {
    Run::demo()
}

#[test]
fn pending_pledges_return_their_lots_when_declined_or_withdrawn() {
    let mut r = market();
    let before = r.lots("lishui-coop");
    let a = r.register(1, "lishui-coop", 1_000, 10_000_000);
    assert_eq!(r.lots("lishui-coop"), (before.0 - 1_000, 0, 1_000));
    r.refused(
        2,
        "qt-rcb",
        Command::ConfirmPledge { pledge_id: a },
        "UNKNOWN_PLEDGE",
    );
    r.at(2, "ls-rcb", Command::DeclinePledge { pledge_id: a });
    assert_eq!(r.pledge(a).status, PledgeStatus::Declined);
    assert_eq!(r.lots("lishui-coop"), before);
    let b = r.register(3, "lishui-coop", 500, 10_000_000);
    r.at(4, "lishui-coop", Command::DeclinePledge { pledge_id: b });
    assert_eq!(r.pledge(b).status, PledgeStatus::Withdrawn);
    r.refused(
        5,
        "ls-rcb",
        Command::ConfirmPledge { pledge_id: b },
        "PLEDGE_NOT_PENDING",
    );
    let c = r.register(5, "lishui-coop", 500, 10_000_000);
    r.refused(
        5,
        "ls-rcb",
        Command::ReleasePledge {
            pledge_id: c,
            qty: Qty::from_lots(1),
        },
        "PLEDGE_NOT_ACTIVE",
    );
    r.refused(
        6,
        "lishui-coop",
        Command::RegisterPledge {
            pledgee: r.id("ls-rcb"),
            instrument: inst(FCS),
            qty: Qty::ZERO,
            secured: Cash::from_fen(1),
            maturity: Timestamp(100 * MINUTE),
        },
        "ZERO_PLEDGE",
    );
    assert_eq!(r.lots("lishui-coop"), (before.0 - 500, 0, 500));
}

#[test]
fn a_withdrawn_enforcement_then_a_second_round_that_sells_part_at_the_reserve() {
    let mut r = market();
    let coop = r.lots("lishui-coop");
    let (bank0, coop0, cement0) = (r.cash("ls-rcb"), r.cash("lishui-coop"), r.cash("zj-cement"));
    let total0 = r.ex.ledger().total_cash();
    let id = r.register(1, "lishui-coop", 1_000, 10_000_000); // 100,000.00 CNY
    r.at(2, "ls-rcb", Command::ConfirmPledge { pledge_id: id });
    let enforce = |reserve, closes| Command::EnforcePledge {
        pledge_id: id,
        reserve: Price::from_ticks(reserve),
        closes: Timestamp(closes * MINUTE),
    };
    r.refused(50, "ls-rcb", enforce(5_000, 200), "NOT_MATURED");
    r.refused(100, "lishui-coop", enforce(5_000, 200), "UNKNOWN_PLEDGE");
    r.refused(100, "ls-rcb", enforce(5_000, 100), "BAD_AUCTION_WINDOW");

    // Round one: a bid at 52.00, then the bank withdraws (the loan was repaid after all).
    let first = r.enforce(100, id, 5_000, 200);
    assert_eq!(r.lots("lishui-coop"), (coop.0 - 1_000, 1_000, 0));
    r.bid(110, "zj-cement", first, 5_200, 300);
    assert!(r.cash("zj-cement") < cement0, "collateral held");
    r.refused(120, "ls-rcb", enforce(5_000, 200), "ENFORCEMENT_OPEN");
    let out = r.at(
        150,
        "ls-rcb",
        Command::WithdrawEnforcement { pledge_id: id },
    );
    assert!(
        out.iter()
            .any(|o| matches!(o.msg, Message::Bid(b) if b.filled.is_zero()))
    );
    assert_eq!(r.cash("zj-cement"), cement0, "the collateral released");
    assert_eq!(r.lots("lishui-coop"), (coop.0 - 1_000, 0, 1_000));
    assert_eq!(r.pledge(id).status, PledgeStatus::Active);
    r.refused(
        151,
        "ls-rcb",
        Command::WithdrawEnforcement { pledge_id: id },
        "NO_ENFORCEMENT",
    );

    // The register survives a snapshot, and so does an open disposal.
    let second = r.enforce(160, id, 4_500, 300);
    assert_ne!(first, second);
    r.bid(170, "zj-cement", second, 4_600, 400);
    let restored = Exchange::restore(demo::exchange(), &r.ex.snapshot()).expect("restores");
    restored.check_invariants();
    assert_eq!(restored.state_hash(), r.ex.state_hash());
    assert_eq!(restored.pledge(id), r.ex.pledge(id));

    // Round two is undersubscribed: 400 of the 1,000 sell at the 45.00 reserve. 18,000.00 less
    // the seller's 18.00 fee goes to the bank; the 600 unsold return to the pledge.
    r.at(
        300,
        "operator",
        Command::CloseSealedAuction { auction_id: second },
    );
    let p = r.pledge(id);
    assert_eq!(
        (p.status, p.qty.lots(), p.recovered.fen(), p.secured.fen()),
        (PledgeStatus::Active, 600, 1_798_200, 10_000_000 - 1_798_200)
    );
    assert_eq!(r.cash("ls-rcb"), bank0 + 1_798_200);
    assert_eq!(
        r.cash("lishui-coop"),
        coop0,
        "the pledgor keeps nothing while it owes"
    );
    assert_eq!(r.lots("lishui-coop"), (coop.0 - 1_000, 0, 600));
    assert_eq!(r.ex.ledger().total_cash(), total0, "cash is conserved");

    // The rest of the loan repaid: the bank releases what is left.
    r.at(
        310,
        "ls-rcb",
        Command::ReleasePledge {
            pledge_id: id,
            qty: Qty::from_lots(600),
        },
    );
    assert_eq!(r.pledge(id).status, PledgeStatus::Released);
    assert_eq!(r.lots("lishui-coop"), (coop.0 - 400, 0, 0));
}
