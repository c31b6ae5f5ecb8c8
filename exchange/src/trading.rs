//! Order entry, cancel and amend through the pre-trade gate, and the turning of book events
//! into settlement, holds released, and reports.

use ecomatch_engine::book::{BookError, CancelReason, Event, NewOrder, Phase, Side, Stp};
use ecomatch_engine::id::{AccountId, OrderId, Timestamp, TradeId};
use ecomatch_engine::quantity::{Cash, Price, Qty};
use ecomatch_risk::fee;
use ecomatch_risk::gate::{self, GateError, QuotaKind};
use ecomatch_risk::ledger::Settlement;

use crate::command::{Command, OrderRequest, Sequenced};
use crate::output::{
    FillReport, Liquidity, Message, OrderReason, OrderReport, OrderStatus, Output, Recipient,
    Reject,
};
use crate::state::{Exchange, OpenOrder};

impl Exchange {
    /// Applies one command: either it succeeds and `out` receives every message it causes, or
    /// it is refused, nothing changes, and `out` receives one reject for the sender.
    pub fn apply(&mut self, cmd: &Sequenced, out: &mut Vec<Output>) {
        assert!(
            cmd.seq > self.last_seq,
            "sequence {} after {}",
            cmd.seq,
            self.last_seq
        );
        self.last_seq = cmd.seq;
        if let Err(reject) = self.execute(cmd, out) {
            out.push(Output {
                to: Recipient::Account(cmd.actor),
                reply: true,
                seq: 0,
                msg: Message::Reject(reject),
            });
        }
    }

    pub(crate) fn execute(&mut self, cmd: &Sequenced, out: &mut Vec<Output>) -> Result<(), Reject> {
        self.ledger
            .account(cmd.actor)
            .map_err(|_| Reject::UnknownAccount(cmd.actor))?;
        match cmd.command {
            Command::NewOrder(req) => self.new_order(cmd.actor, cmd.time, &req, out),
            Command::CancelOrder { order_id } => self.cancel(cmd.actor, order_id, cmd.time, out),
            Command::AmendOrder {
                order_id,
                price,
                qty,
            } => self.amend(cmd.actor, order_id, price, qty, cmd.time, out),
            Command::ProposeBlock { .. }
            | Command::AcceptBlock { .. }
            | Command::DeclineBlock { .. } => self.block_command(cmd, out),
            Command::OpenSealedAuction(_)
            | Command::SealedBid { .. }
            | Command::AmendBid { .. }
            | Command::WithdrawBid { .. }
            | Command::CloseSealedAuction { .. } => self.sealed_command(cmd, out),
            _ => match self.pledge_command(cmd, out) {
                Some(done) => done,
                None => self.operator(cmd, out),
            },
        }
    }

    fn new_order(
        &mut self,
        actor: AccountId,
        time: Timestamp,
        req: &OrderRequest,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let m = self.market_of(req.instrument)?;
        let market = &self.markets[m as usize];
        let inst = &market.listing.instrument;
        let in_call = market.book.phase() == Phase::Call;
        let modes = inst.spec().modes;
        if (in_call && !modes.call_auction) || (!in_call && !modes.continuous) {
            return Err(Reject::ModeNotAllowed);
        }
        let account = self.ledger.account(actor)?;
        market.listing.eligibility.check(account, req.side)?;
        let (lo, hi) = market.book.band();
        let price = req
            .price
            .unwrap_or(if req.side == Side::Buy { hi } else { lo });
        gate::check_size(inst, req.qty, price.checked_mul(req.qty))?;
        self.check_quotas(actor, m, req.side, req.qty.lots())?;
        if in_call {
            self.ensure_depth(m)?;
            self.validate_call(m, req)?;
        }
        let per_lot_hold = self.reserve(actor, m, req.side, price, req.qty)?;
        if in_call {
            self.enter_call(m, actor, req, (price, per_lot_hold), out);
            return Ok(());
        }
        let id = OrderId(self.ids.after(self.next_order));
        let order = NewOrder {
            id,
            account: actor,
            side: req.side,
            price: req.price,
            qty: req.qty,
            tif: req.tif,
            post_only: req.post_only,
            stp: req.stp.unwrap_or(Stp::CancelNewest),
        };
        self.events.clear();
        if let Err(e) = self.markets[m as usize]
            .book
            .submit(&order, &mut self.events)
        {
            self.unreserve(actor, m, req.side, per_lot_hold, req.qty);
            return Err(e.into());
        }
        self.record_open(id, actor, m, req, (price, per_lot_hold));
        self.process_events(m, time, out);
        Ok(())
    }

