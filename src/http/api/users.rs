//! `GET /users/me`.

use axum::{Json, extract::State};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::Profile,
    error::Error,
    http::extract::auth::{OwnRecord, Scoped},
    state::AppState,
};

/// The logged-in employee, the token's scopes and the roles held now.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    #[serde(flatten)]
    pub profile: Profile,
    /// The token's scopes, space separated.
    #[schema(example = "me directory")]
    pub scope: String,
    /// The roles the employee holds now: `employee`, `manager`, `hr`, `admin`.
    #[schema(example = json!(["employee"]))]
    pub roles: Vec<&'static str>,
}

/// The logged-in employee, with the current department and title (`null` for a former
/// employee). Takes the token from `Authorization: Bearer` or from the login cookie.
#[utoipa::path(get, path = "/users/me", tag = "users",
    responses(
        (status = 200, body = Me),
        (status = 401, description = "No token (`WWW-Authenticate: Bearer`, \"Not authenticated\"), or a bad, expired, tampered or revoked one (`WWW-Authenticate: Bearer error=\"invalid_token\"`, \"Could not validate credentials\")",
         body = crate::error::Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks the `me` scope (`WWW-Authenticate: Bearer error=\"insufficient_scope\", scope=\"me\"`)",
         body = crate::error::Detail, headers(("WWW-Authenticate" = String))),
        (status = 503, description = "Database unavailable", body = crate::error::Detail),
    ),
    security(("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn me(
    State(state): State<AppState>,
    caller: Scoped<OwnRecord>,
) -> Result<Json<Me>, Error> {
    let account = state.auth.account(&caller.token.token_ref()).await?;
    Ok(Json(Me {
        profile: account.profile,
        scope: caller.viewer.scopes.to_claim(),
        roles: account.roles.iter().map(|role| role.as_str()).collect(),
    }))
}
