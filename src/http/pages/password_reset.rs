//! The recovery pages: `GET /password-reset` (the email form), `GET /password-reset/{token}`
//! (the new-password form of a link from the message), and what a browser is shown after posting
//! either (the posts are in `api::password_reset`, which answer API clients in JSON).

use askama::Template;
use axum::{
    extract::{Path, State, rejection::PathRejection},
    http::StatusCode,
    response::Response,
};

use crate::{
    http::{error::reset_refusal, pages::login::render},
    service::recovery::ResetError,
    state::AppState,
};

#[derive(Template)]
#[template(path = "password_reset_request.html")]
struct RequestPage<'a> {
    error: Option<&'a str>,
    email: &'a str,
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetPage<'a> {
    token: &'a str,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "password_reset_message.html")]
struct MessagePage<'a> {
    heading: &'a str,
    message: &'a str,
    link: &'a str,
    link_text: &'a str,
}

/// The email form, with an error and what was typed after a refusal.
pub fn request_form(status: StatusCode, error: Option<&str>, email: &str) -> Response {
    render(status, &RequestPage { error, email })
}

/// What a browser sees after asking: the same whatever the email.
pub fn request_taken() -> Response {
    render(
        StatusCode::ACCEPTED,
        &MessagePage {
            heading: "Check your email",
            message: "If that email belongs to an active employee, a message with a link to \
                      choose a new password is on its way. The link works once, for a limited \
                      time.",
            link: "/login",
            link_text: "Back to sign in",
        },
    )
}

/// The new-password form of a usable link.
pub fn reset_form(status: StatusCode, token: &str, error: Option<&str>) -> Response {
    render(status, &ResetPage { token, error })
}

/// A link that cannot be used (`400`), saying why, with a way to ask for a new one.
pub fn dead_link(error: &ResetError) -> Response {
    render(
        StatusCode::BAD_REQUEST,
        &MessagePage {
            heading: "This link cannot be used",
            message: reset_refusal(error),
            link: "/password-reset",
            link_text: "Ask for a new link",
        },
    )
}

/// After a reset.
pub fn reset_done() -> Response {
    render(
        StatusCode::OK,
        &MessagePage {
            heading: "Password changed",
            message: "Your new password is set, and every session of your account has ended. \
                      Sign in with the new password.",
            link: "/login",
            link_text: "Sign in",
        },
    )
}

/// The page to ask for a reset link.
#[utoipa::path(get, path = "/password-reset", tag = "pages", responses(
    (status = 200, description = "The form to ask for a reset link by email", content_type = "text/html", body = String),
))]
pub async fn request_page() -> Response {
    request_form(StatusCode::OK, None, "")
}

/// The page a reset link opens: a new-password form, or (`400`) why the link cannot be used.
#[utoipa::path(get, path = "/password-reset/{token}", tag = "pages",
    params(("token" = String, Path, description = "The token of the link in the message")),
    responses(
        (status = 200, description = "The new-password form", content_type = "text/html", body = String),
        (status = 400, description = "The link is used, expired or unknown: the page says which", content_type = "text/html", body = String),
        (status = 503, description = "Database unavailable", body = crate::error::Detail),
    )
)]
pub async fn reset_page(
    State(state): State<AppState>,
    token: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(token)) = token else {
        return dead_link(&ResetError::Unknown);
    };
    match state.recovery.check(&token).await {
        Ok(()) => reset_form(StatusCode::OK, &token, None),
        Err(ResetError::Internal(error)) => axum::response::IntoResponse::into_response(error),
        Err(refused) => dead_link(&refused),
    }
}
