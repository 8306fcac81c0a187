//! The reset requests' limits, on the failed-login budgets' table and rules (token buckets every
//! instance spends alike, named by hashes): one per email, which is spent alike whether or not
//! the email names anyone, and one per client network.

use std::net::IpAddr;

use crate::{
    clock::Clock,
    config::RecoveryPolicy,
    db::Db,
    repository::budgets::{self, Reserved, Rules},
    service::throttle::{bucket, network_of},
};

/// A budget's whole capacity comes back over an hour.
const REFILL_SECS: f64 = 3600.0;

pub(super) struct ResetLimits {
    db: Db,
    clock: Clock,
    per_email: f64,
    per_address: f64,
}

/// What a request may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Allowed {
    Yes,
    /// The email's budget is spent: no message, the same answer.
    NotThisEmail,
    /// The address's budget is spent: wait this many seconds.
    NotThisAddress {
        wait_secs: u64,
    },
}

impl ResetLimits {
    pub(super) fn new(db: Db, clock: Clock, policy: RecoveryPolicy) -> Self {
        Self {
            db,
            clock,
            per_email: f64::from(policy.per_email_per_hour.get()),
            per_address: f64::from(policy.per_address_per_hour.get()),
        }
    }

    /// Spends one request of the address's budget, then of the email's (`account`, normalised).
    pub(super) async fn spend(
        &self,
        address: Option<IpAddr>,
        account: &str,
    ) -> sqlx::Result<Allowed> {
        if let Some(address) = address {
            let name = bucket("reset-address", &network_of(address).to_string());
            if let Some(wait_secs) = self.take(name, self.per_address).await? {
                return Ok(Allowed::NotThisAddress { wait_secs });
            }
        }
        match self
            .take(bucket("reset-email", account), self.per_email)
            .await?
        {
            Some(_) => Ok(Allowed::NotThisEmail),
            None => Ok(Allowed::Yes),
        }
    }

    /// Takes one token of the bucket, or says how long until there is one. A request is spent
    /// at once (never in flight): it holds nothing after this.
    async fn take(&self, bucket: String, capacity: f64) -> sqlx::Result<Option<u64>> {
        let now_ms = self.clock.now_ms();
        let rules = Rules {
            capacity,
            per_second: capacity / REFILL_SECS,
            hold_until_ms: now_ms,
        };
        Ok(
            match budgets::reserve(&self.db, &[bucket], now_ms, &rules).await? {
                Reserved::Yes => None,
                Reserved::Spent { wait_secs } => Some(wait_secs),
                Reserved::Held => Some(1),
            },
        )
    }
}
