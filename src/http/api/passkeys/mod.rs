//! Passkeys: registration (`POST /users/me/passkeys/register/start`, `/finish`), the caller's
//! list and removal, and sign-in with a passkey (`POST /passkeys/login/start`, `/finish`), which
//! answers the token JSON, or for the login page the same cookies and redirect as the password.

use axum::{
    Json,
    extract::{Path, State, rejection::JsonRejection, rejection::PathRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;
use utoipa::ToSchema;

use crate::{
    domain::session::Origin,
    error::{Detail, Error, FieldError, InvalidBodyDetail},
    http::{
        api::{sessions::rfc3339, token::TokenResponse, token_request::OAuthForm},
        extract::{
            auth::{Authorized, OwnRecord},
            browser::{safe_next, wants_html},
        },
        pages::{
            authorize::{form_target, with_form_target},
            login::login_page,
        },
    },
    service::passkeys::PasskeyView,
    state::AppState,
};

/// A ceremony begun: its handle, to send back with the answer, and the options to give
/// `navigator.credentials.create()` or `.get()` (binary fields in base64url).
#[derive(Debug, Serialize, ToSchema)]
pub struct CeremonyStart {
    #[schema(example = "9f2c4b0e8d7a4b6c9e1f2a3b4c5d6e7f")]
    pub ceremony: String,
    /// `{"publicKey": {...}}`: WebAuthn's options, JSON-encoded as webauthn-rs writes them.
    #[schema(value_type = Object)]
    pub options: Value,
}

/// A registered passkey.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasskeyBody {
    #[schema(example = 3)]
    pub id: i64,
    #[schema(example = "Laptop")]
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    /// The last sign-in with it (RFC 3339), if any.
    pub last_used_at: Option<String>,
}

impl From<PasskeyView> for PasskeyBody {
    fn from(view: PasskeyView) -> Self {
        Self {
            id: view.id,
            name: view.name,
            created_at: rfc3339(view.created_at),
            last_used_at: view.last_used_at.map(rfc3339),
        }
    }
}

/// The answer of `navigator.credentials.create()` for a registration begun.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; the handler reads it field by field
pub struct RegisterFinish {
    #[schema(example = "9f2c4b0e8d7a4b6c9e1f2a3b4c5d6e7f")]
    ceremony: String,
    /// What to call it (1 to 100 characters); default `Passkey N`.
    #[schema(example = "Laptop")]
    name: Option<String>,
    /// The `PublicKeyCredential`, binary fields in base64url.
    #[schema(value_type = Object)]
    credential: Value,
}

/// The answer of `navigator.credentials.get()` for a sign-in begun: JSON, or a form whose
/// `credential` is that JSON as text (the login page's).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SignInFinish {
    #[schema(example = "9f2c4b0e8d7a4b6c9e1f2a3b4c5d6e7f")]
    pub ceremony: Option<String>,
    /// The `PublicKeyCredential`, binary fields in base64url (as text in a form).
    #[schema(value_type = Object)]
    pub credential: Option<Value>,
    /// The login page's redirect target after success (same-site paths only).
    #[schema(example = "")]
    pub next: Option<String>,
}

fn field_error(field: &str, message: &str) -> Error {
    Error::InvalidBody(vec![FieldError {
        field: field.to_owned(),
        message: message.to_owned(),
    }])
}

/// A credential field: an object, or (from a form) the same object as JSON text.
fn credential<T: DeserializeOwned>(value: Option<Value>) -> Result<T, Error> {
    let value = match value {
        Some(Value::String(text)) => serde_json::from_str(&text).ok(),
        Some(value @ Value::Object(_)) => Some(value),
        _ => None,
    }
    .ok_or_else(|| field_error("credential", "is required: a PublicKeyCredential object"))?;
    serde_json::from_value(value).map_err(|_| {
        field_error(
            "credential",
            "is not a PublicKeyCredential of this ceremony",
        )
    })
}

/// Begins registering a passkey for the caller.
#[utoipa::path(post, path = "/users/me/passkeys/register/start", tag = "passkeys",
    responses(
        (status = 200, description = "Options for `navigator.credentials.create()`", body = CeremonyStart),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `me`; or the employee has a second factor and this session did not use one", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 409, description = "Passkeys are off: PUBLIC_URL names an IP address, not a host name", body = Detail),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn register_start(
    State(state): State<AppState>,
    Authorized(caller): Authorized<OwnRecord>,
) -> Result<Json<CeremonyStart>, Error> {
    let mfa = state.auth.mfa();
    mfa.may_change_factors(caller.token.emp_no, caller.token.claims.used_mfa())
        .await?;
    let (ceremony, options) = state
        .passkeys
        .start_registration(caller.token.emp_no)
        .await?;
    Ok(Json(CeremonyStart { ceremony, options }))
}

