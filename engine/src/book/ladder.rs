//! One side of a book: a flat array of price levels over the book's price window, with a
//! two-level occupancy bitset so that finding the next non-empty level skips 4096 empty ticks
//! per summary word instead of walking them one by one.

use super::pool::{NIL, Pool};
use crate::quantity::Qty;

/// A price level: the FIFO of resting orders at one price, threaded through the pool.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Level {
    pub(crate) head: u32,
    pub(crate) tail: u32,
    pub(crate) qty: u64,
    pub(crate) count: u32,
}

const EMPTY: Level = Level {
    head: NIL,
    tail: NIL,
    qty: 0,
    count: 0,
};

/// A set of tick indices with fast next/previous-member queries.
#[derive(Clone, Debug)]
struct Bitset {
    words: Vec<u64>,
    summary: Vec<u64>,
}

impl Bitset {
    fn new(len: usize) -> Self {
        let words = len.div_ceil(64);
        Self {
            words: vec![0; words],
            summary: vec![0; words.div_ceil(64)],
        }
    }

    fn set(&mut self, i: u32) {
        let w = (i / 64) as usize;
        self.words[w] |= 1 << (i % 64);
        self.summary[w / 64] |= 1 << (w % 64);
    }

    fn clear(&mut self, i: u32) {
        let w = (i / 64) as usize;
        self.words[w] &= !(1 << (i % 64));
        if self.words[w] == 0 {
            self.summary[w / 64] &= !(1 << (w % 64));
        }
    }

    fn contains(&self, i: u32) -> bool {
        self.words[(i / 64) as usize] & (1 << (i % 64)) != 0
    }

    /// The smallest member ≥ `i`.
    fn next_at_or_above(&self, i: u32) -> Option<u32> {
        let w = (i / 64) as usize;
        if w >= self.words.len() {
            return None;
        }
        let bits = self.words[w] & (u64::MAX << (i % 64));
        if bits != 0 {
            return Some((w * 64) as u32 + bits.trailing_zeros());
        }
        let sw = w + 1;
        let mut s = sw / 64;
        if s >= self.summary.len() {
            return None;
        }
        let mut sbits = self.summary[s] & (u64::MAX.checked_shl((sw % 64) as u32).unwrap_or(0));
        loop {
            if sbits != 0 {
                let word = s * 64 + sbits.trailing_zeros() as usize;
                return Some((word * 64) as u32 + self.words[word].trailing_zeros());
            }
            s += 1;
            if s >= self.summary.len() {
                return None;
            }
            sbits = self.summary[s];
        }
    }

    /// The largest member ≤ `i`.
    fn prev_at_or_below(&self, i: u32) -> Option<u32> {
        let w = (i / 64) as usize;
        let bits = self.words[w] & low_mask(i % 64);
        if bits != 0 {
            return Some((w * 64) as u32 + 63 - bits.leading_zeros());
        }
        if w == 0 {
            return None;
        }
        let sw = w - 1;
        let mut s = sw / 64;
        let mut sbits = self.summary[s] & low_mask((sw % 64) as u32);
        loop {
            if sbits != 0 {
                let word = s * 64 + 63 - sbits.leading_zeros() as usize;
                return Some((word * 64) as u32 + 63 - self.words[word].leading_zeros());
            }
            if s == 0 {
                return None;
            }
            s -= 1;
            sbits = self.summary[s];
        }
    }
}

/// Bits 0..=b set.
fn low_mask(b: u32) -> u64 {
    if b == 63 {
        u64::MAX
    } else {
        (1u64 << (b + 1)) - 1
    }
}

/// One side of the book. Indices are ticks above the window's lowest price.
#[derive(Clone, Debug)]
pub(crate) struct Ladder {
    levels: Vec<Level>,
    occupied: Bitset,
    best: Option<u32>,
    /// Bids improve upwards, asks downwards.
    is_bid: bool,
}

impl Ladder {
    pub(crate) fn new(window: usize, is_bid: bool) -> Self {
        Self {
            levels: vec![EMPTY; window],
            occupied: Bitset::new(window),
            best: None,
            is_bid,
        }
    }

    pub(crate) fn best(&self) -> Option<u32> {
        self.best
    }

    pub(crate) fn level(&self, idx: u32) -> &Level {
        &self.levels[idx as usize]
    }

