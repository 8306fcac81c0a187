//! Recovery by email: a reset link asked for by email (the same answer and the same statements
//! whether or not the email names an active employee; the message written to the outbox in the
//! request's transaction), then the link's page sets a new password, ends every session and
//! keeps the second factor.

mod limits;
mod request;
mod reset;

use std::sync::Arc;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use crate::{
    clock::Clock, config::RecoveryPolicy, db::Db, error::Error,
    repository::password_resets::TokenState, telemetry::metrics::Metrics,
};

/// Random bytes in a reset token (256 bits), and the length of their base64url text.
const TOKEN_BYTES: usize = 32;
const TOKEN_CHARS: usize = 43;

/// Why no reset request was taken.
#[derive(Debug, thiserror::Error)]
pub enum ResetRequestError {
    /// The client's address asked too often: retry after this many seconds (at least 1).
    #[error("too many reset requests from this address")]
    Throttled { retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] Error),
}

/// Why a reset link cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    #[error("this reset link was used already")]
    Used,
    #[error("this reset link has expired")]
    Expired,
    #[error("this reset link is unknown")]
    Unknown,
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<sqlx::Error> for ResetError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl From<sqlx::Error> for ResetRequestError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

/// A token state that is no use, as the refusal that says so.
fn refusal(state: TokenState) -> ResetError {
    match state {
        TokenState::Used => ResetError::Used,
        TokenState::Expired => ResetError::Expired,
        TokenState::Unknown | TokenState::Usable { .. } => ResetError::Unknown,
    }
}

pub struct RecoveryService {
    db: Db,
    clock: Clock,
    policy: RecoveryPolicy,
    /// The links' base (PUBLIC_URL).
    public_url: String,
    bcrypt_cost: u32,
    metrics: Metrics,
    limits: limits::ResetLimits,
    /// Woken when a message was queued, so that this instance's sender sends it at once.
    queued: Arc<Notify>,
}

impl RecoveryService {
    pub fn new(
        db: Db,
        clock: Clock,
        policy: RecoveryPolicy,
        public_url: String,
        bcrypt_cost: u32,
        metrics: Metrics,
    ) -> Self {
        let limits = limits::ResetLimits::new(db.clone(), clock.clone(), policy);
        Self {
            db,
            clock,
            policy,
            public_url,
            bcrypt_cost,
            metrics,
            limits,
            queued: Arc::new(Notify::new()),
        }
    }

    /// Notified whenever a message is queued (for this instance's sender).
    pub fn queued(&self) -> Arc<Notify> {
        self.queued.clone()
    }

    /// Whether the link's token can still be used (the page asks before showing its form).
    #[tracing::instrument(skip_all)]
    pub async fn check(&self, token: &str) -> Result<(), ResetError> {
        let Some(hash) = token_hash(token) else {
            return Err(ResetError::Unknown);
        };
        match crate::repository::password_resets::state(&self.db, &hash, self.clock.now()).await? {
            TokenState::Usable { .. } => Ok(()),
            other => Err(refusal(other)),
        }
    }
}

/// A new token: 256 random bits, base64url without padding.
fn new_token() -> String {
    use rand::Rng;
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a token (SHA-256, hex), or `None` for text that no token can be.
fn token_hash(token: &str) -> Option<String> {
    let shaped = token.len() == TOKEN_CHARS
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    shaped.then(|| {
        Sha256::digest(token.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_shaped_and_hashed() {
        let token = new_token();
        assert_eq!(token.len(), TOKEN_CHARS);
        assert_eq!(token_hash(&token).map(|hash| hash.len()), Some(64));
        assert_ne!(new_token(), token);
        for bad in ["", "short", &"a".repeat(44), &format!("{}/", &token[1..])] {
            assert_eq!(token_hash(bad), None, "{bad}");
        }
    }
}
