//! Registering a passkey (start, then finish with the authenticator's answer), the list of an
//! employee's passkeys and their removal; additions and removals are audited.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use webauthn_rs::prelude::{Passkey, PasskeyRegistration, RegisterPublicKeyCredential};

use super::{PasskeyError, PasskeyService, ceremony::Kind, refused, user_handle};
use crate::{
    domain::session::Origin,
    error::Error,
    repository::{
        audit::{self, Entry},
        employees, passkeys, sessions,
    },
};

/// A registered passkey, as its employee sees it.
#[derive(Debug, Clone)]
pub struct PasskeyView {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

impl From<passkeys::PasskeyRow> for PasskeyView {
    fn from(row: passkeys::PasskeyRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        }
    }
}

/// The base64url form of a credential id (how it is stored and looked up).
pub(super) fn credential_key(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

fn serialized(passkey: &Passkey) -> Result<String, PasskeyError> {
    serde_json::to_string(passkey)
        .map_err(|_| Error::Internal("a passkey that cannot be written".to_owned()).into())
}

/// A passkey's name: trimmed, 1 to 100 characters.
fn checked_name(name: Option<&str>, count: usize) -> Result<String, PasskeyError> {
    let name = name.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Ok(format!("Passkey {}", count + 1));
    }
    if name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(PasskeyError::BadName);
    }
    Ok(name.to_owned())
}

impl PasskeyService {
    /// Starts registering a passkey for `emp_no`: the ceremony's handle and the options for
    /// `navigator.credentials.create()` (a discoverable credential, user verification required,
    /// the employee's passkeys excluded).
    #[tracing::instrument(skip(self))]
    pub async fn start_registration(&self, emp_no: i32) -> Result<(String, Value), PasskeyError> {
        let webauthn = self.webauthn()?;
        let profile = employees::find_profile(&self.db, emp_no)
            .await?
            .ok_or(PasskeyError::Inactive)?;
        let exclude = self
            .passkeys_of(emp_no)
            .await?
            .iter()
            .map(|passkey| passkey.cred_id().clone())
            .collect::<Vec<_>>();
        let user_name = profile
            .email
            .clone()
            .unwrap_or_else(|| format!("employee {emp_no}"));
        let display = format!("{} {}", profile.first_name, profile.last_name);
        let (options, state) = webauthn
            .start_passkey_registration(user_handle(emp_no), &user_name, &display, Some(exclude))
            .map_err(|_| Error::Internal("cannot start a registration".to_owned()))?;
        let mut options = serde_json::to_value(options)
            .map_err(|_| Error::Internal("cannot write the options".to_owned()))?;
        // A passkey that signs in without a name must be discoverable (a resident key); the
        // library asks for none, so the options ask for one here.
        if let Some(selection) = options.pointer_mut("/publicKey/authenticatorSelection") {
            selection["residentKey"] = json!("required");
            selection["requireResidentKey"] = json!(true);
        }
        let handle = self.store(Kind::Register, Some(emp_no), &state).await?;
        Ok((handle, options))
    }

    /// Finishes a registration that `emp_no` started: the authenticator's answer verified, the
    /// passkey stored with its name and audited (`passkey.add`).
    #[tracing::instrument(skip(self, credential, origin))]
    pub async fn finish_registration(
        &self,
        emp_no: i32,
        handle: &str,
        name: Option<&str>,
        credential: &RegisterPublicKeyCredential,
        origin: &Origin,
        caller_sid: &str,
    ) -> Result<PasskeyView, PasskeyError> {
        let webauthn = self.webauthn()?;
        let count = passkeys::of_employee(&self.db, emp_no).await?.len();
        let name = checked_name(name, count)?;
        let claimed = self
            .claim::<PasskeyRegistration>(Kind::Register, handle)
            .await?;
        if claimed.emp_no != Some(emp_no) {
            // Another employee's ceremony: as unknown as one that never was.
            return Err(PasskeyError::UnknownCeremony);
        }
        let passkey = webauthn
            .finish_passkey_registration(credential, &claimed.state)
            .map_err(|error| refused(&error))?;
        let key = credential_key(passkey.cred_id());
        if passkeys::credential_taken(&self.db, &key).await? {
            return Err(PasskeyError::AlreadyRegistered);
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let stored = serialized(&passkey)?;
        let inserted = passkeys::insert(&mut tx, emp_no, &key, &stored, &name, now);
        let id = match inserted.await {
            Ok(id) => id,
            // Registered by a finish that raced this one.
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                return Err(PasskeyError::AlreadyRegistered);
            }
            Err(error) => return Err(error.into()),
        };
        let entry = Entry {
            actor: Some(emp_no),
            action: "passkey.add",
            emp_no: Some(emp_no),
            ip: origin.ip_text(),
            user_agent: origin.user_agent.as_deref(),
            details: json!({"passkey": id, "name": name}),
        };
        audit::record(&mut tx, &entry).await?;
        // A session from before (perhaps of a stolen password) keeps no way around the new factor.
        let ended = sessions::end_all(&mut tx, emp_no, Some(caller_sid), now).await?;
        if ended > 0 {
            let entry = Entry {
                action: "session.revoke",
                details: json!({"reason": "second factor added", "sessions": ended}),
                ..entry
            };
            audit::record(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        tracing::info!(passkey = id, "passkey added");
        Ok(PasskeyView {
            id,
            name,
            created_at: now,
            last_used_at: None,
        })
    }

    /// The employee's passkeys, oldest first.
    pub async fn list(&self, emp_no: i32) -> Result<Vec<PasskeyView>, PasskeyError> {
        let rows = passkeys::of_employee(&self.db, emp_no).await?;
        Ok(rows.into_iter().map(PasskeyView::from).collect())
    }

    /// Removes one of the employee's own passkeys (audited `passkey.remove`); another's id, or
    /// an unknown one, is [`PasskeyError::NotFound`].
    #[tracing::instrument(skip(self, origin))]
    pub async fn remove(&self, emp_no: i32, id: i64, origin: &Origin) -> Result<(), PasskeyError> {
        let mut tx = self.db.begin().await?;
        let name = passkeys::delete(&mut tx, emp_no, id)
            .await?
            .ok_or(PasskeyError::NotFound)?;
        let entry = Entry {
            actor: Some(emp_no),
            action: "passkey.remove",
            emp_no: Some(emp_no),
            ip: origin.ip_text(),
            user_agent: origin.user_agent.as_deref(),
            details: json!({"passkey": id, "name": name}),
        };
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        tracing::info!(passkey = id, "passkey removed");
        Ok(())
    }

    /// The employee's passkeys as webauthn-rs reads them.
    pub(super) async fn passkeys_of(&self, emp_no: i32) -> Result<Vec<Passkey>, PasskeyError> {
        passkeys::of_employee(&self.db, emp_no)
            .await?
            .iter()
            .map(|row| {
                serde_json::from_str(&row.passkey).map_err(|_| {
                    Error::Internal("a stored passkey that cannot be read".to_owned()).into()
                })
            })
            .collect()
    }
}
