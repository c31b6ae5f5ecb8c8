//! What an exchange starts from: the instruments as listed, the accounts, the fee account and
//! the opening commands, and why a genesis can be refused.

use ecomatch_engine::id::{AccountId, InstrumentId};
use ecomatch_engine::instrument::Instrument;
use ecomatch_engine::quantity::Qty;
use ecomatch_risk::account::Account;
use ecomatch_risk::gate::Eligibility;

use crate::command::Command;
use crate::reject::Reject;

/// An instrument as listed: its definition and its trading terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    /// The instrument.
    pub instrument: Instrument,
    /// Fee on each side of a trade, in basis points of its value.
    pub fee_bps: u32,
    /// Who may trade it.
    pub eligibility: Eligibility,
    /// The most an account may hold and have bought or open to buy, if limited.
    pub holding_limit: Option<Qty>,
    /// Whether its lots may be pledged (see the pledge module); [`default_pledgeable`] unless
    /// the configuration says otherwise.
    pub pledgeable: bool,
}

/// Whether a family may be pledged when the configuration does not say: emission permits,
/// carbon sinks, water rights and energy-use rights, the rights Zhejiang's banks already take
/// in pledge (排污权抵押贷款, 林权 and carbon-sink pledges, 水权 and 用能权 pledges); not GEP
/// indicators, a county's accounting position rather than an asset, nor ecological credits.
pub const fn default_pledgeable(family: ecomatch_engine::instrument::Family) -> bool {
    use ecomatch_engine::instrument::Family;
    matches!(
        family,
        Family::EmissionPermit
            | Family::ForestryCarbonSink
            | Family::WaterRight
            | Family::EnergyUseRight
    )
}

/// Everything the exchange starts from: listings, accounts, the fee account, and opening
/// operator commands (initial cash, holdings, GEP records, needs) applied before the first
/// sequenced command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Genesis {
    /// Instruments and their terms.
    pub listings: Vec<Listing>,
    /// Accounts, numbered in this order from 0.
    pub accounts: Vec<Account>,
    /// The operator account that receives fees and issues the opening commands.
    pub fee_account: AccountId,
    /// Operator commands applied at start.
    pub opening: Vec<Command>,
}

/// Why a genesis could not start an exchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GenesisError {
    /// Two listings with one id.
    DuplicateInstrument(InstrumentId),
    /// Two accounts with one name.
    DuplicateAccount(String),
    /// The fee account is missing or not an operator.
    FeeAccount,
    /// A listing's fee is above 10000 bps: more than the trade's value, which no seller's
    /// proceeds could pay.
    Fee(InstrumentId),
    /// An opening command was refused.
    Opening {
        /// Its position in `opening`.
        index: usize,
        /// Why.
        reject: Reject,
    },
}

impl core::fmt::Display for GenesisError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::DuplicateInstrument(i) => write!(f, "instrument {i} is listed twice"),
            Self::DuplicateAccount(a) => write!(f, "account {a} is defined twice"),
            Self::FeeAccount => f.write_str("the fee account must be an operator account"),
            Self::Fee(i) => write!(f, "instrument {i}: fee_bps must be at most 10000"),
            Self::Opening { index, reject } => {
                write!(
                    f,
                    "opening command {index} refused: {} ({reject})",
                    reject.code()
                )
            }
        }
    }
}

impl std::error::Error for GenesisError {}
