//! The token endpoint's registered clients: who is asking (authenticated by the clients
//! service), and the answers of the grants only they use — the authorization code, with the ID
//! token — as RFC 6749 §5.2 errors when refused.

use axum::http::HeaderMap;
use secrecy::SecretString;

use crate::{
    domain::client::Client,
    error::{Error, OAuthCode, OAuthError},
    http::extract::client_auth::client_credentials,
    service::{
        clients::ClientAuthError,
        oidc::{ClientCredentialsError, CodeGrantError},
    },
    state::AppState,
};

impl From<ClientAuthError> for Error {
    fn from(error: ClientAuthError) -> Self {
        let description = match error {
            ClientAuthError::Internal(error) => return error,
            // One answer for every failure: nobody learns which client ids exist.
            _ => "Client authentication failed",
        };
        OAuthError::new(OAuthCode::InvalidClient, description).into()
    }
}

impl From<ClientCredentialsError> for Error {
    fn from(error: ClientCredentialsError) -> Self {
        match error {
            ClientCredentialsError::Unauthorized => OAuthError::new(
                OAuthCode::UnauthorizedClient,
                "This client may not use this grant",
            )
            .into(),
            ClientCredentialsError::InvalidScope => OAuthError::new(
                OAuthCode::InvalidScope,
                "A client on its own behalf may hold only the scope directory, if it is allowed it",
            )
            .into(),
            ClientCredentialsError::Internal(error) => error,
        }
    }
}

impl From<CodeGrantError> for Error {
    fn from(error: CodeGrantError) -> Self {
        match error {
            CodeGrantError::InvalidGrant(_) => {
                OAuthError::new(OAuthCode::InvalidGrant, "Invalid authorization code").into()
            }
            CodeGrantError::Unauthorized => OAuthError::new(
                OAuthCode::UnauthorizedClient,
                "This client may not use this grant",
            )
            .into(),
            CodeGrantError::Internal(error) => error,
        }
    }
}

/// The client that authenticated, if the request named one (`None`: it named none).
pub async fn authenticated(
    state: &AppState,
    headers: &HeaderMap,
    client_id: Option<&str>,
    client_secret: Option<&SecretString>,
) -> Result<Option<Client>, Error> {
    let Some(credentials) = client_credentials(headers, client_id, client_secret)? else {
        return Ok(None);
    };
    let client = state
        .clients
        .authenticate(&credentials.client_id, credentials.secret.as_ref())
        .await?;
    Ok(Some(client))
}

/// The client a refresh is made by. A registered client proves who it is (a wrong secret is
/// `invalid_client`); a name no client has is no client: first-party clients send any, as the
/// password grant lets them (their sessions belong to no client).
pub async fn refreshing(
    state: &AppState,
    headers: &HeaderMap,
    client_id: Option<&str>,
    client_secret: Option<&SecretString>,
) -> Result<Option<String>, Error> {
    let Some(credentials) = client_credentials(headers, client_id, client_secret)? else {
        return Ok(None);
    };
    let secret = credentials.secret.as_ref();
    match state
        .clients
        .authenticate(&credentials.client_id, secret)
        .await
    {
        Ok(client) => Ok(Some(client.client_id)),
        Err(ClientAuthError::Unknown) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// As [`authenticated`], for the grants that need a client.
pub async fn required(
    state: &AppState,
    headers: &HeaderMap,
    client_id: Option<&str>,
    client_secret: Option<&SecretString>,
) -> Result<Client, Error> {
    authenticated(state, headers, client_id, client_secret)
        .await?
        .ok_or_else(|| {
            OAuthError::new(
                OAuthCode::InvalidClient,
                "Client authentication is required",
            )
            .into()
        })
}
