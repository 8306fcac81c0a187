//! `GET /logout` (RP-Initiated Logout 1.0): an application sends the browser here to log the
//! employee out; the OIDC service decides, this answers with the redirect, the login page or
//! the error page, and clears the login cookies. Without an `id_token_hint` nothing proves that
//! an application of ours asked (a link on any site could), so the employee is asked first
//! (§2: the provider should ask), with a form that posts to `POST /logout`.

use askama::Template;
use axum::{
    extract::{RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

use crate::{
    domain::session::Origin,
    error::Error,
    http::{
        extract::auth::{SignedToken, TokenSource},
        pages::login::render,
    },
    service::oidc::{LogoutOutcome, LogoutParams},
    state::AppState,
};

#[derive(Template)]
#[template(path = "message.html")]
struct ErrorPage<'a> {
    heading: &'a str,
    message: &'a str,
}

#[derive(Template)]
#[template(path = "logout.html")]
struct ConfirmPage;

fn error_page(message: &str) -> Response {
    let heading = "Cannot log out from this application";
    render(StatusCode::BAD_REQUEST, &ErrorPage { heading, message })
}

async fn end(
    state: &AppState,
    params: LogoutParams,
    token: Result<SignedToken, Error>,
    origin: &Origin,
) -> Result<Response, Error> {
    let Some(hint) = params.id_token_hint.as_deref() else {
        return Ok(render(StatusCode::OK, &ConfirmPage));
    };
    let Some(hint) = state.oidc.verify_hint(hint).await else {
        return Ok(error_page("The id_token_hint is not one of ours"));
    };
    let hint = Some(hint);
    let client_id = hint
        .as_ref()
        .map(|hint| hint.aud.clone())
        .or(params.client_id.clone());
    let client = match client_id {
        Some(id) => state.clients.get(&id).await?,
        None => None,
    };
    let browser = match &token {
        Ok(token) if token.source == TokenSource::Cookie => {
            Some((token.claims.sid.as_str(), token.emp_no))
        }
        _ => None,
    };
    let outcome = state
        .oidc
        .end_session(&params, hint.as_ref(), client.as_ref(), browser, origin)
        .await?;
    let clear = state.web.removal_cookies();
    Ok(match outcome {
        LogoutOutcome::ErrorPage(message) => error_page(message),
        LogoutOutcome::Redirect(url) => (clear, Redirect::to(&url)).into_response(),
        LogoutOutcome::LoggedOut => (clear, Redirect::to("/login")).into_response(),
    })
}

/// The end-session endpoint.
pub async fn end_session(
    State(state): State<AppState>,
    origin: Origin,
    RawQuery(query): RawQuery,
    token: Result<SignedToken, Error>,
) -> Response {
    let params =
        match serde_urlencoded::from_str::<LogoutParams>(query.as_deref().unwrap_or_default()) {
            Ok(params) => params,
            Err(_) => {
                return error_page("The request's parameters cannot be read (one given twice?)");
            }
        };
    end(&state, params, token, &origin)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}
