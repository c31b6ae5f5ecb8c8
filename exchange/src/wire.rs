//! The compact binary form of commands and snapshots: fixed-width little-endian integers,
//! short length-prefixed strings, one tag byte per enum. Not JSON: it is several times smaller
//! and needs no allocation to write. The log stores commands in it; snapshots the state.

use crate::command::{AuctionTerms, ClientOrderId, Command, OrderRequest, Sequenced};
use ecomatch_engine::auction::sealed::{Format, TieBreak, Undersubscribed};
use ecomatch_engine::book::{Phase, Side, Stp, Tif};
use ecomatch_engine::id::{
    AccountId, AuctionId, BidId, BlockId, InstrumentId, OrderId, Seq, Timestamp,
};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_risk::account::AccountStatus;
use ecomatch_risk::gate::GepRecord;

/// A payload that could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

impl core::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "bad payload: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

/// Appends encoded values to a buffer.
pub struct Writer<'a>(pub &'a mut Vec<u8>);

impl Writer<'_> {
    /// A primitive of the encoding.
    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }

    /// A primitive of the encoding.
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    /// A primitive of the encoding.
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }

    /// A primitive of the encoding.
    pub fn short_str(&mut self, s: &str) {
        let len = u8::try_from(s.len()).expect("short strings are at most 255 bytes");
        self.u8(len);
        self.0.extend_from_slice(s.as_bytes());
    }

    /// An instrument code, as a short string.
    pub fn instrument(&mut self, i: InstrumentId) {
        let b = i.as_bytes();
        self.u8(b.len() as u8); // at most INSTRUMENT_ID_MAX bytes
        self.0.extend_from_slice(b);
    }

    /// A string of any length (a u32 length, then the UTF-8 bytes).
    pub fn long_str(&mut self, s: &str) {
        self.u32(u32::try_from(s.len()).expect("a string below 4 GiB"));
        self.0.extend_from_slice(s.as_bytes());
    }

    /// A primitive of the encoding.
    pub fn bytes32(&mut self, v: &[u8; 32]) {
        self.0.extend_from_slice(v);
    }

    /// A primitive of the encoding.
    pub fn opt_u64(&mut self, v: Option<u64>) {
        match v {
            Some(v) => {
                self.u8(1);
                self.u64(v);
            }
            None => self.u8(0),
        }
    }

    /// Encodes a sequenced command.
    pub fn sequenced(&mut self, c: &Sequenced) {
        self.u64(c.seq.0);
        self.u64(c.time.0);
        self.u32(c.actor.0);
        self.command(&c.command);
    }

    /// Encodes a command (without its sequence, time and actor).
    pub fn command(&mut self, c: &Command) {
        match *c {
            Command::NewOrder(r) => {
                self.u8(1);
                self.instrument(r.instrument);
                self.u8(side(r.side));
                self.opt_u64(r.price.map(Price::ticks));
                self.u64(r.qty.lots());
                self.u8(tif(r.tif));
                self.u8(u8::from(r.post_only));
                self.u8(r.stp.map_or(255, stp));
                self.short_str(r.client_order_id.as_ref().map_or("", ClientOrderId::as_str));
            }
            Command::CancelOrder { order_id } => {
                self.u8(2);
                self.u64(order_id.0);
            }
            Command::AmendOrder {
                order_id,
                price,
                qty,
            } => {
                self.u8(3);
                self.u64(order_id.0);
                self.opt_u64(price.map(Price::ticks));
                self.opt_u64(qty.map(Qty::lots));
            }
            Command::Deposit { account, amount } => self.account_cash(4, account, amount),
            Command::Withdraw { account, amount } => self.account_cash(5, account, amount),
            Command::Issue {
                account,
                instrument,
                qty,
            } => self.account_inst_qty(6, account, instrument, qty.lots()),
            Command::Retire {
                account,
                instrument,
                qty,
            } => self.account_inst_qty(7, account, instrument, qty.lots()),
            Command::SetGep {
                account,
                instrument,
                record,
            } => {
                self.account_inst_qty(8, account, instrument, record.target);
                self.u64(record.achieved);
            }
            Command::SetNeed {
                account,
                instrument,
                qty,
            } => self.account_inst_qty(9, account, instrument, qty.lots()),
            Command::SetReferencePrice { instrument, price } => {
                self.u8(10);
                self.instrument(instrument);
                self.u64(price.ticks());
            }
            Command::SetPhase { instrument, phase } => {
                self.u8(11);
                self.instrument(instrument);
                self.u8(phase as u8);
            }
            Command::SetAccountStatus { account, status } => {
                self.u8(12);
                self.u32(account.0);
                self.u8(status as u8);
            }
            Command::Kill { account } => {
                self.u8(13);
                self.u32(account.0);
            }
            Command::OperatorCancel { order_id } => {
                self.u8(14);
                self.u64(order_id.0);
            }
            Command::ProposeBlock { .. }
            | Command::AcceptBlock { .. }
            | Command::DeclineBlock { .. } => self.block_command(c),
            Command::OpenSealedAuction(_)
            | Command::SealedBid { .. }
            | Command::AmendBid { .. }
            | Command::WithdrawBid { .. }
            | Command::CloseSealedAuction { .. } => self.sealed_command(c),
            Command::RegisterPledge { .. }
            | Command::ConfirmPledge { .. }
            | Command::DeclinePledge { .. }
            | Command::ReleasePledge { .. }
            | Command::EnforcePledge { .. }
            | Command::WithdrawEnforcement { .. } => {
                let written = self.pledge_command(c);
                debug_assert!(written, "a pledge command is written");
            }
        }
    }

    fn block_command(&mut self, c: &Command) {
        match *c {
            Command::ProposeBlock {
                instrument,
                counterparty,
                side: s,
                price,
                qty,
                expires,
            } => {
                self.u8(15);
                self.instrument(instrument);
                self.u32(counterparty.0);
                self.u8(side(s));
                self.u64(price.ticks());
                self.u64(qty.lots());
                self.u64(expires.0);
            }
            Command::AcceptBlock { block_id } => {
                self.u8(16);
                self.u64(block_id.0);
            }
            Command::DeclineBlock { block_id } => {
                self.u8(17);
                self.u64(block_id.0);
            }
            _ => unreachable!("only block trade commands come here"),
        }
    }

    fn sealed_command(&mut self, c: &Command) {
        match *c {
            Command::OpenSealedAuction(t) => {
                self.u8(18);
                self.auction_terms(&t);
            }
            Command::SealedBid {
                auction_id,
                price,
                qty,
            } => {
                self.u8(19);
                self.u64(auction_id.0);
                self.u64(price.ticks());
                self.u64(qty.lots());
            }
            Command::AmendBid { bid_id, price, qty } => {
                self.u8(20);
                self.u64(bid_id.0);
                self.opt_u64(price.map(Price::ticks));
                self.opt_u64(qty.map(Qty::lots));
            }
            Command::WithdrawBid { bid_id } => {
                self.u8(21);
                self.u64(bid_id.0);
            }
            Command::CloseSealedAuction { auction_id } => {
                self.u8(22);
                self.u64(auction_id.0);
            }
            _ => unreachable!("only sealed-bid auction commands come here"),
        }
    }

    /// The terms of a sealed-bid auction (in commands and snapshots).
    pub fn auction_terms(&mut self, t: &AuctionTerms) {
        self.instrument(t.instrument);
        self.u32(t.seller.0);
        self.u64(t.offer.lots());
        self.u64(t.reserve.ticks());
        self.opt_u64(t.cap.map(Price::ticks));
        self.u8(format(t.format));
        self.u8(tie_break(t.tie_break));
        self.u32(u32::from(t.bidder_limit_bps));
        self.u32(u32::from(t.group_limit_bps));
        self.u8(undersubscribed(t.undersubscribed));
        self.u64(t.opens.0);
        self.u64(t.closes.0);
        self.bytes32(&t.seed);
    }

    fn account_cash(&mut self, tag: u8, account: AccountId, amount: Cash) {
        self.u8(tag);
        self.u32(account.0);
        self.u64(amount.fen());
    }

    fn account_inst_qty(&mut self, tag: u8, account: AccountId, inst: InstrumentId, v: u64) {
        self.u8(tag);
        self.u32(account.0);
        self.instrument(inst);
        self.u64(v);
    }
}

