//! Pledge requests for the stream: registrations (mostly to a bank, sometimes to anyone),
//! confirmations, declines, releases, enforcements before and after the maturity, withdrawn
//! enforcements and the register's query, each mostly by the party that may send it and
//! sometimes by anyone.

use ecomatch_engine::book::Side;
use ecomatch_exchange::Exchange;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::Generator;

impl Generator {
    pub(super) fn pledge(&mut self, ex: &Exchange) -> (String, Value) {
        let known = self.pledges.clone();
        let pick = (!known.is_empty()).then(|| *self.rng.pick(&known));
        match (self.rng.below(10), pick) {
            (0..=2, _) | (_, None) => self.register_pledge(ex),
            (k, Some((id, pledgor, pledgee))) => {
                let pledgee = self.name_of(pledgee).unwrap_or_default();
                let pledgor = self.name_of(pledgor).unwrap_or_default();
                let (party, other) = if self.rng.chance(9, 10) {
                    (pledgee, pledgor)
                } else {
                    (pledgor, pledgee)
                };
                let id = if self.rng.chance(1, 30) {
                    "77".to_owned()
                } else {
                    id.to_string()
                };
                match k {
                    3 => (party, json!({"op": "confirm_pledge", "pledge_id": id})),
                    4 => {
                        let who = if self.rng.chance(1, 2) { party } else { other };
                        (who, json!({"op": "decline_pledge", "pledge_id": id}))
                    }
                    5 => {
                        let i = self.rng.pick(&self.instruments).clone();
                        (
                            party,
                            json!({"op": "release_pledge", "pledge_id": id, "qty": self.qty(&i)}),
                        )
                    }
                    6 | 7 => {
                        let who = if self.rng.chance(1, 4) {
                            self.op_actor()
                        } else {
                            party
                        };
                        let i = self.rng.pick(&self.instruments).clone();
                        let closes = self.now_ms + self.rng.range(0, 1_800_000);
                        let body = json!({"op": "enforce_pledge", "pledge_id": id,
                            "reserve": self.price(ex, &i), "closes_at": closes});
                        (who, body)
                    }
                    8 => (
                        party,
                        json!({"op": "withdraw_enforcement", "pledge_id": id}),
                    ),
                    _ => (party, json!({"op": "get_pledges"})),
                }
            }
        }
    }

    fn register_pledge(&mut self, ex: &Exchange) -> (String, Value) {
        let (name, i) = self.inst();
        let who = self.trader(ex, &i, Side::Sell);
        let pledgee = match (self.pledgees.is_empty(), self.rng.chance(9, 10)) {
            (false, true) => self.rng.pick(&self.pledgees).clone(),
            _ => self.participant().0,
        };
        let maturity = match self.rng.below(10) {
            0 => self.now_ms.saturating_sub(1_000),
            _ => self.now_ms + self.rng.range(1, 1_200_000),
        };
        let secured = Decimal::from(self.rng.range(0, 5_000_000)) / Decimal::from(100);
        let body = json!({"op": "register_pledge", "pledgee": pledgee, "instrument": name,
            "qty": self.qty(&i), "secured_amount": secured.to_string(), "maturity": maturity});
        (who, body)
    }
}
