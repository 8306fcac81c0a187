//! The rule every new password meets, wherever one is set (seeding, a hire, a change): plain
//! data, so that configuration can check `SEED_PASSWORD` at start.

/// bcrypt reads at most this many bytes of a password; a longer one would be cut silently, so
/// that any suffix after it would log in. Longer passwords are refused wherever one is set.
pub const MAX_PASSWORD_BYTES: usize = 72;

/// Why a new password cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRuleError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {MAX_PASSWORD_BYTES} bytes long (bcrypt ignores the rest)")]
    TooLong,
}

/// Checks a password that is about to be set (seeding, and every later way to set one).
pub fn check_new(password: &str) -> Result<(), PasswordRuleError> {
    if password.is_empty() {
        Err(PasswordRuleError::Empty)
    } else if password.len() > MAX_PASSWORD_BYTES {
        Err(PasswordRuleError::TooLong)
    } else {
        Ok(())
    }
}
