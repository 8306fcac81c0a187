//! `POST /password-reset/{token}`: the token spent, the new password set, every session of the
//! employee ended and older links spent, on record as `password.reset`: one transaction. The
//! second factor is not touched.

use secrecy::SecretString;
use serde_json::json;

use super::{RecoveryService, ResetError, refusal, token_hash};
use crate::{
    domain::session::Origin,
    repository::{
        audit::{self, Entry},
        employees,
        password_resets::{self, TokenState},
        sessions,
    },
    service::password,
};

impl RecoveryService {
    /// Sets the password of the link's employee (`new` already checked for 8 to 72 bytes).
    #[tracing::instrument(skip_all)]
    pub async fn reset(
        &self,
        token: &str,
        new: SecretString,
        origin: &Origin,
    ) -> Result<(), ResetError> {
        let hash = token_hash(token).ok_or(ResetError::Unknown)?;
        // A dead link costs no bcrypt work.
        self.check(token).await?;
        let password_hash = password::hash(new, self.bcrypt_cost).await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let emp_no = match password_resets::spend(&mut tx, &hash, now).await? {
            TokenState::Usable { emp_no } => emp_no,
            // Spent or expired meanwhile: nothing written (the transaction rolls back).
            other => return Err(refusal(other)),
        };
        employees::set_password_hash(&mut tx, emp_no, &password_hash).await?;
        let links = password_resets::spend_all(&mut tx, emp_no, now).await?;
        let ended = sessions::end_all(&mut tx, emp_no, None, now).await?;
        let entry = Entry {
            actor: Some(emp_no),
            action: "password.reset",
            emp_no: Some(emp_no),
            ip: origin.ip_text(),
            user_agent: origin.user_agent.as_deref(),
            details: json!({"sessions_ended": ended, "other_links_spent": links}),
        };
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        self.metrics.sessions_revoked("password reset", ended);
        tracing::info!(emp_no, ended, "password reset; every session ended");
        Ok(())
    }
}
