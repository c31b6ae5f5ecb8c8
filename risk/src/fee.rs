//! The fee rule, and what it makes a buyer hold: one place for both, so that settlement, the
//! holds of orders and bids, and block trades can never disagree on a fen.
//!
//! Each side of a trade pays `fee_bps` basis points of the trade's value, rounded up to the
//! fen (the exchange never under-collects). A buy holds, per open lot, the value of one lot at
//! its limit plus the fee on that one lot rounded up: the fees of any split of the order into
//! fills, each rounded up, never exceed what is held, because `n × ceil(x) ≥ ceil(n × x)` and
//! a fill's price is never above the limit.

use ecomatch_engine::quantity::{Cash, Notional, Price, Qty};

/// The highest fee a listing may charge each side, in basis points: the whole trade value.
pub const MAX_BPS: u32 = 10_000;

/// The fee on `amount` at `bps` basis points, rounded up to the fen; `None` on overflow.
pub fn fee(amount: Cash, bps: u32) -> Option<Cash> {
    let f = (u128::from(amount.fen()) * u128::from(bps)).div_ceil(10_000);
    u64::try_from(f).ok().map(Cash::from_fen)
}

/// `value` plus its fee: the most a trade of that value costs its buyer.
pub fn with_fee(value: Cash, bps: u32) -> Option<Cash> {
    value.checked_add(fee(value, bps)?)
}

/// What a buy holds per open lot at `price`: one lot's value plus the fee on it.
pub fn per_lot_hold(price: Price, cash_per_tick_lot: Cash, bps: u32) -> Option<Cash> {
    let value = price
        .checked_mul(Qty::from_lots(1))?
        .to_cash(cash_per_tick_lot)?;
    with_fee(value, bps)
}

/// The cash of one trade: its value, the fee each side pays, and what the buyer pays in all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TradeCash {
    /// Price × quantity.
    pub amount: Cash,
    /// The fee of each side.
    pub fee: Cash,
    /// Amount plus the buyer's fee.
    pub pays: Cash,
}

/// The cash of a trade of `qty` at `price`; `None` on overflow.
pub fn trade(price: Price, qty: Qty, cash_per_tick_lot: Cash, bps: u32) -> Option<TradeCash> {
    let amount = price.checked_mul(qty)?.to_cash(cash_per_tick_lot)?;
    let fee = fee(amount, bps)?;
    Some(TradeCash {
        amount,
        fee,
        pays: amount.checked_add(fee)?,
    })
}

/// The most a notional (tick-lots) can cost with its fee.
pub fn notional_with_fee(n: Notional, cash_per_tick_lot: Cash, bps: u32) -> Option<Cash> {
    with_fee(n.to_cash(cash_per_tick_lot)?, bps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fees_round_up_and_holds_cover_any_split() {
        assert_eq!(fee(Cash::from_fen(523_000), 10), Some(Cash::from_fen(523)));
        assert_eq!(fee(Cash::from_fen(1), 1), Some(Cash::from_fen(1)));
        assert_eq!(fee(Cash::ZERO, 30), Some(Cash::ZERO));
        let per = Cash::from_fen(1);
        // A buy of 7 lots at 50.00 (1 fen a tick-lot) at 30 bps, filled 1 + 2 + 4 at 49.99.
        let hold = per_lot_hold(Price::from_ticks(5_000), per, 30)
            .unwrap()
            .fen()
            * 7;
        let paid: u64 = [1, 2, 4]
            .iter()
            .map(|&q| {
                trade(Price::from_ticks(4_999), Qty::from_lots(q), per, 30)
                    .unwrap()
                    .pays
                    .fen()
            })
            .sum();
        assert!(paid <= hold, "{paid} paid, {hold} held");
        assert_eq!(
            trade(Price::from_ticks(5_230), Qty::from_lots(40), per, 10),
            Some(TradeCash {
                amount: Cash::from_fen(209_200),
                fee: Cash::from_fen(210),
                pays: Cash::from_fen(209_410),
            })
        );
    }
}
