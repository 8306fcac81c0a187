//! Failed-login throttling, per client address and per account, on governor's GCRA limiters:
//! `LOGIN_MAX_FAILURES_PER_MINUTE` failures are allowed (as a burst, refilled evenly over the
//! minute); past that, further attempts from that address or for that account get `429` before
//! any bcrypt work, until the limiter has room again. Successful logins consume nothing, and
//! keys are independent, so one client's failures never block another's logins.

use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    sync::Mutex,
    time::{Duration, Instant},
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Address(IpAddr),
    Account(String),
}

pub struct LoginThrottle {
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_account: DefaultKeyedRateLimiter<String>,
    /// Keys whose failures ran out, and until when. governor counts; this only remembers its
    /// verdict, because governor has no way to ask "would the next one pass?" without spending.
    blocked: Mutex<HashMap<Key, Instant>>,
}

/// Above this many remembered keys, expired ones are dropped (and governor's idle state too).
const PRUNE_ABOVE: usize = 10_000;

impl LoginThrottle {
    pub fn new(failures_per_minute: NonZeroU32) -> Self {
        let quota = Quota::per_minute(failures_per_minute);
        Self {
            by_address: RateLimiter::keyed(quota),
            by_account: RateLimiter::keyed(quota),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    fn keys(address: Option<IpAddr>, account: &str) -> impl Iterator<Item = Key> {
        address
            .map(Key::Address)
            .into_iter()
            .chain(std::iter::once(Key::Account(account.to_owned())))
    }

    /// Whole seconds to wait (at least 1) if the address or the account is blocked now.
    pub fn retry_after(&self, address: Option<IpAddr>, account: &str) -> Option<u64> {
        let now = Instant::now();
        let blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        Self::keys(address, account)
            .filter_map(|key| blocked.get(&key).copied())
            .filter(|until| *until > now)
            .map(|until| seconds(until - now))
            .max()
    }

    /// Counts a failed login against both keys. Returns the wait when this failure used up a
    /// limit (that attempt is answered `429` too).
    pub fn record_failure(&self, address: Option<IpAddr>, account: &str) -> Option<u64> {
        let clock = governor::clock::DefaultClock::default();
        let mut waits = Vec::new();
        if let Some(address) = address
            && let Err(not_until) = self.by_address.check_key(&address)
        {
            waits.push((Key::Address(address), not_until.wait_time_from(clock.now())));
        }
        let account_key = account.to_owned();
        if let Err(not_until) = self.by_account.check_key(&account_key) {
            waits.push((
                Key::Account(account_key),
                not_until.wait_time_from(clock.now()),
            ));
        }
        if waits.is_empty() {
            return None;
        }
        let now = Instant::now();
        let mut blocked = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        if blocked.len() > PRUNE_ABOVE {
            blocked.retain(|_, until| *until > now);
            self.by_address.retain_recent();
            self.by_account.retain_recent();
        }
        let mut longest = Duration::ZERO;
        for (key, wait) in waits {
            blocked.insert(key, now + wait);
            longest = longest.max(wait);
        }
        Some(seconds(longest))
    }
}

fn seconds(wait: Duration) -> u64 {
    (wait.as_millis().div_ceil(1000) as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_block_the_address_and_the_account_but_nobody_else() {
        let throttle = LoginThrottle::new(NonZeroU32::new(3).unwrap());
        let attacker: IpAddr = "192.0.2.1".parse().unwrap();
        let someone: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(
                throttle.retry_after(Some(attacker), "victim@example.com"),
                None
            );
            assert_eq!(
                throttle.record_failure(Some(attacker), "victim@example.com"),
                None
            );
        }
        // The fourth failure within the minute uses up the limit.
        let wait = throttle
            .record_failure(Some(attacker), "victim@example.com")
            .expect("limited");
        assert!((1..=20).contains(&wait), "{wait}");
        assert!(
            throttle
                .retry_after(Some(attacker), "other@example.com")
                .is_some(),
            "address blocked"
        );
        assert!(
            throttle
                .retry_after(Some(someone), "victim@example.com")
                .is_some(),
            "account blocked"
        );
        assert_eq!(
            throttle.retry_after(Some(someone), "other@example.com"),
            None,
            "others are free"
        );
    }
}
