//! Registered OAuth clients: registration (the secret made here, shown once, stored hashed),
//! the list, client authentication; removal (which ends the client's sessions) and the
//! `swagger-ui` client that every start keeps in step with PUBLIC_URL have files of their own.

mod removal;
mod swagger_ui;

pub use swagger_ui::SwaggerUi;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    clock::Clock,
    db::Db,
    domain::{
        client::{Client, ClientRuleError, NewClient},
        session::Origin,
    },
    error::Error,
    repository::{
        audit::{self, Entry},
        clients,
    },
    telemetry::metrics::Metrics,
};

/// Why a registration or a removal was refused.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{field}: {rule}", field = .0.field(), rule = .0)]
    Invalid(#[from] ClientRuleError),
    #[error("no such client")]
    NotFound,
    #[error(transparent)]
    Internal(#[from] Error),
}

/// Why a client could not be authenticated (the token endpoint's `invalid_client`).
#[derive(Debug, thiserror::Error)]
pub enum ClientAuthError {
    #[error("unknown client")]
    Unknown,
    /// A confidential client without its secret.
    #[error("client secret required")]
    SecretMissing,
    /// A public client has no secret to present; one sent is a client confused about itself.
    #[error("a public client has no secret")]
    SecretUnexpected,
    #[error("wrong client secret")]
    WrongSecret,
    #[error(transparent)]
    Internal(#[from] Error),
}

/// A client just registered: its secret is shown this once and kept only as a hash.
#[derive(Debug)]
pub struct Registered {
    pub client_id: String,
    /// `None` for a public client.
    pub client_secret: Option<SecretString>,
}

impl From<sqlx::Error> for ClientError {
    fn from(error: sqlx::Error) -> Self {
        ClientError::Internal(error.into())
    }
}

pub struct ClientService {
    db: Db,
    clock: Clock,
    metrics: Metrics,
}

impl ClientService {
    /// The one constructor: the clock dates registrations and session ends; the metrics count
    /// the sessions a removal ends.
    pub fn new(db: Db, clock: Clock, metrics: Metrics) -> Self {
        Self { db, clock, metrics }
    }

    /// Registers a client after [`NewClient::check`]; a confidential one gets a new secret.
    /// `actor`: the admin who asked (`None` from the command line).
    #[tracing::instrument(skip(self, new, origin), fields(name = %new.name))]
    pub async fn register(
        &self,
        new: NewClient,
        actor: Option<i32>,
        origin: &Origin,
    ) -> Result<Registered, ClientError> {
        let new = new.check()?;
        let secret = new.confidential.then(new_secret);
        let client = Client {
            client_id: uuid::Uuid::new_v4().simple().to_string(),
            name: new.name,
            confidential: new.confidential,
            redirect_uris: new.redirect_uris,
            post_logout_redirect_uris: new.post_logout_redirect_uris,
            allowed_scopes: new.allowed_scopes,
            grant_types: new.grant_types,
            consent: new.consent,
            id_token_alg: new.id_token_alg,
            created_at: self.clock.now(),
        };
        let secret_hash = secret.as_ref().map(|secret| hash(secret.expose_secret()));
        let entry = Entry {
            actor,
            action: "client.register",
            emp_no: None,
            ip: origin.ip_text(),
            user_agent: origin.user_agent.as_deref(),
            details: json!({
                "client_id": client.client_id,
                "name": client.name,
                "confidential": client.confidential,
                "redirect_uris": client.redirect_uris,
                "allowed_scopes": client.allowed_scopes,
                "grant_types": client.grant_types.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
            }),
        };
        // Not retried: a lost connection may have committed it, and a second try would register
        // a second client.
        let mut tx = self.db.begin().await?;
        clients::insert(&mut tx, &client, secret_hash.as_deref()).await?;
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        tracing::info!(client_id = %client.client_id, "client registered");
        Ok(Registered {
            client_id: client.client_id,
            client_secret: secret,
        })
    }

    /// Every client, by id.
    pub async fn list(&self) -> Result<Vec<Client>, Error> {
        Ok(clients::list(&self.db).await?)
    }

    /// One client; `None` when unknown.
    pub async fn get(&self, client_id: &str) -> Result<Option<Client>, Error> {
        Ok(clients::find(&self.db, client_id)
            .await?
            .map(|stored| stored.client))
    }

    /// Client authentication (RFC 6749 §2.3.1): a confidential client must present its secret,
    /// a public one none.
    #[tracing::instrument(skip(self, secret))]
    pub async fn authenticate(
        &self,
        client_id: &str,
        secret: Option<&SecretString>,
    ) -> Result<Client, ClientAuthError> {
        let stored = clients::find(&self.db, client_id)
            .await
            .map_err(Error::from)?
            .ok_or(ClientAuthError::Unknown)?;
        match (&stored.secret_hash, secret) {
            (None, None) => Ok(stored.client),
            (None, Some(_)) => Err(ClientAuthError::SecretUnexpected),
            (Some(_), None) => Err(ClientAuthError::SecretMissing),
            (Some(known), Some(given)) => {
                match same(hash(given.expose_secret()).as_bytes(), known.as_bytes()) {
                    true => Ok(stored.client),
                    false => Err(ClientAuthError::WrongSecret),
                }
            }
        }
    }
}

/// 32 random bytes, base64url: 256 bits that no one guesses.
fn new_secret() -> SecretString {
    use rand::Rng;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(URL_SAFE_NO_PAD.encode(bytes))
}

/// SHA-256, hex. A fast hash is right here, unlike for passwords: a secret of 256 random bits
/// cannot be guessed however fast guesses are tried, so bcrypt's cost would buy nothing and would
/// put a bcrypt on every token request of a client.
fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Equal, in a time that depends on the length only: no early exit tells how many leading
/// characters of a guess were right.
fn same(a: &[u8], b: &[u8]) -> bool {
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    a.len() == b.len() && std::hint::black_box(difference) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_stored_as_their_hash() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.expose_secret().len(), 43);
        assert_ne!(a.expose_secret(), b.expose_secret());
        let stored = hash(a.expose_secret());
        assert_eq!(stored.len(), 64);
        assert!(same(hash(a.expose_secret()).as_bytes(), stored.as_bytes()));
        assert!(!same(hash(b.expose_secret()).as_bytes(), stored.as_bytes()));
        assert!(!same(b"ab", b"abc"));
    }
}
