//! `POST /token/revoke` (RFC 7009) and `POST /token/introspect` (RFC 7662).

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    domain::session::Origin,
    error::{Detail, Error, OAuthCode, OAuthError},
    http::{
        api::token_request::OAuthForm,
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

/// Ends the session of an access or refresh token (RFC 7009). No client authentication: the token
/// is the proof. `200` whatever the token was, so that nobody learns which tokens exist.
#[utoipa::path(post, path = "/token/revoke", tag = "auth",
    request_body(content((TokenForm = "application/x-www-form-urlencoded"), (TokenForm = "application/json"))),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        (status = 400, description = "invalid_request: no `token`, or a field given twice", body = OAuthError),
        (status = 415, description = "Content type other than form or JSON", body = Detail),
        (status = 503, description = "Database unavailable", body = Detail),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    origin: Origin,
    OAuthForm(form): OAuthForm<TokenForm>,
) -> Result<Response, Error> {
    state.auth.sessions().revoke(form.token()?, &origin).await?;
    Ok(StatusCode::OK.into_response())
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
}

/// Whether a token works now, and what it is (RFC 7662); scope `admin`.
#[utoipa::path(post, path = "/token/introspect", tag = "auth",
    request_body(content((TokenForm = "application/x-www-form-urlencoded"), (TokenForm = "application/json"))),
    responses(
        (status = 200, description = "`{\"active\": false}` for a token that does not work (unknown, forged, expired, spent, session ended); else its claims", body = Introspection),
        (status = 400, description = "invalid_request: no `token`, or a field given twice", body = OAuthError),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The caller's token lacks `admin`", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 415, description = "Content type other than form or JSON", body = Detail),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["admin"]))
)]
pub async fn introspect(
    State(state): State<AppState>,
    _admin: Authorized<AdminRead>,
    OAuthForm(form): OAuthForm<TokenForm>,
) -> Result<Json<Introspection>, Error> {
    let answer = match state.auth.sessions().introspect(form.token()?).await? {
        Some(active) => Introspection {
            active: true,
            sub: Some(active.emp_no.to_string()),
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
        },
    };
    Ok(Json(answer))
}
