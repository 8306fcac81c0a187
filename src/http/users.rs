//! `GET /users/me`.

use axum::{Json, extract::State};

use crate::{domain::Profile, error::Error, http::auth::SignedToken, state::AppState};

/// The logged-in employee, with the current department and title (`null` for a former
/// employee). Takes the token from `Authorization: Bearer` or from the login cookie.
#[utoipa::path(get, path = "/users/me", tag = "users",
    responses(
        (status = 200, body = Profile),
        (status = 401, description = "No token (`WWW-Authenticate: Bearer`, \"Not authenticated\"), or a bad, expired, tampered or revoked one (`WWW-Authenticate: Bearer error=\"invalid_token\"`, \"Could not validate credentials\")",
         body = crate::error::Detail, headers(("WWW-Authenticate" = String))),
        (status = 503, description = "Database unavailable", body = crate::error::Detail),
    ),
    security(("oauth2" = []), ("cookie" = []))
)]
pub async fn me(State(state): State<AppState>, token: SignedToken) -> Result<Json<Profile>, Error> {
    Ok(Json(state.auth.profile(&token.claims).await?))
}