/// The tag of a side.
pub fn side(s: Side) -> u8 {
    match s {
        Side::Buy => 0,
        Side::Sell => 1,
    }
}

/// The tag of a time in force.
pub fn tif(t: Tif) -> u8 {
    match t {
        Tif::Gtc => 0,
        Tif::Day => 1,
        Tif::Ioc => 2,
        Tif::Fok => 3,
    }
}

/// The tag of a self-trade prevention mode.
pub fn stp(s: Stp) -> u8 {
    match s {
        Stp::CancelNewest => 0,
        Stp::CancelOldest => 1,
        Stp::CancelBoth => 2,
        Stp::Decrement => 3,
    }
}

/// The tag of an auction format.
pub fn format(f: Format) -> u8 {
    match f {
        Format::Uniform => 0,
        Format::PayAsBid => 1,
    }
}

/// The tag of a tie-break rule.
pub fn tie_break(t: TieBreak) -> u8 {
    match t {
        TieBreak::Time => 0,
        TieBreak::ProRata => 1,
        TieBreak::Random => 2,
    }
}

/// The tag of an undersubscription policy.
pub fn undersubscribed(u: Undersubscribed) -> u8 {
    match u {
        Undersubscribed::Cancel => 0,
        Undersubscribed::SellAtReserve => 1,
    }
}

