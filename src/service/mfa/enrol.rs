//! TOTP enrolment: a secret to scan, a first code that turns it on and answers ten recovery codes
//! (once), turning it off (with the password and a code), and a new set of recovery codes.

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{MfaError, MfaService, Presenter, totp};
use crate::{
    domain::session::Origin,
    repository::{
        audit::{self, Entry},
        mfa, sessions,
    },
    service::auth::PasswordProof,
};

/// A secret to scan, before it is confirmed.
pub struct Enrolment {
    /// Base32, for typing in.
    pub secret: SecretString,
    /// `otpauth://totp/Employees:{email}?secret=…&issuer=Employees`.
    pub otpauth_uri: SecretString,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpState {
    Off,
    /// A secret was handed out; no code confirmed it yet.
    Pending,
    On,
}

/// What the account page shows.
#[derive(Debug, Clone, Copy)]
pub struct MfaStatus {
    pub totp: TotpState,
    pub recovery_codes_left: i64,
}

impl MfaService {
    pub async fn status(&self, emp_no: i32) -> Result<MfaStatus, MfaError> {
        let totp = match mfa::totp(&self.db, emp_no).await? {
            None => TotpState::Off,
            Some(row) if row.confirmed_at.is_none() => TotpState::Pending,
            Some(_) => TotpState::On,
        };
        let recovery_codes_left = match totp {
            TotpState::On => mfa::recovery_left(&self.db, emp_no).await?,
            _ => 0,
        };
        Ok(MfaStatus {
            totp,
            recovery_codes_left,
        })
    }

    /// A new secret for `account` (the email, shown by authenticator apps), stored sealed and
    /// unconfirmed; an earlier unconfirmed one is replaced.
    #[tracing::instrument(skip(self, account))]
    pub async fn begin_totp(
        &self,
        emp_no: i32,
        account: &str,
        caller_mfa: bool,
    ) -> Result<Enrolment, MfaError> {
        if self.totp_on(emp_no).await? {
            return Err(MfaError::AlreadyOn);
        }
        self.may_change_factors(emp_no, caller_mfa).await?;
        let generator = totp::Generator::generate(account)?;
        let sealed = self.sealer.seal(emp_no, &generator)?;
        if !mfa::begin_totp(&self.db, emp_no, &sealed, self.now()).await? {
            return Err(MfaError::AlreadyOn);
        }
        Ok(Enrolment {
            secret: generator.secret_base32(),
            otpauth_uri: generator.uri()?,
        })
    }

    /// The unconfirmed enrolment again (the page shows its QR code after a wrong first code).
    pub async fn enrolment(&self, emp_no: i32, account: &str) -> Result<Enrolment, MfaError> {
        let row = mfa::totp(&self.db, emp_no).await?;
        let sealed = match row {
            Some(row) if row.confirmed_at.is_none() => row.secret_sealed,
            Some(_) => return Err(MfaError::AlreadyOn),
            None => return Err(MfaError::NotStarted),
        };
        let generator = self
            .sealer
            .open(emp_no, &sealed, account)
            .ok_or(MfaError::NotStarted)?;
        Ok(Enrolment {
            secret: generator.secret_base32(),
            otpauth_uri: generator.uri()?,
        })
    }

