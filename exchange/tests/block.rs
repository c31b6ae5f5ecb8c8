//! Negotiated block trades: propose, accept (both sides checked, DVP at once), decline or
//! withdraw; every refusal leaves the state hash unchanged; open proposals survive snapshots.

use ecomatch_engine::book::Side;
use ecomatch_engine::id::{AccountId, BlockId, InstrumentId, Seq, Timestamp};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::block::BlockStatus;
use ecomatch_exchange::{Command, Exchange, Message, Output, Sequenced, demo};

struct Market {
    ex: Exchange,
    seq: u64,
}

const FCS: &str = "LS-FCS-2024";

impl Market {
    fn new() -> Self {
        let mut m = Self {
            ex: demo::exchange(),
            seq: 0,
        };
        // The cooperative holds 50,000 t; a block needs 100,000 (the demo's threshold).
        let coop = m.id("lishui-coop");
        m.run(
            "operator",
            0,
            Command::Issue {
                account: coop,
                instrument: inst(FCS),
                qty: Qty::from_lots(150_000),
            },
        );
        m
    }

    fn id(&self, name: &str) -> AccountId {
        self.ex.ledger().find(name).unwrap()
    }

    fn run(&mut self, who: &str, at: u64, command: Command) -> Vec<Output> {
        self.seq += 1;
        let cmd = Sequenced {
            seq: Seq(self.seq),
            time: Timestamp(at),
            actor: self.id(who),
            command,
        };
        let mut out = Vec::new();
        self.ex.apply(&cmd, &mut out);
        self.ex.check_invariants();
        out
    }

    fn refused(&mut self, who: &str, at: u64, command: Command, code: &str) {
        let before = self.ex.state_hash();
        let out = self.run(who, at, command);
        assert!(
            matches!(out.as_slice(), [Output { msg: Message::Reject(r), reply: true, .. }] if r.code() == code),
            "{code}: {out:?}"
        );
        assert_eq!(
            self.ex.state_hash(),
            before,
            "{code}: a refusal changes nothing"
        );
    }

    fn propose(
        &self,
        counterparty: &str,
        side: Side,
        price: u64,
        qty: u64,
        expires: u64,
    ) -> Command {
        Command::ProposeBlock {
            instrument: inst(FCS),
            counterparty: self.id(counterparty),
            side,
            price: Price::from_ticks(price),
            qty: Qty::from_lots(qty),
            expires: Timestamp(expires),
        }
    }
}

fn inst(s: &str) -> InstrumentId {
    InstrumentId::new(s).unwrap()
}

