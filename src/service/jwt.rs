//! Access tokens: HS256 JWTs carrying `sub` (the emp_no), `exp`, `iat`, `jti`, `iss`, `aud` and
//! `sid` (the login session), all of them checked on every request. The algorithm is pinned: a token whose header names any
//! other algorithm, `none` included, is refused.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::{clock::Clock, error::Error};

/// Tokens longer than this are refused before any parsing (ours are about 300 bytes).
pub const MAX_TOKEN_BYTES: usize = 4_096;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The employee's emp_no, as a string (RFC 7519 wants `sub` to be a string).
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    /// Unique per token.
    pub jti: String,
    pub iss: String,
    pub aud: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The login session: the token is refused once it has ended.
    pub sid: String,
}

impl Claims {
    pub fn emp_no(&self) -> Option<i32> {
        self.sub.parse().ok()
    }
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    lifetime: Duration,
    clock: Clock,
}

impl JwtKeys {
    pub fn new(secret: &[u8], issuer: &str, audience: &str, lifetime: Duration) -> Self {
        Self::with_clock(secret, issuer, audience, lifetime, Clock::system())
    }

    /// Keys that read the time from `clock` (tests move it to reach a token's expiry).
    pub fn with_clock(
        secret: &[u8],
        issuer: &str,
        audience: &str,
        lifetime: Duration,
        clock: Clock,
    ) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        // `exp` is compared with our own clock below (the one sessions use), with no grace period.
        validation.validate_exp = false;
        validation.leeway = 0;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            lifetime,
            clock,
        }
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// Signs a new token for an employee's session.
    pub fn issue(&self, emp_no: i32, scope: &str, sid: &str) -> Result<(String, Claims), Error> {
        let now = self.clock.now();
        let claims = Claims {
            sub: emp_no.to_string(),
            iat: now,
            exp: now + i64::try_from(self.lifetime.as_secs()).unwrap_or(i64::MAX / 2),
            jti: uuid::Uuid::new_v4().to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            scope: Some(scope.to_owned()),
            sid: sid.to_owned(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, claims))
    }

    /// Checks signature, algorithm, expiry, issuer and audience. Every failure is the same
    /// `InvalidToken`: the client learns nothing about which check failed.
    pub fn validate(&self, token: &str) -> Result<Claims, Error> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Error::InvalidToken);
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| Error::InvalidToken)?;
        if data.claims.emp_no().is_none() || data.claims.exp <= self.clock.now() {
            return Err(Error::InvalidToken);
        }
        Ok(data.claims)
    }
}
