//! `POST /passkeys/login/finish`: the passwordless sign-in's answer. API clients get the token
//! JSON; the login page's form gets the password login's cookies and redirect (to `next`, an
//! `/authorize` request included), or the login page again with the reason.

use super::*;

/// What a refused sign-in shows on the login page.
pub(super) fn message_of(error: &Error) -> String {
    match error {
        Error::BadRequest(message) | Error::Conflict(message) => message.clone(),
        Error::Rejected { detail, .. } => detail.clone(),
        Error::TooManyAttempts { retry_after_secs } => {
            format!("Too many failed sign-ins. Try again in {retry_after_secs} seconds.")
        }
        Error::InvalidBody(_) => "The passkey's answer could not be read: try again".to_owned(),
        _ => "The sign-in could not be completed: try again".to_owned(),
    }
}

/// Finishes a sign-in with a passkey: a session with every scope the employee holds.
///
/// The answer must be signed by a registered passkey over this ceremony's challenge for this
/// site, with user verification; its counter must have moved on (a copied passkey's does not).
/// Failed sign-ins count on the address's passkey budget (`LOGIN_MAX_FAILURES_PER_MINUTE`).
#[utoipa::path(post, path = "/passkeys/login/finish", tag = "auth",
    request_body(content(
        (SignInFinish = "application/json"),
        (SignInFinish = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "Signed in", body = TokenResponse,
         headers(("Cache-Control" = String, description = "no-store"))),
        (status = 303, description = "The login page's form: signed in, redirected with the login cookies",
         headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 400, description = "Unknown, used or expired ceremony; an answer that does not verify (the detail says why); a body that cannot be read (a browser gets the login page)", body = Detail),
        (status = 401, description = "A passkey that is not registered here, or whose employee left", body = Detail),
        (status = 403, description = "A browser's cross-site request", body = Detail),
        (status = 409, description = "Passkeys are off: PUBLIC_URL names an IP address, not a host name", body = Detail),
        (status = 413, description = "Request body too large", body = Detail),
        (status = 415, description = "Content type other than form or JSON", body = Detail),
        (status = 422, description = "A field missing or malformed", body = InvalidBodyDetail),
        (status = 429, description = "Too many failed passkey sign-ins from this address", body = Detail,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Database unavailable", body = Detail),
    )
)]
pub async fn login_finish(
    State(state): State<AppState>,
    origin: Origin,
    headers: HeaderMap,
    body: Result<OAuthForm<SignInFinish>, Error>,
) -> Response {
    let browser = wants_html(&headers);
    let (body, read) = match body {
        Ok(OAuthForm(body)) => (body, Ok(())),
        Err(error) => (SignInFinish::default(), Err(error)),
    };
    let next = body.next.clone();
    let outcome = async {
        // Not an OAuth endpoint: a body that cannot be read is a plain `400` with a detail.
        read.map_err(|error| match error {
            Error::OAuth(refused) => Error::BadRequest(refused.error_description),
            other => other,
        })?;
        let ceremony = body
            .ceremony
            .ok_or_else(|| field_error("ceremony", "is required: a string"))?;
        let credential = credential(body.credential)?;
        let signed_in = state
            .passkeys
            .finish_signin(&ceremony, &credential, &origin);
        Ok::<_, Error>(signed_in.await?)
    };
    let mut response = match outcome.await {
        Ok(signed_in) if browser => {
            let redirect = Redirect::to(&safe_next(next.as_deref()));
            let cookies = state
                .web
                .session_cookies(CookieJar::new(), &signed_in.issued);
            (cookies, redirect).into_response()
        }
        Ok(signed_in) => Json(TokenResponse::of(signed_in.issued)).into_response(),
        Err(error) if browser => {
            let status = crate::http::error::status_of(&error);
            let target = form_target(&state, next.as_deref()).await;
            let mut page = with_form_target(
                login_page(status, Some(message_of(&error)), None, next),
                target,
            );
            if let Error::TooManyAttempts { retry_after_secs } = error {
                page.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            page
        }
        Err(error) => error.into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
