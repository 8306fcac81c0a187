//! The caller's second factor: `GET /users/me/mfa`, TOTP enrolment (`POST /users/me/mfa/totp`,
//! `POST /users/me/mfa/totp/confirm`), turning it off (`DELETE /users/me/mfa/totp`) and new
//! recovery codes (`POST /users/me/mfa/recovery-codes`).

use axum::{
    Json,
    extract::{State, rejection::JsonRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::{
    domain::session::Origin,
    error::{Detail, Error, InvalidBodyDetail},
    http::extract::{
        auth::{Authorized, OwnRecord},
        body::Fields,
    },
    service::mfa::{Presenter, TotpState},
    state::AppState,
};

/// The caller's second factor.
#[derive(Debug, Serialize, ToSchema)]
pub struct MfaStatusView {
    /// `off`, `pending` (a secret handed out, not confirmed yet) or `on`.
    #[schema(example = "on")]
    pub totp: String,
    /// Unused recovery codes.
    #[schema(example = 10)]
    pub recovery_codes_left: i64,
}

/// A TOTP secret to scan or type in; it is on only once a code confirms it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotpEnrolmentView {
    /// Base32 (RFC 4648), no padding.
    #[schema(example = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")]
    pub secret: String,
    #[schema(
        example = "otpauth://totp/Employees:georgi%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Employees"
    )]
    pub otpauth_uri: String,
}

/// Ten one-time recovery codes, shown this once (stored hashed).
#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodesView {
    #[schema(example = json!(["abcde-fghjk", "mnpqr-stuvw"]))]
    pub recovery_codes: Vec<String>,
}

/// `{"code"}`: a TOTP code (or, where a recovery code is accepted, one of those).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; the handler reads it field by field
pub struct CodeBody {
    #[schema(example = "123456", min_length = 1)]
    code: String,
}

/// `{"password", "code"}`: turning TOTP off.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct DisableBody {
    #[schema(format = Password, example = "password", min_length = 1)]
    password: String,
    #[schema(example = "123456", min_length = 1)]
    code: String,
}

fn codes_view(codes: Vec<SecretString>) -> RecoveryCodesView {
    RecoveryCodesView {
        recovery_codes: codes.iter().map(|c| c.expose_secret().to_owned()).collect(),
    }
}

/// Whether the caller has TOTP on, and how many recovery codes are left.
#[utoipa::path(get, path = "/users/me/mfa", tag = "users",
    responses(
        (status = 200, description = "The second factor", body = MfaStatusView),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `me`", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn status(
    State(state): State<AppState>,
    Authorized(caller): Authorized<OwnRecord>,
) -> Result<Json<MfaStatusView>, Error> {
    let status = state.auth.mfa().status(caller.token.emp_no).await?;
    let totp = match status.totp {
        TotpState::Off => "off",
        TotpState::Pending => "pending",
        TotpState::On => "on",
    };
    Ok(Json(MfaStatusView {
        totp: totp.to_owned(),
        recovery_codes_left: status.recovery_codes_left,
    }))
}

/// Starts TOTP enrolment: a new secret (replacing an unconfirmed one). Nothing changes at login
/// until a code confirms it.
#[utoipa::path(post, path = "/users/me/mfa/totp", tag = "users",
    responses(
        (status = 200, description = "The secret to scan", body = TotpEnrolmentView,
         headers(("Cache-Control" = String, description = "no-store"))),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `me`", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The employee has a passkey and this session did not use a second factor", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 409, description = "TOTP is already on", body = Detail),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn begin(
    State(state): State<AppState>,
    Authorized(caller): Authorized<OwnRecord>,
) -> Result<Response, Error> {
    let token = caller.token.token_ref();
    let account = state.auth.account(&token).await?;
    let email = account.profile.email.unwrap_or_default();
    let caller_mfa = caller.token.claims.used_mfa();
    let mfa = state.auth.mfa();
    let enrolment = mfa.begin_totp(token.emp_no, &email, caller_mfa).await?;
    let body = TotpEnrolmentView {
        secret: enrolment.secret.expose_secret().to_owned(),
        otpauth_uri: enrolment.otpauth_uri.expose_secret().to_owned(),
    };
    Ok(no_store(Json(body)))
}

