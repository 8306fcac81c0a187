//! `POST /token`: the one login endpoint (OAuth2 password grant, RFC 6749 §4.3) for API clients,
//! Swagger UI and the `/login` form.

use std::net::IpAddr;

use axum::{
    Json,
    body::Bytes,
    extract::{State, rejection::BytesRejection},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    domain::normalize_email,
    error::{Detail, Error, OAuthCode, OAuthError},
    http::{
        extract::{
            ClientAddress, content_type, cross_site_refused, is_cross_site, login_cookie,
            safe_next, wants_html,
        },
        pages::login_page,
    },
    service::auth,
    state::AppState,
};

/// The fields of a token request, as a form or as JSON. Unknown fields are ignored (RFC 6749
/// §3.2); a field given twice is `invalid_request`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `password` if present.
    #[schema(example = "password", pattern = "^password$")]
    pub grant_type: Option<String>,
    /// The employee's email.
    #[schema(required = true, min_length = 1, example = "behai_nguyen@hotmail.com")]
    pub username: Option<String>,
    #[schema(required = true, min_length = 1, example = "password", format = Password)]
    pub password: Option<String>,
    /// Space-separated scopes: `me`, `manager`.
    pub scope: Option<String>,
    /// Accepted and ignored.
    pub client_id: Option<String>,
    /// Accepted and ignored.
    pub client_secret: Option<String>,
    /// The `/login` form's redirect target after success (same-site paths only).
    pub next: Option<String>,
}

/// RFC 6749 §5.1 success body.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    #[schema(example = 1800)]
    pub expires_in: u64,
    /// The granted scopes, when some were requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

fn invalid_request(description: &str) -> Error {
    OAuthError::new(OAuthCode::InvalidRequest, description).into()
}

/// Reads the body by its content type: form or JSON (an object), anything else 415, nothing at
/// all `invalid_request`.
fn parse_body(headers: &HeaderMap, body: &Bytes) -> Result<TokenRequest, Error> {
    let essence = match content_type(headers) {
        None if body.is_empty() => return Err(invalid_request("The request body is empty")),
        Some(essence) => essence,
        None => return Err(Error::UnsupportedMediaType),
    };
    let parsed = match essence.as_str() {
        "application/x-www-form-urlencoded" => {
            serde_urlencoded::from_bytes::<TokenRequest>(body).map_err(|e| e.to_string())
        }
        "application/json" => {
            // serde would also read a struct from an array, by position: only objects count.
            if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
                return Err(invalid_request("The body must be a JSON object"));
            }
            serde_json::from_slice::<TokenRequest>(body).map_err(|e| e.to_string())
        }
        _ => return Err(Error::UnsupportedMediaType),
    };
    parsed.map_err(|message| invalid_request(&malformed(&message)))
}

/// Describes a parse error without echoing what was sent: serde's messages quote the values
/// (`invalid type: integer `12345678``), which may be a password.
fn malformed(message: &str) -> String {
    match message.strip_prefix("duplicate field ") {
        Some(field) => format!(
            "Malformed request: {} given twice",
            field.split(" at line").next().unwrap_or_default()
        ),
        None => "Malformed request: every field must be a single string".to_owned(),
    }
}

/// The checks of RFC 6749 §4.3.2 that need no database.
fn validate(request: &TokenRequest) -> Result<(String, String), Error> {
    match request.grant_type.as_deref() {
        None | Some("password") => {}
        Some("") => return Err(invalid_request("grant_type is empty")),
        Some(_) => {
            return Err(OAuthError::new(
                OAuthCode::UnsupportedGrantType,
                "Only the password grant is supported",
            )
            .into());
        }
    }
    let username = match request.username.as_deref().map(str::trim) {
        Some(username) if !username.is_empty() => username.to_owned(),
        _ => return Err(invalid_request("username is required")),
    };
    let password = match request.password.as_deref() {
        Some(password) if !password.is_empty() => password.to_owned(),
        _ => return Err(invalid_request("password is required")),
    };
    Ok((username, password))
}

