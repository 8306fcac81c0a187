//! Failed-login budgets, reserve-then-settle, kept in the database so that every instance sharing
//! it spends the same budgets: two instances do not give an attacker twice the attempts. Each key
//! (a client network, an account, a trusted device) holds `LOGIN_MAX_FAILURES_PER_MINUTE` tokens,
//! refilled evenly over the minute. An attempt reserves one token from each of its keys before
//! any bcrypt work, spends them if its password is wrong and gives them back otherwise, so
//! attempts in flight count against the budget (parallel guesses cannot outrun it) while honest
//! logins run in parallel. Only when the budget is held by attempts still in flight does a new
//! one wait, for them to settle, rather than be refused.
//!
//! Which keys an attempt spends follows OWASP's device-cookie advice, so that failures elsewhere
//! cannot lock an owner out: a client holding a signed device cookie from an earlier successful
//! login of the account spends only its device's budget; an address that logged in to the account
//! before spends only its own; anyone else spends both the address's and the account's.

use std::{
    net::IpAddr,
    num::NonZeroU32,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use crate::{
    clock::Clock,
    db::Db,
    error::Error,
    repository::budgets,
    retry::{Idempotent, retry, retry_up_to},
};

/// How long an address that logged in to an account stays trusted for it.
const ADDRESS_TRUST_SECS: i64 = 30 * 24 * 3600;
/// A reservation stops holding its budget this long after it was made, settled or not: an
/// instance that died mid-login does not hold a budget for ever. Its tokens stay spent.
const HOLD: Duration = Duration::from_secs(60);
/// Attempts waiting for reservations of other instances look again this often.
const POLL: Duration = Duration::from_millis(50);
/// Idle buckets and expired trust are deleted once every this many reservations.
const PRUNE_EVERY: u64 = 256;

pub struct LoginThrottle {
    db: Db,
    clock: Clock,
    capacity: f64,
    per_second: f64,
    /// How long an attempt waits for attempts in flight to settle before it is refused.
    max_wait: Duration,
    /// Woken whenever a reservation of this instance settles (others' are polled).
    settled: Notify,
    reservations: AtomicU64,
    /// Kept apart from other budgets of the same keys (the second factor's from the password's).
    namespace: &'static str,
}

/// Who is attempting a login, as far as the throttle cares.
#[derive(Debug, Clone, Default)]
pub struct Client<'a> {
    pub address: Option<IpAddr>,
    /// The device id of a valid device cookie issued for this very account.
    pub device: Option<&'a str>,
}

/// Why no reservation was made.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// A budget is spent: retry after this many seconds (at least 1).
    #[error("failed-login budget spent")]
    Throttled(u64),
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<sqlx::Error> for Refused {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

/// A reservation. [`Attempt::settle`] spends it or gives it back; dropped unsettled (an error, a
/// request abandoned before its password was judged), it is given back.
#[must_use]
pub struct Attempt {
    throttle: Arc<LoginThrottle>,
    buckets: Vec<String>,
    settled: bool,
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let (throttle, buckets) = (self.throttle.clone(), std::mem::take(&mut self.buckets));
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { throttle.settle(&buckets, true).await });
        }
    }
}

impl Attempt {
    /// Settles the reservation: a wrong password (`failed`) keeps the tokens spent.
    pub async fn settle(mut self, failed: bool) {
        self.settled = true;
        self.throttle.settle(&self.buckets, !failed).await;
    }
}

