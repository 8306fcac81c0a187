//! What every handler shares: the database and the token keys (in state, not in statics, so that
//! tests build as many independent apps as they like).

use std::{net::IpAddr, sync::Arc, time::Duration};

use crate::{
    db::Db,
    service::{jwt::JwtKeys, throttle::LoginThrottle},
};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub jwt: Arc<JwtKeys>,
    pub auth: Arc<AuthSettings>,
    pub limits: Limits,
}

/// Limits on every request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub request_timeout: Duration,
    pub max_concurrent_requests: usize,
    pub max_header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            max_concurrent_requests: 512,
            max_header_bytes: 16_384,
        }
    }
}

/// Login settings.
pub struct AuthSettings {
    /// A hash of a random password, verified against when an email is unknown so that an unknown
    /// email costs the same bcrypt work as a wrong password.
    pub dummy_hash: String,
    /// Mark the login cookie `Secure`.
    pub cookie_secure: bool,
    /// Failed-login limits per client address and per account.
    pub throttle: LoginThrottle,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
}