/// Log in with an email and password.
///
/// API clients get the token as JSON. A browser submitting the `/login` form (`Accept:
/// text/html`) gets a `303` to `next` (or `/`) with the token in an HttpOnly cookie, or the login
/// page again with the error.
#[utoipa::path(
    post,
    path = "/token",
    tag = "auth",
    request_body(
        description = "OAuth2 password grant. An `Authorization: Basic` header (any client id) is accepted and ignored.",
        content(
            (TokenRequest = "application/x-www-form-urlencoded"),
            (TokenRequest = "application/json"),
        )
    ),
    responses(
        (status = 200, description = "Token issued", body = TokenResponse,
         headers(("Cache-Control" = String, description = "no-store"))),
        (status = 303, description = "Browser form: logged in, redirected with the login cookie",
         headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 400, description = "RFC 6749 §5.2 error: invalid_request, invalid_grant, unsupported_grant_type or invalid_scope (a browser gets the login page)", body = OAuthError),
        (status = 403, description = "A browser's cross-site request (`Sec-Fetch-Site: cross-site`): login CSRF is refused", body = Detail),
        (status = 413, description = "Request body too large", body = Detail),
        (status = 415, description = "Content type other than form or JSON", body = Detail),
        (status = 429, description = "Too many failed logins from this address or for this account", body = Detail,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Database unavailable", body = Detail),
    )
)]
pub async fn token(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if is_cross_site(&headers) {
        return cross_site_refused();
    }
    let browser = wants_html(&headers);
    let request = body
        .map_err(Error::from)
        .and_then(|body| parse_body(&headers, &body));
    let next = request.as_ref().ok().and_then(|r| r.next.clone());
    let username = request.as_ref().ok().and_then(|r| r.username.clone());
    let mut response = match issue(&state, address, request).await {
        Ok(issued) if browser => {
            let cookie = login_cookie(
                issued.access_token,
                state.jwt.lifetime(),
                state.auth.cookie_secure,
            );
            let redirect = Redirect::to(&safe_next(next.as_deref()));
            (CookieJar::new().add(cookie), redirect).into_response()
        }
        Ok(issued) => Json(issued).into_response(),
        Err(Error::OAuth(error)) if browser => {
            let message = match error.error {
                OAuthCode::InvalidRequest => "Enter your email and password".to_owned(),
                _ => error.error_description,
            };
            login_page(StatusCode::BAD_REQUEST, Some(message), username, next)
        }
        Err(Error::TooManyAttempts { retry_after_secs }) if browser => {
            let message =
                format!("Too many failed login attempts. Try again in {retry_after_secs} seconds.");
            let mut page = login_page(StatusCode::TOO_MANY_REQUESTS, Some(message), username, next);
            page.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            page
        }
        Err(error) => error.into_response(),
    };
    // Nothing that /token answers may be cached (RFC 6749 §5.1).
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

async fn issue(
    state: &AppState,
    address: Option<IpAddr>,
    request: Result<TokenRequest, Error>,
) -> Result<TokenResponse, Error> {
    let request = request?;
    let (username, password) = validate(&request)?;
    let requested = auth::parse_scopes(request.scope.as_deref())?;
    // Throttled before any bcrypt work; only wrong passwords count as failures.
    let account = normalize_email(&username);
    let throttle = &state.auth.throttle;
    let _turn = throttle
        .admit(address, &account)
        .await
        .map_err(|retry_after_secs| Error::TooManyAttempts { retry_after_secs })?;
    let emp_no = match auth::authenticate(state, &username, password).await {
        Err(Error::OAuth(refusal)) if refusal.error_description == auth::INCORRECT => {
            if let Some(retry_after_secs) = throttle.record_failure(address, &account) {
                tracing::warn!(?address, "failed-login limit reached");
                return Err(Error::TooManyAttempts { retry_after_secs });
            }
            return Err(Error::OAuth(refusal));
        }
        other => other?,
    };
    let scope = auth::grant_scopes(state, emp_no, &requested).await?;
    let (access_token, _claims) = state.jwt.issue(emp_no, scope.clone())?;
    tracing::info!(emp_no, "token issued");
    Ok(TokenResponse {
        access_token,
        token_type: "bearer".to_owned(),
        expires_in: state.jwt.lifetime().as_secs(),
        scope,
    })
}