/// A key's bucket id: the SHA-256 of the key (hex), so that the table holds no email.
pub(crate) fn bucket(kind: &str, key: &str) -> String {
    Sha256::digest(format!("{kind}:{key}").as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn trust_pair(network: IpAddr, account: &str) -> String {
    bucket("trust", &format!("{network}|{account}"))
}

impl LoginThrottle {
    pub fn new(db: Db, clock: Clock, failures_per_minute: NonZeroU32, max_wait: Duration) -> Self {
        let capacity = f64::from(failures_per_minute.get());
        Self {
            db,
            clock,
            capacity,
            per_second: capacity / 60.0,
            max_wait,
            settled: Notify::new(),
            reservations: AtomicU64::new(0),
            namespace: "",
        }
    }

    /// The same rules over budgets of their own (`namespace` prefixes every bucket).
    pub fn with_namespace(mut self, namespace: &'static str) -> Self {
        self.namespace = namespace;
        self
    }

    /// Remembers that `address` logged in to `account`: it is then limited only by its own
    /// failures for that account. A failure only means the account limit applies to it.
    pub async fn trust(&self, address: Option<IpAddr>, account: &str) {
        let Some(address) = address else { return };
        let pair = trust_pair(network_of(address), account);
        let until = self.clock.now() + ADDRESS_TRUST_SECS;
        if let Err(error) = budgets::trust(&self.db, &pair, until).await {
            tracing::warn!(%error, "could not remember a trusted address");
        }
    }

    async fn settle(&self, buckets: &[String], refund: bool) {
        let refund = if refund { 1.0 } else { 0.0 };
        let now_ms = self.clock.now_ms();
        let settle = || {
            budgets::settle(
                &self.db,
                buckets,
                now_ms,
                self.per_second,
                self.capacity,
                refund,
            )
        };
        // Repeating a settlement whose answer was lost gives back at most one token too many;
        // not settling holds the budget for a minute.
        let settled = retry_up_to(8, "failed-login settlement", Idempotent::Yes, settle);
        if let Err(error) = settled.await {
            // The reservation then holds its budget until it expires (HOLD).
            tracing::warn!(%error, "could not settle a failed-login reservation");
        }
        self.settled.notify_waiters();
    }

    /// The buckets an attempt spends (see the module documentation).
    async fn buckets(&self, client: &Client<'_>, account: &str) -> Result<Vec<String>, Refused> {
        if let Some(device) = client.device {
            let mut buckets = vec![bucket(&format!("{}device", self.namespace), device)];
            if !self.namespace.is_empty() {
                // The second factor's codes are few: the devices of an account share one budget
                // too (apart from strangers'), so that many device cookies cannot multiply the
                // guesses.
                buckets.push(bucket(&format!("{}devices", self.namespace), account));
                buckets.sort();
            }
            return Ok(buckets);
        }
        let Some(address) = client.address.map(network_of) else {
            return Ok(vec![bucket(&format!("{}account", self.namespace), account)]);
        };
        let pair = trust_pair(address, account);
        let mut buckets = vec![bucket(
            &format!("{}address", self.namespace),
            &address.to_string(),
        )];
        if !budgets::trusted(&self.db, &pair, self.clock.now()).await? {
            buckets.push(bucket(&format!("{}account", self.namespace), account));
        }
        // One order for every transaction that locks them: no deadlock between two attempts.
        buckets.sort();
        Ok(buckets)
    }

    /// Reserves one token from each of the attempt's buckets (all or nothing), or says how many
    /// whole seconds to wait (at least 1) when one of them has none left. While the budget is
    /// held only by attempts in flight, waits (up to `max_wait`) for them to settle.
    pub async fn reserve(
        self: &Arc<Self>,
        client: &Client<'_>,
        account: &str,
    ) -> Result<Attempt, Refused> {
        let buckets = self.buckets(client, account).await?;
        self.reserve_buckets(buckets).await
    }

    /// Reserves from one budget of its own, named by `key` (a sign-in that names no account, a
    /// passkey's, counts on its address's `passkey:` budget), as [`Self::reserve`] does.
    pub async fn reserve_key(self: &Arc<Self>, key: &str) -> Result<Attempt, Refused> {
        self.reserve_buckets(vec![bucket("key", key)]).await
    }

    async fn reserve_buckets(self: &Arc<Self>, buckets: Vec<String>) -> Result<Attempt, Refused> {
        let deadline = tokio::time::Instant::now() + self.max_wait;
        if self
            .reservations
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(PRUNE_EVERY)
        {
            self.prune().await;
        }
        loop {
            let settled = self.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            let now_ms = self.clock.now_ms();
            let hold_ms = i64::try_from(HOLD.as_millis()).unwrap_or(i64::MAX);
            let rules = budgets::Rules {
                capacity: self.capacity,
                per_second: self.per_second,
                hold_until_ms: now_ms + hold_ms,
            };
            let reserve = || budgets::reserve(&self.db, &buckets, now_ms, &rules);
            match retry("failed-login reservation", Idempotent::No, reserve).await? {
                budgets::Reserved::Yes => {
                    return Ok(Attempt {
                        throttle: self.clone(),
                        buckets,
                        settled: false,
                    });
                }
                budgets::Reserved::Spent { wait_secs } => {
                    return Err(Refused::Throttled(wait_secs));
                }
                budgets::Reserved::Held => {
                    let wake = tokio::time::Instant::now() + POLL;
                    if wake >= deadline {
                        return Err(Refused::Throttled(1));
                    }
                    // Ours settle with a wake-up; other instances' are seen at the next poll.
                    let _ = tokio::time::timeout_at(wake, settled).await;
                }
            }
        }
    }

    /// Deletes buckets that are full again and trust that expired (housekeeping). The table
    /// also holds the password reset budgets, which refill over an hour.
    async fn prune(&self) {
        let now_ms = self.clock.now_ms();
        let full_after_ms = ((self.capacity / self.per_second * 1000.0).ceil() as i64)
            .max(budgets::LONGEST_REFILL_MS);
        if let Err(error) =
            budgets::prune(&self.db, now_ms - full_after_ms, now_ms, self.clock.now()).await
        {
            tracing::warn!(%error, "could not prune failed-login budgets");
        }
    }
}

pub use crate::domain::network::network_of;

#[cfg(test)]
#[path = "throttle_tests.rs"]
pub(crate) mod tests;
