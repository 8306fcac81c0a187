//! The OpenID Provider's rules (OIDC Core 1.0, code flow with PKCE): what `/authorize` answers,
//! what a code is redeemed for, the ID token, `/userinfo`, RP-initiated logout and the client
//! credentials grant. Handlers authenticate the client (the clients service) and hand the
//! registered [`Client`] over; nothing here knows HTTP.

mod authorize;
mod back;
mod client_credentials;
mod code;
mod id_token;
mod logout;
mod userinfo;

pub use authorize::{AuthorizeOutcome, AuthorizeParams, BrowserSession, Decision};
pub use client_credentials::{ClientCredentialsError, ClientToken};
pub use code::{CodeGrantError, CodeRedemption, CodeTokens};
pub use id_token::IdClaims;
pub use logout::{LogoutOutcome, LogoutParams};
pub use userinfo::UserInfo;

use std::{sync::Arc, time::Duration};

use crate::{
    db::Db,
    domain::amr::Amr,
    error::Error,
    service::{jwt::JwtKeys, sessions::SessionService},
};

/// How long a code may wait to be redeemed (OIDC Core §3.1.2.5 and RFC 6749 §4.1.2 advise a
/// short life; the contract says 60 seconds).
pub const CODE_LIFETIME: Duration = Duration::from_secs(60);

pub struct OidcService {
    db: Db,
    jwt: Arc<JwtKeys>,
    sessions: Arc<SessionService>,
}

impl OidcService {
    pub fn new(db: Db, jwt: Arc<JwtKeys>, sessions: Arc<SessionService>) -> Self {
        Self { db, jwt, sessions }
    }

    fn now(&self) -> i64 {
        self.jwt.clock().now()
    }
}

/// A value of at least `bits` of randomness, base64url: codes.
fn random_token() -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use rand::Rng;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn sha256_hex(value: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

impl OidcService {
    /// The browser's login session behind a cookie token: live, of that employee, and one of
    /// our own logins (a client's session never authorizes another client).
    pub async fn browser_session(
        &self,
        sid: &str,
        emp_no: i32,
    ) -> Result<Option<BrowserSession>, Error> {
        let now = self.now();
        Ok(crate::repository::sessions::find(&self.db, sid)
            .await?
            .filter(|s| s.is_live(now) && s.emp_no == emp_no && s.client_id.is_none())
            .map(|s| BrowserSession {
                emp_no,
                sid: s.sid,
                auth_time: s.started_at,
                amr: Amr::parse(&s.amr),
            }))
    }
}
