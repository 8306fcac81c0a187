//! Login rules: the failed-login budget, the password check, the scopes and the session; the
//! profile behind a token; the password change. Handlers turn the typed outcomes into RFC 6749
//! answers.

mod password_change;

pub use password_change::{PasswordChange, PasswordChangeError};

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use secrecy::SecretString;
use serde_json::json;

use crate::{
    db::Db,
    domain::{
        Account, TokenRef, normalize_email,
        scope::{Role, Scope, ScopeSet, scopes_of},
        session::Origin,
    },
    error::Error,
    repository::{
        audit::{self, Entry},
        employees, roles, sessions,
    },
    service::{
        jwt::JwtKeys,
        password,
        sessions::{Issued, SessionService},
        throttle::{Client, LoginThrottle, Refused},
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
    scope: ScopeSet,
    device: Device,
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
    /// The client or the account used up its failed-login budget.
    #[error("too many failed logins")]
    Throttled { retry_after_secs: u64 },
    #[error(transparent)]
    Internal(#[from] Error),
}

pub struct AuthService {
    db: Db,
    jwt: Arc<JwtKeys>,
    sessions: Arc<SessionService>,
    throttle: Arc<LoginThrottle>,
    verifier: Verifier,
}

impl AuthService {
    /// The one constructor (the binary and the tests use it): hashes the dummy password at the
    /// configured cost.
    pub async fn new(
        db: Db,
        jwt: Arc<JwtKeys>,
        sessions: Arc<SessionService>,
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
        })
    }

    pub fn jwt(&self) -> &JwtKeys {
        &self.jwt
    }

    pub fn sessions(&self) -> &SessionService {
        &self.sessions
    }

    /// The bcrypt cost of the dummy hash (the configured one).
    pub fn dummy_hash_cost(&self) -> Option<u32> {
        self.verifier.dummy_hash_cost()
    }

    /// A login attempt, on record in the audit trail: a success (which starts a session, in the
    /// same transaction), or a failure of the password or of a former employee (with the account
    /// when the email names one, never what was typed). Attempts refused before any password was
    /// judged (throttled, unknown scope) write nothing, so that a flood of them costs no writes.
    #[tracing::instrument(skip_all, fields(emp_no))]
    pub async fn login(&self, request: LoginRequest) -> Result<Login, LoginError> {
        let origin = Origin {
            ip: request.address,
            user_agent: request.user_agent.clone(),
        };
        let mut subject = None;
        let outcome = match self.attempt(request, &mut subject).await {
            Err(error @ (LoginError::Incorrect | LoginError::Inactive)) => Err(error),
            Err(unjudged) => return Err(unjudged),
            Ok(granted) => Ok(granted),
        };
        let (action, details) = match &outcome {
            Ok(granted) => ("login.success", json!({"scope": granted.scope.to_claim()})),
            Err(LoginError::Inactive) => ("login.failure", json!({"reason": "inactive"})),
            Err(_) => ("login.failure", json!({"reason": "incorrect"})),
        };
        let entry = Entry {
            actor: outcome.as_ref().ok().map(|granted| granted.emp_no),
            action,
            emp_no: subject,
            ip: origin.ip_text(),
            user_agent: origin.user_agent.as_deref(),
            details,
        };
        let mut tx = self.db.begin().await.map_err(Error::from)?;
        let login = match outcome {
            Ok(granted) => {
                let issued = self
                    .sessions
                    .start(&mut tx, granted.emp_no, granted.scope, &origin)
                    .await?;
                Ok(Login {
                    issued,
                    device: granted.device,
                })
            }
            Err(error) => Err(error),
        };
        audit::record(&mut tx, &entry).await.map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        if login.is_ok() {
            tracing::info!("session started");
        }
        login
    }

    /// Checks the scopes, reserves the failed-login budget, verifies the password (a dummy hash
    /// for unknown emails) and grants the scopes; `subject` is the emp_no the email names.
    async fn attempt(
        &self,
        request: LoginRequest,
        subject: &mut Option<i32>,
    ) -> Result<Granted, LoginError> {
        let requested = parse_scopes(request.scope.as_deref()).map_err(LoginError::UnknownScope)?;
        let account = normalize_email(&request.username);
        let device = request.device.filter(|device| device.account == account);
        let client = Client {
            address: request.address,
            device: device.as_ref().map(|device| device.id.as_str()),
        };
        let attempt = match self.throttle.reserve(&client, &account).await {
            Ok(attempt) => attempt,
            Err(Refused::Throttled(retry_after_secs)) => {
                // Debug only: a throttled attempt costs the client nothing, nor may it the log.
                tracing::debug!(address = ?request.address, "failed-login limit reached");
                return Err(LoginError::Throttled { retry_after_secs });
            }
            Err(Refused::Internal(error)) => return Err(error.into()),
        };
        // An error here drops the attempt, which gives it back: no password was judged.
        let found = employees::find_credentials(&self.db, &account)
            .await
            .map_err(Error::from)?;
        *subject = found.as_ref().map(|c| c.emp_no);
        let stored = found.as_ref().and_then(|c| c.password_hash.clone());
        let matches = self
            .verifier
            .judge(request.password.clone(), stored.clone(), attempt)
            .await?;
        let (found, stored) = match (found, stored) {
            (Some(found), Some(stored)) if matches => (found, stored),
            _ => {
                tracing::info!("login refused: incorrect username or password");
                return Err(LoginError::Incorrect);
            }
        };
        tracing::Span::current().record("emp_no", found.emp_no);
        if !found.active {
            tracing::info!("login refused: former employee");
            return Err(LoginError::Inactive);
        }
        self.throttle.trust(request.address, &account).await;
        self.converge_cost(found.emp_no, &stored, request.password)
            .await;
        let scope = self.grant_scopes(found.emp_no, requested).await?;
        Ok(Granted {
            emp_no: found.emp_no,
            scope,
            device: device.unwrap_or_else(|| Device {
                id: uuid::Uuid::new_v4().simple().to_string(),
                account,
            }),
        })
    }

    /// Re-hashes a stored hash of another cost with the configured one, so that the table
    /// converges and every account costs the same to verify. A failure only delays that.
    async fn converge_cost(&self, emp_no: i32, stored: &str, password: SecretString) {
        let cost = self.verifier.cost();
        if password::cost_of(stored) == Some(cost) {
            return;
        }
        let rehashed = match password::hash(password, cost).await {
            Ok(rehashed) => employees::replace_password_hash(&self.db, emp_no, stored, &rehashed)
                .await
                .map_err(Error::from),
            Err(error) => Err(error),
        };
        match rehashed {
            Ok(()) => tracing::info!(cost, "password re-hashed at the configured cost"),
            Err(error) => tracing::warn!(%error, "could not re-hash the password"),
        }
    }

    /// The requested scopes when the employee holds them all; none requested means all held
    /// (RFC 6749 §3.3's default).
    async fn grant_scopes(&self, emp_no: i32, requested: ScopeSet) -> Result<ScopeSet, LoginError> {
        let held = scopes_of(&self.roles(emp_no).await?);
        if requested.is_empty() {
            return Ok(held);
        }
        match requested.iter().find(|scope| !held.contains(*scope)) {
            Some(missing) => Err(LoginError::ScopeNotHeld(missing)),
            None => Ok(requested),
        }
    }

    /// Every role the employee holds now.
    pub async fn roles(&self, emp_no: i32) -> Result<Vec<Role>, Error> {
        Ok(roles::held(&self.db, emp_no).await?)
    }

    /// The profile and roles of a token's employee, in one query that also checks the token's
    /// session is live. A token of an ended session, or of an employee who no longer exists,
    /// proves nothing.
    pub async fn account(&self, token: &TokenRef<'_>) -> Result<Account, Error> {
        employees::find_account_unless_revoked(&self.db, token)
            .await?
            .ok_or(Error::InvalidToken)
    }

    /// `InvalidToken` unless the token's session is live.
    pub async fn ensure_live(&self, token: &TokenRef<'_>) -> Result<(), Error> {
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
