//! Recovery by email: how long a reset link lives, how often one may be asked for, and where
//! mail goes (an SMTP server, or files in `MAIL_DIR` when none is configured).

use std::{convert::Infallible, num::NonZeroU32, path::PathBuf, str::FromStr, time::Duration};

use clap::{Args, value_parser};
use secrecy::{ExposeSecret, SecretString};

use super::ConfigError;

/// `PASSWORD_RESET_MINUTES`, the reset limits, `SMTP_URL`, `SMTP_FROM`, `MAIL_DIR`.
#[derive(Args, Clone)]
pub struct Mail {
    /// A password reset link works this many minutes (and once).
    #[arg(long, env = "PASSWORD_RESET_MINUTES", global = true, default_value_t = 30,
          value_parser = value_parser!(u32).range(1..=1440))]
    pub password_reset_minutes: u32,

    /// Reset requests per email address an hour; past it the request is answered as usual but
    /// no message is written (the answer must not tell).
    #[arg(long, env = "PASSWORD_RESET_PER_EMAIL_PER_HOUR", global = true, default_value_t = 3,
          value_parser = value_parser!(u32).range(1..=1000))]
    pub password_reset_per_email_per_hour: u32,

    /// Reset requests per client address (an IPv6 /64 counts as one) an hour; past it `429`.
    #[arg(long, env = "PASSWORD_RESET_PER_ADDRESS_PER_HOUR", global = true, default_value_t = 20,
          value_parser = value_parser!(u32).range(1..=100_000))]
    pub password_reset_per_address_per_hour: u32,

    /// The SMTP server: `smtp://host:port` (plain, e.g. a local relay), `smtp://host?tls=required`
    /// (STARTTLS), `smtps://user:password@host` (TLS). Unset: messages are written to MAIL_DIR.
    #[arg(long, env = "SMTP_URL", global = true, hide_env_values = true, value_parser = secret)]
    pub smtp_url: Option<SecretString>,

    /// The sender of every message: `address` or `Name <address>`.
    #[arg(
        long,
        env = "SMTP_FROM",
        global = true,
        default_value = "Employees <no-reply@localhost>"
    )]
    pub smtp_from: String,

    /// Where messages are written as `.eml` files when SMTP_URL is unset.
    #[arg(long, env = "MAIL_DIR", global = true, default_value = "./mail")]
    pub mail_dir: PathBuf,
}

fn secret(value: &str) -> Result<SecretString, Infallible> {
    Ok(SecretString::from(value))
}

/// What the recovery service is given: the link's lifetime and the request limits.
#[derive(Debug, Clone, Copy)]
pub struct RecoveryPolicy {
    pub lifetime: Duration,
    pub per_email_per_hour: NonZeroU32,
    pub per_address_per_hour: NonZeroU32,
}

impl Default for RecoveryPolicy {
    fn default() -> Self {
        Self {
            lifetime: Duration::from_secs(30 * 60),
            per_email_per_hour: NonZeroU32::new(3).unwrap_or(NonZeroU32::MIN),
            per_address_per_hour: NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN),
        }
    }
}

/// Where the sender delivers.
#[derive(Clone)]
pub enum MailTarget {
    /// An SMTP server (the URL may hold a password: never printed).
    Smtp(SecretString),
    /// `.eml` files in a folder.
    Files(PathBuf),
}

impl std::fmt::Debug for MailTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp(url) => write!(f, "Smtp({})", redacted(url.expose_secret())),
            Self::Files(dir) => write!(f, "Files({})", dir.display()),
        }
    }
}

/// An SMTP URL without its user and password, for the log.
pub fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(url) => format!(
            "{}://{}{}",
            url.scheme(),
            url.host_str().unwrap_or_default(),
            url.port()
                .map(|port| format!(":{port}"))
                .unwrap_or_default()
        ),
        Err(_) => "(unreadable SMTP_URL)".to_owned(),
    }
}

impl Mail {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.smtp_url {
            let bad = |why: &str| ConfigError::new("SMTP_URL", why.to_owned());
            let parsed = url::Url::parse(url.expose_secret())
                .map_err(|_| bad("must be a URL such as smtp://127.0.0.1:1025"))?;
            if !matches!(parsed.scheme(), "smtp" | "smtps") {
                return Err(bad("must start with smtp:// or smtps://"));
            }
            if parsed.host_str().is_none_or(str::is_empty) {
                return Err(bad("must name a host"));
            }
        }
        lettre::message::Mailbox::from_str(&self.smtp_from).map_err(|_| {
            ConfigError::new(
                "SMTP_FROM",
                format!(
                    "must be an address or `Name <address>` (got {:?})",
                    self.smtp_from
                ),
            )
        })?;
        Ok(())
    }

    pub fn recovery_policy(&self) -> RecoveryPolicy {
        let at_least_one = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        RecoveryPolicy {
            lifetime: Duration::from_secs(u64::from(self.password_reset_minutes) * 60),
            per_email_per_hour: at_least_one(self.password_reset_per_email_per_hour),
            per_address_per_hour: at_least_one(self.password_reset_per_address_per_hour),
        }
    }

    pub fn target(&self) -> MailTarget {
        match &self.smtp_url {
            Some(url) => MailTarget::Smtp(url.clone()),
            None => MailTarget::Files(self.mail_dir.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn the_logged_url_holds_no_credentials() {
        assert_eq!(
            redacted("smtps://user:hunter2@mail.example.com"),
            "smtps://mail.example.com"
        );
        assert_eq!(redacted("smtp://127.0.0.1:1025"), "smtp://127.0.0.1:1025");
    }
}
