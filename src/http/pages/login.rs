//! The browser pages: `GET /login`, `GET /` and the stylesheet, rendered with askama.

use askama::Template;
use axum::{
    extract::{Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::{
    domain::Profile,
    error::Error,
    http::{
        extract::auth::{CurrentUser, SignedToken},
        extract::browser::safe_next,
        pages::authorize::{form_target, with_form_target},
    },
    state::AppState,
};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    error: Option<String>,
    username: String,
    next: String,
}

/// The second step of a login: a code (TOTP or recovery) for the pending login.
#[derive(Template)]
#[template(path = "mfa.html")]
struct CodePage {
    error: Option<String>,
    mfa_token: String,
    next: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    profile: Profile,
}

pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => Error::from(error).into_response(),
    }
}

/// The login page, with an error message and the email kept after a failed attempt (never the
/// password).
pub fn login_page(
    status: StatusCode,
    error: Option<String>,
    username: Option<String>,
    next: Option<String>,
) -> Response {
    let next = safe_next(next.as_deref());
    render(
        status,
        &LoginPage {
            error,
            username: username.unwrap_or_default(),
            next,
        },
    )
}

/// The code page after a right password (the form posts the `mfa-otp` grant to `/token`).
pub fn code_page(
    status: StatusCode,
    error: Option<String>,
    mfa_token: String,
    next: Option<String>,
) -> Response {
    let next = safe_next(next.as_deref());
    render(
        status,
        &CodePage {
            error,
            mfa_token,
            next,
        },
    )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// Where to go after logging in: a same-site path such as `/docs`.
    pub next: Option<String>,
    /// `login`: show the page even to a logged-in browser (an application asked for a fresh
    /// login: OIDC's `prompt=login` or `max_age`).
    pub prompt: Option<String>,
}

/// The HTML login page; its form posts to `/token`. Logged-in browsers are sent on to `next`
/// (or `/`), unless `prompt=login` asks for a fresh login.
#[utoipa::path(get, path = "/login", tag = "pages", params(LoginQuery), responses(
    (status = 200, description = "The login page", content_type = "text/html", body = String),
    (status = 303, description = "Already logged in: redirected to `next` (or /)"),
))]
pub async fn login(
    State(state): State<AppState>,
    user: Result<CurrentUser, Error>,
    query: Result<Query<LoginQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (next, prompt) = match query {
        Ok(Query(query)) => (query.next, query.prompt),
        Err(_) => (None, None),
    };
    if user.is_ok() && prompt.as_deref() != Some("login") {
        return Redirect::to(&safe_next(next.as_deref())).into_response();
    }
    let target = form_target(&state, next.as_deref()).await;
    with_form_target(login_page(StatusCode::OK, None, None, next), target)
}

/// The home page of a logged-in browser: who you are, and a logout button. Otherwise `303` to
/// `/login`.
#[utoipa::path(get, path = "/", tag = "pages", responses(
    (status = 200, description = "The home page", content_type = "text/html", body = String),
    (status = 303, description = "Not logged in: redirected to /login"),
    (status = 503, description = "Database unavailable", body = crate::error::Detail),
), security(("cookie" = []), ("oauth2" = [])))]
pub async fn home(
    State(state): State<AppState>,
    token: Result<SignedToken, Error>,
) -> Result<Response, Error> {
    let profile = match token {
        Ok(token) => state
            .auth
            .account(&token.token_ref())
            .await
            .map(|account| account.profile),
        Err(error) => Err(error),
    };
    match profile {
        Ok(profile) => Ok(render(StatusCode::OK, &HomePage { profile })),
        Err(Error::Unauthenticated | Error::InvalidToken) => {
            let jar = state.web.removal_cookies();
            Ok((jar, Redirect::to("/login")).into_response())
        }
        Err(error) => Err(error),
    }
}

/// The pages' stylesheet, compiled into the binary.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/style.css"),
    )
}
