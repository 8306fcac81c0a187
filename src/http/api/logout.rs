//! `POST /logout`.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::CookieJar;

use crate::{
    domain::session::Origin,
    error::Error,
    http::extract::auth::{CurrentUser, TokenSource},
    state::AppState,
};

/// Ends the session of the presented token: its access tokens and its refresh token stop working
/// on every instance sharing the database, and the cookies are cleared. Browser (cookie): `303`
/// to `/login`; API client (bearer header): `204`. A bad token ends nothing and gets `401`.
#[utoipa::path(post, path = "/logout", tag = "auth",
    responses(
        (status = 204, description = "API client: session ended"),
        (status = 303, description = "Browser: session ended, cookies cleared, redirected to /login"),
        (status = 403, description = "A browser's cross-site request (`Sec-Fetch-Site: cross-site`, or an `Origin` of another site)", body = crate::error::Detail),
        (status = 401, description = "No token, or a bad one", body = crate::error::Detail, headers(("WWW-Authenticate" = String))),
        (status = 503, description = "Database unavailable", body = crate::error::Detail),
    ),
    security(("oauth2" = []), ("cookie" = []))
)]
pub async fn logout(
    State(state): State<AppState>,
    origin: Origin,
    jar: CookieJar,
    user: Result<CurrentUser, Error>,
) -> Response {
    let clear = state.web.removal_cookies();
    let had_cookie = state.web.has_login_cookie(&jar);
    let CurrentUser(user) = match user {
        Ok(user) => user,
        // A stale cookie is dropped all the same, so the browser stops sending it.
        Err(error) if had_cookie => return (clear, error).into_response(),
        Err(error) => return error.into_response(),
    };
    let ended = state.auth.sessions().end(
        &user.claims.sid,
        Some(user.emp_no),
        Some(user.emp_no),
        &origin,
        "logout",
    );
    if let Err(error) = ended.await {
        return error.into_response();
    }
    match user.source {
        TokenSource::Cookie => (clear, Redirect::to("/login")).into_response(),
        TokenSource::Header => StatusCode::NO_CONTENT.into_response(),
    }
}
