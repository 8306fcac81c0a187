//! `POST /logout`.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::CookieJar;

use crate::{
    error::Error,
    http::{
        auth::{CurrentUser, TokenSource},
        client::ClientAddress,
    },
    state::AppState,
};

/// Ends the session: revokes the presented token (every instance sharing the database refuses it
/// from then on) and clears the login cookie. Browser (cookie): `303` to `/login`; API client
/// (bearer header): `204`. A bad token revokes nothing and gets `401`.
#[utoipa::path(post, path = "/logout", tag = "auth",
    responses(
        (status = 204, description = "API client: token revoked"),
        (status = 303, description = "Browser: token revoked, cookie cleared, redirected to /login"),
        (status = 403, description = "A browser's cross-site request (`Sec-Fetch-Site: cross-site`, or an `Origin` of another site)", body = crate::error::Detail),
        (status = 401, description = "No token, or a bad one", body = crate::error::Detail, headers(("WWW-Authenticate" = String))),
        (status = 503, description = "Database unavailable", body = crate::error::Detail),
    ),
    security(("oauth2" = []), ("cookie" = []))
)]
pub async fn logout(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    jar: CookieJar,
    user: Result<CurrentUser, Error>,
) -> Response {
    let clear = CookieJar::new().add(state.web.removal_cookie());
    let had_cookie = state.web.has_login_cookie(&jar);
    let CurrentUser(user) = match user {
        Ok(user) => user,
        // A stale cookie is dropped all the same, so the browser stops sending it.
        Err(error) if had_cookie => return (clear, error).into_response(),
        Err(error) => return error.into_response(),
    };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    if let Err(error) = state.auth.logout(&user.claims, address, user_agent).await {
        return error.into_response();
    }
    match user.source {
        TokenSource::Cookie => (clear, Redirect::to("/login")).into_response(),
        TokenSource::Header => StatusCode::NO_CONTENT.into_response(),
    }
}
