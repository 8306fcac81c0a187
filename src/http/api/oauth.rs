//! `POST /token/revoke` (RFC 7009) and `POST /token/introspect` (RFC 7662).

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    domain::session::Origin,
    error::{Detail, Error, OAuthCode, OAuthError},
    http::{
        api::{token_clients, token_request::OAuthForm},
        extract::auth::{AdminRead, Authorized},
    },
    state::AppState,
};

/// The body of a revocation or an introspection: the token, and an optional hint of its type
/// (both kinds are recognised without it).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenForm {
    /// An access token or a refresh token.
    #[schema(value_type = String, required = true, min_length = 1, example = "")]
    pub token: Option<SecretString>,
    /// `access_token` or `refresh_token`; accepted and not needed.
    #[schema(example = "")]
    pub token_type_hint: Option<String>,
    /// A registered client authenticating in the body (`client_secret_post`, or a public client).
    #[schema(example = "")]
    pub client_id: Option<String>,
    #[schema(value_type = Option<String>, example = "", format = Password)]
    pub client_secret: Option<SecretString>,
}

impl TokenForm {
    fn token(&self) -> Result<&str, Error> {
        self.token
            .as_ref()
            .map(ExposeSecret::expose_secret)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| OAuthError::new(OAuthCode::InvalidRequest, "token is required").into())
    }
}

/// Ends the session of an access or refresh token (RFC 7009). No client authentication is
/// needed (the token is the proof); a registered client that authenticates (Basic or in the
/// body) revokes only tokens issued to it. `200` whatever the token was, so that nobody learns
/// which tokens exist.
#[utoipa::path(post, path = "/token/revoke", tag = "auth",
    request_body(content((TokenForm = "application/x-www-form-urlencoded"), (TokenForm = "application/json"))),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        (status = 400, description = "invalid_request: no `token`, or a field given twice", body = OAuthError),
        (status = 401, description = "invalid_client: a client's authentication failed", body = OAuthError),
        (status = 415, description = "Content type other than form or JSON", body = Detail),
        (status = 503, description = "Database unavailable", body = Detail),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    origin: Origin,
    headers: HeaderMap,
    OAuthForm(form): OAuthForm<TokenForm>,
) -> Result<Response, Error> {
    let client = token_clients::authenticated(
        &state,
        &headers,
        form.client_id.as_deref(),
        form.client_secret.as_ref(),
    )
    .await?;
    let client = client.as_ref().map(|client| client.client_id.as_str());
    state
        .auth
        .sessions()
        .revoke(form.token()?, client, &origin)
        .await?;
    Ok(StatusCode::OK.into_response())
}

/// A `401` of introspection: no valid admin token, or a registered client's authentication
/// failed (for the document: the body is one of the two).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum IntrospectionRefused {
    Token(Detail),
    Client(OAuthError),
}

/// What introspection answers (RFC 7662 §2.2): `{"active": false}` alone, or the token's claims.
#[derive(Debug, Serialize, ToSchema)]
pub struct Introspection {
    pub active: bool,
    /// The emp_no, as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "10001")]
    pub sub: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "me directory")]
    pub scope: Option<String>,
    /// When it stops working (an access token's `exp`; a refresh token's session's idle end).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `access_token` or `refresh_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// The client it was issued to (`first-party`: our own login page, Swagger UI, curl).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// Whether a token works now, and what it is (RFC 7662): for an admin token (scope `admin`),
/// any token; for a registered client that authenticates (Basic or in the body), only tokens
/// issued to it (any other is `{"active": false}`).
#[utoipa::path(post, path = "/token/introspect", tag = "auth",
    request_body(content((TokenForm = "application/x-www-form-urlencoded"), (TokenForm = "application/json"))),
    responses(
        (status = 200, description = "`{\"active\": false}` for a token that does not work (unknown, forged, expired, spent, session ended); else its claims", body = Introspection),
        (status = 400, description = "invalid_request: no `token`, or a field given twice", body = OAuthError),
        (status = 401, description = "No valid admin token (`{\"detail\"}`), or a client's authentication failed (RFC 6749 §5.2 `invalid_client`)", body = IntrospectionRefused, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The caller's token lacks `admin`", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 415, description = "Content type other than form or JSON", body = Detail),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["admin"]))
)]
pub async fn introspect(
    State(state): State<AppState>,
    headers: HeaderMap,
    admin: Result<Authorized<AdminRead>, Error>,
    OAuthForm(form): OAuthForm<TokenForm>,
) -> Result<Json<Introspection>, Error> {
    let client = token_clients::authenticated(
        &state,
        &headers,
        form.client_id.as_deref(),
        form.client_secret.as_ref(),
    )
    .await?;
    if client.is_none() {
        admin?;
    }
    let active = state.auth.sessions().introspect(form.token()?).await?;
    // A client learns only of its own tokens.
    let active = active.filter(|active| {
        client
            .as_ref()
            .is_none_or(|client| active.client_id.as_deref() == Some(&client.client_id))
    });
    let answer = match active {
        Some(active) => Introspection {
            active: true,
            sub: Some(active.sub),
            client_id: active.client_id,
            scope: Some(active.scope),
            exp: Some(active.exp),
            iat: Some(active.iat),
            sid: Some(active.sid),
            token_type: Some(active.token_type),
        },
        None => Introspection {
            active: false,
            sub: None,
            scope: None,
            exp: None,
            iat: None,
            sid: None,
            token_type: None,
            client_id: None,
        },
    };
    Ok(Json(answer))
}
