//! `GET`/`POST /userinfo` (OIDC Core §5.3): the claims of the token's employee that its scopes
//! allow; a token without `openid` gets `403 insufficient_scope`.

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{
    domain::oidc::{Grant, OidcScope},
    error::{Detail, Error},
    http::{error::detail, extract::auth::CurrentUser},
    service::oidc::UserInfo,
    state::AppState,
};

/// The employee's claims (`sub`; with `profile` names, employee number, department, title and
/// manager; with `email` the address). Needs a token with the scope `openid`.
#[utoipa::path(get, path = "/userinfo", tag = "openid",
    responses(
        (status = 200, body = UserInfo),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `openid`", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["openid"]))
)]
pub async fn userinfo(State(state): State<AppState>, user: Result<CurrentUser, Error>) -> Response {
    let CurrentUser(token) = match user {
        Ok(user) => user,
        Err(error) => return error.into_response(),
    };
    let grant = Grant::from_claim(token.claims.scope.as_deref().unwrap_or_default());
    if !grant.has(OidcScope::Openid) {
        let mut response = detail(StatusCode::FORBIDDEN, "Not enough permissions");
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"insufficient_scope\", scope=\"openid\""),
        );
        return response;
    }
    match state.oidc.userinfo(token.emp_no, grant).await {
        Ok(info) => {
            let mut response = Json(info).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(Error::NotFound) => Error::InvalidToken.into_response(),
        Err(error) => error.into_response(),
    }
}

/// The same as `GET /userinfo` (OIDC Core §5.3.1 allows both).
#[utoipa::path(post, path = "/userinfo", tag = "openid",
    responses(
        (status = 200, body = UserInfo),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `openid`", body = Detail, headers(("WWW-Authenticate" = String))),
    ),
    security(("oauth2" = ["openid"]))
)]
pub async fn userinfo_post(state: State<AppState>, user: Result<CurrentUser, Error>) -> Response {
    userinfo(state, user).await
}
