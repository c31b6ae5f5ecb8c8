//! Allocation at the uncross price: which orders fill, and how much, with the marginal level
//! of the side with surplus shared by time or pro-rata (with a seeded draw for residual lots).

use super::price::Aggregate;
use super::{Allocation, AuctionFill, CallOrder, Indicative};
use crate::book::Side;
use crate::quantity::{Price, Qty};

/// Where the volume runs out on one side, found from the price levels alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cut {
    /// Every executable order fills in full: the side without surplus.
    All,
    /// The market orders share `left` lots; no limit order fills.
    Market { left: u64 },
    /// Market orders and limits better than `price` fill in full, the limits at `price` share
    /// `left` lots, worse ones get nothing.
    Limit { price: u64, left: u64 },
}

/// What one order gets under a [`Cut`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// Its whole quantity.
    Full,
    /// A share of the marginal level.
    Marginal,
    /// Nothing.
    Nothing,
}

impl Cut {
    /// The cut of `side` for `volume`: fill market orders, then levels best first, until the
    /// volume is used up. Called for the side with surplus only, whose executable quantity
    /// exceeds the volume, so the walk always stops at an executable level.
    fn of(agg: &Aggregate, side: Side, volume: u64) -> Self {
        let market = agg.market(side);
        if market > volume {
            return Self::Market { left: volume };
        }
        let mut left = volume - market;
        for level in agg.levels(side) {
            if level.qty > left {
                return Self::Limit {
                    price: level.price,
                    left,
                };
            }
            left -= level.qty;
        }
        unreachable!("the side with surplus has more executable quantity than the volume")
    }

    /// How `o` (of this cut's side) fills when the auction price is `price`.
    fn class(self, o: &CallOrder, price: Price) -> Class {
        if o.qty.is_zero() || !o.executable_at(price) {
            return Class::Nothing;
        }
        match (self, o.price) {
            (Self::All, _) | (Self::Limit { .. }, None) => Class::Full,
            (Self::Market { .. }, None) => Class::Marginal,
            (Self::Market { .. }, Some(_)) => Class::Nothing,
            (Self::Limit { price: m, .. }, Some(limit)) => {
                let l = limit.ticks();
                let better = match o.side {
                    Side::Buy => l > m,
                    Side::Sell => l < m,
                };
                if l == m {
                    Class::Marginal
                } else if better {
                    Class::Full
                } else {
                    Class::Nothing
                }
            }
        }
    }

    /// The lots the marginal level shares (zero for a side that fills in full).
    fn left(self) -> u64 {
        match self {
            Self::All => 0,
            Self::Market { left } | Self::Limit { left, .. } => left,
        }
    }
}

/// splitmix64 (Steele, Lea, Flood 2014): a tiny, well-mixed generator whose whole state is
/// the seed, so the draw is reproducible from the log without a `rand` dependency.
#[derive(Clone, Debug)]
pub(super) struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub(super) const fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform draw from `0..n` (`n > 0`), by rejection so that no order is favoured by the
    /// modulo bias.
    pub(super) fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }
}

/// Pro-rata shares of `left` lots over `qtys` (whose total exceeds `left`), in place: each
/// gets its proportional share rounded down, then the residual lots (fewer than the number of
/// orders) go one each to the first orders of a permutation drawn from `seed`.
pub(super) fn pro_rata(qtys: &mut [u64], left: u64, seed: u64) {
    let total: u128 = qtys.iter().map(|&q| u128::from(q)).sum();
    assert!(u128::from(left) < total, "pro-rata of more than the level");
    let mut given = 0u64;
    for q in qtys.iter_mut() {
        // q × left / total < q, so every order can still take one residual lot.
        *q = (u128::from(*q) * u128::from(left) / total) as u64;
        given += *q;
    }
    let residual = (left - given) as usize;
    assert!(
        residual < qtys.len().max(1),
        "residual of a floor per order"
    );
    let mut rng = SplitMix64::new(seed);
    let mut order: Vec<usize> = (0..qtys.len()).collect();
    for i in 0..residual {
        // A partial Fisher-Yates shuffle: position i gets a uniform pick of the rest.
        let j = i + rng.below((order.len() - i) as u64) as usize;
        order.swap(i, j);
        qtys[order[i]] += 1;
    }
}

/// The shares of the marginal orders of `side`, in arrival order.
fn marginal_shares(
    orders: &[CallOrder],
    side: Side,
    cut: Cut,
    price: Price,
    allocation: Allocation,
) -> Vec<u64> {
    let mut shares: Vec<u64> = orders
        .iter()
        .filter(|o| o.side == side && cut.class(o, price) == Class::Marginal)
        .map(|o| o.qty.lots())
        .collect();
    let mut left = cut.left();
    match allocation {
        Allocation::Time => {
            for s in &mut shares {
                let take = (*s).min(left);
                left -= take;
                *s = take;
            }
        }
        Allocation::ProRata { seed } => pro_rata(&mut shares, left, seed),
    }
    shares
}

/// The fills of an uncross at `price` with the determination `ind`, in arrival order, with
/// the invariants checked: each side fills exactly the volume, no order beyond its quantity or
/// at a price worse than its limit.
pub(super) fn fills(
    orders: &[CallOrder],
    agg: &Aggregate,
    price: Price,
    ind: Indicative,
    allocation: Allocation,
) -> Vec<AuctionFill> {
    let volume = ind.volume.lots();
    let cut_of = |side| {
        if ind.surplus_side == Some(side) {
            Cut::of(agg, side, volume)
        } else {
            Cut::All
        }
    };
    let (buy_cut, sell_cut) = (cut_of(Side::Buy), cut_of(Side::Sell));
    let shares = match ind.surplus_side {
        Some(Side::Buy) => marginal_shares(orders, Side::Buy, buy_cut, price, allocation),
        Some(Side::Sell) => marginal_shares(orders, Side::Sell, sell_cut, price, allocation),
        None => Vec::new(),
    };
    let mut shares = shares.into_iter();
    let mut out = Vec::new();
    let (mut bought, mut sold) = (0u64, 0u64);
    for o in orders {
        let cut = match o.side {
            Side::Buy => buy_cut,
            Side::Sell => sell_cut,
        };
        let qty = match cut.class(o, price) {
            Class::Full => o.qty.lots(),
            Class::Marginal => shares.next().expect("one share per marginal order"),
            Class::Nothing => 0,
        };
        if qty == 0 {
            continue;
        }
        assert!(
            qty <= o.qty.lots(),
            "order {} filled beyond its quantity",
            o.id
        );
        assert!(
            o.executable_at(price),
            "order {} filled beyond its limit",
            o.id
        );
        match o.side {
            Side::Buy => bought += qty,
            Side::Sell => sold += qty,
        }
        out.push(AuctionFill {
            order: o.id,
            account: o.account,
            side: o.side,
            qty: Qty::from_lots(qty),
        });
    }
    assert!(
        shares.next().is_none(),
        "a marginal share was not handed out"
    );
    assert_eq!(bought, volume, "bought quantity differs from the volume");
    assert_eq!(sold, volume, "sold quantity differs from the volume");
    out
}
