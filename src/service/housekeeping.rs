//! Housekeeping: rows that no request needs any more are deleted by one background task per
//! instance, on a timer, rather than by the requests that happen to come by: sessions over for a
//! day (their legacy refresh tokens go with them), idempotency keys past their 24 hours, and
//! authorization codes a day past their minute (kept that long so that a replay is still
//! recognised and ends its session), logins that waited for a second factor in vain, WebAuthn
//! ceremonies past their minutes, password reset tokens a day past their expiry, and mail a day
//! after it was sent or given up.

use std::time::Duration;

use crate::{
    clock::Clock,
    db::Db,
    error::Error,
    repository::{codes, idempotency, mfa, outbox, passkeys, password_resets, sessions},
};

/// How long an ended or expired session stays listed for the audit's sake before it is deleted.
const ENDED_KEPT_SECS: i64 = 24 * 3600;

/// What one sweep deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub sessions: u64,
    pub idempotency_keys: u64,
    pub codes: u64,
    pub ceremonies: u64,
    pub pending_logins: u64,
    pub reset_tokens: u64,
    pub mail: u64,
}

pub struct Housekeeping {
    db: Db,
    clock: Clock,
}

impl Housekeeping {
    pub fn new(db: Db, clock: Clock) -> Self {
        Self { db, clock }
    }

    /// One pass: deletes what ended before its keeping time.
    #[tracing::instrument(skip_all)]
    pub async fn sweep(&self) -> Result<Swept, Error> {
        let now = self.clock.now();
        let sessions = sessions::purge(&self.db, now - ENDED_KEPT_SECS).await?;
        let idempotency_keys =
            idempotency::purge(&self.db, now - idempotency::LIFETIME_SECS).await?;
        let codes = codes::delete_expired(&self.db, now - ENDED_KEPT_SECS).await?;
        let ceremonies = passkeys::delete_expired_ceremonies(&self.db, now).await?;
        let pending_logins = mfa::prune_pending(&self.db, now - ENDED_KEPT_SECS).await?;
        let reset_tokens = password_resets::purge(&self.db, now - ENDED_KEPT_SECS).await?;
        let mail = outbox::purge(&self.db, now - ENDED_KEPT_SECS).await?;
        Ok(Swept {
            sessions,
            idempotency_keys,
            codes,
            ceremonies,
            pending_logins,
            reset_tokens,
            mail,
        })
    }

    /// Sweeps every `every` until the process ends; a failed sweep only delays the next.
    pub async fn run_forever(self, every: Duration) {
        let mut timer = tokio::time::interval(every);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            timer.tick().await;
            match self.sweep().await {
                Ok(swept) => tracing::debug!(?swept, "housekeeping done"),
                Err(error) => tracing::warn!(%error, "housekeeping failed; trying again later"),
            }
        }
    }
}
