//! Rebuilding a book from a snapshot: resting orders put back in their priority order,
//! without matching.

use super::pool::{NIL, Slot};
use super::{BookError, Capacity, OrderBook, OrderView};
use crate::id::OrderId;

impl OrderBook {
    /// Puts a resting order back at the back of its level, as a snapshot recorded it. Orders
    /// must come in priority order (each level in time order); the book must stay uncrossed.
    pub fn restore(&mut self, o: &OrderView) -> Result<(), BookError> {
        if o.leaves.is_zero() {
            return Err(BookError::InvalidQuantity);
        }
        let idx = self.index_of(o.price).ok_or(BookError::PriceOutsideBand {
            price: o.price,
            lo: self.cap.min_price,
            hi: self.cap.max_price,
        })?;
        if self.index.contains_key(&o.id) {
            return Err(BookError::DuplicateOrderId(o.id));
        }
        if self.crosses(o.side, idx) {
            return Err(BookError::InvalidOrder(
                "a restored order would cross the book",
            ));
        }
        if !self.ladder(o.side).is_occupied(idx) && self.levels_in_use >= self.cap.max_levels {
            return Err(BookError::BookFull(Capacity::Levels));
        }
        // What a snapshot says is not trusted to be sound: a level's total must still fit.
        let level = self.ladder(o.side).level(idx);
        let fits = level.qty.checked_add(o.leaves.lots()).is_some()
            && o.filled.checked_add(o.leaves).is_some();
        if !fits {
            return Err(BookError::InvalidOrder(
                "a restored order's quantity overflows its level",
            ));
        }
        let slot = Slot {
            id: o.id,
            account: o.account,
            arrival: 0,
            leaves: o.leaves,
            filled: o.filled,
            idx,
            prev: NIL,
            next: NIL,
            side: o.side,
            tif: o.tif,
            stp: o.stp,
            post_only: o.post_only,
            live: true,
        };
        let s = self
            .pool
            .alloc(slot)
            .ok_or(BookError::BookFull(Capacity::Orders))?;
        self.index.insert(o.id, s);
        self.enqueue(s, &mut Vec::new());
        self.last_id = self.last_id.max(Some(o.id));
        Ok(())
    }

    /// Takes every resting order out without reporting anything, keeping the preallocated
    /// pool, index and ladders: a call's uncross takes every order out and puts back what is
    /// left, and a fresh book would allocate the whole capacity again. Phase, band and the
    /// highest id seen stay.
    pub fn clear(&mut self) {
        let ids: Vec<OrderId> = self.orders().map(|o| o.id).collect();
        for id in ids {
            let slot = self.index[&id];
            self.remove_resting_quiet(slot);
        }
        debug_assert!(self.index.is_empty() && self.levels_in_use == 0);
    }

    /// Raises the highest order id the book has seen (after a restore, to the exchange's).
    pub fn note_last_id(&mut self, id: OrderId) {
        self.last_id = self.last_id.max(Some(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::{Phase, Side, Stp, Tif};
    use crate::id::{AccountId, OrderId};
    use crate::instrument::BookCapacity;
    use crate::quantity::{Price, Qty};

    /// Found by the snapshot fuzz target: two restored orders whose open quantities overflow
    /// their level's total panicked in the ladder; the restore is refused instead.
    #[test]
    fn a_restore_that_would_overflow_a_level_is_refused() {
        let mut book = OrderBook::new(BookCapacity {
            max_orders: 8,
            max_levels: 8,
            min_price: Price::from_ticks(1),
            max_price: Price::from_ticks(100),
        });
        book.set_phase(Phase::Continuous, &mut Vec::new());
        let order = |id, leaves| OrderView {
            id: OrderId(id),
            account: AccountId(1),
            side: Side::Sell,
            price: Price::from_ticks(50),
            leaves: Qty::from_lots(leaves),
            filled: Qty::ZERO,
            tif: Tif::Gtc,
            stp: Stp::CancelNewest,
            post_only: false,
        };
        book.restore(&order(1, u64::MAX - 5)).expect("fits");
        assert!(book.restore(&order(2, 10)).is_err());
        book.check_invariants();
        assert_eq!(book.len(), 1);
    }

    /// Clearing empties the book and frees every slot: the whole capacity can be used again.
    #[test]
    fn a_cleared_book_is_empty_and_whole_again() {
        let mut book = OrderBook::new(BookCapacity {
            max_orders: 4,
            max_levels: 4,
            min_price: Price::from_ticks(1),
            max_price: Price::from_ticks(100),
        });
        book.set_phase(Phase::Call, &mut Vec::new());
        let order = |id, side, price| OrderView {
            id: OrderId(id),
            account: AccountId(1),
            side,
            price: Price::from_ticks(price),
            leaves: Qty::from_lots(5),
            filled: Qty::ZERO,
            tif: Tif::Gtc,
            stp: Stp::CancelNewest,
            post_only: false,
        };
        for (id, side, price) in [
            (1, Side::Buy, 40),
            (2, Side::Buy, 41),
            (3, Side::Sell, 60),
            (4, Side::Sell, 60),
        ] {
            book.restore(&order(id, side, price)).expect("fits");
        }
        book.clear();
        book.check_invariants();
        assert_eq!((book.len(), book.phase()), (0, Phase::Call));
        assert!(book.best(Side::Buy).is_none() && book.best(Side::Sell).is_none());
        for (id, side, price) in [
            (5, Side::Buy, 10),
            (6, Side::Buy, 11),
            (7, Side::Sell, 90),
            (8, Side::Sell, 91),
        ] {
            book.restore(&order(id, side, price))
                .expect("the whole capacity is free");
        }
        book.check_invariants();
    }
}
