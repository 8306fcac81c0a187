//! Sessions (RFC 6749 §6, RFC 9700 §4.14): a login starts one; refresh tokens keep it alive, each
//! spent when used and replaced by a new one; a spent token presented again ends the session,
//! unless it comes within the reuse grace (two tabs renewing at once). Logout, revocation
//! (RFC 7009), the session list, a password change and HR end sessions; introspection (RFC 7662)
//! tells whether a token still works.

mod ending;
mod refresh;
mod token;

pub use ending::Active;
pub use token::RefreshKey;

use std::{sync::Arc, time::Duration};

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    db::{Db, Tx},
    domain::{
        amr::Amr,
        oidc::Grant,
        scope::{Scope, ScopeSet},
        session::{Origin, Session},
    },
    error::Error,
    repository::{
        audit::{self, Entry},
        refresh as refresh_state, sessions,
    },
    retry::Transient,
    service::jwt::{FIRST_PARTY_CLIENT, JwtKeys},
    telemetry::metrics::Metrics,
};

pub use crate::config::SessionPolicy;

/// Tokens issued to a session by a login or a refresh.
pub struct Issued {
    pub emp_no: i32,
    pub sid: String,
    pub access_token: String,
    pub expires_in: u64,
    pub scope: ScopeSet,
    /// Everything granted: OpenID Connect's scopes too (what the token's `scope` says).
    pub grant: Grant,
    /// `None` for a spent refresh token presented within the grace: the other tab holds the new one.
    pub refresh_token: Option<String>,
    /// Seconds until the session's absolute end: how long a refresh cookie may live.
    pub session_expires_in: u64,
}

/// Why a refresh was refused.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Unknown, or its session is not live.
    #[error("invalid refresh token")]
    Invalid,
    /// A spent token presented after the grace: the session has been ended.
    #[error("refresh token reused")]
    Replayed,
    #[error("unknown scope {0}")]
    UnknownScope(String),
    /// Wider than the session's scope, or than what the employee holds now.
    #[error("scope {0} not granted")]
    Wider(Scope),
    /// The session rotated `refreshes_per_minute` times this minute already.
    #[error("too many refreshes")]
    TooFrequent { retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] Error),
}

impl Transient for RefreshError {
    fn is_conflict(&self) -> bool {
        matches!(self, RefreshError::Internal(error) if error.is_conflict())
    }

    fn is_connection_lost(&self) -> bool {
        matches!(self, RefreshError::Internal(error) if error.is_connection_lost())
    }
}

impl From<sqlx::Error> for RefreshError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

pub struct SessionService {
    db: Db,
    jwt: Arc<JwtKeys>,
    policy: SessionPolicy,
    /// Seals refresh tokens (derived from the token secret).
    key: RefreshKey,
    metrics: Metrics,
    /// `MFA_REQUIRED_SCOPES`: never in a session without a second factor.
    mfa_required: ScopeSet,
}

fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX / 4)
}

/// The stored form of a refresh token issued before the generations (random, kept as SHA-256
/// hex): such tokens are still recognised until their sessions end; none is issued any more.
fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

impl SessionService {
    pub fn new(
        db: Db,
        jwt: Arc<JwtKeys>,
        policy: SessionPolicy,
        key: RefreshKey,
        metrics: Metrics,
    ) -> Self {
        Self {
            db,
            jwt,
            policy,
            key,
            metrics,
            mfa_required: ScopeSet::default(),
        }
    }

    /// Scopes granted only to sessions with a second factor (`MFA_REQUIRED_SCOPES`).
    pub fn with_mfa_required(mut self, scopes: ScopeSet) -> Self {
        self.mfa_required = scopes;
        self
    }

