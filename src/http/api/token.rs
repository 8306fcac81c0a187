//! `POST /token`: the one login endpoint (OAuth2 password grant, RFC 6749 §4.3) for API clients,
//! Swagger UI and the `/login` form, and the refresh grant (§6). It parses and answers; the rules
//! are the auth and session services'.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::{CookieJar, SignedCookieJar};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    domain::session::Origin,
    error::{Detail, Error, OAuthCode, OAuthError},
    http::{
        api::{
            token_clients,
            token_request::{Grant, TokenRequest},
        },
        extract::browser::{safe_next, wants_html},
        pages::{
            authorize::{form_target, with_form_target},
            login::{code_page, login_page},
        },
    },
    service::{
        auth::{Login, LoginError, SecondStep},
        oidc::{ClientToken, CodeTokens},
        sessions::Issued,
    },
    state::AppState,
    telemetry::LoginOutcome,
};

/// What a token request ended in.
enum Outcome {
    Login(Login),
    Refreshed(Issued),
    Code(CodeTokens),
    Client(ClientToken),
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
    /// The granted scopes, space separated: those requested, or every one the employee holds.
    #[schema(example = "me directory")]
    pub scope: String,
    /// A new refresh token (the presented one, if any, is spent). Absent when a spent refresh
    /// token was presented within the reuse grace: the client that spent it holds the new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The ID token, when a code with `openid` was redeemed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl TokenResponse {
    pub(crate) fn of(issued: Issued) -> Self {
        Self {
            access_token: issued.access_token,
            token_type: "bearer".to_owned(),
            expires_in: issued.expires_in,
            scope: issued.grant.to_claim(),
            refresh_token: issued.refresh_token,
            id_token: None,
        }
    }
}

/// What a password login is counted as.
fn outcome_of(login: &Result<Login, LoginError>) -> LoginOutcome {
    match login {
        Ok(_) => LoginOutcome::Success,
        Err(LoginError::Incorrect) => LoginOutcome::WrongCredentials,
        Err(LoginError::Inactive) => LoginOutcome::Inactive,
        Err(LoginError::Throttled { .. }) => LoginOutcome::Throttled,
        Err(LoginError::UnknownScope(_) | LoginError::ScopeNotHeld(_)) => {
            LoginOutcome::InvalidRequest
        }
        Err(LoginError::Internal(_)) => LoginOutcome::Error,
        Err(LoginError::SecondFactorRequired { .. }) => LoginOutcome::MfaRequired,
        Err(LoginError::WrongCode) => LoginOutcome::WrongCredentials,
        Err(LoginError::InvalidMfaToken) => LoginOutcome::InvalidRequest,
    }
}

