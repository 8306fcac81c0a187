//! `POST /users/me/password`: the current password is judged like a login's (the same failed-login
//! budget, the same bcrypt work), the new one hashed at the configured cost; every other session
//! of the employee ends in the same transaction.

use secrecy::SecretString;
use serde_json::json;

use super::AuthService;
use crate::{
    domain::{TokenRef, normalize_email, session::Origin},
    error::Error,
    repository::{
        audit::{self, Entry},
        employees, sessions,
    },
    service::{
        password,
        throttle::{Client, Refused},
    },
};

/// A password change as the handler read it (the new password's length already checked).
pub struct PasswordChange {
    pub current: SecretString,
    pub new: SecretString,
    pub origin: Origin,
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    /// The current password is wrong: a failed login for the limiter.
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("too many failed logins")]
    Throttled { retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<sqlx::Error> for PasswordChangeError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

/// That the employee typed their current password just now: made only by
/// [`AuthService::prove_password`], asked for by changes that need it (turning TOTP off).
#[derive(Debug)]
pub struct PasswordProof {
    emp_no: i32,
}

impl PasswordProof {
    pub fn emp_no(&self) -> i32 {
        self.emp_no
    }
}

impl AuthService {
    /// Judges the caller's current password like a login's (the same failed-login budget, the
    /// same bcrypt work); a wrong one is a failed login on record, `during` what.
    #[tracing::instrument(skip(self, token, current, origin), fields(emp_no = token.emp_no))]
    pub async fn prove_password(
        &self,
        token: &TokenRef<'_>,
        current: SecretString,
        origin: &Origin,
        during: &str,
    ) -> Result<PasswordProof, PasswordChangeError> {
        let (email, stored) = employees::login_of(&self.db, token.emp_no)
            .await?
            .ok_or(Error::InvalidToken)?;
        let account = normalize_email(email.as_deref().unwrap_or_default());
        let client = Client {
            address: origin.ip,
            device: None,
        };
        let attempt = match self.throttle.reserve(&client, &account).await {
            Ok(attempt) => attempt,
            Err(Refused::Throttled(retry_after_secs)) => {
                return Err(PasswordChangeError::Throttled { retry_after_secs });
            }
            Err(Refused::Internal(error)) => return Err(error.into()),
        };
        let matches = self
            .verifier
            .judge(current, stored.clone(), attempt)
            .await?;
        if !matches || stored.is_none() {
            let entry = Entry {
                actor: Some(token.emp_no),
                action: "login.failure",
                emp_no: Some(token.emp_no),
                ip: origin.ip_text(),
                user_agent: origin.user_agent.as_deref(),
                details: json!({"reason": "incorrect", "during": during}),
            };
            let mut tx = self.db.begin().await?;
            audit::record(&mut tx, &entry).await?;
            tx.commit().await?;
            tracing::info!(during, "refused: wrong current password");
            return Err(PasswordChangeError::WrongPassword);
        }
        Ok(PasswordProof {
            emp_no: token.emp_no,
        })
    }

    /// Changes the caller's password; the calling session lives on, the others end.
    #[tracing::instrument(skip_all, fields(emp_no = token.emp_no))]
    pub async fn change_password(
        &self,
        token: &TokenRef<'_>,
        change: PasswordChange,
    ) -> Result<(), PasswordChangeError> {
        let origin = &change.origin;
        self.prove_password(token, change.current, origin, "password change")
            .await?;
        let hash = password::hash(change.new, self.verifier.cost()).await?;
        let mut tx = self.db.begin().await?;
        employees::set_password_hash(&mut tx, token.emp_no, &hash).await?;
        let ended = sessions::end_all(&mut tx, token.emp_no, Some(token.sid), token.now).await?;
        let entry = Entry {
            actor: Some(token.emp_no),
            action: "session.revoke",
            emp_no: Some(token.emp_no),
            ip: origin.ip_text(),
            user_agent: origin.user_agent.as_deref(),
            details: json!({"reason": "password change", "sessions": ended}),
        };
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        self.sessions
            .metrics()
            .sessions_revoked("password change", ended);
        tracing::info!(ended, "password changed; the other sessions ended");
        Ok(())
    }
}
