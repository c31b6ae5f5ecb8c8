//! Single-sided sealed-bid auctions in the exchange: the seller's offer held at the opening,
//! bids sealed and collateralised by the WCI rule on every change, the close settling every
//! allocation delivery versus payment and releasing every hold, the seed committed and
//! revealed, every refusal changing nothing, and all of it surviving a snapshot.

#![allow(clippy::too_many_lines)] // scenario tests read better whole

use ecomatch_engine::auction::sealed::{Format, Status, TieBreak, Undersubscribed};
use ecomatch_engine::book::Side;
use ecomatch_engine::id::{AccountId, AuctionId, BidId, InstrumentId, Seq, Timestamp};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::command::AuctionTerms;
use ecomatch_exchange::report::{AuctionResult, BidStatus};
use ecomatch_exchange::{Command, Exchange, Message, Output, Recipient, Sequenced, demo};
use ecomatch_risk::account::AccountStatus;
use sha2::{Digest, Sha256};

#[path = "sealed/random.rs"]
mod random;

const FCS: &str = "LS-FCS-2024";
const COD: &str = "LS-COD-LD-2025";
const MINUTE: u64 = 60_000_000_000;
/// The window: bids from minute 10 to just before minute 60.
const OPENS: u64 = 10;
const CLOSES: u64 = 60;
const SEED: [u8; 32] = *b"lishui-reserve-sale-2026-03-02!!";

fn inst(s: &str) -> InstrumentId {
    InstrumentId::new(s).unwrap()
}

struct Run {
    ex: Exchange,
    seq: u64,
}

impl Run {
    fn new(ex: Exchange) -> Self {
        Self { ex, seq: 0 }
    }

    fn id(&self, n: &str) -> AccountId {
        self.ex.ledger().find(n).unwrap()
    }

    /// Applies `command` from `who` at minute `at`, checking every invariant after it.
    fn at(&mut self, at: u64, who: &str, command: Command) -> Vec<Output> {
        self.seq += 1;
        let cmd = Sequenced {
            seq: Seq(self.seq),
            time: Timestamp(at * MINUTE),
            actor: self.id(who),
            command,
        };
        let mut out = Vec::new();
        self.ex.apply(&cmd, &mut out);
        self.ex.check_invariants();
        out
    }

    /// A command that must be refused with `code` and change nothing.
    fn refused(&mut self, at: u64, who: &str, command: Command, code: &str) {
        let before = self.ex.state_hash();
        let out = self.at(at, who, command);
        let actor = self.id(who);
        match out.as_slice() {
            [
                Output {
                    to: Recipient::Account(a),
                    reply: true,
                    msg: Message::Reject(r),
                    ..
                },
            ] if *a == actor => assert_eq!(r.code(), code, "{r}"),
            other => panic!("expected a reject {code}, got {other:?}"),
        }
        assert_eq!(
            before,
            self.ex.state_hash(),
            "{code}: a refusal changes nothing"
        );
    }

    fn cash(&self, who: &str) -> (u64, u64) {
        let b = self.ex.ledger().cash(self.id(who)).unwrap();
        (b.available.fen(), b.held.fen())
    }

    fn lots(&self, who: &str, i: &str) -> (u64, u64) {
        let b = self.ex.ledger().holding(self.id(who), inst(i)).unwrap();
        (b.available.lots(), b.held.lots())
    }

    /// Opens an auction of `offer` carbon-sink lots by the cooperative, reserve 45.00.
    fn open(&mut self, offer: u64, f: impl FnOnce(&mut AuctionTerms)) -> AuctionId {
        let mut t = terms(self.id("lishui-coop"), offer);
        f(&mut t);
        let out = self.at(1, "operator", Command::OpenSealedAuction(t));
        match out.last().map(|o| o.msg) {
            Some(Message::AuctionDone { auction_id, .. }) => auction_id,
            other => panic!("not opened: {other:?} in {out:?}"),
        }
    }

    fn bid(&mut self, at: u64, who: &str, auction_id: AuctionId, price: u64, qty: u64) -> BidId {
        let out = self.at(at, who, bid(auction_id, price, qty));
        match out.as_slice() {
            [
                Output {
                    reply: true,
                    msg: Message::Bid(r),
                    ..
                },
            ] => r.bid_id,
            other => panic!("bid refused: {other:?}"),
        }
    }

