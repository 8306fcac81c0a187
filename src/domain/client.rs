//! Registered OAuth clients: what a client is, its grants, its ID-token algorithm, and the rules
//! a registration must meet (the redirect-URI rule of RFC 9700 §4.1.3 and §2.6 among them).

use std::fmt;

pub use super::redirect_uri::{RedirectUriError, check_redirect_uri};
use super::scope::Scope;

/// The client that Swagger UI's Authorize button is, registered at every start.
pub const SWAGGER_UI: &str = "swagger-ui";

/// The OpenID Connect scopes a client may be allowed besides the five of [`Scope`].
pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// Whether `name` is a scope a client may be allowed.
pub fn is_client_scope(name: &str) -> bool {
    OIDC_SCOPES.contains(&name) || Scope::parse(name).is_some()
}

/// Every scope a client may be allowed, OIDC's first.
pub fn all_scopes() -> Vec<String> {
    OIDC_SCOPES
        .iter()
        .copied()
        .chain(Scope::ALL.iter().map(|scope| scope.as_str()))
        .map(str::to_owned)
        .collect()
}

/// An OAuth grant a client may be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
    Password,
}

impl GrantType {
    pub const ALL: [GrantType; 4] = [
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::ClientCredentials,
        GrantType::Password,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
            GrantType::Password => "password",
        }
    }

    pub fn parse(name: &str) -> Option<GrantType> {
        GrantType::ALL
            .into_iter()
            .find(|grant| grant.as_str() == name)
    }
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a client's ID tokens are signed (`id_token_signed_response_alg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IdTokenAlg {
    #[default]
    Es256,
    Rs256,
}

impl IdTokenAlg {
    pub const fn as_str(self) -> &'static str {
        match self {
            IdTokenAlg::Es256 => "ES256",
            IdTokenAlg::Rs256 => "RS256",
        }
    }

    pub fn parse(name: &str) -> Option<IdTokenAlg> {
        [IdTokenAlg::Es256, IdTokenAlg::Rs256]
            .into_iter()
            .find(|alg| alg.as_str() == name)
    }
}

/// A registered client. Its secret's hash never leaves the repository and the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub client_id: String,
    pub name: String,
    /// Has a secret (and must present it); a public client has none.
    pub confidential: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub allowed_scopes: Vec<String>,
    pub grant_types: Vec<GrantType>,
    /// Show the consent page (once per employee) before the first code.
    pub consent: bool,
    pub id_token_alg: IdTokenAlg,
    /// Unix seconds.
    pub created_at: i64,
}

impl Client {
    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }

    /// Exact comparison (RFC 9700 §4.1.3): no prefix, no normalisation.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|known| known == uri)
    }
}

/// A registration as asked for; [`NewClient::check`] says whether it may be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClient {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub confidential: bool,
    pub allowed_scopes: Vec<String>,
    pub grant_types: Vec<GrantType>,
    pub consent: bool,
    pub id_token_alg: IdTokenAlg,
}

/// The most redirect URIs of either kind a client registers.
pub const MAX_URIS: usize = 10;
/// The longest client name (the column's width).
pub const MAX_NAME_CHARS: usize = 100;

/// Why a registration is refused, each naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientRuleError {
    #[error("must be 1 to {MAX_NAME_CHARS} characters without control characters")]
    Name,
    #[error("{uri:?} {reason}")]
    Uri {
        field: &'static str,
        uri: String,
        reason: RedirectUriError,
    },
    #[error("at most {MAX_URIS} URIs")]
    TooManyUris { field: &'static str },
    #[error("authorization_code needs at least one redirect URI")]
    NoRedirectUri,
    #[error("unknown scope {0:?}: one of {scopes}", scopes = all_scopes().join(", "))]
    UnknownScope(String),
    #[error("at least one scope is needed")]
    NoScope,
    #[error(
        "unknown grant type {0:?}: one of authorization_code, refresh_token, client_credentials, password"
    )]
    UnknownGrant(String),
    #[error("at least one grant type is needed")]
    NoGrant,
    #[error("client_credentials is for confidential clients only (a public client has no secret)")]
    PublicClientCredentials,
    #[error("must be ES256 or RS256")]
    IdTokenAlg,
}

impl ClientRuleError {
    /// The request field at fault (the names of `POST /admin/clients`).
    pub fn field(&self) -> &'static str {
        match self {
            ClientRuleError::Name => "name",
            ClientRuleError::Uri { field, .. } | ClientRuleError::TooManyUris { field } => field,
            ClientRuleError::NoRedirectUri => "redirect_uris",
            ClientRuleError::UnknownScope(_) | ClientRuleError::NoScope => "allowed_scopes",
            ClientRuleError::UnknownGrant(_)
            | ClientRuleError::NoGrant
            | ClientRuleError::PublicClientCredentials => "grant_types",
            ClientRuleError::IdTokenAlg => "id_token_signed_response_alg",
        }
    }
}

impl NewClient {
    /// The registration's rules; lists are kept in order with repeats dropped.
    pub fn check(mut self) -> Result<NewClient, ClientRuleError> {
        self.name = self.name.trim().to_owned();
        let chars = self.name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS || !super::is_plain_text(&self.name) {
            return Err(ClientRuleError::Name);
        }
        for (field, uris) in [
            ("redirect_uris", &mut self.redirect_uris),
            (
                "post_logout_redirect_uris",
                &mut self.post_logout_redirect_uris,
            ),
        ] {
            dedup(uris);
            if uris.len() > MAX_URIS {
                return Err(ClientRuleError::TooManyUris { field });
            }
            for uri in uris.iter() {
                check_redirect_uri(uri).map_err(|reason| ClientRuleError::Uri {
                    field,
                    uri: uri.clone(),
                    reason,
                })?;
            }
        }
        dedup(&mut self.allowed_scopes);
        if let Some(unknown) = self.allowed_scopes.iter().find(|s| !is_client_scope(s)) {
            return Err(ClientRuleError::UnknownScope(unknown.clone()));
        }
        if self.allowed_scopes.is_empty() {
            return Err(ClientRuleError::NoScope);
        }
        dedup(&mut self.grant_types);
        if self.grant_types.is_empty() {
            return Err(ClientRuleError::NoGrant);
        }
        if !self.confidential && self.grant_types.contains(&GrantType::ClientCredentials) {
            return Err(ClientRuleError::PublicClientCredentials);
        }
        if self.grant_types.contains(&GrantType::AuthorizationCode) && self.redirect_uris.is_empty()
        {
            return Err(ClientRuleError::NoRedirectUri);
        }
        Ok(self)
    }
}

fn dedup<T: PartialEq + Clone>(items: &mut Vec<T>) {
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
    *items = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_scopes_are_ours_and_oidc_ones() {
        assert!(is_client_scope("openid") && is_client_scope("hr"));
        assert!(!is_client_scope("string"));
        assert_eq!(all_scopes().len(), 9);
    }
}
