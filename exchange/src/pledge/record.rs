//! The register in the exchange's state: its snapshot section, and its invariants.
//!
//! The section follows the sealed-bid auctions and is written only when the market has ever
//! had a pledge, so that the encoding (and the state hash) of a market without pledges is
//! what it was before the register existed. Open disposals are not written: each is the
//! auction of an enforcing pledge.

use std::collections::BTreeMap;

use ecomatch_engine::id::{AccountId, AuctionId, InstrumentId, PledgeId, Timestamp};
use ecomatch_engine::quantity::{Cash, Qty};

use super::{Pledge, PledgeStatus};
use crate::state::Exchange;
use crate::wire::{DecodeError, Reader, Writer};

const SECTION: &str = "pledges";

const STATUSES: [PledgeStatus; 7] = [
    PledgeStatus::Pending,
    PledgeStatus::Active,
    PledgeStatus::Enforcing,
    PledgeStatus::Released,
    PledgeStatus::Disposed,
    PledgeStatus::Declined,
    PledgeStatus::Withdrawn,
];

impl Exchange {
    /// Writes the register, if the market has ever had a pledge.
    pub(crate) fn snapshot_pledges(&self, w: &mut Writer<'_>) {
        if self.next_pledge == 0 {
            return;
        }
        w.short_str(SECTION);
        w.u64(self.next_pledge);
        w.u64(self.pledges.len() as u64);
        for (id, p) in &self.pledges {
            w.u64(id.0);
            w.u32(p.pledgor.0);
            w.u32(p.pledgee.0);
            w.u32(p.market);
            for v in [
                p.qty.lots(),
                p.secured.fen(),
                p.maturity.0,
                p.recovered.fen(),
            ] {
                w.u64(v);
            }
            w.u8(p.status as u8);
            w.opt_u64(p.auction.map(|a| a.0));
        }
        let balances: Vec<_> = self.ledger.pledged_balances().collect();
        w.u64(balances.len() as u64);
        for (inst, account, qty) in balances {
            w.short_str(inst.as_str());
            w.u32(account.0);
            w.u64(qty.lots());
        }
    }

    /// Checks the register against the ledger and the auctions: every pledged lot belongs to
    /// a pending or active pledge, every enforcing pledge has its disposal auction offering
    /// exactly its lots, and nothing else is a disposal.
    pub(crate) fn check_pledges(&self) {
        let mut pledged: BTreeMap<(InstrumentId, AccountId), u64> = BTreeMap::new();
        for (id, p) in &self.pledges {
            assert!(id.0 <= self.next_pledge, "pledge {id} beyond the counter");
            match p.status {
                PledgeStatus::Pending | PledgeStatus::Active => {
                    assert!(
                        p.auction.is_none(),
                        "pledge {id}: an auction while not enforcing"
                    );
                    *pledged.entry((p.instrument, p.pledgor)).or_default() += p.qty.lots();
                }
                PledgeStatus::Enforcing => {
                    let a = p.auction.and_then(|a| self.auctions.get(&a));
                    assert!(a.is_some(), "pledge {id}: enforcing without an auction");
                    assert_eq!(
                        a.map(|a| (a.terms.seller, a.terms.offer)),
                        Some((p.pledgor, p.qty)),
                        "pledge {id}: its disposal offers other lots"
                    );
                    assert_eq!(p.auction.and_then(|a| self.disposals.get(&a)), Some(id));
                }
                _ => assert!(p.auction.is_none(), "pledge {id}: ended with an auction"),
            }
        }
        let ledger: BTreeMap<_, _> = self
            .ledger
            .pledged_balances()
            .map(|(i, a, q)| ((i, a), q.lots()))
            .collect();
        assert_eq!(
            ledger, pledged,
            "the ledger's pledged lots are not the register's"
        );
        for (auction, pledge) in &self.disposals {
            assert_eq!(
                self.pledges.get(pledge).and_then(|p| p.auction),
                Some(*auction),
                "disposal {auction} of a pledge not enforcing it"
            );
        }
    }
}

/// Reads the register back, if the snapshot has one.
pub(crate) fn restore(ex: &mut Exchange, r: &mut Reader<'_>) -> Result<(), DecodeError> {
    ex.pledges.clear();
    ex.disposals.clear();
    ex.next_pledge = 0;
    if r.0.is_empty() {
        return Ok(());
    }
    if r.short_str()? != SECTION {
        return Err(DecodeError("an unknown snapshot section"));
    }
    ex.next_pledge = r.u64()?;
    for _ in 0..r.u64()? {
        let id = PledgeId(r.u64()?);
        let (pledgor, pledgee, market) = (r.u32()?, r.u32()?, r.u32()?);
        let instrument = ex
            .markets
            .get(market as usize)
            .map(|m| m.listing.instrument.spec().id)
            .ok_or(DecodeError("a pledge on an unknown market"))?;
        let (qty, secured, maturity, recovered) = (r.u64()?, r.u64()?, r.u64()?, r.u64()?);
        let status = *STATUSES
            .get(usize::from(r.u8()?))
            .ok_or(DecodeError("bad pledge status"))?;
        let auction = r.opt_u64()?.map(AuctionId);
        let p = Pledge {
            pledgor: AccountId(pledgor),
            pledgee: AccountId(pledgee),
            market,
            instrument,
            qty: Qty::from_lots(qty),
            secured: Cash::from_fen(secured),
            maturity: Timestamp(maturity),
            status,
            auction,
            recovered: Cash::from_fen(recovered),
        };
        if let Some(a) = auction {
            if !ex.auctions.contains_key(&a) || ex.disposals.insert(a, id).is_some() {
                return Err(DecodeError("a disposal without its auction"));
            }
        }
        ex.pledges.insert(id, p);
    }
    let mut balances = Vec::new();
    for _ in 0..r.u64()? {
        let inst = r.instrument()?;
        balances.push((inst, AccountId(r.u32()?), Qty::from_lots(r.u64()?)));
    }
    ex.ledger
        .restore_pledged(balances)
        .map_err(|_| DecodeError("a pledged balance the ledger cannot hold"))
}
