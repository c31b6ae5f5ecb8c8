//! Shards: one exchange per group of instruments, so that a machine with more cores runs more
//! books at once. Each shard is a whole exchange of its own (its own log, state and ledger);
//! what this module adds is what makes several of them one market:
//!
//! - [`IdSpace`]: the ids a shard gives orders, trades, block proposals, auctions and bids
//!   interleave with the other shards' (shard `k` of `n` numbers `k+1, k+1+n, k+1+2n, ...`),
//!   so an id is unique across the market and names the shard that owns it
//!   ([`IdSpace::shard_of`]) without a lookup table.
//! - [`Genesis::for_shard`]: a shard lists only its own instruments, and receives only the
//!   opening commands about them. Every account exists in every shard (a per-shard
//!   sub-account); opening cash goes to the home shard (shard 0) alone, so money is never
//!   counted twice.

use ecomatch_engine::id::InstrumentId;

use crate::command::Command;
pub use crate::ids::IdSpace;
use crate::state::{Exchange, Genesis};

impl Genesis {
    /// The genesis of one shard: only the listings `owns` accepts, only the opening commands
    /// about them, and (on the home shard alone) the commands about no instrument, such as
    /// opening cash. Accounts are kept whole, so an account id means the same in every shard.
    #[must_use]
    pub fn for_shard(&self, owns: impl Fn(InstrumentId) -> bool, home: bool) -> Genesis {
        let keep = |c: &Command| c.instrument().map_or(home, &owns);
        Genesis {
            listings: self
                .listings
                .iter()
                .filter(|l| owns(l.instrument.spec().id))
                .cloned()
                .collect(),
            accounts: self.accounts.clone(),
            fee_account: self.fee_account,
            opening: self.opening.iter().filter(|c| keep(c)).copied().collect(),
        }
    }
}

impl Exchange {
    /// Makes this exchange number its ids in `ids`; only before it has numbered anything.
    ///
    /// # Panics
    /// If an order, trade, block proposal, auction or bid has been numbered already.
    pub fn set_id_space(&mut self, ids: IdSpace) {
        let counters = [
            self.next_order,
            self.next_trade,
            self.next_block,
            self.next_auction,
            self.next_bid,
        ];
        assert!(counters.iter().all(|&c| c == 0), "ids already given");
        self.ids = ids;
    }

    /// How this exchange numbers its ids.
    pub fn id_space(&self) -> IdSpace {
        self.ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OrderRequest, Output, Sequenced, demo};
    use ecomatch_engine::book::{Side, Tif};
    use ecomatch_engine::id::{OrderId, Seq, Timestamp};
    use ecomatch_engine::quantity::{Cash, Price, Qty};

    fn fcs(i: InstrumentId) -> bool {
        i.as_str().ends_with("FCS-2024")
    }

    fn run(ex: &mut Exchange, seq: u64, who: &str, command: Command) -> Vec<Output> {
        let cmd = Sequenced {
            seq: Seq(seq),
            time: Timestamp(seq),
            actor: ex.ledger().find(who).expect("demo account"),
            command,
        };
        let mut out = Vec::new();
        ex.apply(&cmd, &mut out);
        ex.check_invariants();
        out
    }

    fn order(side: Side, qty: u64) -> Command {
        Command::NewOrder(OrderRequest {
            instrument: InstrumentId::new("LS-FCS-2024").expect("an id"),
            side,
            price: Some(Price::from_ticks(5_000)),
            qty: Qty::from_lots(qty),
            tif: Tif::Gtc,
            post_only: false,
            stp: None,
            client_order_id: None,
        })
    }

    #[test]
    fn a_shard_numbers_orders_and_trades_in_its_space_across_a_snapshot() {
        let shard = || {
            let mut ex = Exchange::new(demo::genesis().for_shard(fcs, false)).expect("valid");
            ex.open_all_markets();
            ex.set_id_space(IdSpace::shard(1, 2));
            ex
        };
        let mut ex = shard();
        let buyer = ex.ledger().find("zj-cement").expect("demo account");
        assert_eq!(ex.ledger().cash(buyer).expect("known").available.fen(), 0);
        let deposit = Command::Deposit {
            account: buyer,
            amount: Cash::from_fen(100_000_000),
        };
        run(&mut ex, 1, "operator", deposit);
        run(&mut ex, 2, "lishui-coop", order(Side::Sell, 10));
        assert_eq!(
            ex.open_orders_of(ex.ledger().find("lishui-coop").expect("demo")),
            [OrderId(2)]
        );
        let out = run(&mut ex, 3, "zj-cement", order(Side::Buy, 4));
        let trades: Vec<u64> = out
            .iter()
            .filter_map(|o| match o.msg {
                crate::Message::Trade { trade_id, .. } => Some(trade_id.0),
                _ => None,
            })
            .collect();
        assert_eq!(trades, [2], "the first trade of shard 1 of 2");
        let restored = Exchange::restore(shard(), &ex.snapshot()).expect("restores");
        assert_eq!(restored.state_hash(), ex.state_hash());
        let mut ex = restored;
        run(&mut ex, 4, "lishui-coop", order(Side::Sell, 1));
        let coop = ex.ledger().find("lishui-coop").expect("demo");
        assert_eq!(ex.open_orders_of(coop), [OrderId(2), OrderId(6)]);
        let whole = demo::exchange().state_hash();
        assert_ne!(
            shard().state_hash(),
            whole,
            "the id space is part of the state"
        );
    }

    #[test]
    fn shards_interleave_ids_and_each_id_names_its_shard() {
        let count = 3;
        for index in 0..count {
            let ids = IdSpace::shard(index, count);
            let mut last = 0;
            for _ in 0..10 {
                last = ids.after(last);
                assert_eq!(IdSpace::shard_of(last, count), index);
            }
            assert_eq!(last, u64::from(index) + 1 + 9 * u64::from(count));
        }
        assert_eq!(IdSpace::WHOLE.after(0), 1);
        assert_eq!(IdSpace::WHOLE.after(41), 42);
        assert_eq!(
            IdSpace::shard_of(0, 3),
            0,
            "no id 0: the home shard answers"
        );
    }

    #[test]
    fn a_shard_genesis_keeps_its_instruments_and_cash_only_at_home() {
        let g = demo::genesis();
        let home = g.for_shard(|i| !fcs(i), true);
        let other = g.for_shard(fcs, false);
        assert_eq!(other.listings.len(), 2);
        assert_eq!(home.listings.len() + other.listings.len(), g.listings.len());
        assert_eq!(other.accounts, g.accounts);
        assert!(
            other
                .opening
                .iter()
                .all(|c| c.instrument().is_some_and(fcs))
        );
        assert!(
            home.opening
                .iter()
                .any(|c| matches!(c, Command::Deposit { .. }))
        );
        assert_eq!(
            home.opening.len() + other.opening.len(),
            g.opening.len(),
            "every opening command lands in exactly one shard"
        );
        let ex = Exchange::new(other).expect("a valid shard");
        ex.check_invariants();
    }
}