    /// Takes the id and records a new open order with its hold, for the book or a call: the
    /// one place an order starts counting toward its account's open quantity.
    pub(crate) fn record_open(
        &mut self,
        id: OrderId,
        actor: AccountId,
        m: u32,
        req: &OrderRequest,
        (price, per_lot_hold): (Price, u64),
    ) -> OpenOrder {
        self.next_order = id.0;
        let o = OpenOrder {
            account: actor,
            market: m,
            side: req.side,
            price,
            qty: req.qty,
            filled: Qty::ZERO,
            per_lot_hold,
            client_order_id: req.client_order_id,
        };
        self.orders.insert(id, o);
        self.add_open(actor, m, req.side, i128::from(req.qty.lots()));
        o
    }

    /// GEP quota, need cap and holding limit for `more` lots on `side`.
    pub(crate) fn check_quotas(
        &self,
        actor: AccountId,
        m: u32,
        side: Side,
        more: u64,
    ) -> Result<(), Reject> {
        let market = &self.markets[m as usize];
        let usage = self.usage.get(&(actor, m)).copied().unwrap_or_default();
        if gate::is_gep(&market.listing.instrument) {
            let record = self.gep.get(&(actor, m)).ok_or(GateError::NoGepRecord)?;
            gate::check_quota(QuotaKind::Gep, usage, side, more, record.allowance(side))?;
        }
        if side == Side::Buy && market.listing.eligibility.buyer_needs_approval {
            let need = self
                .needs
                .get(&(actor, m))
                .ok_or(GateError::NoApprovedNeed)?;
            gate::check_quota(QuotaKind::Need, usage, side, more, *need)?;
        }
        if let (Side::Buy, Some(limit)) = (side, market.listing.holding_limit) {
            let held = self
                .ledger
                .holding(actor, market.listing.instrument.spec().id)?
                .total()
                .lots();
            // Holdings already include what was bought, so count only what is open to buy.
            let open = gate::Usage {
                open_buy: usage.open_buy,
                ..gate::Usage::default()
            };
            gate::check_quota(
                QuotaKind::HoldingLimit,
                open,
                side,
                more.saturating_add(held),
                limit.lots(),
            )?;
        }
        Ok(())
    }

    /// Holds cash (buys) or locks lots (sells) for `qty`; returns the cash held per lot.
    fn reserve(
        &mut self,
        actor: AccountId,
        m: u32,
        side: Side,
        price: Price,
        qty: Qty,
    ) -> Result<u64, Reject> {
        match side {
            Side::Buy => {
                let per_lot = self
                    .per_lot_hold(m, price)
                    .ok_or(Reject::Ledger(ecomatch_risk::error::LedgerError::Overflow))?;
                let hold = per_lot
                    .checked_mul(qty.lots())
                    .ok_or(Reject::Ledger(ecomatch_risk::error::LedgerError::Overflow))?;
                self.ledger.hold_cash(actor, Cash::from_fen(hold))?;
                Ok(per_lot)
            }
            Side::Sell => {
                let inst = self.markets[m as usize].listing.instrument.spec().id;
                self.ledger.lock(actor, inst, qty)?;
                Ok(0)
            }
        }
    }

