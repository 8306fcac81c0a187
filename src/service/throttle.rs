//! Failed-login budgets, reserve-then-settle. Each key (a client network, an account, a trusted
//! device) holds `LOGIN_MAX_FAILURES_PER_MINUTE` tokens, refilled evenly over the minute. An
//! attempt reserves one token from each of its keys before any bcrypt work, spends them if its
//! password is wrong and gives them back otherwise, so attempts in flight count against the budget (parallel guesses cannot outrun
//! it) while honest logins run in parallel. Only when the budget is held by attempts still in
//! flight does a new one wait, for them to settle, rather than be refused.
//!
//! Which keys an attempt spends follows OWASP's device-cookie advice, so that failures elsewhere
//! cannot lock an owner out: a client holding a signed device cookie from an earlier successful
//! login of the account spends only its device's budget; an address that logged in to the account
//! before spends only its own; anyone else spends both the address's and the account's.

use std::{
    collections::HashMap,
    net::IpAddr,
    num::NonZeroU32,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tokio::sync::Notify;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Address(IpAddr),
    Account(String),
    Device(String),
}

/// A token bucket; `tokens` is what was left at `updated`, `in_flight` the reservations that
/// have not settled yet.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
    in_flight: u32,
}

/// Above this many remembered buckets or trusted addresses, idle ones are forgotten, so that a
/// flood of distinct emails cannot grow memory without bound.
const PRUNE_ABOVE: usize = 10_000;

/// The buckets, and the size at which they are pruned next (twice what a pruning left, so that
/// pruning stays rare however many are live).
struct Buckets {
    map: HashMap<Key, Bucket>,
    prune_at: usize,
}

/// How long an address that logged in to an account stays trusted for it.
const ADDRESS_TRUST: Duration = Duration::from_secs(30 * 24 * 3600);

pub struct LoginThrottle {
    capacity: f64,
    per_second: f64,
    /// How long an attempt waits for attempts in flight to settle before it is refused.
    max_wait: Duration,
    buckets: Mutex<Buckets>,
    /// (client network, account) pairs that logged in successfully, and until when they count.
    trusted: Mutex<HashMap<(IpAddr, String), Instant>>,
    /// Woken whenever a reservation settles.
    settled: Notify,
}

/// Who is attempting a login, as far as the throttle cares.
#[derive(Debug, Clone, Default)]
pub struct Client<'a> {
    pub address: Option<IpAddr>,
    /// The device id of a valid device cookie issued for this very account.
    pub device: Option<&'a str>,
}

/// A reservation. [`Attempt::failed`] spends it; dropped otherwise (a success, a former
/// employee, an error, a request abandoned before its password was judged), it is given back.
#[must_use]
pub struct Attempt {
    throttle: Arc<LoginThrottle>,
    keys: Vec<Key>,
    spent: bool,
}

impl Drop for Attempt {
    fn drop(&mut self) {
        self.throttle.settle(&self.keys, !self.spent);
    }
}

impl Attempt {
    /// A wrong password: the reserved tokens stay spent.
    pub fn failed(mut self) {
        self.spent = true;
    }
}

impl LoginThrottle {
    pub fn new(failures_per_minute: NonZeroU32, max_wait: Duration) -> Self {
        let capacity = f64::from(failures_per_minute.get());
        Self {
            capacity,
            per_second: capacity / 60.0,
            max_wait,
            buckets: Mutex::new(Buckets {
                map: HashMap::new(),
                prune_at: PRUNE_ABOVE,
            }),
            trusted: Mutex::new(HashMap::new()),
            settled: Notify::new(),
        }
    }

    /// Remembers that `address` logged in to `account`: it is then limited only by its own
    /// failures for that account.
    pub fn trust(&self, address: Option<IpAddr>, account: &str) {
        let Some(address) = address else { return };
        let mut trusted = self.trusted.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if trusted.len() >= PRUNE_ABOVE {
            trusted.retain(|_, until| *until > now);
            if trusted.len() >= PRUNE_ABOVE {
                // Still full of live pairs (a flood of logins): forget them rather than grow.
                // Losing address trust only means the account limit applies again.
                trusted.clear();
            }
        }
        trusted.insert(
            (network_of(address), account.to_owned()),
            now + ADDRESS_TRUST,
        );
    }

