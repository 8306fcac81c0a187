//! `grant_type=client_credentials` (RFC 6749 §4.4): a confidential client allowed that grant
//! gets a token on its own behalf — `sub` is the client — with only the scopes it is allowed
//! that need no employee: `directory`. (`me` and `manager` describe an employee; `hr` and
//! `admin` act in one's name and are on record as theirs.)

use super::OidcService;
use crate::{
    domain::{
        client::{Client, GrantType},
        oidc::Grant,
        scope::{Scope, ScopeSet},
    },
    error::Error,
};

/// The scopes a client may hold on its own behalf.
const WITHOUT_EMPLOYEE: [Scope; 1] = [Scope::Directory];

/// A client's own access token.
pub struct ClientToken {
    pub access_token: String,
    pub expires_in: u64,
    pub scope: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ClientCredentialsError {
    /// Public, or not allowed the grant.
    #[error("unauthorized client")]
    Unauthorized,
    /// Asked for a scope it may not hold on its own, or there is none it may.
    #[error("invalid scope")]
    InvalidScope,
    #[error(transparent)]
    Internal(#[from] Error),
}

impl OidcService {
    #[tracing::instrument(skip_all, fields(client_id = %client.client_id))]
    pub fn client_credentials(
        &self,
        client: &Client,
        scope: Option<&str>,
    ) -> Result<ClientToken, ClientCredentialsError> {
        if !client.confidential || !client.allows_grant(GrantType::ClientCredentials) {
            return Err(ClientCredentialsError::Unauthorized);
        }
        let allowed: ScopeSet = Grant::from_claim(&client.allowed_scopes.join(" "))
            .roles
            .iter()
            .filter(|scope| WITHOUT_EMPLOYEE.contains(scope))
            .collect();
        let requested = scope.filter(|s| !s.trim().is_empty());
        let granted = match requested {
            None => allowed,
            Some(requested) => {
                let asked =
                    Grant::parse(requested).map_err(|_| ClientCredentialsError::InvalidScope)?;
                if asked != Grant::default().with_roles(asked.roles) {
                    return Err(ClientCredentialsError::InvalidScope); // OpenID scopes need a person
                }
                match asked.roles.iter().all(|scope| allowed.contains(scope)) {
                    true => asked.roles,
                    false => return Err(ClientCredentialsError::InvalidScope),
                }
            }
        };
        if granted.is_empty() {
            return Err(ClientCredentialsError::InvalidScope);
        }
        let claim = granted.to_claim();
        let access_token = self.jwt.issue_for_client(&client.client_id, &claim)?;
        tracing::info!("client credentials token issued");
        Ok(ClientToken {
            access_token,
            expires_in: self.jwt.lifetime().as_secs(),
            scope: claim,
        })
    }
}
