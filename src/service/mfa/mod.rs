//! The second factor: TOTP enrolment (begin, confirm with a first code), ten one-time recovery
//! codes, turning it off, new codes; and judging a code (TOTP or recovery) on its own budget of
//! wrong codes per employee, apart from wrong passwords. The login's second step is the auth
//! service's (`service/auth/second_step.rs`); this service says whether a code is right.

mod enrol;
pub mod totp;

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::{
    clock::Clock,
    db::Db,
    domain::session::Origin,
    error::Error,
    repository::{
        audit::{self, Entry},
        mfa,
    },
    service::throttle::{Client, LoginThrottle, Refused},
};
use totp::{Generator, SecretSealer};

pub use enrol::{Enrolment, MfaStatus, TotpState};

/// Why a second-factor request was refused.
#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    #[error("TOTP is already on")]
    AlreadyOn,
    #[error("TOTP is not on")]
    NotOn,
    #[error("no TOTP enrolment to confirm: start one first")]
    NotStarted,
    /// Neither a current TOTP code (unused) nor an unused recovery code.
    #[error("incorrect code")]
    WrongCode,
    #[error("too many wrong codes")]
    Throttled { retry_after_secs: u64 },
    /// Adding or removing a factor of an employee who has one needs a session that used one.
    #[error("sign in with your second factor to change your second factors")]
    SecondFactorNeeded,
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<sqlx::Error> for MfaError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

/// Which kind of code was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    Totp,
    RecoveryCode,
}

/// Who is presenting a code, for its budget (the failed-login rule: a device cookie of the
/// account, or the caller's own session, spends its own budget).
pub struct Presenter<'a> {
    pub origin: &'a Origin,
    pub device: Option<&'a str>,
}

pub struct MfaService {
    db: Db,
    clock: Clock,
    sealer: SecretSealer,
    throttle: Arc<LoginThrottle>,
}

/// A wrong-code budget key for an employee (never the email: the table holds hashes anyway).
fn budget_account(emp_no: i32) -> String {
    format!("mfa:{emp_no}")
}

impl MfaService {
    /// The one constructor: `secret` (JWT_SECRET) seals the TOTP secrets at rest.
    pub fn new(db: Db, clock: Clock, secret: &[u8], failures_per_minute: NonZeroU32) -> Self {
        let throttle = LoginThrottle::new(
            db.clone(),
            clock.clone(),
            failures_per_minute,
            Duration::from_secs(5),
        )
        .with_namespace("mfa");
        Self {
            db,
            clock,
            sealer: SecretSealer::derive(secret),
            throttle: Arc::new(throttle),
        }
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Whether a password login of the employee needs a second step: TOTP is on, or a passkey
    /// is registered.
    pub async fn has_second_factor(&self, emp_no: i32) -> Result<bool, Error> {
        if self.totp_on(emp_no).await? {
            return Ok(true);
        }
        Ok(mfa::has_passkey(&self.db, emp_no).await?)
    }

    async fn totp_on(&self, emp_no: i32) -> Result<bool, Error> {
        let row = mfa::totp(&self.db, emp_no).await?;
        Ok(row.is_some_and(|row| row.confirmed_at.is_some()))
    }

    /// Adding or removing a factor of an employee who has one already needs a session that used
    /// one (`caller_mfa`): a stolen password, or a session from before the factor, cannot add a
    /// way around it or take one away. The first factor is trusted on first use.
    pub async fn may_change_factors(&self, emp_no: i32, caller_mfa: bool) -> Result<(), MfaError> {
        if !caller_mfa && self.has_second_factor(emp_no).await? {
            return Err(MfaError::SecondFactorNeeded);
        }
        Ok(())
    }

    /// Judges a code for a confirmed TOTP: a current TOTP step not used before (spent now, on
    /// every instance), or an unused recovery code (spent now, audited). Wrong codes spend the
    /// employee's wrong-code budget; reservations are made before the check, so parallel
    /// guesses cannot outrun it.
    #[tracing::instrument(skip(self, code, presenter))]
    pub async fn judge(
        &self,
        emp_no: i32,
        code: &SecretString,
        presenter: &Presenter<'_>,
    ) -> Result<Accepted, MfaError> {
        let client = Client {
            address: presenter.origin.ip,
            device: presenter.device,
        };
        let attempt = match self
            .throttle
            .reserve(&client, &budget_account(emp_no))
            .await
        {
            Ok(attempt) => attempt,
            Err(Refused::Throttled(retry_after_secs)) => {
                return Err(MfaError::Throttled { retry_after_secs });
            }
            Err(Refused::Internal(error)) => return Err(error.into()),
        };
        let judged = self.check(emp_no, code.expose_secret()).await;
        attempt.settle(!matches!(judged, Ok(Some(_)))).await;
        let accepted = judged?.ok_or(MfaError::WrongCode)?;
        // An address that passed the second step spends only its own budget from now on.
        self.throttle
            .trust(presenter.origin.ip, &budget_account(emp_no))
            .await;
        if accepted == Accepted::RecoveryCode {
            let left = mfa::recovery_left(&self.db, emp_no).await?;
            self.audit(
                emp_no,
                "mfa.recovery_code",
                presenter.origin,
                json!({"left": left}),
            )
            .await?;
        }
        Ok(accepted)
    }

    /// The check itself, without the budget.
    async fn check(&self, emp_no: i32, code: &str) -> Result<Option<Accepted>, MfaError> {
        let Some(row) = mfa::totp(&self.db, emp_no).await? else {
            return Ok(None);
        };
        if row.confirmed_at.is_none() {
            return Ok(None);
        }
        if totp::looks_like_recovery(code) {
            let hash = totp::recovery_hash(code);
            let used = mfa::use_recovery(&self.db, emp_no, &hash, self.now()).await?;
            return Ok(used.then_some(Accepted::RecoveryCode));
        }
        let Some(generator) = self.open(emp_no, &row.secret_sealed) else {
            return Ok(None);
        };
        let Some(step) = generator.step_of(code, self.now()) else {
            return Ok(None);
        };
        if !mfa::claim_step(&self.db, emp_no, step).await? {
            tracing::info!("a TOTP step used before was presented again");
            return Ok(None);
        }
        Ok(Some(Accepted::Totp))
    }

    /// The employee's generator (the account name only matters for the enrolment's URI).
    fn open(&self, emp_no: i32, sealed: &str) -> Option<Generator> {
        let generator = self.sealer.open(emp_no, sealed, "employee");
        if generator.is_none() {
            tracing::error!("a TOTP secret does not open: was JWT_SECRET changed?");
        }
        generator
    }

    async fn audit(
        &self,
        emp_no: i32,
        action: &'static str,
        origin: &Origin,
        details: serde_json::Value,
    ) -> Result<(), Error> {
        let mut tx = self.db.begin().await?;
        let entry = Entry {
            actor: Some(emp_no),
            action,
            emp_no: Some(emp_no),
            ip: origin.ip_text(),
            user_agent: origin.user_agent.as_deref(),
            details,
        };
        audit::record(&mut tx, &entry).await?;
        Ok(tx.commit().await?)
    }
}
