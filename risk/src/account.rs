//! Accounts: who a participant is, where it belongs, and whether it may trade.

use core::fmt;

/// What kind of participant an account belongs to; eligibility rules are stated in kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountKind {
    /// An enterprise buying offsets and permits, or selling spare ones.
    Enterprise,
    /// A county government (trades GEP indicators within its municipality).
    CountyGovernment,
    /// A municipal "two-mountains cooperative" (两山合作社) selling collected resources.
    Cooperative,
    /// A government reserve (储备) selling permits and rights.
    GovernmentReserve,
    /// A market operator: lists, halts, credits; collects fees.
    Operator,
    /// A bank or guarantee company taking ecological assets in pledge (抵质押权人); it does
    /// not trade.
    Pledgee,
}

impl AccountKind {
    /// The stable code used in the protocol and the config.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise",
            Self::CountyGovernment => "county_government",
            Self::Cooperative => "cooperative",
            Self::GovernmentReserve => "government_reserve",
            Self::Operator => "operator",
            Self::Pledgee => "pledgee",
        }
    }
}

/// Whether an account may act.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountStatus {
    /// Trades normally.
    Active,
    /// Suspended by the operator: no new orders; its resting orders stay.
    Suspended,
    /// Kill switch thrown: everything canceled, nothing new accepted.
    Killed,
}

/// An account's static description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The account's name, as users and the protocol know it (e.g. `lishui-coop`).
    pub name: String,
    /// The kind of participant.
    pub kind: AccountKind,
    /// Where it belongs: its county or region, the municipality of a county government, or its
    /// basin; the eligibility rules compare this with the instrument's attributes.
    pub region: String,
    /// The municipality the account's region lies in (for GEP indicators).
    pub municipality: String,
    /// The river basin the account draws water from, if any (for water rights).
    pub basin: Option<String>,
    /// Accounts of one group share purchase limits (related companies).
    pub affiliation: Option<String>,
    /// Whether it may act.
    pub status: AccountStatus,
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.kind.code())
    }
}