/// Turns TOTP on with a code of the new secret; answers ten recovery codes, this once.
#[utoipa::path(post, path = "/users/me/mfa/totp/confirm", tag = "users",
    request_body = CodeBody,
    responses(
        (status = 200, description = "On; the recovery codes", body = RecoveryCodesView,
         headers(("Cache-Control" = String, description = "no-store"))),
        (status = 400, description = "Incorrect code", body = Detail),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `me`", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 409, description = "No enrolment started, or TOTP already on", body = Detail),
        (status = 422, description = "`code` missing or not a string", body = InvalidBodyDetail),
        (status = 429, description = "Too many wrong codes", body = Detail, headers(("Retry-After" = u64))),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn confirm(
    State(state): State<AppState>,
    Authorized(caller): Authorized<OwnRecord>,
    origin: Origin,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, Error> {
    let mut fields = Fields::of(body)?;
    let Some(code) = fields.secret("code") else {
        return Err(fields.refused());
    };
    let presenter = Presenter {
        origin: &origin,
        device: Some(&caller.token.claims.sid),
    };
    let mfa = state.auth.mfa();
    let codes = mfa
        .confirm_totp(caller.token.emp_no, &code, &presenter)
        .await?;
    Ok(no_store(Json(codes_view(codes))))
}

/// Turns TOTP off (its recovery codes go with it): the password and a code (TOTP or recovery).
#[utoipa::path(delete, path = "/users/me/mfa/totp", tag = "users",
    request_body = DisableBody,
    responses(
        (status = 204, description = "Off"),
        (status = 400, description = "Wrong password or incorrect code", body = Detail),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `me`", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 409, description = "TOTP is not on", body = Detail),
        (status = 422, description = "A field missing or not a string", body = InvalidBodyDetail),
        (status = 429, description = "Too many failed logins or wrong codes", body = Detail, headers(("Retry-After" = u64))),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn disable(
    State(state): State<AppState>,
    Authorized(caller): Authorized<OwnRecord>,
    origin: Origin,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<StatusCode, Error> {
    let mut fields = Fields::of(body)?;
    let (password, code) = (fields.secret("password"), fields.secret("code"));
    let (Some(password), Some(code)) = (password, code) else {
        return Err(fields.refused());
    };
    let token = caller.token.token_ref();
    let proof = state
        .auth
        .prove_password(&token, password, &origin, "turning TOTP off")
        .await?;
    let presenter = Presenter {
        origin: &origin,
        device: Some(&caller.token.claims.sid),
    };
    state
        .auth
        .mfa()
        .disable_totp(proof, &code, &presenter)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new set of ten recovery codes, given a code; the old set stops working.
#[utoipa::path(post, path = "/users/me/mfa/recovery-codes", tag = "users",
    request_body = CodeBody,
    responses(
        (status = 200, description = "The new recovery codes", body = RecoveryCodesView,
         headers(("Cache-Control" = String, description = "no-store"))),
        (status = 400, description = "Incorrect code", body = Detail),
        (status = 401, description = "No valid token", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 403, description = "The token lacks `me`", body = Detail, headers(("WWW-Authenticate" = String))),
        (status = 409, description = "TOTP is not on", body = Detail),
        (status = 422, description = "`code` missing or not a string", body = InvalidBodyDetail),
        (status = 429, description = "Too many wrong codes", body = Detail, headers(("Retry-After" = u64))),
        (status = 503, description = "Database unavailable", body = Detail),
    ),
    security(("oauth2" = ["me"]), ("cookie" = []))
)]
pub async fn recovery_codes(
    State(state): State<AppState>,
    Authorized(caller): Authorized<OwnRecord>,
    origin: Origin,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Response, Error> {
    let mut fields = Fields::of(body)?;
    let Some(code) = fields.secret("code") else {
        return Err(fields.refused());
    };
    let presenter = Presenter {
        origin: &origin,
        device: Some(&caller.token.claims.sid),
    };
    let mfa = state.auth.mfa();
    let codes = mfa
        .new_recovery_codes(caller.token.emp_no, &code, &presenter)
        .await?;
    Ok(no_store(Json(codes_view(codes))))
}

/// Secrets are never cached.
fn no_store(body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}
