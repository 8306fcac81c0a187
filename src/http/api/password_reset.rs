//! `POST /password-reset` (ask for a link by email) and `POST /password-reset/{token}` (set the
//! new password), as a form or JSON. API clients get JSON; a browser (`Accept: text/html`) gets
//! the pages of `pages::password_reset`.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    domain::{is_email, session::Origin},
    error::{Detail, Error, FieldError, InvalidBodyDetail},
    http::{
        error::RESET_REQUESTS_THROTTLED,
        extract::{browser::wants_html, form_or_json::FormOrJson},
        pages::password_reset as pages,
    },
    service::recovery::{ResetError, ResetRequestError},
    state::AppState,
};

/// A reset request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetRequestBody {
    /// The email of the account.
    #[schema(value_type = String, format = Email, example = "behai_nguyen@hotmail.com")]
    pub email: Option<String>,
}

/// A new password for the link's account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPasswordBody {
    /// 8 to 72 bytes.
    #[schema(value_type = String, format = Password, min_length = 8, max_length = 72,
             example = "a-new-long-password")]
    pub new_password: Option<SecretString>,
    /// Optional (the page sends it): the same password again.
    #[schema(value_type = Option<String>, format = Password, example = "a-new-long-password")]
    pub confirm_password: Option<SecretString>,
}

/// The one answer to a reset request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetRequested {
    #[schema(example = "If that email belongs to an active employee, a reset link is on its way")]
    pub detail: String,
}

const REQUESTED: &str = "If that email belongs to an active employee, a reset link is on its way";

fn field(name: &str, message: &str) -> Error {
    Error::InvalidBody(vec![FieldError {
        field: name.to_owned(),
        message: message.to_owned(),
    }])
}

/// The first refusal's words, for a page.
fn words(error: &Error) -> String {
    match error {
        Error::InvalidBody(errors) => errors
            .first()
            .map(|e| format!("The {} {}.", e.field.replace('_', " "), e.message))
            .unwrap_or_default(),
        Error::UnsupportedMediaType => "Send the form as it is.".to_owned(),
        other => other.to_string(),
    }
}

/// Asks for a reset link by email. The answer is `202` with the same body whether or not the
/// email names an active employee (and costs the same: the same statements run); for one that
/// does, a message with a single-use link (valid `PASSWORD_RESET_MINUTES`) is written to the
/// outbox in the same transaction. Past `PASSWORD_RESET_PER_EMAIL_PER_HOUR` for one email the
/// answer is the same and no message is written; past `PASSWORD_RESET_PER_ADDRESS_PER_HOUR` for
/// one client address, `429`.
#[utoipa::path(post, path = "/password-reset", tag = "auth",
    request_body(content(
        (ResetRequestBody = "application/x-www-form-urlencoded"),
        (ResetRequestBody = "application/json"),
    )),
    responses(
        (status = 202, description = "Taken (whatever the email)", body = ResetRequested),
        (status = 403, description = "A browser's cross-site request", body = Detail),
        (status = 413, description = "Request body too large", body = Detail),
        (status = 415, description = "Content type other than form or JSON", body = Detail),
        (status = 422, description = "The email is missing or not an address", body = InvalidBodyDetail),
        (status = 429, description = "Too many requests from this address", body = Detail,
         headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Database unavailable", body = Detail),
    )
)]
pub async fn request(
    State(state): State<AppState>,
    origin: Origin,
    headers: HeaderMap,
    body: Result<FormOrJson<ResetRequestBody>, Error>,
) -> Response {
    let html = wants_html(&headers);
    let email = match body {
        Ok(FormOrJson(body)) => body.email.unwrap_or_default().trim().to_owned(),
        Err(error) if html => {
            return pages::request_form(
                crate::http::error::status_of(&error),
                Some(&words(&error)),
                "",
            );
        }
        Err(error) => return error.into_response(),
    };
    if !is_email(&email) {
        let message = match email.is_empty() {
            true => "is required",
            false => "must be an email address such as ada.lovelace@example.com",
        };
        if html {
            let words = format!("The email {message}.");
            return pages::request_form(StatusCode::UNPROCESSABLE_ENTITY, Some(&words), &email);
        }
        return field("email", message).into_response();
    }
    match state.recovery.request(&email, origin.ip).await {
        Ok(()) if html => pages::request_taken(),
        Ok(()) => (
            StatusCode::ACCEPTED,
            Json(ResetRequested {
                detail: REQUESTED.to_owned(),
            }),
        )
            .into_response(),
        Err(ResetRequestError::Throttled { .. }) if html => pages::request_form(
            StatusCode::TOO_MANY_REQUESTS,
            Some(RESET_REQUESTS_THROTTLED),
            &email,
        ),
        Err(refused) => refused.into_response(),
    }
}

/// Sets a new password with a reset link's token: every session of the employee ends, the
/// second factor stays, and the change is audited (`password.reset`). A used, expired or unknown
/// token is `400`, saying which.
#[utoipa::path(post, path = "/password-reset/{token}", tag = "auth",
    params(("token" = String, Path, description = "The token of the link in the message")),
    request_body(content(
        (NewPasswordBody = "application/x-www-form-urlencoded"),
        (NewPasswordBody = "application/json"),
    )),
    responses(
        (status = 204, description = "Set; every session of the employee ended"),
        (status = 400, description = "The link is used, expired or unknown: the detail says which", body = Detail),
        (status = 403, description = "A browser's cross-site request", body = Detail),
        (status = 413, description = "Request body too large", body = Detail),
        (status = 415, description = "Content type other than form or JSON", body = Detail),
        (status = 422, description = "The new password is missing or not 8 to 72 bytes", body = InvalidBodyDetail),
        (status = 503, description = "Database unavailable", body = Detail),
    )
)]
pub async fn reset(
    State(state): State<AppState>,
    origin: Origin,
    headers: HeaderMap,
    token: Result<Path<String>, PathRejection>,
    body: Result<FormOrJson<NewPasswordBody>, Error>,
) -> Response {
    let html = wants_html(&headers);
    let token = token.map(|Path(token)| token).unwrap_or_default();
    let refused = |error: Error| match html {
        true => {
            let status = crate::http::error::status_of(&error);
            pages::reset_form(status, &token, Some(&words(&error)))
        }
        false => error.into_response(),
    };
    let body = match body {
        Ok(FormOrJson(body)) => body,
        Err(error) => return refused(error),
    };
    let Some(new) = body.new_password else {
        return refused(field("new_password", "is required"));
    };
    if !(8..=72).contains(&new.expose_secret().len()) {
        return refused(field("new_password", "must be 8 to 72 bytes"));
    }
    if let Some(confirm) = &body.confirm_password
        && confirm.expose_secret() != new.expose_secret()
    {
        return refused(field(
            "confirm_password",
            "must be the same as the new password",
        ));
    }
    match state.recovery.reset(&token, new, &origin).await {
        Ok(()) if html => pages::reset_done(),
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(ResetError::Internal(error)) => error.into_response(),
        Err(dead) if html => pages::dead_link(&dead),
        Err(dead) => Error::from(dead).into_response(),
    }
}