fn statuses(out: &[Output]) -> Vec<(AccountId, BlockStatus)> {
    out.iter()
        .filter_map(|o| match (o.to, o.msg) {
            (ecomatch_exchange::Recipient::Account(a), Message::Block(b)) => Some((a, b.status)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_block_proposed_and_accepted_settles_at_once() {
    let mut m = Market::new();
    let (coop, cement, op) = (m.id("lishui-coop"), m.id("zj-cement"), m.id("operator"));
    let cash_before = m.ex.ledger().cash(cement).unwrap().available.fen();
    let out = m.run(
        "lishui-coop",
        10,
        m.propose("zj-cement", Side::Sell, 4_800, 100_000, 1_000),
    );
    assert_eq!(
        statuses(&out),
        vec![
            (coop, BlockStatus::Proposed),
            (cement, BlockStatus::Proposed)
        ]
    );
    // Nothing is held while the proposal is open.
    assert_eq!(
        m.ex.ledger().holding(coop, inst(FCS)).unwrap().held.lots(),
        0
    );
    let out = m.run(
        "zj-cement",
        500,
        Command::AcceptBlock {
            block_id: BlockId(1),
        },
    );
    assert_eq!(
        statuses(&out),
        vec![
            (coop, BlockStatus::Executed),
            (cement, BlockStatus::Executed)
        ]
    );
    assert!(out.iter().any(
        |o| matches!(o.msg, Message::BlockTrade { qty, .. } if qty == Qty::from_lots(100_000))
            && o.seq == 1
    ));
    // 100,000 t at 48.00 = 4,800,000.00 CNY, fee 10 bps = 4,800.00 each side.
    assert_eq!(
        m.ex.ledger()
            .holding(cement, inst(FCS))
            .unwrap()
            .available
            .lots(),
        100_000
    );
    assert_eq!(
        m.ex.ledger().cash(cement).unwrap().available.fen(),
        cash_before - 480_000_000 - 480_000
    );
    assert_eq!(m.ex.ledger().cash(op).unwrap().available.fen(), 960_000);
    assert_eq!(m.ex.usage(cement, inst(FCS)).bought, 100_000);
    // The proposal is gone: accepting it again is refused.
    m.refused(
        "zj-cement",
        600,
        Command::AcceptBlock {
            block_id: BlockId(1),
        },
        "UNKNOWN_BLOCK",
    );
}

#[test]
#[allow(clippy::too_many_lines)] // one refusal after the other, as a reader follows them
fn refusals_of_block_commands() {
    let mut m = Market::new();
    m.refused(
        "lishui-coop",
        10,
        m.propose("zj-cement", Side::Sell, 5_000, 99_999, 1_000),
        "BLOCK_TOO_SMALL",
    );
    m.refused(
        "lishui-coop",
        10,
        m.propose("zj-cement", Side::Sell, 6_501, 100_000, 1_000),
        "BLOCK_OUTSIDE_BAND",
    );
    m.refused(
        "lishui-coop",
        10,
        m.propose("zj-cement", Side::Sell, 3_499, 100_000, 1_000),
        "BLOCK_OUTSIDE_BAND",
    );
    m.refused(
        "lishui-coop",
        10,
        m.propose("zj-cement", Side::Sell, 5_000, 100_000, 10),
        "BLOCK_EXPIRED",
    );
    m.refused(
        "lishui-coop",
        10,
        m.propose("lishui-coop", Side::Sell, 5_000, 100_000, 1_000),
        "BLOCK_SELF",
    );
    let gep = Command::ProposeBlock {
        instrument: inst("LS-GEP-2025"),
        counterparty: m.id("longquan-gov"),
        side: Side::Sell,
        price: Price::from_ticks(100_000),
        qty: Qty::from_lots(100_000),
        expires: Timestamp(1_000),
    };
    m.refused("zj-cement", 10, gep, "NOT_ELIGIBLE");
    m.run(
        "lishui-coop",
        10,
        m.propose("zj-cement", Side::Sell, 5_000, 100_000, 1_000),
    );
    m.refused(
        "ls-paper",
        20,
        Command::AcceptBlock {
            block_id: BlockId(1),
        },
        "UNKNOWN_BLOCK",
    );
    m.refused(
        "lishui-coop",
        20,
        Command::AcceptBlock {
            block_id: BlockId(1),
        },
        "UNKNOWN_BLOCK",
    );
    m.refused(
        "zj-cement",
        1_001,
        Command::AcceptBlock {
            block_id: BlockId(1),
        },
        "BLOCK_EXPIRED",
    );
    // The buyer spends its cash elsewhere first: at acceptance the funds check fails.
    let cement = m.id("zj-cement");
    let all = m.ex.ledger().cash(cement).unwrap().available.fen();
    m.run(
        "operator",
        30,
        Command::Withdraw {
            account: cement,
            amount: Cash::from_fen(all - 100),
        },
    );
    m.refused(
        "zj-cement",
        40,
        Command::AcceptBlock {
            block_id: BlockId(1),
        },
        "INSUFFICIENT_FUNDS",
    );
    // A seller who no longer has the lots cannot deliver.
    m.run(
        "operator",
        45,
        Command::Deposit {
            account: cement,
            amount: Cash::from_fen(all),
        },
    );
    let coop = m.id("lishui-coop");
    m.run(
        "lishui-coop",
        50,
        Command::Retire {
            account: coop,
            instrument: inst(FCS),
            qty: Qty::from_lots(150_000),
        },
    );
    // The acceptor learns that the proposer cannot settle, never the proposer's balances.
    m.refused(
        "zj-cement",
        60,
        Command::AcceptBlock {
            block_id: BlockId(1),
        },
        "BLOCK_COUNTERPARTY_UNABLE",
    );
}

/// A refused acceptance never tells the acceptor the proposer's balances (cash or lots): the
/// refusal names the side that cannot settle, nothing more. The acceptor's own shortfall is
/// its own business and keeps its usual code and figures.
#[test]
fn a_refused_acceptance_never_discloses_the_proposers_balances() {
    let mut m = Market::new();
    let paper = m.id("ls-paper");
    // ls-paper proposes to buy 100,000 t at 50.00 from the cooperative, then spends its cash.
    m.run(
        "ls-paper",
        10,
        m.propose("lishui-coop", Side::Buy, 5_000, 100_000, 1_000),
    );
    let all = m.ex.ledger().cash(paper).unwrap().available.fen();
    m.run(
        "operator",
        20,
        Command::Withdraw {
            account: paper,
            amount: Cash::from_fen(all - 12_345),
        },
    );
    let before = m.ex.state_hash();
    let out = m.run(
        "lishui-coop",
        30,
        Command::AcceptBlock {
            block_id: BlockId(1),
        },
    );
    let [
        Output {
            msg: Message::Reject(r),
            ..
        },
    ] = out.as_slice()
    else {
        panic!("refused: {out:?}")
    };
    assert_eq!(r.code(), "BLOCK_COUNTERPARTY_UNABLE");
    let text = r.to_string();
    assert!(
        !text.contains("123") && !text.bytes().any(|b| b.is_ascii_digit()),
        "no figures of the proposer: {text}"
    );
    assert_eq!(m.ex.state_hash(), before);
}

#[test]
fn proposals_are_declined_withdrawn_and_survive_snapshots() {
    let mut m = Market::new();
    let (coop, cement) = (m.id("lishui-coop"), m.id("zj-cement"));
    m.run(
        "lishui-coop",
        10,
        m.propose("zj-cement", Side::Sell, 5_000, 100_000, 1_000),
    );
    m.run(
        "zj-cement",
        11,
        m.propose("lishui-coop", Side::Buy, 5_100, 120_000, 1_000),
    );
    let out = m.run(
        "zj-cement",
        12,
        Command::DeclineBlock {
            block_id: BlockId(1),
        },
    );
    assert_eq!(
        statuses(&out),
        vec![
            (coop, BlockStatus::Declined),
            (cement, BlockStatus::Declined)
        ]
    );
    // Block 2 stays open through a snapshot and restore, then the proposer withdraws it.
    let back = Exchange::restore(demo::exchange(), &m.ex.snapshot()).unwrap();
    assert_eq!(back.state_hash(), m.ex.state_hash());
    let mut out_back = Vec::new();
    let mut back = back;
    let withdraw = Sequenced {
        seq: Seq(m.seq + 1),
        time: Timestamp(13),
        actor: cement,
        command: Command::DeclineBlock {
            block_id: BlockId(2),
        },
    };
    back.apply(&withdraw, &mut out_back);
    let out = m.run(
        "zj-cement",
        13,
        Command::DeclineBlock {
            block_id: BlockId(2),
        },
    );
    assert_eq!(out, out_back);
    assert_eq!(
        statuses(&out),
        vec![
            (cement, BlockStatus::Withdrawn),
            (coop, BlockStatus::Withdrawn)
        ]
    );
    assert_eq!(back.state_hash(), m.ex.state_hash());
}

#[test]
fn block_commands_round_trip_through_the_wire() {
    let m = Market::new();
    for command in [
        m.propose("zj-cement", Side::Sell, 5_000, 100_000, 1_000),
        Command::AcceptBlock {
            block_id: BlockId(7),
        },
        Command::DeclineBlock {
            block_id: BlockId(u64::MAX),
        },
    ] {
        let cmd = Sequenced {
            seq: Seq(9),
            time: Timestamp(3),
            actor: m.id("lishui-coop"),
            command,
        };
        let mut buf = Vec::new();
        ecomatch_exchange::wire::Writer(&mut buf).sequenced(&cmd);
        assert_eq!(
            ecomatch_exchange::wire::Reader(&buf).sequenced().unwrap(),
            cmd
        );
    }
}
