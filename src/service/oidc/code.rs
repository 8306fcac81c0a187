//! `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6): a code works once, within
//! its minute, for the client and redirect URI it was issued to and with the verifier of its
//! challenge. Its tokens go to a session of their own (so that the client's refresh tokens and
//! its deletion touch nothing else), started under the employee's lock like a login; a code
//! presented a second time ends that session (§4.1.2).

use serde_json::json;

use super::{OidcService, id_token::IdToken, sha256_hex};
use crate::{
    domain::{
        amr::Amr,
        client::{Client, GrantType},
        oidc::{Grant, OidcScope, pkce_s256_matches},
        scope::scopes_of,
        session::Origin,
    },
    error::Error,
    repository::{
        audit::{self, Entry},
        codes, employees, roles,
    },
    service::sessions::Issued,
};

/// The fields of the request (the client is authenticated already).
pub struct CodeRedemption {
    pub code: String,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
}

/// What a code is redeemed for.
pub struct CodeTokens {
    pub issued: Issued,
    /// When `openid` was granted.
    pub id_token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CodeGrantError {
    /// RFC 6749 §5.2 `invalid_grant`: unknown, spent, expired, another client's, another
    /// redirect URI, a wrong verifier, or the employee no longer works here.
    #[error("invalid grant: {0}")]
    InvalidGrant(&'static str),
    /// `unauthorized_client`: the client may not use this grant.
    #[error("unauthorized client")]
    Unauthorized,
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<sqlx::Error> for CodeGrantError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl OidcService {
    #[tracing::instrument(skip_all, fields(client_id = %client.client_id))]
    pub async fn redeem(
        &self,
        client: &Client,
        redemption: CodeRedemption,
        origin: &Origin,
    ) -> Result<CodeTokens, CodeGrantError> {
        if !client.allows_grant(GrantType::AuthorizationCode) {
            return Err(CodeGrantError::Unauthorized);
        }
        let hash = sha256_hex(&redemption.code);
        let Some(code) = codes::find(&self.db, &hash).await? else {
            return Err(CodeGrantError::InvalidGrant("unknown code"));
        };
        let now = self.now();
        if code.redeemed_at.is_some() {
            self.end_replayed(code.session_sid.as_deref(), origin)
                .await?;
            return Err(CodeGrantError::InvalidGrant("code already used"));
        }
        if code.expires_at <= now {
            return Err(CodeGrantError::InvalidGrant("code expired"));
        }
        if code.client_id != client.client_id {
            return Err(CodeGrantError::InvalidGrant("code of another client"));
        }
        if redemption.redirect_uri.as_deref() != Some(code.redirect_uri.as_str()) {
            return Err(CodeGrantError::InvalidGrant("redirect_uri differs"));
        }
        let verifier = redemption.code_verifier.as_deref().unwrap_or_default();
        if !pkce_s256_matches(verifier, &code.code_challenge) {
            return Err(CodeGrantError::InvalidGrant("code_verifier does not match"));
        }
        let amr = Amr::parse(&code.amr);
        let mut tx = self.db.begin().await?;
        match employees::lock_for_login(&mut tx, code.emp_no).await? {
            Some((_, true)) => {}
            _ => return Err(CodeGrantError::InvalidGrant("employee not active")),
        }
        let held = scopes_of(&roles::held_in(&mut tx, code.emp_no).await?);
        let asked = Grant::from_claim(&code.scope);
        let grant = asked.with_roles(asked.roles.iter().filter(|s| held.contains(*s)).collect());
        let mut issued = self
            .sessions
            .start_for(
                &mut tx,
                code.emp_no,
                grant,
                origin,
                Some(&client.client_id),
                amr,
            )
            .await?;
        if !codes::claim(&mut tx, &hash, now, &issued.sid).await? {
            // Another redemption of the same code won: this one is the second use.
            drop(tx);
            let spent = codes::find(&self.db, &hash).await?;
            self.end_replayed(spent.and_then(|c| c.session_sid).as_deref(), origin)
                .await?;
            return Err(CodeGrantError::InvalidGrant("code already used"));
        }
        let entry = Entry {
            actor: Some(code.emp_no),
            action: "login.success",
            emp_no: Some(code.emp_no),
            ip: origin.ip_text(),
            user_agent: origin.user_agent.as_deref(),
            details: json!({"scope": grant.to_claim(), "client_id": client.client_id}),
        };
        audit::record(&mut tx, &entry).await?;
        tx.commit().await.map_err(Error::from)?;
        if !grant.has(OidcScope::OfflineAccess) {
            issued.refresh_token = None;
        }
        let id_token = match grant.has(OidcScope::Openid) {
            true => Some(self.id_token(IdToken {
                emp_no: code.emp_no,
                client_id: &client.client_id,
                alg: client.id_token_alg,
                auth_time: code.auth_time,
                amr,
                nonce: code.nonce.clone(),
                access_token: &issued.access_token,
                sid: &issued.sid,
            })?),
            false => None,
        };
        tracing::info!(emp_no = code.emp_no, "code redeemed");
        Ok(CodeTokens { issued, id_token })
    }

    /// A code presented again: the session its tokens went to ends (RFC 6749 §4.1.2).
    async fn end_replayed(&self, sid: Option<&str>, origin: &Origin) -> Result<(), Error> {
        if let Some(sid) = sid {
            self.sessions
                .end(sid, None, None, origin, "authorization code reuse")
                .await?;
            tracing::warn!("authorization code presented again: its session ended");
        }
        Ok(())
    }
}
