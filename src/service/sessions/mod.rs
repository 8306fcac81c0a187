//! Sessions (RFC 6749 §6, RFC 9700 §4.14): a login starts one; refresh tokens keep it alive, each
//! spent when used and replaced by a new one; a spent token presented again ends the session,
//! unless it comes within the reuse grace (two tabs renewing at once). Logout, revocation
//! (RFC 7009), the session list, a password change and HR end sessions; introspection (RFC 7662)
//! tells whether a token still works.

mod ending;

pub use ending::Active;

use std::{sync::Arc, time::Duration};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use self::ending::revocation;
use crate::{
    db::{Db, Tx},
    domain::{
        scope::{Scope, ScopeSet, scopes_of},
        session::{Origin, Session},
    },
    error::Error,
    repository::{audit, roles, sessions},
    retry::{Idempotent, Transient, retry},
    service::jwt::JwtKeys,
    telemetry::metrics::Metrics,
};

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Without a refresh for this long, a session ends.
    pub idle: Duration,
    /// A session ends this long after its login, whatever happens.
    pub max: Duration,
    /// A spent refresh token presented again this soon after it was spent gets an access token
    /// (no new refresh token) instead of ending the session.
    pub reuse_grace: Duration,
}

/// Tokens issued to a session by a login or a refresh.
pub struct Issued {
    pub emp_no: i32,
    pub sid: String,
    pub access_token: String,
    pub expires_in: u64,
    pub scope: ScopeSet,
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
    /// Calls of [`SessionService::purge`]: it deletes only at every `PURGE_EVERY`th.
    purges: std::sync::atomic::AtomicU64,
    metrics: Metrics,
}

fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX / 4)
}

/// The stored form of a refresh token: SHA-256, hex. The token is 256 random bits, so a fast
/// hash is enough: nobody can guess one from its hash.
fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn new_refresh_token() -> String {
    use rand::Rng;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

impl SessionService {
    pub fn new(db: Db, jwt: Arc<JwtKeys>, policy: SessionPolicy, metrics: Metrics) -> Self {
        Self {
            db,
            jwt,
            policy,
            purges: std::sync::atomic::AtomicU64::new(0),
            metrics,
        }
    }

    /// Where the sessions ended are counted (the auth service counts its own there too).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    fn now(&self) -> i64 {
        self.jwt.clock().now()
    }

    fn issue(
        &self,
        session: &Session,
        scope: ScopeSet,
        refresh: Option<String>,
        now: i64,
    ) -> Result<Issued, Error> {
        let (access_token, _) = self
            .jwt
            .issue(session.emp_no, &scope.to_claim(), &session.sid)?;
        Ok(Issued {
            emp_no: session.emp_no,
            sid: session.sid.clone(),
            access_token,
            expires_in: self.jwt.lifetime().as_secs(),
            scope,
            refresh_token: refresh,
            session_expires_in: u64::try_from(session.expires_at - now).unwrap_or(0),
        })
    }

    /// Starts a session in the login's transaction: its row, its first refresh token and an
    /// access token.
    pub async fn start(
        &self,
        tx: &mut Tx,
        emp_no: i32,
        scope: ScopeSet,
        origin: &Origin,
    ) -> Result<Issued, Error> {
        let now = self.now();
        let expires_at = now + secs(self.policy.max);
        let session = Session {
            sid: uuid::Uuid::new_v4().simple().to_string(),
            emp_no,
            scope: scope.to_claim(),
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
        };
        sessions::insert(tx, &session).await?;
        let refresh = new_refresh_token();
        sessions::add_refresh(tx, &hash(&refresh), &session.sid, now).await?;
        self.issue(&session, scope, Some(refresh), now)
    }

    /// `grant_type=refresh_token`: a new access token and a new refresh token, the presented one
    /// spent. The session's row is locked meanwhile, so that of two refreshes with one token
    /// exactly one rotates it; the other finds it spent within the grace.
    #[tracing::instrument(skip_all, fields(sid))]
    pub async fn refresh(
        &self,
        token: &str,
        scope: Option<&str>,
        origin: &Origin,
    ) -> Result<Issued, RefreshError> {
        let requested =
            crate::service::auth::parse_scopes(scope).map_err(RefreshError::UnknownScope)?;
        let hash = hash(token);
        let Some(found) = sessions::find_refresh(&self.db, &hash).await? else {
            return Err(RefreshError::Invalid);
        };
        tracing::Span::current().record("sid", &found.sid);
        let Some(session) = sessions::find(&self.db, &found.sid).await? else {
            return Err(RefreshError::Invalid);
        };
        // What the employee holds now bounds the scope too (a manager replaced keeps no `manager`).
        let held = scopes_of(&roles::held(&self.db, session.emp_no).await?);
        let granted = ScopeSet::from_claim(Some(&session.scope));
        let scope = if requested.is_empty() {
            granted
        } else {
            requested
        };
        if let Some(wider) = scope.iter().find(|s| !granted.contains(*s)) {
            return Err(RefreshError::Wider(wider));
        }
        let scope: ScopeSet = scope.iter().filter(|s| held.contains(*s)).collect();
        let rotate = || self.rotate(&found.sid, &hash, scope, origin);
        retry("refresh", Idempotent::No, rotate).await
    }

    /// The refresh's transaction: the session's lock, then rotation, the grace, or the end of
    /// the session for a replay.
    async fn rotate(
        &self,
        sid: &str,
        hash: &str,
        scope: ScopeSet,
        origin: &Origin,
    ) -> Result<Issued, RefreshError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let session = match sessions::lock(&mut tx, sid).await? {
            Some(session) if session.is_live(now) => session,
            _ => return Err(RefreshError::Invalid),
        };
        let Some(current) = sessions::refresh_in(&mut tx, hash).await? else {
            return Err(RefreshError::Invalid);
        };
        match current.spent_at {
            None => {
                sessions::spend_refresh(&mut tx, hash, now).await?;
                let refresh = new_refresh_token();
                sessions::add_refresh(&mut tx, &self::hash(&refresh), &session.sid, now).await?;
                let live_until = (now + secs(self.policy.idle)).min(session.expires_at);
                sessions::touch(&mut tx, &session.sid, now, live_until).await?;
                tx.commit().await?;
                tracing::info!("session refreshed");
                Ok(self.issue(&session, scope, Some(refresh), now)?)
            }
            Some(spent) if now - spent <= secs(self.policy.reuse_grace) => {
                drop(tx);
                tracing::info!("spent refresh token within the grace: access token only");
                Ok(self.issue(&session, scope, None, now)?)
            }
            Some(_) => {
                sessions::end(&mut tx, &session.sid, now).await?;
                let entry = revocation(&session, None, origin, "refresh token reuse");
                audit::record(&mut tx, &entry).await?;
                tx.commit().await?;
                self.metrics.sessions_revoked("refresh token reuse", 1);
                tracing::warn!("spent refresh token presented again: session ended");
                Err(RefreshError::Replayed)
            }
        }
    }
}
