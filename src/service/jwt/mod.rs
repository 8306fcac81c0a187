//! Access tokens: RFC 9068 JWTs (`typ: at+jwt`) signed ES256 with the ring's active key and
//! carrying its `kid`; claims `sub` (the emp_no), `exp`, `iat`, `jti`, `iss`, `aud`, `client_id`,
//! `scope` and `sid` (the login session), all checked on every request.
//!
//! A token is verified with the published key its `kid` names, and only with that key's
//! algorithm: `none`, HMAC with a public key as secret, an unknown `kid` or an algorithm swapped
//! are refused. The one exception is the upgrade: HS256 tokens signed with JWT_SECRET before the
//! first key was made (no `kid`) work until they expire; none is issued any more. Verified tokens
//! are kept, so that a client sending the same token again does not pay the ECDSA verification.

use std::{sync::Arc, time::Duration};

use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use quick_cache::sync::Cache;
use serde::Serialize;

use crate::{
    clock::Clock,
    domain::amr::Amr,
    error::Error,
    service::keys::{KeyAlg, KeyRing, RingKey},
};

mod claims;

pub use claims::*;

/// Verified tokens kept per instance.
const VERIFIED_CAPACITY: usize = 16_384;

pub struct JwtKeys {
    ring: Arc<KeyRing>,
    hs256: DecodingKey,
    hs256_validation: Validation,
    es256_validation: Validation,
    rs256_validation: Validation,
    settings: TokenSettings,
    /// Verified tokens, with the `kid` they were verified with (none: HS256 of before).
    verified: Cache<String, (Claims, Option<String>)>,
}

fn validation(alg: Algorithm, issuer: &str, audience: &str) -> Validation {
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
    // `exp` is compared with our own clock (the one sessions use), with no grace period.
    validation.validate_exp = false;
    validation.leeway = 0;
    validation
}

impl JwtKeys {
    /// Tokens signed by `ring`; `secret` verifies the HS256 tokens of before the upgrade.
    pub fn new(ring: Arc<KeyRing>, secret: &[u8], settings: TokenSettings) -> Self {
        Self {
            hs256: DecodingKey::from_secret(secret),
            hs256_validation: validation(
                Algorithm::HS256,
                &settings.hs256_issuer,
                &settings.audience,
            ),
            es256_validation: validation(Algorithm::ES256, &settings.issuer, &settings.audience),
            rs256_validation: validation(Algorithm::RS256, &settings.issuer, &settings.audience),
            ring,
            settings,
            verified: Cache::new(VERIFIED_CAPACITY),
        }
    }

    pub fn ring(&self) -> &KeyRing {
        &self.ring
    }

    pub fn clock(&self) -> &Clock {
        self.ring.clock()
    }

    pub fn lifetime(&self) -> Duration {
        self.settings.lifetime
    }

    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    /// Signs a new access token for an employee's session (password grant: first party).
    pub fn issue(&self, emp_no: i32, scope: &str, sid: &str) -> Result<(String, Claims), Error> {
        self.issue_for(emp_no, scope, sid, FIRST_PARTY_CLIENT, Amr::Password)
    }

    /// Signs a new access token for an employee's session, issued to `client_id`.
    pub fn issue_for(
        &self,
        emp_no: i32,
        scope: &str,
        sid: &str,
        client_id: &str,
        amr: Amr,
    ) -> Result<(String, Claims), Error> {
        let mut claims = self.claims(emp_no.to_string(), scope, sid.to_owned(), client_id);
        claims.amr = Some(amr.methods());
        let token = self.sign(KeyAlg::Es256, ACCESS_TOKEN_TYPE, &claims)?;
        Ok((token, claims))
    }

    /// Signs a client's own access token (client credentials): `sub` and `client_id` are the
    /// client, and its `sid` names the client, whose registration it lives by.
    pub fn issue_for_client(&self, client_id: &str, scope: &str) -> Result<String, Error> {
        let sid = format!("{CLIENT_SID_PREFIX}{client_id}");
        let claims = self.claims(client_id.to_owned(), scope, sid, client_id);
        self.sign(KeyAlg::Es256, ACCESS_TOKEN_TYPE, &claims)
    }

