//! The pledge commands in the log's binary encoding (tags 23 to 28; see `wire`).

use ecomatch_engine::id::{AccountId, PledgeId, Timestamp};
use ecomatch_engine::quantity::{Cash, Price, Qty};

use crate::command::Command;
use crate::wire::{DecodeError, Reader, Writer};

impl Writer<'_> {
    /// A pledge command, tag first; false (nothing written) for any other command.
    pub(crate) fn pledge_command(&mut self, c: &Command) -> bool {
        match *c {
            Command::RegisterPledge {
                pledgee,
                instrument,
                qty,
                secured,
                maturity,
            } => {
                self.u8(23);
                self.u32(pledgee.0);
                self.instrument(instrument);
                self.u64(qty.lots());
                self.u64(secured.fen());
                self.u64(maturity.0);
            }
            Command::ConfirmPledge { pledge_id } => self.tagged(24, pledge_id),
            Command::DeclinePledge { pledge_id } => self.tagged(25, pledge_id),
            Command::ReleasePledge { pledge_id, qty } => {
                self.tagged(26, pledge_id);
                self.u64(qty.lots());
            }
            Command::EnforcePledge {
                pledge_id,
                reserve,
                closes,
            } => {
                self.tagged(27, pledge_id);
                self.u64(reserve.ticks());
                self.u64(closes.0);
            }
            Command::WithdrawEnforcement { pledge_id } => self.tagged(28, pledge_id),
            _ => return false,
        }
        true
    }

    fn tagged(&mut self, tag: u8, id: PledgeId) {
        self.u8(tag);
        self.u64(id.0);
    }
}

impl Reader<'_> {
    /// The pledge command of `tag` (23 to 28).
    pub(crate) fn pledge_command(&mut self, tag: u8) -> Result<Command, DecodeError> {
        Ok(match tag {
            23 => Command::RegisterPledge {
                pledgee: AccountId(self.u32()?),
                instrument: self.instrument()?,
                qty: Qty::from_lots(self.u64()?),
                secured: Cash::from_fen(self.u64()?),
                maturity: Timestamp(self.u64()?),
            },
            24 => Command::ConfirmPledge {
                pledge_id: PledgeId(self.u64()?),
            },
            25 => Command::DeclinePledge {
                pledge_id: PledgeId(self.u64()?),
            },
            26 => Command::ReleasePledge {
                pledge_id: PledgeId(self.u64()?),
                qty: Qty::from_lots(self.u64()?),
            },
            27 => Command::EnforcePledge {
                pledge_id: PledgeId(self.u64()?),
                reserve: Price::from_ticks(self.u64()?),
                closes: Timestamp(self.u64()?),
            },
            28 => Command::WithdrawEnforcement {
                pledge_id: PledgeId(self.u64()?),
            },
            _ => return Err(DecodeError("unknown command tag")),
        })
    }
}