    fn settle(&self, keys: &[Key], refund: bool) {
        let now = Instant::now();
        let mut buckets = self.lock_buckets();
        for key in keys {
            if let Some(bucket) = buckets.map.get_mut(key) {
                self.refill(bucket, now);
                bucket.in_flight = bucket.in_flight.saturating_sub(1);
                if refund {
                    bucket.tokens = (bucket.tokens + 1.0).min(self.capacity);
                }
            }
        }
        drop(buckets);
        self.settled.notify_waiters();
    }

    fn lock_buckets(&self) -> std::sync::MutexGuard<'_, Buckets> {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn refill(&self, bucket: &mut Bucket, now: Instant) {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.capacity);
        bucket.updated = now;
    }

    /// The keys an attempt spends (see the module documentation).
    fn keys(&self, client: &Client<'_>, account: &str) -> Vec<Key> {
        if let Some(device) = client.device {
            return vec![Key::Device(device.to_owned())];
        }
        let Some(address) = client.address.map(network_of) else {
            return vec![Key::Account(account.to_owned())];
        };
        let now = Instant::now();
        let trusted = self
            .trusted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(address, account.to_owned()))
            .is_some_and(|until| *until > now);
        if trusted {
            vec![Key::Address(address)]
        } else {
            vec![Key::Address(address), Key::Account(account.to_owned())]
        }
    }

    /// Reserves one token from each of the attempt's keys (all or nothing), or says how many
    /// whole seconds to wait (at least 1) when one of them has none left. While the budget is
    /// held only by attempts in flight, waits (up to `max_wait`) for them to settle.
    pub async fn reserve(
        self: &Arc<Self>,
        client: &Client<'_>,
        account: &str,
    ) -> Result<Attempt, u64> {
        let keys = self.keys(client, account);
        let deadline = tokio::time::Instant::now() + self.max_wait;
        loop {
            let settled = self.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            match self.try_reserve(&keys) {
                Ok(()) => {
                    return Ok(Attempt {
                        throttle: self.clone(),
                        keys,
                        spent: false,
                    });
                }
                Err(Refusal::Exhausted(wait)) => return Err(wait),
                Err(Refusal::InFlight) => {
                    if tokio::time::timeout_at(deadline, settled).await.is_err() {
                        return Err(1);
                    }
                }
            }
        }
    }

    fn try_reserve(&self, keys: &[Key]) -> Result<(), Refusal> {
        let now = Instant::now();
        let mut buckets = self.lock_buckets();
        if buckets.map.len() >= buckets.prune_at {
            buckets.map.retain(|_, bucket| {
                self.refill(bucket, now);
                bucket.tokens < self.capacity || bucket.in_flight > 0
            });
            buckets.prune_at = (buckets.map.len() * 2).max(PRUNE_ABOVE);
        }
        let (mut wait, mut held) = (0.0_f64, false);
        for key in keys {
            // A key seen for the first time has a full bucket: nothing is stored until the
            // reservation succeeds, so refused attempts add nothing.
            let Some(bucket) = buckets.map.get_mut(key) else {
                continue;
            };
            self.refill(bucket, now);
            if bucket.tokens < 1.0 {
                if bucket.tokens + f64::from(bucket.in_flight) >= 1.0 {
                    held = true;
                } else {
                    wait = wait.max((1.0 - bucket.tokens) / self.per_second);
                }
            }
        }
        if wait > 0.0 {
            return Err(Refusal::Exhausted((wait.ceil() as u64).max(1)));
        }
        if held {
            return Err(Refusal::InFlight);
        }
        for key in keys {
            let bucket = buckets.map.entry(key.clone()).or_insert(Bucket {
                tokens: self.capacity,
                updated: now,
                in_flight: 0,
            });
            bucket.tokens -= 1.0;
            bucket.in_flight += 1;
        }
        Ok(())
    }
}

enum Refusal {
    /// Spent by failures: wait this many seconds.
    Exhausted(u64),
    /// Held by attempts in flight, which may give it back.
    InFlight,
}

/// What one client controls: an IPv4 address, or an IPv6 /64 (a single host usually holds a
/// whole /64 and could rotate through it). IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`, how a
/// dual-stack listener sees IPv4 clients) count as the IPv4 address they carry.
pub fn network_of(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from(
            u128::from(v6) & !((1u128 << 64) - 1),
        )),
    }
}

#[cfg(test)]
#[path = "throttle_tests.rs"]
mod tests;
