//! Failed-login throttling, per client address and per account, on governor's GCRA limiters:
//! `LOGIN_MAX_FAILURES_PER_MINUTE` failures are allowed (as a burst, refilled evenly over the
//! minute); past that, further attempts from that address or for that account get `429` before
//! any bcrypt work, until the limiter has room again. Successful logins consume nothing, and
//! keys are independent, so one client's failures never block another's logins.

use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Address(IpAddr),
    Account(String),
}

pub struct LoginThrottle {
    by_address: DefaultKeyedRateLimiter<IpAddr>,
    by_account: DefaultKeyedRateLimiter<String>,
    /// Turns to verify, per key. A failure is counted only once bcrypt has answered, so without
    /// turns a burst of parallel attempts would all pass the check before the first failure
    /// lands. Attempts queue (they are not refused): one verification at a time per account, a
    /// few per address, and each re-checks the limit when its turn comes.
    turns: Mutex<HashMap<Key, Arc<Semaphore>>>,
    /// Keys whose failures ran out, and until when. governor counts; this only remembers its
    /// verdict, because governor has no way to ask "would the next one pass?" without spending.
    blocked: Mutex<HashMap<Key, Instant>>,
}

/// Above this many remembered keys, expired ones are dropped (and governor's idle state too).
const PRUNE_ABOVE: usize = 10_000;

/// Verifications under way at once from one address: enough to keep every core busy for a NAT
/// full of honest users, few enough that parallel guesses barely pass the limit.
const TURNS_PER_ADDRESS: usize = 4;

/// How long an attempt waits for its turn before it is answered 429.
const MAX_WAIT: Duration = Duration::from_secs(10);

fn turns_for(key: &Key) -> usize {
    match key {
        Key::Address(_) => TURNS_PER_ADDRESS,
        Key::Account(_) => 1,
    }
}

/// A login attempt whose turn has come; dropping it lets the next one go.
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    turns: Vec<(Key, OwnedSemaphorePermit)>,
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let mut turns = self
            .throttle
            .turns
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for (key, permit) in self.turns.drain(..) {
            drop(permit);
            // Forget the queue once nobody holds or awaits it (the map's is the only Arc left).
            if turns
                .get(&key)
                .is_some_and(|queue| Arc::strong_count(queue) == 1)
            {
                turns.remove(&key);
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
            turns: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for the attempt's turn (address first, then account: one order for everyone, so no
    /// two attempts wait on each other), or says how many seconds to wait when the address or
    /// account is blocked, before or after queueing.
    pub async fn admit(&self, address: Option<IpAddr>, account: &str) -> Result<Attempt<'_>, u64> {
        if let Some(wait) = self.retry_after(address, account) {
            return Err(wait);
        }
        let mut attempt = Attempt {
            throttle: self,
            turns: Vec::new(),
        };
        for key in Self::keys(address, account) {
            let queue = self
                .turns
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(key.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(turns_for(&key))))
                .clone();
            let permit = match tokio::time::timeout(MAX_WAIT, queue.acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                _ => return Err(1),
            };
            attempt.turns.push((key, permit));
        }
        // Failures may have landed while this attempt waited.
        if let Some(wait) = self.retry_after(address, account) {
            return Err(wait);
        }
        Ok(attempt)
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

    #[tokio::test]
    async fn attempts_take_turns_per_account_and_address() {
        let throttle = LoginThrottle::new(NonZeroU32::new(3).unwrap());
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let first = throttle
            .admit(Some(address), "victim@example.com")
            .await
            .expect("admitted");
        // A second attempt on the same account waits for the first to finish.
        let second = throttle.admit(Some(address), "victim@example.com");
        tokio::pin!(second);
        assert!(
            tokio::time::timeout(Duration::from_millis(50), &mut second)
                .await
                .is_err(),
            "waits"
        );
        // Other accounts from the address go ahead, up to the address's turns.
        let others: Vec<_> = admit_two_others(&throttle, address).await;
        drop(first);
        assert!(second.await.is_ok(), "its turn came");
        drop(others);
        assert!(
            throttle.turns.lock().unwrap().is_empty(),
            "idle queues are forgotten"
        );
    }

    async fn admit_two_others(throttle: &LoginThrottle, address: IpAddr) -> Vec<Attempt<'_>> {
        let mut admitted = Vec::new();
        for i in 0..2 {
            admitted.push(
                throttle
                    .admit(Some(address), &format!("user{i}@example.com"))
                    .await
                    .expect("admitted"),
            );
        }
        admitted
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
