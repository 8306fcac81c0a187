//! The second factor: which scopes need it, and the budget of wrong codes.

use std::num::NonZeroU32;

use clap::{Args, value_parser};

use super::ConfigError;
use crate::domain::scope::{Scope, ScopeSet};

/// `MFA_REQUIRED_SCOPES`, `MFA_MAX_FAILURES_PER_MINUTE`.
#[derive(Args, Clone)]
pub struct Mfa {
    /// Space-separated scopes (`me directory manager hr admin`) granted only to sessions that used
    /// a second factor (a one-time code or a passkey). Empty: none.
    #[arg(long, env = "MFA_REQUIRED_SCOPES", global = true, default_value = "")]
    pub mfa_required_scopes: String,

    /// Wrong second-factor codes allowed per employee each minute (a budget of its own, apart
    /// from wrong passwords; a client with the account's device cookie spends its own).
    #[arg(long, env = "MFA_MAX_FAILURES_PER_MINUTE", global = true, default_value_t = 5,
          value_parser = value_parser!(u32).range(1..=1_000))]
    pub mfa_max_failures_per_minute: u32,
}

/// What the login rules need to know of the second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MfaPolicy {
    /// Scopes that only sessions with `mfa` get.
    pub required_scopes: ScopeSet,
    pub failures_per_minute: NonZeroU32,
}

impl Default for MfaPolicy {
    fn default() -> Self {
        Self {
            required_scopes: ScopeSet::default(),
            failures_per_minute: NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN),
        }
    }
}

impl Mfa {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        if self.required_scopes()?.contains(Scope::Me) {
            // A session without a second factor must still reach /users/me/mfa to enrol one.
            return Err(ConfigError::new(
                "MFA_REQUIRED_SCOPES",
                "cannot name `me`: an employee needs it to turn a second factor on",
            ));
        }
        Ok(())
    }

    fn required_scopes(&self) -> Result<ScopeSet, ConfigError> {
        self.mfa_required_scopes
            .split_ascii_whitespace()
            .map(|name| {
                Scope::parse(name).ok_or_else(|| {
                    ConfigError::new(
                        "MFA_REQUIRED_SCOPES",
                        format!("{name:?} is not a scope (me directory manager hr admin)"),
                    )
                })
            })
            .collect()
    }

    pub fn policy(&self) -> MfaPolicy {
        MfaPolicy {
            required_scopes: self.required_scopes().unwrap_or_default(),
            failures_per_minute: NonZeroU32::new(self.mfa_max_failures_per_minute)
                .unwrap_or(NonZeroU32::MIN),
        }
    }
}