    /// The claims of a new access token, issued now for the configured lifetime.
    fn claims(&self, sub: String, scope: &str, sid: String, client_id: &str) -> Claims {
        let now = self.clock().now();
        Claims {
            sub,
            iat: now,
            exp: now + i64::try_from(self.settings.lifetime.as_secs()).unwrap_or(i64::MAX / 2),
            jti: uuid::Uuid::new_v4().to_string(),
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone(),
            client_id: Some(client_id.to_owned()),
            scope: Some(scope.to_owned()),
            sid,
            amr: None,
        }
    }

    /// Signs `claims` with the active key of `alg`, naming its `kid` and `typ` in the header.
    pub fn sign<T: Serialize>(&self, alg: KeyAlg, typ: &str, claims: &T) -> Result<String, Error> {
        let key = self
            .ring
            .signing(alg)
            .ok_or_else(|| Error::Internal(format!("no active {} signing key", alg.name())))?;
        let encoding = key.encoding.as_ref().ok_or_else(|| {
            Error::Internal(format!("the active {} key does not open", alg.name()))
        })?;
        let mut header = Header::new(alg.algorithm());
        header.kid = Some(key.kid.clone());
        header.typ = Some(typ.to_owned());
        Ok(jsonwebtoken::encode(&header, claims, encoding)?)
    }

    /// Checks signature, key, algorithm, type, expiry, issuer and audience. Every failure is the
    /// same `InvalidToken`: the client learns nothing about which check failed.
    pub async fn validate(&self, token: &str) -> Result<Claims, Error> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Error::InvalidToken);
        }
        let now = self.clock().now();
        if let Some((claims, kid)) = self.verified.get(token) {
            // Still unexpired, and its key still published (a removed key's tokens are refused).
            let published = kid.is_none_or(|kid| self.ring.is_published(&kid));
            return match claims.exp > now && published {
                true => Ok(claims),
                false => Err(Error::InvalidToken),
            };
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| Error::InvalidToken)?;
        let claims = match &header.kid {
            Some(kid) => {
                let key = self.ring.published(kid).await.ok_or(Error::InvalidToken)?;
                let typ = header
                    .typ
                    .as_deref()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                if typ != ACCESS_TOKEN_TYPE && typ != "application/at+jwt" {
                    return Err(Error::InvalidToken);
                }
                self.decode(token, header.alg, &key)?
            }
            None => self.decode_hs256(token, header.alg)?,
        };
        if (claims.emp_no().is_none() && !claims.is_client()) || claims.exp <= now {
            return Err(Error::InvalidToken);
        }
        self.verified
            .insert(token.to_owned(), (claims.clone(), header.kid));
        Ok(claims)
    }

    fn decode(&self, token: &str, alg: Algorithm, key: &RingKey) -> Result<Claims, Error> {
        if alg != key.alg.algorithm() {
            return Err(Error::InvalidToken);
        }
        let validation = match key.alg {
            KeyAlg::Es256 => &self.es256_validation,
            KeyAlg::Rs256 => &self.rs256_validation,
        };
        jsonwebtoken::decode::<Claims>(token, &key.decoding, validation)
            .map(|data| data.claims)
            .map_err(|_| Error::InvalidToken)
    }

    /// A token from before the upgrade: HS256 with the secret, issued before the first key.
    fn decode_hs256(&self, token: &str, alg: Algorithm) -> Result<Claims, Error> {
        let until = self.ring.hs256_until().ok_or(Error::InvalidToken)?;
        if alg != Algorithm::HS256 {
            return Err(Error::InvalidToken);
        }
        let claims = jsonwebtoken::decode::<Claims>(token, &self.hs256, &self.hs256_validation)
            .map(|data| data.claims)
            .map_err(|_| Error::InvalidToken)?;
        match claims.iat < until {
            true => Ok(claims),
            false => Err(Error::InvalidToken),
        }
    }
}
