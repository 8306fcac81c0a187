//! The password login: the scopes asked for, the failed-login budget, the password judged (the
//! dummy hash for unknown emails), the session started and the attempt on record.

use secrecy::SecretString;
use serde_json::json;

use super::{AuthService, Device, Granted, Login, LoginError, LoginRequest, Started, parse_scopes};
use crate::{
    domain::{
        normalize_email,
        scope::{ScopeSet, scopes_of},
        session::Origin,
    },
    error::Error,
    repository::{
        audit::{self, Entry},
        employees, roles,
    },
    retry::{Idempotent, retry},
    service::{
        password,
        throttle::{Client, Refused},
    },
};

impl AuthService {
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
        let password = request.password.clone();
        let judged = match self.attempt(request, &mut subject).await {
            Err(error @ (LoginError::Incorrect | LoginError::Inactive)) => Err(error),
            Err(unjudged) => return Err(unjudged),
            Ok(granted) => {
                if self.mfa.has_second_factor(granted.emp_no).await? {
                    return self.defer(&granted).await;
                }
                if let Some(pause) = &self.pause {
                    pause.hold().await;
                }
                let start = || self.start_session(&granted, &origin);
                match retry("login", Idempotent::No, start).await? {
                    Started::Issued(issued) => Ok((issued, granted)),
                    // Refused under the lock: a termination or a password change won the race.
                    Started::Refused(error @ (LoginError::Incorrect | LoginError::Inactive)) => {
                        Err(error)
                    }
                    Started::Refused(unjudged) => return Err(unjudged),
                }
            }
        };
        match judged {
            Ok((issued, granted)) => {
                tracing::info!("session started");
                self.converge_cost(granted.emp_no, &granted.hash, password)
                    .await;
                Ok(Login {
                    issued,
                    device: granted.device,
                })
            }
            Err(error) => {
                let reason = match error {
                    LoginError::Inactive => "inactive",
                    _ => "incorrect",
                };
                let entry = Entry {
                    actor: None,
                    action: "login.failure",
                    emp_no: subject,
                    ip: origin.ip_text(),
                    user_agent: origin.user_agent.as_deref(),
                    details: json!({"reason": reason}),
                };
                let record = || self.record_failure(&entry);
                retry("failed login", Idempotent::No, record).await?;
                Err(error)
            }
        }
    }

    /// A success's transaction, under the employee's lock (the one a termination, a role change
    /// and a password change take first): the password and the employment checked again, the
    /// scopes granted from the roles held now, the session started and the audit entry. So no
    /// interleaving leaves a session that a termination or a password change should have ended.
    async fn start_session(&self, granted: &Granted, origin: &Origin) -> Result<Started, Error> {
        let mut tx = self.db.begin().await?;
        let Some((hash, active)) = employees::lock_for_login(&mut tx, granted.emp_no).await? else {
            return Ok(Started::Refused(LoginError::Incorrect));
        };
        if hash.as_deref() != Some(granted.hash.as_str()) {
            tracing::info!("login refused: the password changed while it was judged");
            return Ok(Started::Refused(LoginError::Incorrect));
        }
        if !active {
            tracing::info!("login refused: terminated while the password was judged");
            return Ok(Started::Refused(LoginError::Inactive));
        }
        let held = scopes_of(&roles::held_in(&mut tx, granted.emp_no).await?);
        let scope = match grant_scopes(&held, granted.requested) {
            Ok(scope) => scope,
            Err(error) => return Ok(Started::Refused(error)),
        };
        let issued = self
            .sessions
            .start(&mut tx, granted.emp_no, scope, origin)
            .await?;
        let entry = Entry {
            actor: Some(granted.emp_no),
            action: "login.success",
            emp_no: Some(granted.emp_no),
            ip: origin.ip_text(),
            user_agent: origin.user_agent.as_deref(),
            details: json!({"scope": scope.to_claim()}),
        };
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Started::Issued(issued))
    }

    /// A failure's audit entry.
    pub(super) async fn record_failure(&self, entry: &Entry<'_>) -> Result<(), Error> {
        let mut tx = self.db.begin().await?;
        audit::record(&mut tx, entry).await?;
        Ok(tx.commit().await?)
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
        Ok(Granted {
            emp_no: found.emp_no,
            requested,
            hash: stored,
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
}

/// The requested scopes when the employee holds them all; none requested means all held
/// (RFC 6749 §3.3's default).
pub(super) fn grant_scopes(held: &ScopeSet, requested: ScopeSet) -> Result<ScopeSet, LoginError> {
    if requested.is_empty() {
        return Ok(*held);
    }
    match requested.iter().find(|scope| !held.contains(*scope)) {
        Some(missing) => Err(LoginError::ScopeNotHeld(missing)),
        None => Ok(requested),
    }
}
