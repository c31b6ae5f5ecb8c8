//! The accounts and markets the random streams trade in.

#![allow(clippy::too_many_lines)]

use super::*;

// ---------------------------------------------------------------------------------------------
// The accounts and instruments the streams use.

/// The demo accounts the streams act for and on, by name.
pub(crate) const ACCOUNTS: [&str; 10] = [
    "operator",
    "lishui-coop",
    "lishui-reserve",
    "zj-cement",
    "ls-paper",
    "qz-chem",
    "longquan-gov",
    "qingtian-gov",
    "qingyuan-gov",
    "jingning-gov",
];
pub(crate) const OPERATOR: usize = 0;
pub(crate) const COOP: usize = 1;
pub(crate) const RESERVE: usize = 2;
pub(crate) const CEMENT: usize = 3;
pub(crate) const PAPER: usize = 4;
pub(crate) const QZ_CHEM: usize = 5;
/// 200 lots short of its GEP target.
pub(crate) const LONGQUAN: usize = 6;
/// 100 lots short.
pub(crate) const QINGTIAN: usize = 7;
/// 300 lots of surplus.
pub(crate) const QINGYUAN: usize = 8;
/// 200 lots of surplus.
pub(crate) const JINGNING: usize = 9;
/// An account id no account has.
pub(crate) const NO_ACCOUNT: AccountId = AccountId(999);

/// An instrument as the generator sees it.
pub(crate) struct Market {
    pub(crate) code: &'static str,
    /// The demo's reference price, in ticks.
    pub(crate) reference: u64,
    /// One step of the price grid, in ticks (half a percent of the reference).
    pub(crate) step: i64,
    /// Small order quantities run from 1 to this.
    pub(crate) scale: u64,
    /// The accounts that usually sell it (they hold it, or may).
    pub(crate) sellers: &'static [usize],
    /// The accounts that usually buy it.
    pub(crate) buyers: &'static [usize],
}

pub(crate) const FCS: usize = 0;
pub(crate) const GEP: usize = 1;
pub(crate) const COD: usize = 2;
pub(crate) const WATER: usize = 3;
/// The index of the instrument that is not listed.
pub(crate) const UNLISTED: usize = 4;

/// The four instruments traded, then one that is not listed.
pub(crate) const MARKETS: [Market; 5] = [
    Market {
        code: "LS-FCS-2024",
        reference: 5_000,
        step: 25,
        scale: 20,
        sellers: &[COOP],
        buyers: &[CEMENT, PAPER, QZ_CHEM, RESERVE, QINGYUAN],
    },
    Market {
        code: "LS-GEP-2025",
        reference: 100_000,
        step: 500,
        scale: 30,
        sellers: &[QINGYUAN, JINGNING],
        buyers: &[LONGQUAN, QINGTIAN],
    },
    Market {
        code: "LS-COD-LD-2025",
        reference: 4_000,
        step: 20,
        scale: 40,
        sellers: &[RESERVE, PAPER],
        buyers: &[CEMENT],
    },
    Market {
        code: "OJ-WR-2025",
        reference: 500,
        step: 3,
        scale: 15,
        sellers: &[RESERVE],
        buyers: &[COOP, CEMENT, PAPER, QINGTIAN],
    },
    Market {
        code: "NO-SUCH-2025",
        reference: 5_000,
        step: 25,
        scale: 20,
        sellers: &[COOP],
        buyers: &[CEMENT],
    },
];

pub(crate) fn inst(code: &str) -> InstrumentId {
    InstrumentId::new(code).expect("valid instrument code")
}

/// The demo genesis with each book's window cut to 80 %–125 % of the reference price and its
/// capacity to 256 orders and levels (see the module documentation).
pub(crate) fn narrowed_genesis() -> Genesis {
    let mut g = demo::genesis();
    for l in &mut g.listings {
        let mut spec = l.instrument.spec().clone();
        let r = spec.reference_price.expect("demo reference price").ticks();
        spec.capacity = BookCapacity {
            max_orders: 256,
            max_levels: 256,
            min_price: Price::from_ticks(r * 4 / 5),
            max_price: Price::from_ticks(r * 5 / 4),
        };
        l.instrument = Instrument::new(spec).expect("narrowed instrument is valid");
    }
    g
}

/// A fresh narrowed exchange, every market open, as `demo::exchange` opens them.
pub(crate) fn narrowed_exchange() -> Exchange {
    let mut ex = Exchange::new(narrowed_genesis()).expect("narrowed genesis is valid");
    ex.open_all_markets();
    ex
}

/// Fixed facts about the market, looked up once.
pub(crate) struct Universe {
    pub(crate) accounts: [AccountId; 10],
    pub(crate) instruments: [InstrumentId; 5],
    /// The highest price of each demo book (a reference above it is refused).
    pub(crate) demo_max_price: [u64; 4],
    /// Every Lishui county and its genesis GEP record.
    pub(crate) counties: Vec<(AccountId, GepRecord)>,
    /// The narrowed exchange as genesis leaves it.
    pub(crate) template: Exchange,
}

impl Universe {
    pub(crate) fn new() -> Self {
        let template = narrowed_exchange();
        let ledger = template.ledger();
        let accounts = ACCOUNTS.map(|n| ledger.find(n).unwrap_or_else(|| panic!("no {n}")));
        assert_eq!(accounts[OPERATOR], template.fee_account());
        let instruments = [0, 1, 2, 3, 4].map(|i| inst(MARKETS[i].code));
        let demo = demo::listings();
        let mut demo_max_price = [0; 4];
        for (i, max) in demo_max_price.iter_mut().enumerate() {
            let l = demo
                .iter()
                .find(|l| l.instrument.spec().id == instruments[i])
                .expect("the demo lists it");
            let spec = l.instrument.spec();
            assert_eq!(
                spec.reference_price,
                Some(Price::from_ticks(MARKETS[i].reference)),
                "{}: the generator's reference price is the demo's",
                MARKETS[i].code
            );
            *max = spec.capacity.max_price.ticks();
        }
        assert!(template.listing(instruments[UNLISTED]).is_none());
        let gep = instruments[GEP];
        let counties = demo::LISHUI_COUNTIES
            .iter()
            .map(|(name, _)| {
                let id = ledger.find(name).expect("county account");
                let record = template.gep_record(id, gep).expect("genesis GEP record");
                (id, record)
            })
            .collect();
        Self {
            accounts,
            instruments,
            demo_max_price,
            counties,
            template,
        }
    }

    pub(crate) fn account(&self, pick: usize) -> AccountId {
        self.accounts.get(pick).copied().unwrap_or(NO_ACCOUNT)
    }
}