/// Reads encoded values from a slice.
pub struct Reader<'a>(pub &'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], DecodeError> {
        if self.0.len() < n {
            return Err(DecodeError("payload too short"));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }

    /// A primitive of the encoding.
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    /// A primitive of the encoding.
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    /// A primitive of the encoding.
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    /// A primitive of the encoding.
    pub fn short_str(&mut self) -> Result<&str, DecodeError> {
        let n = usize::from(self.u8()?);
        core::str::from_utf8(self.take(n)?).map_err(|_| DecodeError("string is not UTF-8"))
    }

    /// A string written by [`Writer::long_str`].
    pub fn long_str(&mut self) -> Result<&str, DecodeError> {
        let n = self.u32()? as usize;
        core::str::from_utf8(self.take(n)?).map_err(|_| DecodeError("string is not UTF-8"))
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A primitive of the encoding.
    pub fn bytes32(&mut self) -> Result<[u8; 32], DecodeError> {
        let mut v = [0u8; 32];
        v.copy_from_slice(self.take(32)?);
        Ok(v)
    }

    /// A primitive of the encoding.
    pub fn opt_u64(&mut self) -> Result<Option<u64>, DecodeError> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.u64().map(Some),
            _ => Err(DecodeError("bad option tag")),
        }
    }

    /// A primitive of the encoding.
    pub fn instrument(&mut self) -> Result<InstrumentId, DecodeError> {
        let n = usize::from(self.u8()?);
        // Instrument codes are ASCII, so checking their bytes checks their UTF-8 too.
        InstrumentId::from_ascii(self.take(n)?).map_err(|_| DecodeError("bad instrument id"))
    }

    /// Decodes a sequenced command; the whole payload must be used.
    pub fn sequenced(&mut self) -> Result<Sequenced, DecodeError> {
        let seq = Seq(self.u64()?);
        let time = Timestamp(self.u64()?);
        let actor = AccountId(self.u32()?);
        let command = self.command()?;
        if !self.0.is_empty() {
            return Err(DecodeError("trailing bytes"));
        }
        Ok(Sequenced {
            seq,
            time,
            actor,
            command,
        })
    }

    /// Decodes a command written by [`Writer::command`].
    pub fn command(&mut self) -> Result<Command, DecodeError> {
        Ok(match self.u8()? {
            1 => Command::NewOrder(self.order()?),
            2 => Command::CancelOrder {
                order_id: OrderId(self.u64()?),
            },
            3 => Command::AmendOrder {
                order_id: OrderId(self.u64()?),
                price: self.opt_u64()?.map(Price::from_ticks),
                qty: self.opt_u64()?.map(Qty::from_lots),
            },
            4 => Command::Deposit {
                account: AccountId(self.u32()?),
                amount: Cash::from_fen(self.u64()?),
            },
            5 => Command::Withdraw {
                account: AccountId(self.u32()?),
                amount: Cash::from_fen(self.u64()?),
            },
            6 => Command::Issue {
                account: AccountId(self.u32()?),
                instrument: self.instrument()?,
                qty: Qty::from_lots(self.u64()?),
            },
            7 => Command::Retire {
                account: AccountId(self.u32()?),
                instrument: self.instrument()?,
                qty: Qty::from_lots(self.u64()?),
            },
            8 => Command::SetGep {
                account: AccountId(self.u32()?),
                instrument: self.instrument()?,
                record: GepRecord {
                    target: self.u64()?,
                    achieved: self.u64()?,
                },
            },
            9 => Command::SetNeed {
                account: AccountId(self.u32()?),
                instrument: self.instrument()?,
                qty: Qty::from_lots(self.u64()?),
            },
            10 => Command::SetReferencePrice {
                instrument: self.instrument()?,
                price: Price::from_ticks(self.u64()?),
            },
            11 => Command::SetPhase {
                instrument: self.instrument()?,
                phase: phase_of(self.u8()?)?,
            },
            12 => Command::SetAccountStatus {
                account: AccountId(self.u32()?),
                status: status_of(self.u8()?)?,
            },
            13 => Command::Kill {
                account: AccountId(self.u32()?),
            },
            14 => Command::OperatorCancel {
                order_id: OrderId(self.u64()?),
            },
            15 => Command::ProposeBlock {
                instrument: self.instrument()?,
                counterparty: AccountId(self.u32()?),
                side: side_of(self.u8()?)?,
                price: Price::from_ticks(self.u64()?),
                qty: Qty::from_lots(self.u64()?),
                expires: Timestamp(self.u64()?),
            },
            16 => Command::AcceptBlock {
                block_id: BlockId(self.u64()?),
            },
            17 => Command::DeclineBlock {
                block_id: BlockId(self.u64()?),
            },
            tag @ 18..=22 => self.sealed_command(tag)?,
            tag @ 23..=28 => self.pledge_command(tag)?,
            _ => return Err(DecodeError("unknown command tag")),
        })
    }

    fn sealed_command(&mut self, tag: u8) -> Result<Command, DecodeError> {
        Ok(match tag {
            18 => Command::OpenSealedAuction(self.auction_terms()?),
            19 => Command::SealedBid {
                auction_id: AuctionId(self.u64()?),
                price: Price::from_ticks(self.u64()?),
                qty: Qty::from_lots(self.u64()?),
            },
            20 => Command::AmendBid {
                bid_id: BidId(self.u64()?),
                price: self.opt_u64()?.map(Price::from_ticks),
                qty: self.opt_u64()?.map(Qty::from_lots),
            },
            21 => Command::WithdrawBid {
                bid_id: BidId(self.u64()?),
            },
            22 => Command::CloseSealedAuction {
                auction_id: AuctionId(self.u64()?),
            },
            _ => return Err(DecodeError("unknown command tag")),
        })
    }

    /// The terms of a sealed-bid auction.
    pub fn auction_terms(&mut self) -> Result<AuctionTerms, DecodeError> {
        let bps = |v: u32| u16::try_from(v).map_err(|_| DecodeError("bad purchase limit"));
        Ok(AuctionTerms {
            instrument: self.instrument()?,
            seller: AccountId(self.u32()?),
            offer: Qty::from_lots(self.u64()?),
            reserve: Price::from_ticks(self.u64()?),
            cap: self.opt_u64()?.map(Price::from_ticks),
            format: format_of(self.u8()?)?,
            tie_break: tie_break_of(self.u8()?)?,
            bidder_limit_bps: bps(self.u32()?)?,
            group_limit_bps: bps(self.u32()?)?,
            undersubscribed: undersubscribed_of(self.u8()?)?,
            opens: Timestamp(self.u64()?),
            closes: Timestamp(self.u64()?),
            seed: self.bytes32()?,
        })
    }

    fn order(&mut self) -> Result<OrderRequest, DecodeError> {
        let instrument = self.instrument()?;
        let side = side_of(self.u8()?)?;
        let price = self.opt_u64()?.map(Price::from_ticks);
        let qty = Qty::from_lots(self.u64()?);
        let tif = tif_of(self.u8()?)?;
        let post_only = self.flag()?;
        let stp = match self.u8()? {
            255 => None,
            v => Some(stp_of(v)?),
        };
        let client_order_id = self.client_order_id()?;
        Ok(OrderRequest {
            instrument,
            side,
            price,
            qty,
            tif,
            post_only,
            stp,
            client_order_id,
        })
    }

    /// A boolean written as 0 or 1.
    pub fn flag(&mut self) -> Result<bool, DecodeError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError("bad flag")),
        }
    }

    /// A client order id written as a short string (empty for none).
    pub fn client_order_id(&mut self) -> Result<Option<ClientOrderId>, DecodeError> {
        if self.0.first() == Some(&0) {
            self.0 = &self.0[1..]; // the common case: no client order id
            return Ok(None);
        }
        ClientOrderId::new(self.short_str()?)
            .map(Some)
            .ok_or(DecodeError("bad client order id"))
    }
}

