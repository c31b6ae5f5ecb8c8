//! The preallocated order pool: fixed-size slots threaded into per-level FIFO lists, with an
//! intrusive free list so that entering and removing orders never allocates.

use super::order::{Side, Stp, Tif};
use crate::id::{AccountId, OrderId};
use crate::quantity::Qty;

/// The null link.
pub(crate) const NIL: u32 = u32::MAX;

/// A resting order.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    pub(crate) id: OrderId,
    pub(crate) account: AccountId,
    /// Book-local arrival counter: orders in a level are strictly increasing in it.
    pub(crate) arrival: u64,
    pub(crate) leaves: Qty,
    pub(crate) filled: Qty,
    /// Index of the price in the book's window.
    pub(crate) idx: u32,
    pub(crate) prev: u32,
    pub(crate) next: u32,
    pub(crate) side: Side,
    pub(crate) tif: Tif,
    pub(crate) stp: Stp,
    pub(crate) post_only: bool,
    pub(crate) live: bool,
}

const FREE: Slot = Slot {
    id: OrderId(0),
    account: AccountId(0),
    arrival: 0,
    leaves: Qty::ZERO,
    filled: Qty::ZERO,
    idx: 0,
    prev: NIL,
    next: NIL,
    side: Side::Buy,
    tif: Tif::Gtc,
    stp: Stp::CancelNewest,
    post_only: false,
    live: false,
};

/// Fixed-capacity storage of resting orders.
#[derive(Clone, Debug)]
pub(crate) struct Pool {
    slots: Vec<Slot>,
    free_head: u32,
    live: u32,
}

impl Pool {
    pub(crate) fn with_capacity(capacity: u32) -> Self {
        let mut slots = vec![FREE; capacity as usize];
        for (i, s) in slots.iter_mut().enumerate() {
            s.next = if i + 1 < capacity as usize {
                i as u32 + 1
            } else {
                NIL
            };
        }
        Self {
            slots,
            free_head: if capacity > 0 { 0 } else { NIL },
            live: 0,
        }
    }

    pub(crate) fn capacity(&self) -> u32 {
        self.slots.len() as u32
    }

    pub(crate) fn live(&self) -> u32 {
        self.live
    }

    pub(crate) fn is_full(&self) -> bool {
        self.free_head == NIL
    }

    /// Takes a free slot and fills it; `None` when the pool is full.
    pub(crate) fn alloc(&mut self, mut slot: Slot) -> Option<u32> {
        let i = self.free_head;
        if i == NIL {
            return None;
        }
        self.free_head = self.slots[i as usize].next;
        slot.prev = NIL;
        slot.next = NIL;
        slot.live = true;
        self.slots[i as usize] = slot;
        self.live += 1;
        Some(i)
    }

    /// Returns an unlinked slot to the free list.
    pub(crate) fn free(&mut self, i: u32) {
        let s = &mut self.slots[i as usize];
        debug_assert!(
            s.live && s.prev == NIL && s.next == NIL,
            "freeing a linked slot"
        );
        s.live = false;
        s.next = self.free_head;
        self.free_head = i;
        self.live -= 1;
    }

    pub(crate) fn get(&self, i: u32) -> &Slot {
        &self.slots[i as usize]
    }

    pub(crate) fn get_mut(&mut self, i: u32) -> &mut Slot {
        &mut self.slots[i as usize]
    }

    /// Links `slot` after `tail` (or alone when `tail` is `NIL`).
    pub(crate) fn link_after(&mut self, slot: u32, tail: u32) {
        if tail != NIL {
            self.slots[tail as usize].next = slot;
        }
        let s = &mut self.slots[slot as usize];
        s.prev = tail;
        s.next = NIL;
    }

    /// Unlinks `slot` from its list and returns its former (prev, next).
    pub(crate) fn unlink(&mut self, slot: u32) -> (u32, u32) {
        let (prev, next) = {
            let s = &mut self.slots[slot as usize];
            let pn = (s.prev, s.next);
            s.prev = NIL;
            s.next = NIL;
            pn
        };
        if prev != NIL {
            self.slots[prev as usize].next = next;
        }
        if next != NIL {
            self.slots[next as usize].prev = prev;
        }
        (prev, next)
    }

    /// Counts the free list (for invariant checks).
    pub(crate) fn count_free(&self) -> u32 {
        let mut n = 0;
        let mut i = self.free_head;
        while i != NIL {
            assert!(
                !self.slots[i as usize].live,
                "live slot {i} on the free list"
            );
            n += 1;
            assert!(n <= self.capacity(), "cycle in the free list");
            i = self.slots[i as usize].next;
        }
        n
    }
}
