//! How an employee authenticated (RFC 8176 `amr`): kept on the session, carried by its tokens,
//! and deciding whether scopes that need a second factor may be granted.

use super::scope::ScopeSet;

/// The three ways in: a password alone, a password and a one-time code, a passkey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Amr {
    #[default]
    Password,
    PasswordOtp,
    Passkey,
}

impl Amr {
    /// The stored form (space separated, as the claim's members).
    pub fn as_stored(self) -> &'static str {
        match self {
            Amr::Password => "pwd",
            Amr::PasswordOtp => "pwd otp mfa",
            Amr::Passkey => "hwk user mfa",
        }
    }

    /// Reads the stored form; anything else (a row of before the column) is a password alone.
    pub fn parse(stored: &str) -> Self {
        [Amr::PasswordOtp, Amr::Passkey]
            .into_iter()
            .find(|amr| amr.as_stored() == stored)
            .unwrap_or(Amr::Password)
    }

    /// The claim's value.
    pub fn methods(self) -> Vec<String> {
        self.as_stored().split(' ').map(str::to_owned).collect()
    }

    /// Whether more than one factor was used (the `mfa` method).
    pub fn is_mfa(self) -> bool {
        !matches!(self, Amr::Password)
    }

    /// The scopes of `scope` that a session authenticated so may hold, when `mfa_required` are
    /// granted only with a second factor (`MFA_REQUIRED_SCOPES`).
    pub fn allowed(self, scope: ScopeSet, mfa_required: ScopeSet) -> ScopeSet {
        match self.is_mfa() {
            true => scope,
            false => scope
                .iter()
                .filter(|s| !mfa_required.contains(*s))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::scope::Scope;

    #[test]
    fn round_trips_and_claims() {
        for amr in [Amr::Password, Amr::PasswordOtp, Amr::Passkey] {
            assert_eq!(Amr::parse(amr.as_stored()), amr);
        }
        assert_eq!(Amr::parse("anything"), Amr::Password);
        assert_eq!(Amr::PasswordOtp.methods(), ["pwd", "otp", "mfa"]);
        assert_eq!(Amr::Passkey.methods(), ["hwk", "user", "mfa"]);
        assert!(!Amr::Password.is_mfa() && Amr::Passkey.is_mfa() && Amr::PasswordOtp.is_mfa());
    }

    #[test]
    fn scopes_that_need_a_second_factor() {
        let all: ScopeSet = Scope::ALL.into_iter().collect();
        let required: ScopeSet = [Scope::Hr, Scope::Admin].into_iter().collect();
        let without = Amr::Password.allowed(all, required);
        assert!(!without.contains(Scope::Hr) && !without.contains(Scope::Admin));
        assert!(without.contains(Scope::Me) && without.contains(Scope::Directory));
        assert_eq!(Amr::PasswordOtp.allowed(all, required), all);
        assert_eq!(Amr::Passkey.allowed(all, required), all);
        assert_eq!(Amr::Password.allowed(all, ScopeSet::default()), all);
    }
}
