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
    /// Verifications under way per key. A failure is counted only once bcrypt has answered, so
    /// without this cap a burst of parallel attempts would all pass the check before the first
    /// failure lands: one at a time per account, a few at a time per address.
    in_flight: Mutex<HashMap<Key, u32>>,
    /// Keys whose failures ran out, and until when. governor counts; this only remembers its
    /// verdict, because governor has no way to ask "would the next one pass?" without spending.
    blocked: Mutex<HashMap<Key, Instant>>,
}

/// Above this many remembered keys, expired ones are dropped (and governor's idle state too).
const PRUNE_ABOVE: usize = 10_000;

/// Verifications under way at once from one address (a NAT may hold several honest users).
const MAX_IN_FLIGHT_PER_ADDRESS: u32 = 4;

/// A login attempt under way; dropping it ends it.
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    keys: Vec<Key>,
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let mut in_flight = self
            .throttle
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for key in &self.keys {
            if let Some(count) = in_flight.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    in_flight.remove(key);
                }
            }
        }
    }
}

impl LoginThrottle {
    pub fn new(failures_per_minute: NonZeroU32) -> Self {
        let quota = Quota::per_minute(failures_per_minute);
        Self {
            by_address: RateLimiter::keyed(quota),
            by_account: RateLimiter::keyed(quota),
            blocked: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    /// Admits a login attempt, or says how many seconds to wait: when the address or account is
    /// blocked, or already has as many verifications under way as it may. The attempt counts as
    /// under way until the returned guard is dropped.
    pub fn admit(&self, address: Option<IpAddr>, account: &str) -> Result<Attempt<'_>, u64> {
        if let Some(wait) = self.retry_after(address, account) {
            return Err(wait);
        }
        let keys: Vec<Key> = Self::keys(address, account).collect();
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        let full = keys.iter().any(|key| {
            let cap = match key {
                Key::Address(_) => MAX_IN_FLIGHT_PER_ADDRESS,
                Key::Account(_) => 1,
            };
            in_flight.get(key).copied().unwrap_or(0) >= cap
        });
        if full {
            return Err(1);
        }
        for key in &keys {
            *in_flight.entry(key.clone()).or_insert(0) += 1;
        }
        Ok(Attempt {
            throttle: self,
            keys,
        })
    }

    fn keys(address: Option<IpAddr>, account: &str) -> impl Iterator<Item = Key> {
        address
            .map(|address| Key::Address(network_of(address)))
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
        self.prune();
        let clock = governor::clock::DefaultClock::default();
        let mut waits = Vec::new();
        if let Some(address) = address.map(network_of)
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
        let mut longest = Duration::ZERO;
        for (key, wait) in waits {
            blocked.insert(key, now + wait);
            longest = longest.max(wait);
        }
        Some(seconds(longest))
    }

    /// Forgets expired verdicts and idle limiter state once there is much of it, so that a flood
    /// of distinct emails cannot grow memory without bound.
    fn prune(&self) {
        if self.by_account.len() + self.by_address.len() <= PRUNE_ABOVE {
            return;
        }
        let now = Instant::now();
        self.blocked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, until| *until > now);
        self.by_address.retain_recent();
        self.by_account.retain_recent();
    }
}

/// What one client controls: an IPv4 address, or an IPv6 /64 (a single host usually holds a
/// whole /64 and could rotate through it).
fn network_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from(
            u128::from(v6) & !((1u128 << 64) - 1),
        )),
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

#[cfg(test)]
mod more_tests {
    use super::*;

    #[test]
    fn parallel_attempts_wait_their_turn() {
        let throttle = LoginThrottle::new(NonZeroU32::new(3).unwrap());
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let first = throttle
            .admit(Some(address), "victim@example.com")
            .expect("admitted");
        // A second attempt on the same account while the first is being verified: wait.
        assert_eq!(
            throttle.admit(Some(address), "victim@example.com").err(),
            Some(1)
        );
        // Other accounts from the address, up to its cap.
        let others: Vec<_> = (0..3)
            .map(|i| {
                throttle
                    .admit(Some(address), &format!("user{i}@example.com"))
                    .expect("admitted")
            })
            .collect();
        assert!(
            throttle.admit(Some(address), "user9@example.com").is_err(),
            "address cap"
        );
        drop(first);
        drop(others);
        assert!(throttle.admit(Some(address), "victim@example.com").is_ok());
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64() {
        let throttle = LoginThrottle::new(NonZeroU32::new(1).unwrap());
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        throttle.record_failure(Some(a), "x@example.com");
        assert!(
            throttle.record_failure(Some(b), "y@example.com").is_some(),
            "same /64"
        );
        assert_eq!(
            throttle.retry_after(Some(c), "z@example.com"),
            None,
            "another /64"
        );
    }
}