    pub(crate) fn is_occupied(&self, idx: u32) -> bool {
        self.occupied.contains(idx)
    }

    /// True if `a` has better price priority than `b` on this side.
    pub(crate) fn better(&self, a: u32, b: u32) -> bool {
        if self.is_bid { a > b } else { a < b }
    }

    /// The next occupied level after `idx` going away from the best price.
    pub(crate) fn next_worse(&self, idx: u32) -> Option<u32> {
        if self.is_bid {
            idx.checked_sub(1)
                .and_then(|i| self.occupied.prev_at_or_below(i))
        } else {
            self.occupied.next_at_or_above(idx + 1)
        }
    }

    /// Appends `slot` at the tail of the level at `idx`; returns true if the level is new.
    pub(crate) fn push_back(&mut self, idx: u32, slot: u32, qty: Qty, pool: &mut Pool) -> bool {
        let level = &mut self.levels[idx as usize];
        let new_level = level.count == 0;
        pool.link_after(slot, level.tail);
        if new_level {
            level.head = slot;
        }
        level.tail = slot;
        level.count += 1;
        level.qty += qty.lots();
        if new_level {
            self.occupied.set(idx);
            if self.best.is_none_or(|b| self.better(idx, b)) {
                self.best = Some(idx);
            }
        }
        new_level
    }

    /// Takes `slot` out of the level at `idx`; returns true if the level became empty.
    pub(crate) fn unlink(&mut self, idx: u32, slot: u32, leaves: Qty, pool: &mut Pool) -> bool {
        let (prev, next) = pool.unlink(slot);
        let level = &mut self.levels[idx as usize];
        if prev == NIL {
            level.head = next;
        }
        if next == NIL {
            level.tail = prev;
        }
        level.count -= 1;
        level.qty -= leaves.lots();
        if level.count > 0 {
            return false;
        }
        debug_assert_eq!(level.qty, 0, "an empty level holds no quantity");
        self.occupied.clear(idx);
        if self.best == Some(idx) {
            self.best = self.next_worse(idx);
        }
        true
    }

    /// Lowers the quantity resting at `idx` by `by` lots (a partial fill or a reduction).
    pub(crate) fn reduce(&mut self, idx: u32, by: Qty) {
        self.levels[idx as usize].qty -= by.lots();
    }

    /// The occupied levels from the best outwards.
    pub(crate) fn occupied_from_best(&self) -> impl Iterator<Item = u32> + '_ {
        core::iter::successors(self.best, move |&i| self.next_worse(i))
    }

    /// Every occupied index in ascending order, found by a plain scan (for invariant checks).
    pub(crate) fn scan_occupied(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.levels.len() as u32).filter(|&i| self.levels[i as usize].count > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitset_finds_neighbours_across_words_and_summaries() {
        let mut b = Bitset::new(10_000);
        for i in [0u32, 63, 64, 4095, 4096, 9_999] {
            b.set(i);
        }
        assert_eq!(b.next_at_or_above(0), Some(0));
        assert_eq!(b.next_at_or_above(1), Some(63));
        assert_eq!(b.next_at_or_above(65), Some(4095));
        assert_eq!(b.next_at_or_above(4097), Some(9_999));
        assert_eq!(b.prev_at_or_below(9_998), Some(4096));
        assert_eq!(b.prev_at_or_below(4095), Some(4095));
        assert_eq!(b.prev_at_or_below(62), Some(0));
        b.clear(0);
        assert_eq!(b.prev_at_or_below(62), None);
        b.clear(9_999);
        assert_eq!(b.next_at_or_above(4097), None);
        assert!(b.contains(4096) && !b.contains(9_999));
    }

    #[test]
    fn bitset_agrees_with_a_scan() {
        let mut b = Bitset::new(5000);
        let mut member = vec![false; 5000];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = (x % 5000) as u32;
            if x & (1 << 40) == 0 {
                b.set(i);
                member[i as usize] = true;
            } else {
                b.clear(i);
                member[i as usize] = false;
            }
            let q = ((x >> 20) % 5000) as u32;
            let up = (q as usize..5000).find(|&j| member[j]).map(|j| j as u32);
            let down = (0..=q as usize)
                .rev()
                .find(|&j| member[j])
                .map(|j| j as u32);
            assert_eq!(b.next_at_or_above(q), up);
            assert_eq!(b.prev_at_or_below(q), down);
        }
    }
}