    fn close(&mut self, auction_id: AuctionId) -> Vec<Output> {
        self.at(
            CLOSES,
            "operator",
            Command::CloseSealedAuction { auction_id },
        )
    }
}

fn terms(seller: AccountId, offer: u64) -> AuctionTerms {
    AuctionTerms {
        instrument: inst(FCS),
        seller,
        offer: Qty::from_lots(offer),
        reserve: Price::from_ticks(4_500),
        cap: Some(Price::from_ticks(6_000)),
        format: Format::Uniform,
        tie_break: TieBreak::Random,
        bidder_limit_bps: 4_000,
        group_limit_bps: 4_000,
        undersubscribed: Undersubscribed::Cancel,
        opens: Timestamp(OPENS * MINUTE),
        closes: Timestamp(CLOSES * MINUTE),
        seed: SEED,
    }
}

fn bid(auction_id: AuctionId, price: u64, qty: u64) -> Command {
    Command::SealedBid {
        auction_id,
        price: Price::from_ticks(price),
        qty: Qty::from_lots(qty),
    }
}

/// The demo market, with the paper mill and the cement plant in one group of companies.
fn market() -> Run {
    let mut g = demo::genesis();
    for a in &mut g.accounts {
        if a.name == "zj-cement" || a.name == "ls-paper" {
            a.affiliation = Some("zhejiang-building-group".into());
        }
    }
    let mut ex = Exchange::new(g).unwrap();
    ex.open_all_markets();
    Run::new(ex)
}

fn public(out: &[Output]) -> Vec<Message> {
    out.iter()
        .filter(|o| o.to == Recipient::Public)
        .map(|o| o.msg)
        .collect()
}

fn result_of(out: &[Output]) -> AuctionResult {
    out.iter()
        .find_map(|o| match o.msg {
            Message::AuctionResult(r) => Some(r),
            _ => None,
        })
        .expect("a result")
}

