//! How an exchange numbers what it creates: the one id space of a whole market, or one
//! shard's interleaved part of it (a sharded market, see the shard module).

/// How an exchange numbers what it creates: the first id and the step between ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdSpace {
    first: u64,
    stride: u64,
}

impl IdSpace {
    /// A market of one shard: 1, 2, 3, ...
    pub const WHOLE: Self = Self {
        first: 1,
        stride: 1,
    };

    /// Shard `index` of `count`: `index + 1`, then every `count`th id.
    ///
    /// # Panics
    /// If `index` is not below `count`.
    pub fn shard(index: u32, count: u32) -> Self {
        assert!(index < count, "shard {index} of {count}");
        Self {
            first: u64::from(index) + 1,
            stride: u64::from(count),
        }
    }

    /// The id after `last` (0 when nothing was numbered yet).
    ///
    /// # Panics
    /// If the ids run out (after 2⁶⁴ / shards of them), which no market lives to see.
    pub fn after(self, last: u64) -> u64 {
        if last < self.first {
            self.first
        } else {
            debug_assert_eq!((last - self.first) % self.stride, 0, "{last} is not ours");
            last.checked_add(self.stride).expect("ids never run out")
        }
    }

    /// Whether this space has given `id` by the time it gave `last`: one of its own ids, not
    /// beyond the last. (Id 0, and another shard's ids, were never given here.)
    pub fn gave(self, id: u64, last: u64) -> bool {
        id >= self.first && id <= last && (id - self.first) % self.stride == 0
    }

    /// The shard, of `count`, that numbered `id`.
    pub fn shard_of(id: u64, count: u32) -> u32 {
        let count = u64::from(count.max(1));
        // The remainder is below `count`, itself a u32.
        (id.saturating_sub(1) % count) as u32
    }

    /// The first id and the step, as the state hash and the docs state them.
    pub fn parts(self) -> (u64, u64) {
        (self.first, self.stride)
    }

    /// The shard index and the number of shards: (0, 1) for a whole market.
    pub fn place(self) -> (u32, u32) {
        // Both were u32 when the space was made.
        ((self.first - 1) as u32, self.stride as u32)
    }
}
