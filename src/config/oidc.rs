//! The OpenID Provider: the public URL (the issuer), signing-key rotation and how long the
//! published key set may be cached.

use std::time::Duration;

use clap::{Args, value_parser};

use super::ConfigError;

/// `PUBLIC_URL`, `SIGNING_KEY_ROTATION_DAYS`, `JWKS_MAX_AGE_SECONDS`.
#[derive(Args, Clone)]
pub struct Oidc {
    /// Where clients reach this service: the `iss` of every token and the base of every endpoint
    /// that discovery names. No trailing slash.
    #[arg(
        long,
        env = "PUBLIC_URL",
        global = true,
        default_value = "http://127.0.0.1:8000"
    )]
    pub public_url: String,

    /// A signing key signs for this many days; then its successor (published in advance) does.
    #[arg(long, env = "SIGNING_KEY_ROTATION_DAYS", global = true, default_value_t = 90,
          value_parser = value_parser!(u32).range(1..=3650))]
    pub signing_key_rotation_days: u32,

    /// `Cache-Control: max-age` of `/jwks.json`; a new key is published at least this long
    /// before it signs, so that every cache has seen it first.
    #[arg(long, env = "JWKS_MAX_AGE_SECONDS", global = true, default_value_t = 300,
          value_parser = value_parser!(u32).range(0..=86_400))]
    pub jwks_max_age_seconds: u32,
}

impl Oidc {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        issuer(&self.public_url).map(|_| ())
    }

    /// The issuer: PUBLIC_URL checked (absolute http(s), no query, fragment or trailing slash).
    pub fn issuer(&self) -> String {
        issuer(&self.public_url).unwrap_or_else(|_| self.public_url.clone())
    }

    pub fn rotation(&self) -> Duration {
        Duration::from_secs(u64::from(self.signing_key_rotation_days) * 24 * 3600)
    }

    pub fn jwks_max_age(&self) -> Duration {
        Duration::from_secs(u64::from(self.jwks_max_age_seconds))
    }
}

fn issuer(value: &str) -> Result<String, ConfigError> {
    let bad = |why: &str| ConfigError::new("PUBLIC_URL", format!("{why} (got {value:?})"));
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| bad("must start with http:// or https://"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(bad("must name a host"));
    }
    if value.ends_with('/') {
        return Err(bad("must not end with a slash"));
    }
    if value.contains(['?', '#']) || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("must have no query, fragment or spaces"));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::issuer;

    #[test]
    fn public_urls_are_checked() {
        assert!(issuer("http://127.0.0.1:8000").is_ok());
        assert!(issuer("https://id.example.com/employees").is_ok());
        for bad in [
            "127.0.0.1:8000",
            "http://",
            "https://x/",
            "ftp://x",
            "https://x?a",
            "https://x#f",
        ] {
            let error = issuer(bad).expect_err(bad);
            assert_eq!(error.var, "PUBLIC_URL");
        }
    }
}