/// (bidder, price, qty) of every public trade of a close.
fn trades(out: &[Output]) -> Vec<(AccountId, u64, u64)> {
    let mut buyers = out.iter().filter_map(|o| match (o.to, o.msg) {
        (Recipient::Account(a), Message::SealedFill(f)) if f.side == Side::Buy => Some(a),
        _ => None,
    });
    out.iter()
        .filter_map(|o| match o.msg {
            Message::SealedTrade { price, qty, .. } => {
                Some((buyers.next().unwrap(), price.ticks(), qty.lots()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn an_eu_ets_style_uniform_auction_with_a_random_tie_at_the_clearing_price() {
    let mut r = market();
    let coop_before = r.lots("lishui-coop", FCS);
    // No group limit here: the tie, not the cement plant's group, decides.
    let mut t = terms(r.id("lishui-coop"), 1_000);
    t.group_limit_bps = 10_000;
    let out = r.at(1, "operator", Command::OpenSealedAuction(t));
    // The offer is held; the terms are public with the seed's hash, never the seed.
    assert_eq!(r.lots("lishui-coop", FCS), (coop_before.0 - 1_000, 1_000));
    let opened = public(&out);
    let [Message::AuctionOpened(notice)] = opened.as_slice() else {
        panic!("one public notice: {opened:?}")
    };
    assert_eq!(notice.seed_hash, <[u8; 32]>::from(Sha256::digest(SEED)));
    assert_eq!(notice.bidder_limit, Qty::from_lots(400));
    // What a market data snapshot lists as open is the notice as it was published.
    assert_eq!(
        r.ex.open_auction_notices().collect::<Vec<_>>(),
        vec![*notice]
    );
    let a = notice.auction_id;
    // 1,000 t: 300 at 52.00, 250 at 51.50, three of 200 at 51.00 where 450 are left, 100 at
    // 50.00 that loses.
    for (who, price, qty) in [
        ("zj-cement", 5_200, 300),
        ("qz-chem", 5_150, 250),
        ("ls-paper", 5_100, 200),
        ("kaihua-restore", 5_100, 200),
        ("lishui-reserve", 5_100, 200),
        ("qz-chem", 5_000, 100),
    ] {
        let out = r.at(20, who, bid(a, price, qty));
        assert!(public(&out).is_empty(), "a bid is sealed: {out:?}");
        assert_eq!(out.len(), 1);
    }
    // The cement plant's 300 at 52.00 holds 15,600.00 + the 0.1 % fee.
    assert_eq!(r.cash("zj-cement").1, 1_560_000 + 1_560);
    r.refused(
        30,
        "operator",
        Command::CloseSealedAuction { auction_id: a },
        "AUCTION_STILL_OPEN",
    );
    let out = r.close(a);
    // Every public message of the close counts in the instrument's gap-free sequence, after
    // the opening's 1.
    let seqs: Vec<u64> = out
        .iter()
        .filter(|o| o.to == Recipient::Public)
        .map(|o| {
            assert_eq!(o.msg.public_instrument(), Some(inst(FCS)));
            o.seq
        })
        .collect();
    assert_eq!(seqs, (2..2 + seqs.len() as u64).collect::<Vec<u64>>());
    let result = result_of(&out);
    assert_eq!(result.status, Status::Cleared);
    assert_eq!(result.clearing_price, Some(Price::from_ticks(5_100)));
    assert_eq!(
        (result.sold, result.total_bid),
        (Qty::from_lots(1_000), Qty::from_lots(1_250))
    );
    assert_eq!((result.bidders, result.winners), (5, 5));
    assert_eq!(result.seed, SEED);
    // The seed drew the paper mill last among the three at 51.00: it gets the 50 left.
    let id = |n: &str| r.id(n);
    assert_eq!(
        trades(&out),
        [
            (id("lishui-reserve"), 5_100, 200),
            (id("zj-cement"), 5_100, 300),
            (id("ls-paper"), 5_100, 50),
            (id("qz-chem"), 5_100, 250),
            (id("kaihua-restore"), 5_100, 200),
        ]
    );
    // Every hold is released: each winner paid 51.00 a tonne and the fee, nothing else.
    assert_eq!(r.cash("zj-cement"), (1_000_000_000 - 1_530_000 - 1_530, 0));
    assert_eq!(r.cash("qz-chem"), (1_000_000_000 - 1_275_000 - 1_275, 0));
    assert_eq!(r.lots("zj-cement", FCS), (300, 0));
    assert_eq!(r.lots("lishui-coop", FCS), (coop_before.0 - 1_000, 0));
    assert_eq!(r.cash("lishui-coop").0, 1_000_000_000 + 5_100_000 - 5_100);
    // The losing bid learns it lost; the public sees allocations per bidder, then the result.
    let lost = out.iter().any(|o| {
        matches!(o.msg, Message::Bid(b) if b.status == BidStatus::Lost && b.qty == Qty::from_lots(100))
    });
    assert!(lost);
    let allocations: Vec<(AccountId, u64)> = out
        .iter()
        .filter_map(|o| match o.msg {
            Message::Allocation { bidder, qty, .. } => Some((bidder, qty.lots())),
            _ => None,
        })
        .collect();
    assert_eq!(allocations.len(), 5);
    assert_eq!(allocations[2], (id("ls-paper"), 50));
    assert!(
        matches!(out.last().unwrap().msg, Message::AuctionDone { auction_id, .. } if auction_id == a)
    );
    assert_eq!(r.ex.open_auctions().count(), 0);
}

#[test]
fn collateral_follows_the_wci_rule_on_every_change_and_only_the_difference_moves() {
    let mut r = market();
    let a = r.open(10_000, |_| {});
    let held = |r: &Run| r.cash("zj-cement").1;
    let with_fee = |fen: u64| fen + fen.div_ceil(1_000);
    // 100 at 50.00: 5,000.00.
    let b1 = r.bid(20, "zj-cement", a, 5_000, 100);
    assert_eq!(held(&r), with_fee(500_000));
    // + 100 at 48.00: max(50.00 × 100, 48.00 × 200) = 9,600.00.
    let b2 = r.bid(21, "zj-cement", a, 4_800, 100);
    assert_eq!(held(&r), with_fee(960_000));
    // + 10 at 59.00: max(59.00 × 10, 50.00 × 110, 48.00 × 210) = 10,080.00.
    let b3 = r.bid(22, "zj-cement", a, 5_900, 10);
    assert_eq!(held(&r), with_fee(1_008_000));
    // The 48.00 bid down to 10: max(590.00, 5,500.00, 48.00 × 120) = 5,760.00.
    let out = r.at(
        23,
        "zj-cement",
        Command::AmendBid {
            bid_id: b2,
            price: None,
            qty: Some(Qty::from_lots(10)),
        },
    );
    assert_eq!(held(&r), with_fee(576_000));
    let Message::Bid(report) = out[0].msg else {
        panic!("{out:?}")
    };
    assert_eq!(
        (report.status, report.collateral),
        (BidStatus::Replaced, Cash::from_fen(with_fee(576_000)))
    );
    // Withdrawals release down to the rest, then to nothing.
    r.at(24, "zj-cement", Command::WithdrawBid { bid_id: b1 });
    assert_eq!(held(&r), with_fee(4_800 * 20));
    r.at(24, "zj-cement", Command::WithdrawBid { bid_id: b2 });
    r.at(24, "zj-cement", Command::WithdrawBid { bid_id: b3 });
    assert_eq!(r.cash("zj-cement"), (1_000_000_000, 0));
    // Pay-as-bid holds every bid at its price: 5,000.00 + 4,800.00, each with its fee.
    let p = r.open(10_000, |t| t.format = Format::PayAsBid);
    r.bid(20, "zj-cement", p, 5_000, 100);
    r.bid(20, "zj-cement", p, 4_800, 100);
    assert_eq!(held(&r), with_fee(500_000) + with_fee(480_000));
}

#[test]
fn amendments_and_withdrawals_until_the_close_and_time_priority() {
    let mut r = market();
    let a = r.open(400, |t| {
        t.tie_break = TieBreak::Time;
        t.group_limit_bps = 10_000;
    });
    r.refused(5, "zj-cement", bid(a, 5_000, 100), "AUCTION_NOT_OPEN");
    let first = r.bid(20, "zj-cement", a, 5_000, 150);
    let second = r.bid(21, "ls-paper", a, 5_000, 150);
    r.bid(22, "qz-chem", a, 5_000, 150);
    // Less quantity at the same price keeps the cement plant first; the paper mill's new
    // quantity sends it behind the chemical plant.
    let down = Command::AmendBid {
        bid_id: first,
        price: None,
        qty: Some(Qty::from_lots(140)),
    };
    r.at(30, "zj-cement", down);
    let up = Command::AmendBid {
        bid_id: second,
        price: None,
        qty: Some(Qty::from_lots(160)),
    };
    r.at(31, "ls-paper", up);
    let withdraw = Command::WithdrawBid { bid_id: first };
    r.refused(CLOSES, "zj-cement", withdraw, "AUCTION_CLOSED");
    r.refused(CLOSES, "kaihua-restore", bid(a, 5_000, 1), "AUCTION_CLOSED");
    let out = r.close(a);
    let id = |n: &str| r.id(n);
    assert_eq!(
        trades(&out),
        [
            (id("zj-cement"), 5_000, 140),
            (id("ls-paper"), 5_000, 110),
            (id("qz-chem"), 5_000, 150),
        ]
    );
    // Closed: its bids are no longer anyone's.
    r.refused(61, "zj-cement", withdraw, "UNKNOWN_BID");
    r.refused(
        61,
        "operator",
        Command::CloseSealedAuction { auction_id: a },
        "UNKNOWN_AUCTION",
    );
}

#[test]
fn purchase_limits_per_bidder_and_per_group_of_companies() {
    let mut r = market();
    // 25 % each of 1,000 t (250), and 30 % for a group (300).
    let a = r.open(1_000, |t| {
        t.bidder_limit_bps = 2_500;
        t.group_limit_bps = 3_000;
        t.tie_break = TieBreak::Time;
        t.undersubscribed = Undersubscribed::SellAtReserve;
    });
    r.bid(20, "zj-cement", a, 5_500, 400); // capped at 250 by its own limit
    r.bid(21, "ls-paper", a, 5_400, 200); // the group has 50 left
    r.bid(22, "qz-chem", a, 5_000, 100);
    r.bid(23, "kaihua-restore", a, 4_600, 500); // 250
    let out = r.close(a);
    let result = result_of(&out);
    // 650 sold of 1,000: undersubscribed and sold at the reserve, the rest back to the coop.
    assert_eq!(result.status, Status::SoldAtReserve);
    assert_eq!(result.clearing_price, Some(Price::from_ticks(4_500)));
    assert_eq!(result.sold, Qty::from_lots(650));
    let id = |n: &str| r.id(n);
    assert_eq!(
        trades(&out),
        [
            (id("zj-cement"), 4_500, 250),
            (id("ls-paper"), 4_500, 50),
            (id("qz-chem"), 4_500, 100),
            (id("kaihua-restore"), 4_500, 250),
        ]
    );
    assert_eq!(r.lots("lishui-coop", FCS), (50_000 - 650, 0));
    assert_eq!(r.cash("ls-paper"), (1_000_000_000 - 225_000 - 225, 0));
    let partial = out.iter().any(|o| {
        matches!(o.msg, Message::Bid(b) if b.status == BidStatus::PartiallyWon && b.filled == Qty::from_lots(50))
    });
    assert!(partial);
}

#[test]
fn an_undersubscribed_auction_is_canceled_and_everything_returns() {
    let mut r = market();
    let before = (r.cash("zj-cement"), r.lots("lishui-coop", FCS));
    let a = r.open(1_000, |_| {});
    r.bid(20, "zj-cement", a, 5_500, 300);
    let out = r.close(a);
    let result = result_of(&out);
    assert_eq!(
        (result.status, result.clearing_price, result.sold),
        (Status::Canceled, None, Qty::ZERO)
    );
    assert!(trades(&out).is_empty());
    assert!(
        out.iter()
            .any(|o| matches!(o.msg, Message::Bid(b) if b.status == BidStatus::Canceled))
    );
    assert_eq!((r.cash("zj-cement"), r.lots("lishui-coop", FCS)), before);
}

#[test]
fn pay_as_bid_settles_each_winning_bid_at_its_own_price() {
    let mut r = market();
    let a = r.open(500, |t| {
        t.format = Format::PayAsBid;
        t.tie_break = TieBreak::Time;
        t.bidder_limit_bps = 10_000;
        t.group_limit_bps = 10_000;
    });
    r.bid(20, "zj-cement", a, 5_300, 200);
    r.bid(21, "qz-chem", a, 5_200, 200);
    r.bid(22, "zj-cement", a, 5_100, 200);
    let out = r.close(a);
    assert_eq!(
        result_of(&out).clearing_price,
        Some(Price::from_ticks(5_100))
    );
    let id = |n: &str| r.id(n);
    assert_eq!(
        trades(&out),
        [
            (id("zj-cement"), 5_300, 200),
            (id("zj-cement"), 5_100, 100),
            (id("qz-chem"), 5_200, 200),
        ]
    );
    let paid = 1_060_000 + 1_060 + 510_000 + 510;
    assert_eq!(r.cash("zj-cement"), (1_000_000_000 - paid, 0));
}

#[test]
fn bids_count_against_need_caps_and_the_kill_switch_withdraws_them() {
    let mut r = market();
    let reserve = r.id("lishui-reserve");
    // The reserve sells COD permits; the cement plant may buy 5,000 in all (its need).
    let mut t = terms(reserve, 8_000);
    t.instrument = inst(COD);
    t.reserve = Price::from_ticks(3_500);
    t.cap = None;
    t.bidder_limit_bps = 10_000;
    t.group_limit_bps = 10_000;
    r.at(1, "operator", Command::OpenSealedAuction(t));
    assert_eq!(r.lots("lishui-reserve", COD), (2_000, 8_000));
    r.bid(20, "zj-cement", AuctionId(1), 4_000, 3_000);
    r.refused(
        21,
        "zj-cement",
        bid(AuctionId(1), 3_900, 2_001),
        "QUOTA_EXCEEDED",
    );
    r.refused(
        21,
        "ls-paper",
        bid(AuctionId(1), 3_900, 1),
        "NO_APPROVED_NEED",
    );
    r.refused(21, "qz-chem", bid(AuctionId(1), 3_900, 1), "OUTSIDE_AREA");
    r.bid(21, "zj-cement", AuctionId(1), 3_900, 2_000);
    assert!(r.cash("zj-cement").1 > 0);
    let cement = r.id("zj-cement");
    let out = r.at(30, "operator", Command::Kill { account: cement });
    let withdrawn = out
        .iter()
        .filter(|o| matches!(o.msg, Message::Bid(b) if b.status == BidStatus::Withdrawn && b.reason.map(ecomatch_exchange::sealed::BidReason::as_str) == Some("kill_switch")))
        .count();
    assert_eq!(withdrawn, 2);
    assert_eq!(r.cash("zj-cement"), (1_000_000_000, 0));
    assert_eq!(r.ex.usage(cement, inst(COD)).open_buy, 0);
}

#[test]
fn every_refusal_of_a_sealed_auction_changes_nothing() {
    let mut r = market();
    let coop = r.id("lishui-coop");
    let open = |f: &dyn Fn(&mut AuctionTerms)| {
        let mut t = terms(coop, 1_000);
        f(&mut t);
        Command::OpenSealedAuction(t)
    };
    r.refused(1, "zj-cement", open(&|_| {}), "NOT_AUTHORIZED");
    r.refused(
        1,
        "operator",
        open(&|t| t.instrument = inst("NO-SUCH")),
        "UNKNOWN_INSTRUMENT",
    );
    r.refused(
        1,
        "operator",
        open(&|t| t.seller = AccountId(999)),
        "UNKNOWN_ACCOUNT",
    );
    r.refused(
        1,
        "operator",
        open(&|t| t.offer = Qty::ZERO),
        "INVALID_QUANTITY",
    );
    r.refused(
        1,
        "operator",
        open(&|t| t.offer = Qty::from_lots(50_001)),
        "INSUFFICIENT_HOLDINGS",
    );
    r.refused(
        1,
        "operator",
        open(&|t| t.closes = t.opens),
        "BAD_AUCTION_WINDOW",
    );
    r.refused(61, "operator", open(&|_| {}), "BAD_AUCTION_WINDOW");
    r.refused(
        1,
        "operator",
        open(&|t| t.cap = Some(Price::from_ticks(4_499))),
        "BAD_RESERVE",
    );
    r.refused(
        1,
        "operator",
        open(&|t| t.reserve = Price::from_ticks(0)),
        "BAD_RESERVE",
    );
    r.refused(
        1,
        "operator",
        open(&|t| t.bidder_limit_bps = 0),
        "BAD_PURCHASE_LIMIT",
    );
    r.refused(
        1,
        "operator",
        open(&|t| t.group_limit_bps = 10_001),
        "BAD_PURCHASE_LIMIT",
    );
    r.refused(
        1,
        "operator",
        open(&|t| t.offer = Qty::from_lots(2)),
        "BAD_PURCHASE_LIMIT",
    );
    let operator = r.id("operator");
    r.refused(
        1,
        "operator",
        open(&|t| t.seller = operator),
        "NOT_ELIGIBLE",
    );
    let auction = r.open(1_000, |_| {});
    r.refused(
        20,
        "zj-cement",
        bid(AuctionId(auction.0 + 1), 5_000, 1),
        "UNKNOWN_AUCTION",
    );
    r.refused(20, "zj-cement", bid(auction, 4_499, 1), "BID_BELOW_RESERVE");
    r.refused(20, "zj-cement", bid(auction, 6_001, 1), "BID_ABOVE_CAP");
    r.refused(20, "zj-cement", bid(auction, 5_000, 0), "INVALID_QUANTITY");
    r.refused(20, "lishui-coop", bid(auction, 5_000, 1), "AUCTION_SELF");
    r.refused(20, "operator", bid(auction, 5_000, 1), "NOT_ELIGIBLE");
    r.refused(
        20,
        "zj-cement",
        bid(auction, 5_000, 1_000_001),
        "ORDER_TOO_LARGE",
    );
    r.refused(
        20,
        "zj-cement",
        bid(auction, 6_000, 200_000),
        "INSUFFICIENT_FUNDS",
    );
    let own = r.bid(20, "zj-cement", auction, 5_000, 10);
    r.refused(
        20,
        "ls-paper",
        Command::WithdrawBid { bid_id: own },
        "UNKNOWN_BID",
    );
    let amend = |price: u64| Command::AmendBid {
        bid_id: own,
        price: Some(Price::from_ticks(price)),
        qty: None,
    };
    r.refused(20, "ls-paper", amend(5_100), "UNKNOWN_BID");
    r.refused(20, "zj-cement", amend(4_000), "BID_BELOW_RESERVE");
    for i in 1..100 {
        r.bid(21, "zj-cement", auction, 4_500 + i, 1);
    }
    r.refused(22, "zj-cement", bid(auction, 5_900, 1), "BID_LIMIT");
    let cement = r.id("zj-cement");
    r.at(
        23,
        "operator",
        Command::SetAccountStatus {
            account: cement,
            status: AccountStatus::Suspended,
        },
    );
    r.refused(24, "zj-cement", amend(5_100), "ACCOUNT_SUSPENDED");
    r.refused(24, "zj-cement", bid(auction, 5_100, 1), "ACCOUNT_SUSPENDED");
    // A suspended bidder may still withdraw.
    r.at(24, "zj-cement", Command::WithdrawBid { bid_id: own });
    r.refused(
        30,
        "ls-paper",
        Command::CloseSealedAuction {
            auction_id: auction,
        },
        "NOT_AUTHORIZED",
    );
    // An instrument without single-sided auctions.
    let mut genesis = demo::genesis();
    for l in &mut genesis.listings {
        let mut spec = l.instrument.spec().clone();
        spec.modes.single_sided_auction = false;
        l.instrument = ecomatch_engine::instrument::Instrument::new(spec).unwrap();
    }
    let mut plain = Run::new(Exchange::new(genesis).unwrap());
    let t = terms(plain.id("lishui-coop"), 1_000);
    plain.refused(
        1,
        "operator",
        Command::OpenSealedAuction(t),
        "MODE_NOT_ALLOWED",
    );
}

#[test]
fn a_snapshot_mid_auction_restores_the_same_state_and_the_same_result() {
    let mut r = market();
    let a = r.open(1_000, |t| t.tie_break = TieBreak::ProRata);
    for (who, price, qty) in [
        ("zj-cement", 5_200, 300),
        ("qz-chem", 5_100, 333),
        ("kaihua-restore", 5_100, 333),
        ("lishui-reserve", 5_100, 334),
    ] {
        r.bid(20, who, a, price, qty);
    }
    let bytes = r.ex.snapshot();
    let mut back = Exchange::restore(market().ex, &bytes).unwrap();
    back.check_invariants();
    assert_eq!(back.state_hash(), r.ex.state_hash());
    assert_eq!(back.snapshot(), bytes);
    let close = Sequenced {
        seq: Seq(r.seq + 1),
        time: Timestamp(CLOSES * MINUTE),
        actor: r.id("operator"),
        command: Command::CloseSealedAuction { auction_id: a },
    };
    let (mut x, mut y) = (Vec::new(), Vec::new());
    r.ex.apply(&close, &mut x);
    back.apply(&close, &mut y);
    assert_eq!(x, y);
    assert_eq!(r.ex.state_hash(), back.state_hash());
    // 700 left pro-rata over 333, 333 and 334 (233, 233, 233 and one residual lot drawn).
    let won: u64 = trades(&x)
        .iter()
        .filter(|t| t.0 != r.id("zj-cement"))
        .map(|t| t.2)
        .sum();
    assert_eq!(won, 700);
}

#[test]
fn sealed_commands_round_trip_through_the_wire() {
    let r = market();
    for command in [
        Command::OpenSealedAuction(terms(r.id("lishui-coop"), 1_000)),
        Command::OpenSealedAuction(AuctionTerms {
            cap: None,
            format: Format::PayAsBid,
            tie_break: TieBreak::ProRata,
            undersubscribed: Undersubscribed::SellAtReserve,
            ..terms(r.id("lishui-reserve"), 7)
        }),
        bid(AuctionId(3), 5_000, 10),
        Command::AmendBid {
            bid_id: BidId(9),
            price: None,
            qty: Some(Qty::from_lots(4)),
        },
        Command::WithdrawBid {
            bid_id: BidId(u64::MAX),
        },
        Command::CloseSealedAuction {
            auction_id: AuctionId(1),
        },
    ] {
        let cmd = Sequenced {
            seq: Seq(9),
            time: Timestamp(3),
            actor: r.id("operator"),
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

#[test]
fn another_seed_can_give_the_residual_to_another_bidder() {
    let residual_to = |seed: [u8; 32]| {
        let mut r = market();
        let mut t = terms(r.id("lishui-coop"), 1_000);
        t.group_limit_bps = 10_000;
        t.seed = seed;
        r.at(1, "operator", Command::OpenSealedAuction(t));
        for who in ["zj-cement", "ls-paper", "kaihua-restore"] {
            r.bid(20, who, AuctionId(1), 5_100, 400);
        }
        // 1,200 asked for 1,000 at one price: the last one drawn gets 200.
        let out = r.close(AuctionId(1));
        let cut: Vec<AccountId> = trades(&out)
            .iter()
            .filter(|t| t.2 == 200)
            .map(|t| t.0)
            .collect();
        assert_eq!(cut.len(), 1);
        cut[0]
    };
    let mut seen: Vec<AccountId> = (0u8..8).map(|i| residual_to([i; 32])).collect();
    assert_eq!(residual_to([3; 32]), seen[3], "one seed, one draw");
    seen.sort_unstable();
    seen.dedup();
    assert!(seen.len() > 1, "the seed decides the tie: {seen:?}");
}