/// The side of a tag.
pub fn side_of(v: u8) -> Result<Side, DecodeError> {
    [Side::Buy, Side::Sell]
        .into_iter()
        .find(|s| side(*s) == v)
        .ok_or(DecodeError("bad side"))
}

/// The time in force of a tag.
pub fn tif_of(v: u8) -> Result<Tif, DecodeError> {
    [Tif::Gtc, Tif::Day, Tif::Ioc, Tif::Fok]
        .into_iter()
        .find(|t| tif(*t) == v)
        .ok_or(DecodeError("bad time in force"))
}

/// The self-trade prevention mode of a tag.
pub fn stp_of(v: u8) -> Result<Stp, DecodeError> {
    [
        Stp::CancelNewest,
        Stp::CancelOldest,
        Stp::CancelBoth,
        Stp::Decrement,
    ]
    .into_iter()
    .find(|m| stp(*m) == v)
    .ok_or(DecodeError("bad self-trade prevention"))
}
/// The phase of a tag.
pub fn phase_of(v: u8) -> Result<Phase, DecodeError> {
    [Phase::Closed, Phase::Continuous, Phase::Halted, Phase::Call]
        .into_iter()
        .find(|p| *p as u8 == v)
        .ok_or(DecodeError("bad phase"))
}

/// The account status of a tag.
pub fn status_of(v: u8) -> Result<AccountStatus, DecodeError> {
    [
        AccountStatus::Active,
        AccountStatus::Suspended,
        AccountStatus::Killed,
    ]
    .into_iter()
    .find(|s| *s as u8 == v)
    .ok_or(DecodeError("bad account status"))
}

/// The auction format of a tag.
pub fn format_of(v: u8) -> Result<Format, DecodeError> {
    [Format::Uniform, Format::PayAsBid]
        .into_iter()
        .find(|f| format(*f) == v)
        .ok_or(DecodeError("bad auction format"))
}

/// The tie-break rule of a tag.
pub fn tie_break_of(v: u8) -> Result<TieBreak, DecodeError> {
    [TieBreak::Time, TieBreak::ProRata, TieBreak::Random]
        .into_iter()
        .find(|t| tie_break(*t) == v)
        .ok_or(DecodeError("bad tie-break"))
}

/// The undersubscription policy of a tag.
pub fn undersubscribed_of(v: u8) -> Result<Undersubscribed, DecodeError> {
    [Undersubscribed::Cancel, Undersubscribed::SellAtReserve]
        .into_iter()
        .find(|u| undersubscribed(*u) == v)
        .ok_or(DecodeError("bad undersubscription policy"))
}
