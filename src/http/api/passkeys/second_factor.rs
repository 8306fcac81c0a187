//! `POST /passkeys/mfa/start` and `/finish`: a passkey instead of the code in a password login's
//! second step (the pending login's `mfa_token`). API clients get the token JSON; the code
//! page's form gets the login's cookies and redirect, or the code page again with the reason.

use axum_extra::extract::SignedCookieJar;
use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::http::pages::login::code_page;

/// The pending login to complete with a passkey.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SecondFactorStart {
    /// The `mfa_token` of the `mfa_required` answer.
    #[schema(value_type = String)]
    pub mfa_token: Option<SecretString>,
}

/// The answer of `navigator.credentials.get()` for a second step begun: JSON, or the code page's
/// form (with `credential` as JSON text).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SecondFactorFinish {
    #[schema(value_type = String)]
    pub mfa_token: Option<SecretString>,
    #[schema(example = "9f2c4b0e8d7a4b6c9e1f2a3b4c5d6e7f")]
    pub ceremony: Option<String>,
    /// The `PublicKeyCredential`, binary fields in base64url (as text in a form).
    #[schema(value_type = Object)]
    pub credential: Option<Value>,
    /// The code page's redirect target after success (same-site paths only).
    #[schema(example = "")]
    pub next: Option<String>,
}

/// An OAuth-style refusal (the pending login's) as a plain `400` with a detail.
fn plain(error: Error) -> Error {
    match error {
        Error::OAuth(refused) => Error::BadRequest(refused.error_description),
        other => other,
    }
}

fn token_of(token: Option<SecretString>) -> Result<SecretString, Error> {
    token.ok_or_else(|| field_error("mfa_token", "is required: the mfa_token of mfa_required"))
}

/// Begins the second step of a password login with one of the employee's passkeys.
#[utoipa::path(post, path = "/passkeys/mfa/start", tag = "auth",
    request_body(content(
        (SecondFactorStart = "application/json"),
        (SecondFactorStart = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "Options for `navigator.credentials.get()`, listing the employee's passkeys", body = CeremonyStart),
        (status = 400, description = "Unknown, used or expired mfa_token; a body that cannot be read", body = Detail),
        (status = 409, description = "Passkeys are off (PUBLIC_URL names an IP address), or the employee has no passkey", body = Detail),
        (status = 415, description = "Content type other than form or JSON", body = Detail),
        (status = 422, description = "mfa_token missing", body = InvalidBodyDetail),
        (status = 503, description = "Database unavailable", body = Detail),
    )
)]
pub async fn mfa_start(
    State(state): State<AppState>,
    body: Result<OAuthForm<SecondFactorStart>, Error>,
) -> Result<Json<CeremonyStart>, Error> {
    let OAuthForm(body) = body.map_err(plain)?;
    let token = token_of(body.mfa_token)?;
    let started = state.passkeys.start_second_factor(&state.auth, &token);
    let (ceremony, options) = started.await.map_err(|error| plain(error.into()))?;
    Ok(Json(CeremonyStart { ceremony, options }))
}

/// Completes the second step with a passkey: the session carries `amr` `["hwk", "user", "mfa"]`.
#[utoipa::path(post, path = "/passkeys/mfa/finish", tag = "auth",
    request_body(content(
        (SecondFactorFinish = "application/json"),
        (SecondFactorFinish = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "Signed in", body = TokenResponse,
         headers(("Cache-Control" = String, description = "no-store"))),
        (status = 303, description = "The code page's form: signed in, redirected with the login cookies",
         headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 400, description = "Unknown, used or expired mfa_token or ceremony; an answer that does not verify (the detail says why); a body that cannot be read (a browser gets the code page)", body = Detail),
        (status = 401, description = "A passkey that is not the employee's", body = Detail),
        (status = 403, description = "A browser's cross-site request", body = Detail),
        (status = 409, description = "Passkeys are off: PUBLIC_URL names an IP address", body = Detail),
        (status = 413, description = "Request body too large", body = Detail),
        (status = 415, description = "Content type other than form or JSON", body = Detail),
        (status = 422, description = "A field missing or malformed", body = InvalidBodyDetail),
        (status = 429, description = "Too many failed passkey answers from this address", body = Detail,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Database unavailable", body = Detail),
    )
)]
pub async fn mfa_finish(
    State(state): State<AppState>,
    origin: Origin,
    headers: HeaderMap,
    jar: SignedCookieJar,
    body: Result<OAuthForm<SecondFactorFinish>, Error>,
) -> Response {
    let browser = wants_html(&headers);
    let (body, read) = match body {
        Ok(OAuthForm(body)) => (body, Ok(())),
        Err(error) => (SecondFactorFinish::default(), Err(plain(error))),
    };
    let next = body.next.clone();
    let sent = body.mfa_token.clone();
    let outcome = async {
        read?;
        let token = token_of(body.mfa_token)?;
        let ceremony = body
            .ceremony
            .ok_or_else(|| field_error("ceremony", "is required: a string"))?;
        let credential = credential(body.credential)?;
        let finished = state.passkeys.finish_second_factor(
            &state.auth,
            &token,
            &ceremony,
            &credential,
            &origin,
        );
        finished.await.map_err(|error| plain(error.into()))
    };
    let mut response = match outcome.await {
        Ok(login) if browser => {
            let jar = state.web.add_device(jar, &login.device);
            let cookies = state.web.session_cookies(CookieJar::new(), &login.issued);
            (jar, cookies, Redirect::to(&safe_next(next.as_deref()))).into_response()
        }
        Ok(login) => Json(TokenResponse::of(login.issued)).into_response(),
        Err(error) if browser => {
            let status = crate::http::error::status_of(&error);
            let token = sent.map(|token| token.expose_secret().to_owned());
            let target = form_target(&state, next.as_deref()).await;
            let page = code_page(
                status,
                Some(message_of(&error)),
                token.unwrap_or_default(),
                next,
            );
            let mut page = with_form_target(page, target);
            if let Error::TooManyAttempts { retry_after_secs } = error {
                page.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            page
        }
        Err(error) => error.into_response(),
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