    /// Turns TOTP on with a first code of the new secret; answers ten recovery codes (shown once,
    /// stored hashed). The employee's other sessions end (one from before, perhaps with a stolen
    /// password, keeps no way in). Audited `mfa.enable`.
    #[tracing::instrument(skip(self, code, presenter))]
    pub async fn confirm_totp(
        &self,
        emp_no: i32,
        code: &SecretString,
        presenter: &Presenter<'_>,
    ) -> Result<Vec<SecretString>, MfaError> {
        let row = mfa::totp(&self.db, emp_no).await?;
        let sealed = match row {
            None => return Err(MfaError::NotStarted),
            Some(row) if row.confirmed_at.is_some() => return Err(MfaError::AlreadyOn),
            Some(row) => row.secret_sealed,
        };
        let client = crate::service::throttle::Client {
            address: presenter.origin.ip,
            device: presenter.device,
        };
        let attempt = self.reserve(emp_no, &client).await?;
        let step = self
            .open(emp_no, &sealed)
            .and_then(|generator| generator.step_of(code.expose_secret(), self.now()));
        let now = self.now();
        attempt.settle(step.is_none()).await;
        let step = step.ok_or(MfaError::WrongCode)?;
        let codes = totp::recovery_codes();
        let hashes: Vec<String> = codes.iter().map(|(_, hash)| hash.clone()).collect();
        let mut tx = self.db.begin().await?;
        if !mfa::confirm_totp(&mut tx, emp_no, &sealed, step, now).await? {
            return Err(MfaError::NotStarted);
        }
        mfa::replace_recovery(&mut tx, emp_no, &hashes).await?;
        record(
            &mut tx,
            emp_no,
            "mfa.enable",
            presenter.origin,
            json!({"factor": "totp"}),
        )
        .await?;
        let ended = sessions::end_all(&mut tx, emp_no, presenter.device, now).await?;
        if ended > 0 {
            let details = json!({"reason": "second factor added", "sessions": ended});
            record(&mut tx, emp_no, "session.revoke", presenter.origin, details).await?;
        }
        tx.commit().await?;
        tracing::info!("TOTP turned on");
        Ok(codes.into_iter().map(|(code, _)| code).collect())
    }

    /// Turns TOTP off: the password (proven) and a code (TOTP or recovery). Audited `mfa.disable`.
    #[tracing::instrument(skip_all, fields(emp_no = proof.emp_no()))]
    pub async fn disable_totp(
        &self,
        proof: PasswordProof,
        code: &SecretString,
        presenter: &Presenter<'_>,
    ) -> Result<(), MfaError> {
        let emp_no = proof.emp_no();
        if !self.has_second_factor(emp_no).await? {
            return Err(MfaError::NotOn);
        }
        self.judge(emp_no, code, presenter).await?;
        let mut tx = self.db.begin().await?;
        if !mfa::delete_totp(&mut tx, emp_no).await? {
            return Err(MfaError::NotOn);
        }
        record(
            &mut tx,
            emp_no,
            "mfa.disable",
            presenter.origin,
            json!({"factor": "totp"}),
        )
        .await?;
        tx.commit().await?;
        tracing::info!("TOTP turned off");
        Ok(())
    }

    /// A new set of ten recovery codes (the old ones stop working), given a code.
    #[tracing::instrument(skip(self, code, presenter))]
    pub async fn new_recovery_codes(
        &self,
        emp_no: i32,
        code: &SecretString,
        presenter: &Presenter<'_>,
    ) -> Result<Vec<SecretString>, MfaError> {
        if !self.has_second_factor(emp_no).await? {
            return Err(MfaError::NotOn);
        }
        self.judge(emp_no, code, presenter).await?;
        let codes = totp::recovery_codes();
        let hashes: Vec<String> = codes.iter().map(|(_, hash)| hash.clone()).collect();
        let mut tx = self.db.begin().await?;
        mfa::replace_recovery(&mut tx, emp_no, &hashes).await?;
        let details = json!({"factor": "recovery codes", "renewed": true});
        record(&mut tx, emp_no, "mfa.enable", presenter.origin, details).await?;
        tx.commit().await?;
        Ok(codes.into_iter().map(|(code, _)| code).collect())
    }

    async fn reserve(
        &self,
        emp_no: i32,
        client: &crate::service::throttle::Client<'_>,
    ) -> Result<crate::service::throttle::Attempt, MfaError> {
        use crate::service::throttle::Refused;
        match self
            .throttle
            .reserve(client, &super::budget_account(emp_no))
            .await
        {
            Ok(attempt) => Ok(attempt),
            Err(Refused::Throttled(retry_after_secs)) => {
                Err(MfaError::Throttled { retry_after_secs })
            }
            Err(Refused::Internal(error)) => Err(error.into()),
        }
    }
}

async fn record(
    tx: &mut crate::db::Tx,
    emp_no: i32,
    action: &'static str,
    origin: &Origin,
    details: serde_json::Value,
) -> Result<(), MfaError> {
    let entry = Entry {
        actor: Some(emp_no),
        action,
        emp_no: Some(emp_no),
        ip: origin.ip_text(),
        user_agent: origin.user_agent.as_deref(),
        details,
    };
    Ok(audit::record(tx, &entry).await?)
}
