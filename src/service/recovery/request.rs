//! `POST /password-reset`: the limits, the look-up, then one transaction that writes the token
//! and its message. An unknown or former employee's email runs the very same statements (they
//! insert nothing) and gets the same answer.

use std::net::IpAddr;

use super::{RecoveryService, ResetRequestError, limits::Allowed, new_token, token_hash};
use crate::{
    domain::normalize_email,
    error::Error,
    repository::{
        employees, outbox,
        password_resets::{self, NO_EMPLOYEE},
    },
};

/// The subject of the reset message.
pub const SUBJECT: &str = "Reset your Employees password";

/// The message's text; the link is its only secret.
fn body(link: &str, minutes: u64) -> String {
    format!(
        "Hello,\n\n\
         someone (we hope you) asked to reset the password of the Employees account of this \
         address.\n\n\
         Open this link within {minutes} minutes to choose a new password:\n\n\
         {link}\n\n\
         The link works once. Resetting signs you out everywhere; your second factor, if you \
         have one, stays as it is.\n\n\
         If you did not ask, ignore this message: your password stays as it is.\n"
    )
}

impl RecoveryService {
    /// Takes a reset request for `email` from `address`. `Ok` says nothing about the email.
    #[tracing::instrument(skip_all)]
    pub async fn request(
        &self,
        email: &str,
        address: Option<IpAddr>,
    ) -> Result<(), ResetRequestError> {
        let account = normalize_email(email);
        match self.limits.spend(address, &account).await? {
            Allowed::Yes => {}
            Allowed::NotThisAddress { wait_secs } => {
                tracing::info!("password reset request refused: the address's limit");
                return Err(ResetRequestError::Throttled {
                    retry_after_secs: wait_secs,
                });
            }
            Allowed::NotThisEmail => {
                tracing::info!("password reset request over the email's limit: no message");
                return Ok(());
            }
        }
        let found = employees::find_credentials(&self.db, &account).await?;
        let emp_no = found
            .filter(|credentials| credentials.active)
            .map_or(NO_EMPLOYEE, |credentials| credentials.emp_no);
        let token = new_token();
        let hash = token_hash(&token)
            .ok_or_else(|| Error::Internal("a new reset token is malformed".to_owned()))?;
        let minutes = self.policy.lifetime.as_secs() / 60;
        let message = body(
            &format!("{}/password-reset/{token}", self.public_url),
            minutes,
        );
        let now = self.clock.now();
        let expires_at = now + i64::try_from(self.policy.lifetime.as_secs()).unwrap_or(i64::MAX);
        let mut tx = self.db.begin().await?;
        let issued = password_resets::issue(&mut tx, &hash, emp_no, now, expires_at).await?;
        let queued = outbox::enqueue_to_employee(&mut tx, emp_no, SUBJECT, &message, now).await?;
        tx.commit().await?;
        if issued && queued {
            tracing::info!(emp_no, "password reset link queued");
            self.queued.notify_one();
        } else {
            tracing::info!("password reset asked for an email of no active employee");
        }
        Ok(())
    }
}
