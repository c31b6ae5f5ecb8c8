//! The full consistency check of a book, run after every step in tests.

use std::collections::HashSet;

use super::OrderBook;
use super::order::Side;
use super::pool::NIL;

impl OrderBook {
    /// Checks every structural invariant and panics with a description on the first failure:
    /// the book is not crossed; each level's total and count equal the sum of its orders; the
    /// orders of a level are in strictly increasing arrival order with consistent links; no
    /// order is in two places; the best levels, the occupancy bits, the id index, the level
    /// count and the free list all agree with the levels themselves.
    ///
    /// It walks the whole book, so it is for tests and audits, not the hot path.
    pub fn check_invariants(&self) {
        assert!(
            !self.is_crossed(),
            "book crossed: bid {:?} >= ask {:?}",
            self.bids.best(),
            self.asks.best()
        );
        let mut seen = HashSet::new();
        let mut levels = 0u32;
        for side in [Side::Buy, Side::Sell] {
            levels += self.check_side(side, &mut seen);
        }
        assert_eq!(levels, self.levels_in_use, "level count");
        assert!(
            levels <= self.cap.max_levels,
            "more levels than the capacity"
        );
        assert_eq!(
            seen.len(),
            self.index.len(),
            "orders in levels vs index entries"
        );
        assert_eq!(
            seen.len() as u32,
            self.pool.live(),
            "orders in levels vs live slots"
        );
        for (id, &slot) in &self.index {
            let o = self.pool.get(slot);
            assert!(
                o.live && o.id == *id,
                "index entry {id} points at slot {slot} of {}",
                o.id
            );
        }
        assert_eq!(
            self.pool.count_free() + self.pool.live(),
            self.pool.capacity(),
            "slots lost"
        );
        if let Some(last) = self.last_id {
            assert!(
                self.index.keys().all(|id| *id <= last),
                "resting id above the last seen"
            );
        }
    }

    /// Checks one side; returns its number of levels.
    fn check_side(&self, side: Side, seen: &mut HashSet<u32>) -> u32 {
        let ladder = self.ladder(side);
        let scanned: Vec<u32> = ladder.scan_occupied().collect();
        let mut walked: Vec<u32> = ladder.occupied_from_best().collect();
        walked.reverse();
        if side == Side::Sell {
            walked.reverse();
            let mut s = scanned.clone();
            s.sort_unstable();
            assert_eq!(
                walked, s,
                "{side:?} occupancy bits disagree with the levels"
            );
        } else {
            assert_eq!(
                walked, scanned,
                "{side:?} occupancy bits disagree with the levels"
            );
        }
        for &idx in &scanned {
            assert!(
                ladder.is_occupied(idx),
                "{side:?} level {idx} not marked occupied"
            );
            self.check_level(side, idx, seen);
        }
        scanned.len() as u32
    }

    fn check_level(&self, side: Side, idx: u32, seen: &mut HashSet<u32>) {
        let level = self.ladder(side).level(idx);
        let (mut qty, mut count, mut prev, mut last_arrival) = (0u64, 0u32, NIL, 0u64);
        let mut s = level.head;
        while s != NIL {
            assert!(seen.insert(s), "slot {s} appears twice");
            let o = self.pool.get(s);
            assert!(o.live, "dead slot {s} in a level");
            assert_eq!(
                (o.side, o.idx),
                (side, idx),
                "order {} filed at the wrong level",
                o.id
            );
            assert!(
                !o.leaves.is_zero(),
                "order {} rests with nothing open",
                o.id
            );
            assert_eq!(o.prev, prev, "broken back link at order {}", o.id);
            assert!(
                o.arrival > last_arrival,
                "order {} out of arrival order",
                o.id
            );
            assert_eq!(
                self.index.get(&o.id),
                Some(&s),
                "order {} missing from the index",
                o.id
            );
            last_arrival = o.arrival;
            qty += o.leaves.lots();
            count += 1;
            prev = s;
            s = o.next;
        }
        assert_eq!(
            level.tail, prev,
            "{side:?} level {idx}: tail is not the last order"
        );
        assert_eq!(
            level.qty, qty,
            "{side:?} level {idx}: total is not the sum of its orders"
        );
        assert_eq!(
            level.count, count,
            "{side:?} level {idx}: count is not its number of orders"
        );
    }
}
