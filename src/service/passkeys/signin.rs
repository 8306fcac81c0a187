//! Signing in with a passkey instead of a password (a discoverable credential: the passkey names
//! its employee). A refused answer spends the address's `passkey:` budget; a verified one
//! updates the stored passkey (its counter: a copied authenticator falls behind and is refused)
//! and starts a session in one transaction with its audit entry.

use serde_json::{Value, json};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, DiscoverableKey, Passkey, PublicKeyCredential,
};

use super::{
    PasskeyError, PasskeyService, budget_key, ceremony::Kind, refused, register::credential_key,
    user_handle,
};
use crate::{
    domain::{amr::Amr, oidc::Grant, scope::scopes_of, session::Origin},
    error::Error,
    repository::{
        audit::{self, Entry},
        employees, passkeys, roles,
    },
    service::{sessions::Issued, throttle::Refused},
};

/// A passwordless sign-in: the session's tokens.
pub struct PasskeySignIn {
    pub issued: Issued,
}

impl PasskeyService {
    /// Starts a sign-in: the ceremony's handle and the options for `navigator.credentials.get()`
    /// (no credentials listed: the authenticator offers the site's passkeys).
    #[tracing::instrument(skip(self))]
    pub async fn start_signin(&self) -> Result<(String, Value), PasskeyError> {
        let webauthn = self.webauthn()?;
        let (mut options, state) = webauthn
            .start_discoverable_authentication()
            .map_err(|_| Error::Internal("cannot start a sign-in".to_owned()))?;
        // The library asks for conditional mediation (autofill); the page asks from a button.
        options.mediation = None;
        let options = serde_json::to_value(options)
            .map_err(|_| Error::Internal("cannot write the options".to_owned()))?;
        let handle = self.store(Kind::SignIn, None, &state).await?;
        Ok((handle, options))
    }

    /// Finishes a sign-in: the answer verified against the passkey it names, the passkey
    /// updated, and a session started with every scope the employee holds.
    #[tracing::instrument(skip(self, credential, origin), fields(emp_no))]
    pub async fn finish_signin(
        &self,
        handle: &str,
        credential: &PublicKeyCredential,
        origin: &Origin,
    ) -> Result<PasskeySignIn, PasskeyError> {
        self.webauthn()?;
        let attempt = match self.throttle.reserve_key(&budget_key(origin.ip)).await {
            Ok(attempt) => attempt,
            Err(Refused::Throttled(retry_after_secs)) => {
                return Err(PasskeyError::Throttled { retry_after_secs });
            }
            Err(Refused::Internal(error)) => return Err(error.into()),
        };
        let verified = self.verify(handle, credential).await;
        match verified {
            Ok(row) => {
                attempt.settle(false).await;
                tracing::Span::current().record("emp_no", row.emp_no);
                self.start_session(&row, origin).await
            }
            Err(error @ PasskeyError::Internal(_)) => Err(error),
            Err(error) => {
                attempt.settle(true).await;
                tracing::info!(%error, "passkey sign-in refused");
                Err(error)
            }
        }
    }

    /// Claims the ceremony and verifies the answer; the passkey row, updated after the use.
    async fn verify(
        &self,
        handle: &str,
        credential: &PublicKeyCredential,
    ) -> Result<passkeys::PasskeyRow, PasskeyError> {
        let webauthn = self.webauthn()?;
        let claimed = self
            .claim::<DiscoverableAuthentication>(Kind::SignIn, handle)
            .await?;
        let (user, credential_id) = webauthn
            .identify_discoverable_authentication(credential)
            .map_err(|_| PasskeyError::Refused("it names no user (userHandle)"))?;
        let mut row = passkeys::by_credential(&self.db, &credential_key(credential_id))
            .await?
            .ok_or(PasskeyError::UnknownCredential)?;
        if user != user_handle(row.emp_no) {
            return Err(PasskeyError::Refused("its user is not the passkey's"));
        }
        let mut passkey: Passkey = serde_json::from_str(&row.passkey)
            .map_err(|_| Error::Internal("a stored passkey that cannot be read".to_owned()))?;
        let result = webauthn
            .finish_discoverable_authentication(
                credential,
                claimed.state,
                &[DiscoverableKey::from(&passkey)],
            )
            .map_err(|error| refused(&error))?;
        passkey.update_credential(&result);
        row.passkey = serde_json::to_string(&passkey)
            .map_err(|_| Error::Internal("a passkey that cannot be written".to_owned()))?;
        passkeys::record_use(&self.db, row.id, &row.passkey, self.now()).await?;
        Ok(row)
    }

    /// The session of a verified passkey, under the employee's lock (the one a termination
    /// takes): a former employee gets none.
    async fn start_session(
        &self,
        row: &passkeys::PasskeyRow,
        origin: &Origin,
    ) -> Result<PasskeySignIn, PasskeyError> {
        let mut tx = self.db.begin().await?;
        let (_, active) = employees::lock_for_login(&mut tx, row.emp_no)
            .await?
            .ok_or(PasskeyError::UnknownCredential)?;
        if !active {
            return Err(PasskeyError::Inactive);
        }
        let scope = scopes_of(&roles::held_in(&mut tx, row.emp_no).await?);
        let grant = Grant::default().with_roles(scope);
        let issued = self
            .sessions
            .start_for(&mut tx, row.emp_no, grant, origin, None, Amr::Passkey)
            .await?;
        let entry = Entry {
            actor: Some(row.emp_no),
            action: "login.success",
            emp_no: Some(row.emp_no),
            ip: origin.ip_text(),
            user_agent: origin.user_agent.as_deref(),
            details: json!({
                "scope": issued.scope.to_claim(), "amr": Amr::Passkey.methods(), "passkey": row.id
            }),
        };
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        tracing::info!("session started with a passkey");
        Ok(PasskeySignIn { issued })
    }
}