/// Finishes a registration with the authenticator's answer; the passkey is the caller's.
#[utoipa::path(post, path = "/users/me/passkeys/register/finish", tag = "passkeys",
    request_body = RegisterFinish,
    responses(
        (status = 201, description = "Registered (audited `passkey.add`)", body = PasskeyBody),
        (status = 400, description = "Unknown, used or expired ceremony; or an answer that does not verify (the detail says why)", body = Detail),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `me`; or the employee has a second factor and this session did not use one", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 409, description = "Passkeys are off (PUBLIC_URL names an IP address), or this passkey is registered already", body = Detail),
        (status = 422, description = "A field missing or malformed", body = InvalidBodyDetail),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn register_finish(
    State(state): State<AppState>,
    Authorized(caller): Authorized<OwnRecord>,
    origin: Origin,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, Error> {
    let Ok(Json(Value::Object(mut body))) = body else {
        return Err(field_error("body", "a JSON object is needed"));
    };
    let Some(Value::String(ceremony)) = body.remove("ceremony") else {
        return Err(field_error("ceremony", "is required: a string"));
    };
    let name = match body.remove("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name),
        Some(_) => return Err(field_error("name", "must be a string")),
    };
    let credential = credential(body.remove("credential"))?;
    let mfa = state.auth.mfa();
    mfa.may_change_factors(caller.token.emp_no, caller.token.claims.used_mfa())
        .await?;
    let added = state
        .passkeys
        .finish_registration(
            caller.token.emp_no,
            &ceremony,
            name.as_deref(),
            &credential,
            &origin,
            &caller.token.claims.sid,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(PasskeyBody::from(added))).into_response())
}

/// The caller's passkeys, oldest first.
#[utoipa::path(get, path = "/users/me/passkeys", tag = "passkeys",
    responses(
        (status = 200, body = [PasskeyBody]),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `me`; or the employee has a second factor and this session did not use one", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Authorized(caller): Authorized<OwnRecord>,
) -> Result<Json<Vec<PasskeyBody>>, Error> {
    let passkeys = state.passkeys.list(caller.token.emp_no).await?;
    Ok(Json(passkeys.into_iter().map(PasskeyBody::from).collect()))
}

/// Removes one of the caller's passkeys.
#[utoipa::path(delete, path = "/users/me/passkeys/{id}", tag = "passkeys",
    params(("id" = i64, Path, description = "A passkey id from the list")),
    responses(
        (status = 204, description = "Removed (audited `passkey.remove`)"),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `me`; or the employee has a second factor and this session did not use one", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 404, description = "No passkey of the caller's with this id", body = Detail),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn remove(
    State(state): State<AppState>,
    Authorized(caller): Authorized<OwnRecord>,
    origin: Origin,
    path: Result<Path<i64>, PathRejection>,
) -> Result<StatusCode, Error> {
    // An id that is not a number names no passkey.
    let Ok(Path(id)) = path else {
        return Err(Error::NotFound);
    };
    let mfa = state.auth.mfa();
    mfa.may_change_factors(caller.token.emp_no, caller.token.claims.used_mfa())
        .await?;
    state
        .passkeys
        .remove(caller.token.emp_no, id, &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Begins a sign-in with a passkey (no email: the passkey names its employee).
#[utoipa::path(post, path = "/passkeys/login/start", tag = "auth",
    responses(
        (status = 200, description = "Options for `navigator.credentials.get()`", body = CeremonyStart),
        (status = 409, description = "Passkeys are off: PUBLIC_URL names an IP address, not a host name", body = Detail),
        (status = 503, description = "Database unavailable", body = Detail),
    )
)]
pub async fn login_start(State(state): State<AppState>) -> Result<Json<CeremonyStart>, Error> {
    let (ceremony, options) = state.passkeys.start_signin().await?;
    Ok(Json(CeremonyStart { ceremony, options }))
}

mod second_factor;
mod signin;
pub use second_factor::{__path_mfa_finish, __path_mfa_start, mfa_finish, mfa_start};
use signin::message_of;
pub use signin::{__path_login_finish, login_finish};
