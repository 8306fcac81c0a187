//! The login's second step: a right password of an employee with a second factor leaves a
//! pending login (`mfa_token`: random, stored as SHA-256, 5 minutes, once); a code (TOTP or
//! recovery, judged on the wrong-code budget) or a passkey completes it, and its session starts
//! with the `amr` of both factors, under the employee's lock as a one-step login's does.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{AuthService, Device, Granted, Login, LoginError, Started, login::grant_scopes};
use crate::{
    domain::{
        amr::Amr,
        normalize_email,
        oidc::Grant,
        scope::{ScopeSet, scopes_of},
        session::Origin,
    },
    error::Error,
    repository::{
        audit::{self, Entry},
        employees,
        mfa::{self, PendingRow},
        roles,
    },
    retry::{Idempotent, retry},
    service::mfa::{MfaError, Presenter},
};

/// How long a pending login waits for its second factor.
const MFA_TOKEN_SECS: i64 = 300;

/// The `mfa-otp` grant as the handler read it.
pub struct SecondStep {
    pub mfa_token: SecretString,
    pub otp: SecretString,
    pub origin: Origin,
    /// The device a valid device cookie names (its own wrong-code budget when it is this
    /// account's).
    pub device: Option<Device>,
}

fn sha256_hex(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

impl AuthService {
    /// Leaves a pending login for a right password: `SecondFactorRequired` with its token.
    pub(super) async fn defer(&self, granted: &Granted) -> Result<Login, LoginError> {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let row = PendingRow {
            token_hash: sha256_hex(&token),
            emp_no: granted.emp_no,
            scope: granted.requested.to_claim(),
            password_mark: sha256_hex(&granted.hash),
            device_id: granted.device.id.clone(),
            expires_at: self.jwt.clock().now() + MFA_TOKEN_SECS,
            used_at: None,
        };
        mfa::insert_pending(&self.db, &row)
            .await
            .map_err(Error::from)?;
        tracing::info!("password right; the second factor is asked for");
        Err(LoginError::SecondFactorRequired {
            mfa_token: token.into(),
        })
    }

    /// The pending login `mfa_token` names, if it is unused and unexpired.
    pub async fn pending_login(&self, mfa_token: &SecretString) -> Result<PendingRow, LoginError> {
        let hash = sha256_hex(mfa_token.expose_secret());
        let now = self.jwt.clock().now();
        match mfa::pending(&self.db, &hash).await.map_err(Error::from)? {
            Some(pending) if pending.used_at.is_none() && pending.expires_at > now => Ok(pending),
            _ => Err(LoginError::InvalidMfaToken),
        }
    }

    /// Completes a pending login with a code (`grant_type=…mfa-otp`, the browser's code page).
    #[tracing::instrument(skip_all, fields(emp_no))]
    pub async fn second_step(&self, step: SecondStep) -> Result<Login, LoginError> {
        let pending = self.pending_login(&step.mfa_token).await?;
        tracing::Span::current().record("emp_no", pending.emp_no);
        let account = self.email_of(pending.emp_no).await?;
        let device = step.device.filter(|device| device.account == account);
        let presenter = Presenter {
            origin: &step.origin,
            device: device.as_ref().map(|device| device.id.as_str()),
        };
        match self.mfa.judge(pending.emp_no, &step.otp, &presenter).await {
            Ok(_) => {}
            Err(MfaError::Throttled { retry_after_secs }) => {
                return Err(LoginError::Throttled { retry_after_secs });
            }
            Err(MfaError::Internal(error)) => return Err(error.into()),
            Err(_) => {
                let entry = Entry {
                    actor: None,
                    action: "login.failure",
                    emp_no: Some(pending.emp_no),
                    ip: step.origin.ip_text(),
                    user_agent: step.origin.user_agent.as_deref(),
                    details: json!({"reason": "incorrect code"}),
                };
                let record = || self.record_failure(&entry);
                retry("failed second step", Idempotent::No, record).await?;
                tracing::info!("second step refused: incorrect code");
                return Err(LoginError::WrongCode);
            }
        }
        self.finish_pending(&pending, Amr::PasswordOtp, &step.origin, account)
            .await
    }

    /// The normalised email of an employee (the device cookie's account; the name authenticator
    /// apps show).
    pub async fn email_of(&self, emp_no: i32) -> Result<String, Error> {
        let (email, _) = employees::login_of(&self.db, emp_no)
            .await?
            .ok_or(Error::InvalidToken)?;
        Ok(normalize_email(email.as_deref().unwrap_or_default()))
    }

    /// Starts the session of a pending login whose second factor was verified, with `amr`.
    pub async fn finish_pending(
        &self,
        pending: &PendingRow,
        amr: Amr,
        origin: &Origin,
        account: String,
    ) -> Result<Login, LoginError> {
        let start = || self.start_pending(pending, amr, origin);
        match retry("second step", Idempotent::No, start).await? {
            Started::Issued(issued) => Ok(Login {
                issued,
                device: Device {
                    id: pending.device_id.clone(),
                    account,
                },
            }),
            Started::Refused(error) => Err(error),
        }
    }

    /// The completion's transaction: the password still the one judged, the employee active,
    /// the pending login spent (once), the scopes from the roles held now, the session started.
    async fn start_pending(
        &self,
        pending: &PendingRow,
        amr: Amr,
        origin: &Origin,
    ) -> Result<Started, Error> {
        let now = self.jwt.clock().now();
        let mut tx = self.db.begin().await?;
        let Some((hash, active)) = employees::lock_for_login(&mut tx, pending.emp_no).await? else {
            return Ok(Started::Refused(LoginError::Incorrect));
        };
        if hash.as_deref().map(sha256_hex).as_deref() != Some(pending.password_mark.as_str()) {
            tracing::info!("second step refused: the password changed meanwhile");
            return Ok(Started::Refused(LoginError::Incorrect));
        }
        if !active {
            return Ok(Started::Refused(LoginError::Inactive));
        }
        if !mfa::claim_pending(&mut tx, &pending.token_hash, now).await? {
            return Ok(Started::Refused(LoginError::InvalidMfaToken));
        }
        let held = scopes_of(&roles::held_in(&mut tx, pending.emp_no).await?);
        let requested = ScopeSet::from_claim(Some(&pending.scope));
        let scope = match grant_scopes(&held, requested) {
            Ok(scope) => scope,
            Err(error) => return Ok(Started::Refused(error)),
        };
        let grant = Grant::default().with_roles(scope);
        let issued = self
            .sessions
            .start_for(&mut tx, pending.emp_no, grant, origin, None, amr)
            .await?;
        let entry = Entry {
            actor: Some(pending.emp_no),
            action: "login.success",
            emp_no: Some(pending.emp_no),
            ip: origin.ip_text(),
            user_agent: origin.user_agent.as_deref(),
            details: json!({"scope": issued.scope.to_claim(), "amr": amr.methods()}),
        };
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        tracing::info!("session started after the second factor");
        Ok(Started::Issued(issued))
    }
}