    /// Where the sessions ended are counted (the auth service counts its own there too).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn now(&self) -> i64 {
        self.jwt.clock().now()
    }

    /// The access token of a session with `scope` (its roles): OpenID Connect's scopes come
    /// from the session's own grant, the client from the session.
    fn issue(
        &self,
        session: &Session,
        scope: ScopeSet,
        refresh: Option<String>,
        now: i64,
    ) -> Result<Issued, Error> {
        let amr = Amr::parse(&session.amr);
        let scope = amr.allowed(scope, self.mfa_required);
        let grant = Grant::from_claim(&session.scope).with_roles(scope);
        let client = session.client_id.as_deref().unwrap_or(FIRST_PARTY_CLIENT);
        let (access_token, _) =
            self.jwt
                .issue_for(session.emp_no, &grant.to_claim(), &session.sid, client, amr)?;
        Ok(Issued {
            emp_no: session.emp_no,
            sid: session.sid.clone(),
            access_token,
            expires_in: self.jwt.lifetime().as_secs(),
            scope,
            grant,
            refresh_token: refresh,
            session_expires_in: u64::try_from(session.expires_at - now).unwrap_or(0),
        })
    }

    /// Starts a session in the login's transaction (which holds the employee's lock): its row,
    /// its first refresh token (generation 0) and an access token; the employee's oldest live
    /// sessions past the cap end in the same transaction.
    pub async fn start(
        &self,
        tx: &mut Tx,
        emp_no: i32,
        scope: ScopeSet,
        origin: &Origin,
    ) -> Result<Issued, Error> {
        let grant = Grant::default().with_roles(scope);
        self.start_for(tx, emp_no, grant, origin, None, Amr::Password)
            .await
    }

    /// Starts a session for a registered client (the code flow), or for ourselves (`None`).
    pub async fn start_for(
        &self,
        tx: &mut Tx,
        emp_no: i32,
        grant: Grant,
        origin: &Origin,
        client_id: Option<&str>,
        amr: Amr,
    ) -> Result<Issued, Error> {
        // A session without a second factor never holds MFA_REQUIRED_SCOPES.
        let scope = amr.allowed(grant.roles, self.mfa_required);
        let grant = grant.with_roles(scope);
        let now = self.now();
        let expires_at = now + secs(self.policy.max);
        let session = Session {
            sid: uuid::Uuid::new_v4().simple().to_string(),
            emp_no,
            scope: grant.to_claim(),
            started_at: now,
            last_used_at: now,
            expires_at,
            live_until: (now + secs(self.policy.idle)).min(expires_at),
            ended_at: None,
            ip: origin.ip_text(),
            user_agent: origin
                .user_agent
                .as_deref()
                .map(|ua| ua.chars().take(255).collect()),
            client_id: client_id.map(str::to_owned),
            amr: amr.as_stored().to_owned(),
        };
        sessions::insert(tx, &session).await?;
        self.end_beyond_cap(tx, &session, origin).await?;
        let refresh = self.key.seal(&session.sid, 0);
        self.issue(&session, scope, Some(refresh), now)
    }

    /// Ends the employee's live sessions past the newest `sessions_per_employee` (the new one
    /// included), with one audit entry: logins in a loop cannot pile up live sessions.
    async fn end_beyond_cap(
        &self,
        tx: &mut Tx,
        session: &Session,
        origin: &Origin,
    ) -> Result<(), Error> {
        let cap = self.policy.sessions_per_employee;
        let now = session.started_at;
        let sids = refresh_state::beyond(tx, session.emp_no, &session.sid, now, cap).await?;
        if sids.is_empty() {
            return Ok(());
        }
        for sid in &sids {
            sessions::end(tx, sid, now).await?;
        }
        let entry = Entry {
            actor: Some(session.emp_no),
            action: "session.revoke",
            emp_no: Some(session.emp_no),
            ip: origin.ip_text(),
            user_agent: origin.user_agent.as_deref(),
            details: json!({"reason": "session limit", "sessions": sids, "limit": cap}),
        };
        audit::record(tx, &entry).await?;
        self.metrics
            .sessions_revoked("session limit", sids.len() as u64);
        tracing::info!(ended = sids.len(), "oldest sessions ended: session limit");
        Ok(())
    }
}
