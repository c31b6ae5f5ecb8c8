//! Token buckets for the rate limits (per connection, per account, failed logins per address).

use std::time::Instant;

/// A token bucket: `rate` tokens a second up to `burst`.
#[derive(Clone, Debug)]
pub struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    last: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(rate: u32, burst: u32, now: Instant) -> Self {
        Self {
            tokens: f64::from(burst),
            rate: f64::from(rate),
            burst: f64::from(burst),
            last: now,
        }
    }

    /// A full bucket of `n` tokens that refills at `n` a minute: "ten a minute" means ten, not
    /// ten at once and then one a second.
    pub fn per_minute(n: u32, now: Instant) -> Self {
        Self {
            tokens: f64::from(n),
            rate: f64::from(n) / 60.0,
            burst: f64::from(n),
            last: now,
        }
    }

    /// Takes a token if there is one.
    pub fn take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether a token is there, without taking it.
    pub fn has(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= 1.0
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * self.rate).min(self.burst);
        self.last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn ten_a_minute_means_ten_a_minute() {
        let t0 = Instant::now();
        let mut b = Bucket::per_minute(10, t0);
        for _ in 0..10 {
            assert!(b.take(t0));
        }
        assert!(!b.take(t0 + Duration::from_secs(5)), "not one a second");
        assert!(b.take(t0 + Duration::from_secs(7)), "one every six seconds");
        assert!(!b.take(t0 + Duration::from_secs(8)));
    }

    #[test]
    fn refills_at_the_rate_up_to_the_burst() {
        let t0 = Instant::now();
        let mut b = Bucket::new(10, 3, t0);
        assert!(b.take(t0) && b.take(t0) && b.take(t0));
        assert!(!b.take(t0));
        assert!(b.take(t0 + Duration::from_millis(100)));
        assert!(!b.take(t0 + Duration::from_millis(100)));
        let later = t0 + Duration::from_secs(60);
        assert!(b.has(later));
        assert!(b.take(later) && b.take(later) && b.take(later) && !b.take(later));
    }
}
