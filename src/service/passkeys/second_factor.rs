//! A passkey as the second factor of a password login: the pending login (`mfa_token`) names
//! the employee, whose passkeys are offered; a verified answer (on the address's passkey budget)
//! completes it through the auth service's `finish_pending`, with amr `["hwk", "user", "mfa"]`.

use secrecy::SecretString;
use serde_json::Value;
use webauthn_rs::prelude::{Passkey, PasskeyAuthentication, PublicKeyCredential};

use super::{
    PasskeyError, PasskeyService, budget_key, ceremony::Kind, refused, register::credential_key,
};
use crate::{
    domain::{amr::Amr, session::Origin},
    error::Error,
    repository::passkeys,
    service::{
        auth::{AuthService, Login},
        throttle::Refused,
    },
};

impl PasskeyService {
    /// Starts the second step with a passkey: the options list the pending employee's passkeys.
    #[tracing::instrument(skip_all)]
    pub async fn start_second_factor(
        &self,
        auth: &AuthService,
        mfa_token: &SecretString,
    ) -> Result<(String, Value), PasskeyError> {
        let webauthn = self.webauthn()?;
        let pending = auth.pending_login(mfa_token).await?;
        let passkeys = self.passkeys_of(pending.emp_no).await?;
        if passkeys.is_empty() {
            return Err(PasskeyError::NoPasskey);
        }
        let (options, state) = webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|_| Error::Internal("cannot start a passkey check".to_owned()))?;
        let options = serde_json::to_value(options)
            .map_err(|_| Error::Internal("cannot write the options".to_owned()))?;
        let handle = self
            .store(Kind::SecondFactor, Some(pending.emp_no), &state)
            .await?;
        Ok((handle, options))
    }

    /// Completes the pending login with a passkey's answer to the ceremony it started.
    #[tracing::instrument(skip(self, auth, mfa_token, credential, origin))]
    pub async fn finish_second_factor(
        &self,
        auth: &AuthService,
        mfa_token: &SecretString,
        handle: &str,
        credential: &PublicKeyCredential,
        origin: &Origin,
    ) -> Result<Login, PasskeyError> {
        self.webauthn()?;
        let pending = auth.pending_login(mfa_token).await?;
        let attempt = match self.throttle.reserve_key(&budget_key(origin.ip)).await {
            Ok(attempt) => attempt,
            Err(Refused::Throttled(retry_after_secs)) => {
                return Err(PasskeyError::Throttled { retry_after_secs });
            }
            Err(Refused::Internal(error)) => return Err(error.into()),
        };
        match self.verify_for(pending.emp_no, handle, credential).await {
            Ok(()) => attempt.settle(false).await,
            Err(error @ PasskeyError::Internal(_)) => return Err(error),
            Err(error) => {
                attempt.settle(true).await;
                tracing::info!(%error, "passkey second step refused");
                return Err(error);
            }
        }
        let account = auth.email_of(pending.emp_no).await?;
        Ok(auth
            .finish_pending(&pending, Amr::Passkey, origin, account)
            .await?)
    }

    /// Claims the employee's ceremony and verifies the answer against their passkeys; the passkey
    /// used is updated (its counter).
    async fn verify_for(
        &self,
        emp_no: i32,
        handle: &str,
        credential: &PublicKeyCredential,
    ) -> Result<(), PasskeyError> {
        let webauthn = self.webauthn()?;
        let claimed = self
            .claim::<PasskeyAuthentication>(Kind::SecondFactor, handle)
            .await?;
        if claimed.emp_no != Some(emp_no) {
            return Err(PasskeyError::UnknownCeremony);
        }
        let result = webauthn
            .finish_passkey_authentication(credential, &claimed.state)
            .map_err(|error| refused(&error))?;
        let row = passkeys::by_credential(&self.db, &credential_key(result.cred_id()))
            .await?
            .filter(|row| row.emp_no == emp_no)
            .ok_or(PasskeyError::UnknownCredential)?;
        let mut passkey: Passkey = serde_json::from_str(&row.passkey)
            .map_err(|_| Error::Internal("a stored passkey that cannot be read".to_owned()))?;
        passkey.update_credential(&result);
        let stored = serde_json::to_string(&passkey)
            .map_err(|_| Error::Internal("a passkey that cannot be written".to_owned()))?;
        passkeys::record_use(&self.db, row.id, &stored, self.now()).await?;
        Ok(())
    }
}
