//! What an access token says: its claims, the constants of its kinds (first party, a client's
//! own token), and who issued it for whom.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Tokens longer than this are refused before any parsing (ours are about 500 bytes).
pub const MAX_TOKEN_BYTES: usize = 4_096;
/// RFC 9068 §2.1: the `typ` of an access token.
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
/// The `client_id` of tokens from the password grant (our login page, Swagger UI, curl).
pub const FIRST_PARTY_CLIENT: &str = "first-party";
/// The `sid` of a client's own token (client credentials): no login session, the client itself.
pub const CLIENT_SID_PREFIX: &str = "client:";
/// The `emp_no` a client's own token stands for: none (test_db's numbers start at 10001, and
/// the allocator never gives out 0), so that it matches no employee's record.
pub const CLIENT_EMP_NO: i32 = 0;

/// The client a client token's `sid` names.
pub fn client_of_sid(sid: &str) -> Option<&str> {
    sid.strip_prefix(CLIENT_SID_PREFIX)
}

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
    /// RFC 9068 §2.2: the client the token was issued to (absent in tokens from before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The login session: the token is refused once it has ended.
    pub sid: String,
    /// RFC 8176: how the employee authenticated (absent in client tokens and older tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<Vec<String>>,
}

impl Claims {
    pub fn emp_no(&self) -> Option<i32> {
        self.sub.parse().ok()
    }

    /// Whether the token's session used a second factor (`amr` has `mfa`).
    pub fn used_mfa(&self) -> bool {
        self.amr
            .as_ref()
            .is_some_and(|methods| methods.iter().any(|m| m == "mfa"))
    }

    /// A client's own token (client credentials): `sub` is the client, and so is its `sid`.
    pub fn is_client(&self) -> bool {
        self.client_id.as_deref() == Some(self.sub.as_str())
            && self.sid.strip_prefix(CLIENT_SID_PREFIX) == Some(self.sub.as_str())
    }
}

/// What tokens say about who issued them and for whom.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// `iss` of every token issued now: PUBLIC_URL.
    pub issuer: String,
    /// `iss` of the HS256 tokens issued before the upgrade (JWT_ISSUER).
    pub hs256_issuer: String,
    /// `aud` of access tokens (JWT_AUDIENCE).
    pub audience: String,
    pub lifetime: Duration,
}
