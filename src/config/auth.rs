//! Tokens, sessions and logins: the signing secret, lifetimes, the failed-login budget, bcrypt.

use std::time::Duration;

use clap::{Args, value_parser};

use super::{ConfigError, Environment, MIN_SECRET_BYTES, PLACEHOLDER_SECRET_MARK, SessionPolicy};

/// `JWT_*`, `ACCESS_TOKEN_EXPIRE_MINUTES`, the session and refresh limits, the login budget and
/// `BCRYPT_COST`.
#[derive(Args, Clone)]
pub struct Auth {
    /// At least 32 bytes: seals the signing keys (and keys cookies, cursors, refresh tokens);
    /// verifies the HS256 tokens of before the upgrade. Required when DATABASE_URL is set; on
    /// the embedded default without one, `serve` makes a random key for that run.
    #[arg(long, env = "JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Lifetime of an access token (and of the login cookie).
    #[arg(long, env = "ACCESS_TOKEN_EXPIRE_MINUTES", global = true, default_value_t = 30,
          value_parser = value_parser!(u32).range(1..=525_600))]
    pub access_token_expire_minutes: u32,

    /// A session ends after this many minutes without a refresh.
    #[arg(long, env = "SESSION_IDLE_MINUTES", global = true, default_value_t = 1440,
          value_parser = value_parser!(u32).range(1..=525_600))]
    pub session_idle_minutes: u32,

    /// A session ends this many days after its login, whatever happens.
    #[arg(long, env = "SESSION_MAX_DAYS", global = true, default_value_t = 7,
          value_parser = value_parser!(u32).range(1..=366))]
    pub session_max_days: u32,

    /// A spent refresh token presented again this soon (two tabs renewing at once) gets an access
    /// token instead of ending the session.
    #[arg(long, env = "REFRESH_REUSE_GRACE_SECONDS", global = true, default_value_t = 10,
          value_parser = value_parser!(u32).range(0..=300))]
    pub refresh_reuse_grace_seconds: u32,

    /// A session rotates its refresh token at most this many times a minute; more is `429`.
    #[arg(long, env = "REFRESH_MAX_PER_MINUTE", global = true, default_value_t = 12,
          value_parser = value_parser!(u32).range(1..=600))]
    pub refresh_max_per_minute: u32,

    /// An employee keeps at most this many live sessions: a login past it ends the oldest.
    #[arg(long, env = "SESSIONS_PER_EMPLOYEE", global = true, default_value_t = 20,
          value_parser = value_parser!(u32).range(1..=1000))]
    pub sessions_per_employee: u32,

    /// `iss` of the HS256 tokens issued before the upgrade, still accepted until they expire
    /// (new tokens carry PUBLIC_URL).
    #[arg(long, env = "JWT_ISSUER", global = true, default_value = "employees")]
    pub jwt_issuer: String,

    /// `aud` claim issued and required.
    #[arg(long, env = "JWT_AUDIENCE", global = true, default_value = "employees")]
    pub jwt_audience: String,

    /// Failed logins allowed per client address and per account each minute.
    #[arg(long, env = "LOGIN_MAX_FAILURES_PER_MINUTE", global = true, default_value_t = 10,
          value_parser = value_parser!(u32).range(1..=1_000_000))]
    pub login_max_failures_per_minute: u32,

    /// bcrypt cost for the hashes that seeding writes (4 to 31; each step doubles the work).
    #[arg(long, env = "BCRYPT_COST", global = true, default_value_t = 12,
          value_parser = value_parser!(u32).range(4..=31))]
    pub bcrypt_cost: u32,
}

impl Auth {
    pub(super) fn validate(&self, environment: Environment) -> Result<(), ConfigError> {
        if let Some(secret) = &self.jwt_secret {
            if secret.len() < MIN_SECRET_BYTES {
                return Err(ConfigError::new(
                    "JWT_SECRET",
                    format!("must be at least {MIN_SECRET_BYTES} bytes long"),
                ));
            }
            if self.uses_placeholder_secret() && environment != Environment::Local {
                return Err(ConfigError::new(
                    "JWT_SECRET",
                    "is the placeholder of .env.example: set a real secret (openssl rand -hex 32), \
                     or ENVIRONMENT=local on a development machine",
                ));
            }
        }
        Ok(())
    }

    /// Whether JWT_SECRET is `.env.example`'s well-known placeholder.
    pub fn uses_placeholder_secret(&self) -> bool {
        self.jwt_secret
            .as_deref()
            .is_some_and(|secret| secret.contains(PLACEHOLDER_SECRET_MARK))
    }

    pub fn token_lifetime(&self) -> Duration {
        Duration::from_secs(u64::from(self.access_token_expire_minutes) * 60)
    }

    pub fn session_policy(&self) -> SessionPolicy {
        SessionPolicy {
            idle: Duration::from_secs(u64::from(self.session_idle_minutes) * 60),
            max: Duration::from_secs(u64::from(self.session_max_days) * 24 * 3600),
            reuse_grace: Duration::from_secs(u64::from(self.refresh_reuse_grace_seconds)),
            refreshes_per_minute: self.refresh_max_per_minute,
            sessions_per_employee: self.sessions_per_employee,
        }
    }
}
