//! The scopes of OpenID Connect (beside the service's own five), and PKCE's S256 check.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use super::scope::{Scope, ScopeSet};

/// `openid`, `profile`, `email` and `offline_access` (OIDC Core §5.4, §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OidcScope {
    Openid,
    Profile,
    Email,
    OfflineAccess,
}

impl OidcScope {
    pub const ALL: [OidcScope; 4] = [
        OidcScope::Openid,
        OidcScope::Profile,
        OidcScope::Email,
        OidcScope::OfflineAccess,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            OidcScope::Openid => "openid",
            OidcScope::Profile => "profile",
            OidcScope::Email => "email",
            OidcScope::OfflineAccess => "offline_access",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == name)
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// What a client was granted: OpenID Connect's scopes and the service's own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grant {
    oidc: u8,
    pub roles: ScopeSet,
}

impl Grant {
    /// The same OpenID Connect scopes with `roles` instead.
    pub fn with_roles(self, roles: ScopeSet) -> Grant {
        Grant { roles, ..self }
    }

    pub fn has(self, scope: OidcScope) -> bool {
        self.oidc & scope.bit() != 0
    }

    pub fn insert(&mut self, scope: OidcScope) {
        self.oidc |= scope.bit();
    }

    /// Reads a `scope` value; `Err` names the first scope that is neither kind.
    pub fn parse(value: &str) -> Result<Grant, String> {
        let mut grant = Grant::default();
        for name in value.split_ascii_whitespace() {
            match (OidcScope::parse(name), Scope::parse(name)) {
                (Some(scope), _) => grant.insert(scope),
                (_, Some(scope)) => grant.roles.insert(scope),
                _ => return Err(name.to_owned()),
            }
        }
        Ok(grant)
    }

    /// A stored or claimed value: names of neither kind are ignored.
    pub fn from_claim(value: &str) -> Grant {
        let known = value
            .split_ascii_whitespace()
            .filter(|name| OidcScope::parse(name).is_some() || Scope::parse(name).is_some())
            .collect::<Vec<_>>()
            .join(" ");
        Grant::parse(&known).unwrap_or_default()
    }

    /// What both grants hold.
    pub fn intersect(self, other: Grant) -> Grant {
        Grant {
            oidc: self.oidc & other.oidc,
            roles: self
                .roles
                .iter()
                .filter(|s| other.roles.contains(*s))
                .collect(),
        }
    }

    /// Whether `self` holds everything `other` does.
    pub fn covers(self, other: Grant) -> bool {
        self.intersect(other) == other
    }

    /// Space separated: OpenID Connect's scopes first, then the service's, in a fixed order.
    pub fn to_claim(self) -> String {
        OidcScope::ALL
            .into_iter()
            .filter(|scope| self.has(*scope))
            .map(OidcScope::as_str)
            .chain(self.roles.iter().map(Scope::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// RFC 7636 §4.1: a verifier is 43 to 128 unreserved characters.
pub fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// RFC 7636 §4.6: `BASE64URL(SHA256(verifier)) == challenge`.
pub fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    valid_verifier(verifier)
        && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// OIDC Core §3.1.3.6: the left half of the SHA-256 of the access token, base64url.
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_parse_intersect_and_print_in_order() {
        let asked = Grant::parse("directory openid me email").unwrap();
        assert_eq!(asked.to_claim(), "openid email me directory");
        assert_eq!(Grant::parse("openid nope"), Err("nope".to_owned()));
        let allowed = Grant::parse("openid profile me").unwrap();
        assert_eq!(asked.intersect(allowed).to_claim(), "openid me");
        assert!(asked.covers(Grant::parse("me openid").unwrap()));
        assert!(!allowed.covers(asked));
        assert_eq!(Grant::from_claim("openid x me").to_claim(), "openid me");
    }

    #[test]
    fn pkce_s256_as_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_s256_matches(verifier, challenge));
        assert!(!pkce_s256_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"
        ));
        assert!(!pkce_s256_matches("short", challenge));
    }
}