    /// Gives back what [`Self::reserve`] took for `qty` open lots.
    pub(crate) fn unreserve(
        &mut self,
        actor: AccountId,
        m: u32,
        side: Side,
        per_lot: u64,
        qty: Qty,
    ) {
        let r = match side {
            Side::Buy => self
                .ledger
                .release_cash(actor, Cash::from_fen(per_lot * qty.lots())),
            Side::Sell => {
                let inst = self.markets[m as usize].listing.instrument.spec().id;
                self.ledger.unlock(actor, inst, qty)
            }
        };
        r.expect("a hold is released exactly as it was taken");
    }

    pub(crate) fn add_open(&mut self, actor: AccountId, m: u32, side: Side, delta: i128) {
        let u = self.usage.entry((actor, m)).or_default();
        let open = match side {
            Side::Buy => &mut u.open_buy,
            Side::Sell => &mut u.open_sell,
        };
        *open = u64::try_from(i128::from(*open) + delta).expect("open quantity stays in range");
    }

    /// The actor's own open order, or the refusal an outsider gets (never revealing others').
    fn own_order(&self, actor: AccountId, order_id: OrderId) -> Result<OpenOrder, Reject> {
        match self.orders.get(&order_id) {
            Some(o) if o.account == actor => Ok(*o),
            None if self.ids.gave(order_id.0, self.next_order) => {
                Err(Reject::Book(BookError::OrderNotOpen(order_id)))
            }
            _ => Err(Reject::Book(BookError::UnknownOrder(order_id))),
        }
    }

    fn cancel(
        &mut self,
        actor: AccountId,
        order_id: OrderId,
        time: Timestamp,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let o = self.own_order(actor, order_id)?;
        self.cancel_order(o.market, order_id, CancelReason::Requested, time, out)
    }

    /// Cancels an order (resting or collected for a call) and settles the consequences; in a
    /// call the indicative price is republished.
    pub(crate) fn cancel_order(
        &mut self,
        m: u32,
        id: OrderId,
        reason: CancelReason,
        time: Timestamp,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        self.withdraw_order(m, id, reason, time, out)?;
        if self.markets[m as usize].book.phase() == Phase::Call {
            self.publish_indicative(m, out);
        }
        Ok(())
    }

