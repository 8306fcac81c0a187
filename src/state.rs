//! What every handler shares: the database and the token keys (in state, not in statics, so that
//! tests build as many independent apps as they like).

use std::sync::Arc;

use crate::{db::Db, service::jwt::JwtKeys};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub jwt: Arc<JwtKeys>,
    pub auth: Arc<AuthSettings>,
}

/// Login settings.
pub struct AuthSettings {
    /// A hash of a random password, verified against when an email is unknown so that an unknown
    /// email costs the same bcrypt work as a wrong password.
    pub dummy_hash: String,
    /// Mark the login cookie `Secure`.
    pub cookie_secure: bool,
}
