//! The caller's sessions: `GET /users/me/sessions`, `DELETE /users/me/sessions/{sid}`, and
//! `POST /users/me/password`, which ends every session but the caller's.

use axum::{
    Json,
    extract::{Path, State, rejection::JsonRejection, rejection::PathRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, SecondsFormat};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::{
    domain::session::{Origin, Session},
    error::{Detail, Error, InvalidBodyDetail},
    http::{
        extract::auth::{Authorized, OwnRecord},
        extract::body::Fields,
    },
    service::auth::PasswordChange,
    state::AppState,
};

/// A live session, as its employee sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    #[schema(example = "3f2b9c0e8d7a4b6c9e1f2a3b4c5d6e7f")]
    pub sid: String,
    /// RFC 3339.
    #[schema(example = "2026-11-24T09:30:00Z")]
    pub started_at: String,
    /// The last login or refresh (RFC 3339).
    #[schema(example = "2026-11-24T11:00:00Z")]
    pub last_used_at: String,
    #[schema(example = "192.0.2.1")]
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Whether this is the session of the token that asks.
    pub current: bool,
}

pub(crate) fn rfc3339(secs: i64) -> String {
    DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl SessionView {
    fn of(session: Session, current: &str) -> Self {
        Self {
            current: session.sid == current,
            sid: session.sid,
            started_at: rfc3339(session.started_at),
            last_used_at: rfc3339(session.last_used_at),
            ip: session.ip,
            user_agent: session.user_agent,
        }
    }
}

/// The caller's live sessions, newest first.
#[utoipa::path(get, path = "/users/me/sessions", tag = "users",
    responses(
        (status = 200, body = [SessionView]),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `me`", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Authorized(caller): Authorized<OwnRecord>,
) -> Result<Json<Vec<SessionView>>, Error> {
    let sessions = state.auth.sessions().list(caller.token.emp_no).await?;
    let current = &caller.token.claims.sid;
    Ok(Json(
        sessions
            .into_iter()
            .map(|session| SessionView::of(session, current))
            .collect(),
    ))
}

/// Ends one of the caller's sessions (its access and refresh tokens stop working at once).
#[utoipa::path(delete, path = "/users/me/sessions/{sid}", tag = "users",
    params(("sid" = String, Path, description = "A session id from the list")),
    responses(
        (status = 204, description = "Ended"),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `me`", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 404, description = "No live session of the caller's with this id", body = Detail),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn end(
    State(state): State<AppState>,
    Authorized(caller): Authorized<OwnRecord>,
    origin: Origin,
    path: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, Error> {
    // A sid that is not UTF-8 names no session: 404, like an unknown one.
    let Ok(Path(sid)) = path else {
        return Err(Error::NotFound);
    };
    let me = Some(caller.token.emp_no);
    let sessions = state.auth.sessions();
    match sessions
        .end(&sid, me, me, &origin, "ended from the session list")
        .await?
    {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(Error::NotFound),
    }
}

/// The body of a password change.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; the handler reads it field by field
pub struct PasswordChangeBody {
    #[schema(format = Password, min_length = 1, example = "password")]
    current_password: String,
    /// 8 to 72 bytes.
    #[schema(format = Password, min_length = 8, max_length = 72, example = "a-new-long-password")]
    new_password: String,
}

/// Changes the caller's password. A wrong current password counts as a failed login; the calling
/// session lives on and every other session of the employee ends.
#[utoipa::path(post, path = "/users/me/password", tag = "users",
    request_body = PasswordChangeBody,
    responses(
        (status = 204, description = "Changed; the other sessions ended"),
        (status = 400, description = "The current password is wrong", body = Detail),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `me`", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 422, description = "A field missing or malformed; the new password is not 8 to 72 bytes", body = InvalidBodyDetail),
        (status = 429, description = "Too many failed logins", body = Detail, headers(("Retry-After" = u64))),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn change_password(
    State(state): State<AppState>,
    Authorized(caller): Authorized<OwnRecord>,
    origin: Origin,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, Error> {
    let mut fields = Fields::of(body)?;
    let current = fields.secret("current_password");
    let new = fields.password("new_password");
    let (Some(current), Some(new)) = (current, new) else {
        return Err(fields.refused());
    };
    let change = PasswordChange {
        current,
        new,
        origin,
    };
    match state
        .auth
        .change_password(&caller.token.token_ref(), change)
        .await
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(refused) => Err(refused.into()),
    }
}
