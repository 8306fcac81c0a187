//! Login rules: the failed-login budget, the password check, the scopes and the session; the
//! profile behind a token; the password change. Handlers turn the typed outcomes into RFC 6749
//! answers.

mod login;
mod password_change;
mod second_step;

pub use password_change::{PasswordChange, PasswordChangeError, PasswordProof};
pub use second_step::SecondStep;

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use secrecy::SecretString;

use crate::{
    db::Db,
    domain::{
        Account, TokenRef,
        client::GrantType,
        scope::{Role, Scope, ScopeSet},
    },
    error::Error,
    repository::{clients, employees, roles, sessions},
    service::{
        jwt::{JwtKeys, client_of_sid},
        mfa::MfaService,
        profiles::{self, ProfileCache},
        sessions::{Issued, SessionService},
        throttle::LoginThrottle,
        verifier::Verifier,
    },
};

/// What the login rules need from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct AuthConfig {
    /// The cost of new hashes, of the dummy hash, and that stored hashes converge to.
    pub bcrypt_cost: u32,
    pub failures_per_minute: NonZeroU32,
    /// How long an attempt may wait for attempts in flight on its budget: well within the
    /// request timeout, so that the client gets `429` with `Retry-After`, not a timeout.
    pub attempt_wait: Duration,
}

/// A login attempt as the handler read it.
pub struct LoginRequest {
    pub username: String,
    pub password: SecretString,
    pub scope: Option<String>,
    pub address: Option<IpAddr>,
    /// The device a valid device cookie names: its id and the account it logged in to.
    pub device: Option<Device>,
    /// For the audit trail.
    pub user_agent: Option<String>,
}

/// A client that logged in to an account before (OWASP's device cookie).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    /// The normalised email of the account.
    pub account: String,
}

/// A successful login: its session's tokens (the granted scopes: those requested, or every one
/// the employee holds).
pub struct Login {
    pub issued: Issued,
    /// The device to remember (in a signed cookie) for the next login of this account.
    pub device: Device,
}

/// A password that was judged right, before its session starts.
struct Granted {
    emp_no: i32,
    /// The scopes asked for; what is granted is decided under the employee's lock.
    requested: ScopeSet,
    /// The hash the password was judged against: the session starts only if it is still stored.
    hash: String,
    device: Device,
}

/// How a login's transaction ended.
enum Started {
    Issued(Issued),
    /// Checked again under the lock: terminated, password changed, or a scope no longer held.
    Refused(LoginError),
}

/// Where a test holds a login: after its password was judged right, before its transaction.
/// Tests make the race with a termination or a password change deterministic with it; the
/// binary has none.
#[derive(Clone)]
pub struct LoginPause {
    reached: Arc<tokio::sync::Barrier>,
    release: Arc<tokio::sync::Barrier>,
}

impl Default for LoginPause {
    fn default() -> Self {
        Self {
            reached: Arc::new(tokio::sync::Barrier::new(2)),
            release: Arc::new(tokio::sync::Barrier::new(2)),
        }
    }
}

impl LoginPause {
    /// Returns once a login is held at the pause.
    pub async fn reached(&self) {
        self.reached.wait().await;
    }

    /// Lets the held login go on.
    pub async fn release(&self) {
        self.release.wait().await;
    }

    async fn hold(&self) {
        self.reached.wait().await;
        self.release.wait().await;
    }
}

/// Why a login was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown email, no password, or a wrong one: the same answer, the same bcrypt work.
    #[error("incorrect username or password")]
    Incorrect,
    /// The right password of a former employee.
    #[error("inactive user")]
    Inactive,
    #[error("unknown scope {0}")]
    UnknownScope(String),
    #[error("scope {0} not held")]
    ScopeNotHeld(Scope),
    /// The client or the account used up its failed-login budget (or, at the second step, the
    /// employee's wrong-code budget).
    #[error("too many failed logins")]
    Throttled { retry_after_secs: u64 },
    /// The password was right and the employee has a second factor: the login goes on with
    /// `mfa_token` (5 minutes, once) and a code.
    #[error("a second factor is required")]
    SecondFactorRequired { mfa_token: SecretString },
    /// An unknown, used or expired `mfa_token`.
    #[error("unknown, used or expired mfa_token")]
    InvalidMfaToken,
    /// Neither an unused current TOTP code nor an unused recovery code.
    #[error("incorrect code")]
    WrongCode,
    #[error(transparent)]
    Internal(#[from] Error),
}