/// Log in with an email and password, or renew a session with its refresh token.
///
/// API clients get the tokens as JSON. A browser submitting the `/login` form (`Accept:
/// text/html`) gets a `303` to `next` (or `/`) with the access and refresh tokens in HttpOnly
/// cookies, or the login page again with the error. Every login also sets a signed device
/// cookie: a client that presents it later is limited only by its own failed logins.
///
/// `grant_type=refresh_token` spends the refresh token and answers a new pair. A spent one
/// presented again within `REFRESH_REUSE_GRACE_SECONDS` gets an access token alone; later, it
/// ends the session (`invalid_grant`).
#[utoipa::path(
    post,
    path = "/token",
    tag = "auth",
    request_body(
        description = "OAuth2 password grant, in the body (a query string is refused). An `Authorization: Basic` header (any client id) is accepted and ignored.",
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
        (status = 400, description = "RFC 6749 §5.2 error: invalid_request, invalid_grant (wrong password, inactive user, unknown, spent or expired refresh token, wrong second-factor code, unknown or used mfa_token), unsupported_grant_type or invalid_scope; or `mfa_required` with an `mfa_token` (the password was right: complete with the mfa-otp grant). A browser gets the login page or the code page", body = OAuthError),
        (status = 401, description = "invalid_client: a registered client's authentication failed (`authorization_code`, `client_credentials`, or a client's `refresh_token`)", body = OAuthError,
         headers(("WWW-Authenticate" = String, description = "Basic realm=\"employees\""))),
        (status = 403, description = "A browser's cross-site request (`Sec-Fetch-Site: cross-site`, or an `Origin` of another site): login CSRF is refused", body = Detail),
        (status = 408, description = "The declared body did not arrive in time", body = Detail),
        (status = 413, description = "Request body too large", body = Detail),
        (status = 415, description = "Content type other than form or JSON", body = Detail),
        (status = 429, description = "Too many failed logins from this address or for this account; or, for `grant_type=refresh_token`, too many refreshes of this session this minute (`REFRESH_MAX_PER_MINUTE`)", body = Detail,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Database unavailable", body = Detail),
    )
)]
pub async fn token(
    State(state): State<AppState>,
    origin: Origin,
    headers: HeaderMap,
    jar: SignedCookieJar,
    request: Result<TokenRequest, Error>,
) -> Response {
    let browser = wants_html(&headers);
    let (username, next, sent_mfa_token) = match &request {
        Ok(request) => (
            request.username.clone(),
            request.next.clone(),
            request.mfa_token.clone(),
        ),
        Err(_) => (None, None, None),
    };
    let outcome = async {
        let grant = request.and_then(TokenRequest::into_grant);
        if grant.is_err() {
            state.metrics.login(LoginOutcome::InvalidRequest);
        }
        match grant? {
            Grant::Password(mut login) => {
                login.address = origin.ip;
                login.user_agent = origin.user_agent;
                login.device = state.web.device(&jar);
                let login = state.auth.login(login).await;
                state.metrics.login(outcome_of(&login));
                Ok::<Outcome, Error>(Outcome::Login(login?))
            }
            Grant::MfaOtp { mfa_token, otp } => {
                let step = SecondStep {
                    mfa_token,
                    otp,
                    origin: origin.clone(),
                    device: state.web.device(&jar),
                };
                let login = state.auth.second_step(step).await;
                state.metrics.login(outcome_of(&login));
                Ok(Outcome::Login(login?))
            }
            Grant::Refresh {
                token,
                scope,
                client_id,
                client_secret,
            } => {
                let client = token_clients::refreshing(
                    &state,
                    &headers,
                    client_id.as_deref(),
                    client_secret.as_ref(),
                )
                .await?;
                let token = secrecy::ExposeSecret::expose_secret(&token);
                let issued = state.auth.sessions().refresh(
                    token,
                    scope.as_deref(),
                    client.as_deref(),
                    &origin,
                );
                Ok(Outcome::Refreshed(issued.await?))
            }
            Grant::Code {
                redemption,
                client_id,
                client_secret,
            } => {
                let client = token_clients::required(
                    &state,
                    &headers,
                    client_id.as_deref(),
                    client_secret.as_ref(),
                )
                .await?;
                let tokens = state.oidc.redeem(&client, redemption, &origin).await?;
                Ok(Outcome::Code(tokens))
            }
            Grant::ClientCredentials {
                scope,
                client_id,
                client_secret,
            } => {
                let client = token_clients::required(
                    &state,
                    &headers,
                    client_id.as_deref(),
                    client_secret.as_ref(),
                )
                .await?;
                let token = state.oidc.client_credentials(&client, scope.as_deref())?;
                Ok(Outcome::Client(token))
            }
        }
    };
    let mut response = match outcome.await {
        Ok(Outcome::Login(login)) => {
            let jar = state.web.add_device(jar, &login.device);
            if browser {
                let redirect = Redirect::to(&safe_next(next.as_deref()));
                // The access cookie is the token itself (a JWT, signed already), and the refresh
                // cookie a random token: neither is a signed cookie.
                let cookies = state.web.session_cookies(CookieJar::new(), &login.issued);
                (jar, cookies, redirect).into_response()
            } else {
                (jar, Json(TokenResponse::of(login.issued))).into_response()
            }
        }
        Ok(Outcome::Refreshed(issued)) => Json(TokenResponse::of(issued)).into_response(),
        Ok(Outcome::Client(token)) => Json(TokenResponse {
            access_token: token.access_token,
            token_type: "bearer".to_owned(),
            expires_in: token.expires_in,
            scope: token.scope,
            refresh_token: None,
            id_token: None,
        })
        .into_response(),
        Ok(Outcome::Code(tokens)) => {
            let mut body = TokenResponse::of(tokens.issued);
            body.id_token = tokens.id_token;
            Json(body).into_response()
        }
        Err(Error::OAuth(error)) if browser && error.error == OAuthCode::MfaRequired => {
            let mfa_token = error.mfa_token.unwrap_or_default();
            // Its form leads on to `next` (maybe /authorize and a client's redirect URI).
            let target = form_target(&state, next.as_deref()).await;
            with_form_target(code_page(StatusCode::OK, None, mfa_token, next), target)
        }
        Err(error @ (Error::OAuth(_) | Error::TooManyAttempts { .. }))
            if browser && sent_mfa_token.is_some() =>
        {
            // A wrong code, or too many: the code page again, while its login is pending.
            let mfa_token = sent_mfa_token.map(|t| t.expose_secret().to_owned());
            let message = match &error {
                Error::OAuth(error) => error.error_description.clone(),
                _ => "Too many wrong codes. Wait a minute and try again.".to_owned(),
            };
            let target = form_target(&state, next.as_deref()).await;
            let page = code_page(
                StatusCode::BAD_REQUEST,
                Some(message),
                mfa_token.unwrap_or_default(),
                next,
            );
            with_form_target(page, target)
        }
        Err(Error::OAuth(error)) if browser => {
            let message = match error.error {
                OAuthCode::InvalidRequest => "Enter your email and password".to_owned(),
                _ => error.error_description,
            };
            let target = form_target(&state, next.as_deref()).await;
            let page = login_page(StatusCode::BAD_REQUEST, Some(message), username, next);
            with_form_target(page, target)
        }
        Err(Error::TooManyAttempts { retry_after_secs }) if browser => {
            let message =
                format!("Too many failed login attempts. Try again in {retry_after_secs} seconds.");
            let target = form_target(&state, next.as_deref()).await;
            let page = login_page(StatusCode::TOO_MANY_REQUESTS, Some(message), username, next);
            let mut page = with_form_target(page, target);
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