    /// Cancels an order without republishing the indicative price: for sweeps over many
    /// orders, which publish once at the end.
    pub(crate) fn withdraw_order(
        &mut self,
        m: u32,
        id: OrderId,
        reason: CancelReason,
        time: Timestamp,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        if self.cancel_call(m, id, reason, out) {
            return Ok(());
        }
        self.events.clear();
        self.markets[m as usize]
            .book
            .cancel(id, reason, &mut self.events)?;
        self.process_events(m, time, out);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn amend(
        &mut self,
        actor: AccountId,
        id: OrderId,
        price: Option<Price>,
        qty: Option<Qty>,
        time: Timestamp,
        out: &mut Vec<Output>,
    ) -> Result<(), Reject> {
        let o = self.own_order(actor, id)?;
        let m = o.market;
        // A suspended or killed account may cancel, but not amend: an amend can trade.
        gate::check_status(self.ledger.account(actor)?)?;
        let new_price = price.unwrap_or(o.price);
        let new_qty = qty.unwrap_or(o.qty);
        let (old_leaves, new_leaves) = (
            o.leaves().lots(),
            new_qty.lots().saturating_sub(o.filled.lots()),
        );
        if new_leaves > old_leaves || new_price != o.price {
            gate::check_size(
                &self.markets[m as usize].listing.instrument,
                new_qty,
                new_price.checked_mul(new_qty),
            )?;
        }
        if new_leaves > old_leaves {
            self.check_quotas(actor, m, o.side, new_leaves - old_leaves)?;
        }
        let per_lot = if o.side == Side::Buy {
            self.per_lot_hold(m, new_price)
                .ok_or(Reject::Ledger(ecomatch_risk::error::LedgerError::Overflow))?
        } else {
            0
        };
        let (old_hold, new_hold) = match o.side {
            Side::Buy => (
                u128::from(o.per_lot_hold) * u128::from(old_leaves),
                u128::from(per_lot) * u128::from(new_leaves),
            ),
            Side::Sell => (u128::from(old_leaves), u128::from(new_leaves)),
        };
        let extra = u64::try_from(new_hold.saturating_sub(old_hold))
            .map_err(|_| Reject::Ledger(ecomatch_risk::error::LedgerError::Overflow))?;
        if extra > 0 {
            self.reserve_more(actor, m, o.side, extra)?;
        }
        self.events.clear();
        if let Err(e) = self.markets[m as usize]
            .book
            .amend(id, price, qty, &mut self.events)
        {
            if extra > 0 {
                self.release_amount(actor, m, o.side, extra);
            }
            return Err(e.into());
        }
        let freed = old_hold.saturating_sub(new_hold) as u64;
        if freed > 0 {
            self.release_amount(actor, m, o.side, freed);
        }
        let order = self.orders.get_mut(&id).expect("an amended order is open");
        order.per_lot_hold = per_lot;
        self.add_open(
            actor,
            m,
            o.side,
            i128::from(new_leaves) - i128::from(old_leaves),
        );
        self.process_events(m, time, out);
        Ok(())
    }

    fn reserve_more(
        &mut self,
        actor: AccountId,
        m: u32,
        side: Side,
        amount: u64,
    ) -> Result<(), Reject> {
        match side {
            Side::Buy => self.ledger.hold_cash(actor, Cash::from_fen(amount))?,
            Side::Sell => {
                let inst = self.markets[m as usize].listing.instrument.spec().id;
                self.ledger.lock(actor, inst, Qty::from_lots(amount))?;
            }
        }
        Ok(())
    }

    fn release_amount(&mut self, actor: AccountId, m: u32, side: Side, amount: u64) {
        let per_unit = u64::from(side == Side::Buy);
        self.unreserve(actor, m, side, per_unit, Qty::from_lots(amount));
    }

    /// A public message of market `m`, numbered in the market's public sequence.
    pub(crate) fn public(&mut self, m: u32, msg: Message) -> Output {
        let seq = &mut self.public_seq[m as usize];
        *seq += 1;
        Output {
            to: Recipient::Public,
            reply: false,
            seq: *seq,
            msg,
        }
    }

    /// Turns the book's events of the last request into settlement and messages.
    pub(crate) fn process_events(&mut self, m: u32, time: Timestamp, out: &mut Vec<Output>) {
        let events = core::mem::take(&mut self.events);
        let instrument = self.markets[m as usize].listing.instrument.spec().id;
        for e in &events {
            match *e {
                Event::Accepted { order_id, .. } => {
                    let o = self.orders[&order_id];
                    out.push(report(
                        &o,
                        order_id,
                        instrument,
                        OrderStatus::New,
                        None,
                        true,
                    ));
                }
                Event::Trade {
                    maker,
                    taker,
                    price,
                    qty,
                    aggressor,
                    ..
                } => {
                    self.settle_trade(m, maker, taker, price, qty, aggressor, time, out);
                }
                Event::Canceled {
                    order_id,
                    qty,
                    leaves,
                    reason,
                    ..
                } => {
                    let status = if leaves.is_zero() {
                        OrderStatus::Canceled
                    } else {
                        OrderStatus::Replaced
                    };
                    let why = OrderReason::Canceled(reason);
                    self.leave_depth(m, order_id, qty);
                    self.close_part(m, order_id, qty, status, why, out);
                }
                Event::Expired {
                    order_id,
                    qty,
                    reason,
                    ..
                } => {
                    let why = OrderReason::Expired(reason);
                    self.leave_depth(m, order_id, qty);
                    self.close_part(m, order_id, qty, OrderStatus::Expired, why, out);
                }
                Event::Amended {
                    order_id,
                    price,
                    qty,
                    ..
                } => {
                    let o = self
                        .orders
                        .get_mut(&order_id)
                        .expect("amended order is open");
                    o.price = price;
                    o.qty = qty;
                    let o = *o;
                    out.push(report(
                        &o,
                        order_id,
                        instrument,
                        OrderStatus::Replaced,
                        None,
                        true,
                    ));
                }
                Event::Level {
                    side, price, qty, ..
                } => {
                    out.push(self.public(
                        m,
                        Message::Level {
                            instrument,
                            side,
                            price,
                            qty,
                        },
                    ));
                }
                Event::Phase { phase } => {
                    out.push(self.public(m, Message::Phase { instrument, phase }));
                }
            }
        }
        self.events = events;
    }

    /// An order loses `qty` open lots without a trade: the hold for them is released.
    pub(crate) fn close_part(
        &mut self,
        m: u32,
        id: OrderId,
        qty: Qty,
        status: OrderStatus,
        reason: OrderReason,
        out: &mut Vec<Output>,
    ) {
        let instrument = self.markets[m as usize].listing.instrument.spec().id;
        let o = self.orders.get_mut(&id).expect("a canceled order was open");
        let ordered = o.qty;
        o.qty = o.qty.checked_sub(qty).expect("cancel within the order");
        let o = *o;
        self.unreserve(o.account, m, o.side, o.per_lot_hold, qty);
        self.add_open(o.account, m, o.side, -i128::from(qty.lots()));
        let closed = o.leaves().is_zero();
        if closed {
            self.orders.remove(&id);
        }
        let status = if status == OrderStatus::Replaced && o.filled.is_zero() {
            OrderStatus::New
        } else if status == OrderStatus::Replaced {
            OrderStatus::PartiallyFilled
        } else {
            status
        };
        // A cancel the owner asked for is the direct answer to its request.
        let reply = reason == OrderReason::Canceled(CancelReason::Requested);
        let mut msg = report(&o, id, instrument, status, Some(reason), reply);
        if let (true, Message::Order(r)) = (closed, &mut msg.msg) {
            // A closed order reports what was ordered, as FIX does: leaves 0, filled so far.
            r.qty = ordered;
        }
        out.push(msg);
    }

    #[allow(clippy::too_many_arguments)]
    fn settle_trade(
        &mut self,
        m: u32,
        maker: OrderId,
        taker: OrderId,
        price: Price,
        qty: Qty,
        aggressor: Side,
        time: Timestamp,
        out: &mut Vec<Output>,
    ) {
        let (buy, sell) = if aggressor == Side::Buy {
            (taker, maker)
        } else {
            (maker, taker)
        };
        let reports = [(maker, Liquidity::Maker), (taker, Liquidity::Taker)];
        let trade_id = self.settle_fill(m, (buy, sell), price, qty, reports, out);
        let instrument = self.markets[m as usize].listing.instrument.spec().id;
        let msg = Message::Trade {
            instrument,
            trade_id,
            price,
            qty,
            aggressor,
            time,
        };
        out.push(self.public(m, msg));
    }

    /// Settles `qty` at `price` between an open buy and an open sell order of market `m`:
    /// delivery versus payment in the ledger (the buy's hold for those lots released, the price
    /// and both fees paid), both orders' fills and quota usage, and a fill report to each owner
    /// in the order `reports` gives. Returns the new trade's id.
    pub(crate) fn settle_fill(
        &mut self,
        m: u32,
        (buy, sell): (OrderId, OrderId),
        price: Price,
        qty: Qty,
        reports: [(OrderId, Liquidity); 2],
        out: &mut Vec<Output>,
    ) -> TradeId {
        let (buyer, seller) = (self.orders[&buy], self.orders[&sell]);
        // The hold was taken at the buy's limit: a trade beyond a limit would pay more than
        // is held (the band rules in operator.rs and call.rs keep every price inside).
        assert!(
            price <= buyer.price && price >= seller.price,
            "trade at {price} beyond a limit: buy {buy} at {}, sell {sell} at {}",
            buyer.price,
            seller.price
        );
        let hold = Cash::from_fen(buyer.per_lot_hold * qty.lots());
        let (trade_id, fee_each, _) =
            self.settle_dvp(m, (buyer.account, seller.account), price, qty, Some(hold));
        let instrument = self.markets[m as usize].listing.instrument.spec().id;
        for (id, liquidity) in reports {
            let o = self.orders.get_mut(&id).expect("a trading order is open");
            o.filled = o.filled.checked_add(qty).expect("fill within the order");
            let o = *o;
            let u = self.usage.entry((o.account, m)).or_default();
            let (open, done) = match o.side {
                Side::Buy => (&mut u.open_buy, &mut u.bought),
                Side::Sell => (&mut u.open_sell, &mut u.sold),
            };
            *open -= qty.lots();
            *done += qty.lots();
            let leaves = o.leaves();
            if leaves.is_zero() {
                self.orders.remove(&id);
            }
            let status = if leaves.is_zero() {
                OrderStatus::Filled
            } else {
                OrderStatus::PartiallyFilled
            };
            let fill = FillReport {
                order_id: id,
                client_order_id: o.client_order_id,
                instrument,
                trade_id,
                side: o.side,
                price,
                qty,
                leaves,
                status,
                liquidity,
                fee: fee_each,
            };
            out.push(Output {
                to: Recipient::Account(o.account),
                reply: false,
                seq: 0,
                msg: Message::Fill(fill),
            });
        }
        trade_id
    }

    /// The one settlement path of every trade: delivery versus payment of `qty` at `price` in
    /// the ledger, the seller's held lots to the buyer and the buyer's held cash to the seller,
    /// each paying the listing's fee. `buyer_hold` is how much of the buyer's held cash the
    /// trade releases (the rest returns to its available cash); `None` releases exactly what
    /// it pays. Returns the new trade's id, the fee of each side and what the buyer paid.
    pub(crate) fn settle_dvp(
        &mut self,
        m: u32,
        (buyer, seller): (AccountId, AccountId),
        price: Price,
        qty: Qty,
        buyer_hold: Option<Cash>,
    ) -> (TradeId, Cash, Cash) {
        let listing = &self.markets[m as usize].listing;
        let cash = fee::trade(
            price,
            qty,
            listing.instrument.cash_per_tick_lot(),
            listing.fee_bps,
        )
        .expect("a trade's cash fits: it was held");
        let settlement = Settlement {
            instrument: listing.instrument.spec().id,
            buyer,
            seller,
            fee_account: self.fee_account,
            qty,
            amount: cash.amount,
            buyer_fee: cash.fee,
            seller_fee: cash.fee,
            buyer_hold: buyer_hold.unwrap_or(cash.pays),
        };
        self.ledger
            .settle(&settlement)
            .expect("holds back every fill");
        self.next_trade = self.ids.after(self.next_trade);
        (TradeId(self.next_trade), cash.fee, cash.pays)
    }
}

pub(crate) fn report(
    o: &OpenOrder,
    id: OrderId,
    instrument: ecomatch_engine::id::InstrumentId,
    status: OrderStatus,
    reason: Option<OrderReason>,
    reply: bool,
) -> Output {
    Output {
        to: Recipient::Account(o.account),
        reply,
        seq: 0,
        msg: Message::Order(OrderReport {
            order_id: id,
            client_order_id: o.client_order_id,
            instrument,
            side: o.side,
            price: o.price,
            qty: o.qty,
            filled: o.filled,
            leaves: o.leaves(),
            status,
            reason,
        }),
    }
}