pub struct AuthService {
    db: Db,
    jwt: Arc<JwtKeys>,
    sessions: Arc<SessionService>,
    throttle: Arc<LoginThrottle>,
    verifier: Verifier,
    profiles: Arc<ProfileCache>,
    mfa: Arc<MfaService>,
    pause: Option<LoginPause>,
}

impl AuthService {
    /// The one constructor (the binary and the tests use it): hashes the dummy password at the
    /// configured cost.
    pub async fn new(
        db: Db,
        jwt: Arc<JwtKeys>,
        sessions: Arc<SessionService>,
        mfa: Arc<MfaService>,
        config: AuthConfig,
    ) -> Result<Self, Error> {
        let throttle = LoginThrottle::new(
            db.clone(),
            jwt.clock().clone(),
            config.failures_per_minute,
            config.attempt_wait,
        );
        Ok(Self {
            db,
            jwt,
            sessions,
            throttle: Arc::new(throttle),
            verifier: Verifier::new(config.bcrypt_cost).await?,
            profiles: Arc::new(ProfileCache::new(profiles::CAPACITY)),
            mfa,
            pause: None,
        })
    }

    /// Holds every login at `pause` (tests only: see [`LoginPause`]).
    pub fn with_pause(mut self, pause: LoginPause) -> Self {
        self.pause = Some(pause);
        self
    }

    pub fn jwt(&self) -> &JwtKeys {
        &self.jwt
    }

    pub fn jwt_arc(&self) -> Arc<JwtKeys> {
        self.jwt.clone()
    }

    pub fn sessions(&self) -> &SessionService {
        &self.sessions
    }

    pub fn mfa(&self) -> &MfaService {
        &self.mfa
    }

    /// The bcrypt cost of the dummy hash (the configured one).
    pub fn dummy_hash_cost(&self) -> Option<u32> {
        self.verifier.dummy_hash_cost()
    }

    /// Every role the employee holds now.
    pub async fn roles(&self, emp_no: i32) -> Result<Vec<Role>, Error> {
        Ok(roles::held(&self.db, emp_no).await?)
    }

    /// The profile and roles of a token's employee. A token of an ended session, or of an
    /// employee who no longer exists, proves nothing. One primary-key lookup (the session's row)
    /// when this instance holds the profile at the session's version; else one query that reads
    /// the profile and checks the session together (see [`crate::service::profiles`]).
    #[tracing::instrument(skip_all)]
    pub async fn account(&self, token: &TokenRef<'_>) -> Result<Account, Error> {
        let version = sessions::profile_version(&self.db, token)
            .await?
            .ok_or(Error::InvalidToken)?;
        let kept = self.profiles.get(token.sid, token.emp_no, version);
        self.sessions.metrics().profile_cache(kept.is_some());
        if let Some(account) = kept {
            return Ok(account);
        }
        let (version, account) = employees::find_account_unless_revoked(&self.db, token)
            .await?
            .ok_or(Error::InvalidToken)?;
        self.profiles
            .put(token.sid, token.emp_no, version, account.clone());
        Ok(account)
    }

    /// `InvalidToken` unless the token's session is live (for a client's own token: unless the
    /// client is still registered, confidential and allowed the grant).
    pub async fn ensure_live(&self, token: &TokenRef<'_>) -> Result<(), Error> {
        if let Some(client_id) = client_of_sid(token.sid) {
            return match clients::find(&self.db, client_id).await? {
                Some(stored)
                    if stored.client.confidential
                        && stored.client.allows_grant(GrantType::ClientCredentials) =>
                {
                    Ok(())
                }
                _ => Err(Error::InvalidToken),
            };
        }
        match sessions::is_live(&self.db, token).await? {
            true => Ok(()),
            false => Err(Error::InvalidToken),
        }
    }
}

/// Reads a requested `scope` (space separated); an unknown name is refused (and returned). An
/// empty value asks for nothing in particular (Swagger UI sends `scope=` when no box is ticked).
pub(crate) fn parse_scopes(scope: Option<&str>) -> Result<ScopeSet, String> {
    scope
        .unwrap_or_default()
        .split_ascii_whitespace()
        .map(|name| Scope::parse(name).ok_or_else(|| name.to_owned()))
        .collect()
}
