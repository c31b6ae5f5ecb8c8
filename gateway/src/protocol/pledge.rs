//! The pledge requests and messages: `register_pledge`, `confirm_pledge`, `decline_pledge`,
//! `release_pledge`, `enforce_pledge`, `withdraw_enforcement`, `get_pledges`; the private
//! `pledge` report, the public `disposal` notice and the `pledges` answer.

use ecomatch_engine::id::{InstrumentId, PledgeId, Timestamp};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_exchange::catalog::{self, Catalog};
use ecomatch_exchange::pledge::Pledge;
use ecomatch_exchange::report::{DisposalNotice, PledgeReport};
use ecomatch_exchange::{Command, Exchange};
use rust_decimal::Decimal;

use super::error::{EdgeCode, EdgeError};
use super::field::{account, converted, decimal, id_of, instrument, lots, qty, ticks};
use super::format::parse_time;
use super::message::{self as m, Body, Shown, Time};
use super::request::{EnforcePledgeReq, RegisterPledgeReq, ReleasePledgeReq};

/// A pledge id: a decimal string.
pub(super) fn pledge_id(s: &str) -> Result<PledgeId, EdgeError> {
    id_of("pledge_id", EdgeCode::BadPledgeId, s).map(PledgeId)
}

pub(super) fn register(catalog: &Catalog, r: &RegisterPledgeReq) -> Result<Command, EdgeError> {
    let p = instrument(catalog, &r.instrument)?;
    Ok(Command::RegisterPledge {
        pledgee: account(catalog, &r.pledgee)?,
        instrument: p.id,
        qty: qty(p, "qty", &r.qty)?,
        secured: converted(
            "secured_amount",
            Cash::from_decimal(decimal("secured_amount", &r.secured_amount)?),
        )?,
        maturity: parse_time(Some(&r.maturity))?,
    })
}

pub(super) fn release(r: &ReleasePledgeReq) -> Result<PendingPledge, EdgeError> {
    Ok(PendingPledge::Release {
        pledge_id: pledge_id(&r.pledge_id)?,
        qty: decimal("qty", &r.qty)?,
    })
}

pub(super) fn enforce(r: &EnforcePledgeReq) -> Result<PendingPledge, EdgeError> {
    Ok(PendingPledge::Enforce {
        pledge_id: pledge_id(&r.pledge_id)?,
        reserve: decimal("reserve", &r.reserve)?,
        closes: parse_time(Some(&r.closes_at))?,
    })
}

/// A pledge command whose quantity or price is in the pledged instrument's lots or ticks,
/// which only the exchange's register knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PendingPledge {
    /// `release_pledge`.
    Release {
        /// The pledge.
        pledge_id: PledgeId,
        /// The lots released.
        qty: Decimal,
    },
    /// `enforce_pledge`.
    Enforce {
        /// The pledge.
        pledge_id: PledgeId,
        /// The disposal's reserve.
        reserve: Decimal,
        /// When the disposal closes.
        closes: Timestamp,
    },
}

impl PendingPledge {
    /// The command against the register. An unknown pledge goes on with zeros, for the
    /// exchange to refuse as unknown (before anything about its terms).
    pub(super) fn resolve(self, ex: &Exchange) -> Result<Command, EdgeError> {
        let product = |id| {
            ex.pledge(id)
                .and_then(|p| ex.catalog().product(p.instrument))
        };
        Ok(match self {
            Self::Release { pledge_id, qty } => Command::ReleasePledge {
                pledge_id,
                qty: match product(pledge_id) {
                    Some(p) => lots(p, "qty", qty)?,
                    None => Qty::ZERO,
                },
            },
            Self::Enforce {
                pledge_id,
                reserve,
                closes,
            } => Command::EnforcePledge {
                pledge_id,
                reserve: match product(pledge_id) {
                    Some(p) => ticks(p, reserve)?,
                    None => Price::from_ticks(0),
                },
                closes,
            },
        })
    }
}

/// The `pledge` report.
pub(super) fn report(catalog: &Catalog, r: &PledgeReport) -> Body {
    Body::Pledge(message(catalog, r))
}

/// A quantity of `instrument` in its unit (the lots themselves, were it not listed).
fn in_unit(catalog: &Catalog, instrument: InstrumentId, q: Qty) -> Decimal {
    catalog
        .product(instrument)
        .map_or_else(|| Decimal::from(q.lots()), |p| p.qty(q))
}

fn message(catalog: &Catalog, r: &PledgeReport) -> m::Pledge {
    m::Pledge {
        pledge_id: Shown(r.pledge_id),
        pledgor: catalog.name(r.pledgor).into_owned(),
        pledgee: catalog.name(r.pledgee).into_owned(),
        instrument: Shown(r.instrument),
        qty: in_unit(catalog, r.instrument, r.qty),
        secured_amount: catalog::cash(r.secured),
        maturity: Time(r.maturity),
        status: r.status.as_str(),
        auction_id: r.auction_id.map(Shown),
        recovered: catalog::cash(r.recovered),
    }
}

/// One pledge of the register, as its report reads.
pub(super) fn entry(catalog: &Catalog, id: PledgeId, p: &Pledge) -> m::Pledge {
    message(catalog, &p.report(id))
}

/// The public `disposal` notice.
pub(super) fn disposal(catalog: &Catalog, d: &DisposalNotice, seq: u64) -> Body {
    Body::Disposal(notice(catalog, d, seq))
}

/// The fields of a `disposal` notice, numbered `seq`.
pub fn notice(catalog: &Catalog, d: &DisposalNotice, seq: u64) -> m::Disposal {
    m::Disposal {
        instrument: Shown(d.instrument),
        seq,
        pledge_id: Shown(d.pledge_id),
        auction_id: Shown(d.auction_id),
        pledgee: catalog.name(d.pledgee).into_owned(),
        status: d.status.as_str(),
        offer: in_unit(catalog, d.instrument, d.offer),
        sold: in_unit(catalog, d.instrument, d.sold),
    }
}
