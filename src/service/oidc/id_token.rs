//! ID tokens (OIDC Core §2): signed with the client's algorithm (ES256 unless it registered
//! RS256), `aud` the client, with `auth_time`, `nonce`, `at_hash`, `amr` and `sid`; and the
//! `id_token_hint` of a logout, verified with any published key (a retired one included) and
//! accepted after its expiry, as RP-Initiated Logout 1.0 §2 allows.

use jsonwebtoken::Validation;
use serde::{Deserialize, Serialize};

use super::OidcService;
use crate::{
    domain::{amr::Amr, client::IdTokenAlg, oidc::at_hash},
    error::Error,
    service::keys::KeyAlg,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdClaims {
    pub iss: String,
    /// The employee's emp_no, as a string.
    pub sub: String,
    /// The client.
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    /// When the employee entered the password.
    pub auth_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// RFC 8176: how the employee authenticated (`pwd`; `pwd otp mfa`; `hwk user mfa`).
    #[serde(default)]
    pub amr: Vec<String>,
    /// The session the client's tokens belong to.
    pub sid: String,
}

pub(super) struct IdToken<'a> {
    pub emp_no: i32,
    pub client_id: &'a str,
    pub alg: IdTokenAlg,
    pub auth_time: i64,
    pub amr: Amr,
    pub nonce: Option<String>,
    pub access_token: &'a str,
    pub sid: &'a str,
}

impl OidcService {
    pub(super) fn id_token(&self, token: IdToken<'_>) -> Result<String, Error> {
        let now = self.now();
        let claims = IdClaims {
            iss: self.jwt.issuer().to_owned(),
            sub: token.emp_no.to_string(),
            aud: token.client_id.to_owned(),
            exp: now + i64::try_from(self.jwt.lifetime().as_secs()).unwrap_or(i64::MAX / 4),
            iat: now,
            auth_time: token.auth_time,
            nonce: token.nonce,
            at_hash: Some(at_hash(token.access_token)),
            amr: token.amr.methods(),
            sid: token.sid.to_owned(),
        };
        let alg = match token.alg {
            IdTokenAlg::Es256 => KeyAlg::Es256,
            IdTokenAlg::Rs256 => KeyAlg::Rs256,
        };
        self.jwt.sign(alg, "JWT", &claims)
    }

    /// An ID token of ours, by a published key and that key's algorithm, issued by us; its
    /// expiry is not checked (a hint may be old). `None` for anything else.
    pub async fn verify_hint(&self, token: &str) -> Option<IdClaims> {
        if token.len() > crate::service::jwt::MAX_TOKEN_BYTES {
            return None;
        }
        let header = jsonwebtoken::decode_header(token).ok()?;
        let key = self.jwt.ring().published(header.kid.as_deref()?).await?;
        if header.alg != key.alg.algorithm() {
            return None;
        }
        let mut validation = Validation::new(key.alg.algorithm());
        validation.set_issuer(&[self.jwt.issuer()]);
        validation.validate_aud = false;
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["iss", "sub", "aud"]);
        jsonwebtoken::decode::<IdClaims>(token, &key.decoding, &validation)
            .ok()
            .map(|data| data.claims)
    }
}
