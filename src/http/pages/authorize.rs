//! `GET /authorize` and the consent form's `POST /authorize` (OIDC Core §3.1.2): the browser
//! side of the code flow. The rules are the OIDC service's; this turns its outcomes into the
//! error page, the redirect to the client, the login page (and back) or the consent page.

use askama::Template;
use axum::{
    extract::{RawForm, RawQuery, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use crate::{
    domain::oidc::{Grant, OidcScope},
    error::Error,
    http::{
        extract::auth::{SignedToken, TokenSource},
        pages::login::render,
    },
    service::oidc::{AuthorizeOutcome, AuthorizeParams, BrowserSession, Decision},
    state::AppState,
};

#[derive(Template)]
#[template(path = "message.html")]
struct ErrorPage<'a> {
    heading: &'a str,
    message: &'a str,
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage {
    client_name: String,
    scopes: Vec<(&'static str, &'static str)>,
    fields: Vec<(&'static str, String)>,
}

fn error_page(message: &str) -> Response {
    let heading = "This application cannot sign you in";
    render(StatusCode::BAD_REQUEST, &ErrorPage { heading, message })
}

/// What each scope lets a client do, in the consent page's words.
fn meaning(name: &str) -> &'static str {
    match name {
        "openid" => "know who you are",
        "profile" => "read your name, number, department, title and manager",
        "email" => "read your email address",
        "offline_access" => "stay signed in after you close it",
        "me" => "read your own record",
        "directory" => "search the directory",
        "manager" => "see the records of your department",
        "hr" => "make HR changes in your name",
        "admin" => "administer roles, clients and keys in your name",
        _ => "",
    }
}

/// The parameters back as a query or hidden fields (`prompt=login` left out once honoured).
fn pairs(params: &AuthorizeParams, drop_login: bool) -> Vec<(&'static str, String)> {
    let prompt = params.prompt.as_deref().map(|prompt| {
        prompt
            .split_ascii_whitespace()
            .filter(|p| !drop_login || *p != "login")
            .collect::<Vec<_>>()
            .join(" ")
    });
    [
        ("response_type", params.response_type.clone()),
        ("client_id", params.client_id.clone()),
        ("redirect_uri", params.redirect_uri.clone()),
        ("scope", params.scope.clone()),
        ("state", params.state.clone()),
        ("nonce", params.nonce.clone()),
        ("code_challenge", params.code_challenge.clone()),
        (
            "code_challenge_method",
            params.code_challenge_method.clone(),
        ),
        ("prompt", prompt.filter(|p| !p.is_empty())),
        ("max_age", params.max_age.clone()),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|value| (name, value)))
    .collect()
}

async fn browser(
    state: &AppState,
    token: Result<SignedToken, Error>,
) -> Result<Option<BrowserSession>, Error> {
    match token {
        Ok(token) if token.source == TokenSource::Cookie => {
            state
                .oidc
                .browser_session(&token.claims.sid, token.emp_no)
                .await
        }
        _ => Ok(None),
    }
}

async fn answer(
    state: &AppState,
    params: AuthorizeParams,
    token: Result<SignedToken, Error>,
    decision: Decision,
) -> Result<Response, Error> {
    let client = match params.client_id.as_deref() {
        Some(id) => state.clients.get(id).await?,
        None => None,
    };
    let browser = browser(state, token).await?;
    let outcome = state
        .oidc
        .authorize(client.as_ref(), &params, browser.as_ref(), decision)
        .await?;
    Ok(match outcome {
        AuthorizeOutcome::ErrorPage(message) => error_page(message),
        AuthorizeOutcome::Redirect(url) => match HeaderValue::from_str(&url) {
            Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
            Err(_) => error_page("The redirect URI is not valid"),
        },
        AuthorizeOutcome::Login { fresh } => {
            let back = serde_urlencoded::to_string(pairs(&params, true)).unwrap_or_default();
            let next = serde_urlencoded::to_string([("next", format!("/authorize?{back}"))])
                .unwrap_or_default();
            let prompt = if fresh { "&prompt=login" } else { "" };
            Redirect::to(&format!("/login?{next}{prompt}")).into_response()
        }
        AuthorizeOutcome::Consent { client_name, scope } => render(
            StatusCode::OK,
            &ConsentPage {
                client_name,
                scopes: scope_names(scope)
                    .into_iter()
                    .map(|name| (name, meaning(name)))
                    .collect(),
                fields: pairs(&params, true),
            },
        ),
    })
}

fn scope_names(scope: Grant) -> Vec<&'static str> {
    OidcScope::ALL
        .into_iter()
        .filter(|s| scope.has(*s))
        .map(OidcScope::as_str)
        .chain(scope.roles.iter().map(|s| s.as_str()))
        .collect()
}

/// The parameters; `None` when they cannot be read (a parameter given twice, say).
fn parse<T: for<'de> Deserialize<'de> + Default>(text: Option<&str>) -> Option<T> {
    match text {
        None => Some(T::default()),
        Some(text) => serde_urlencoded::from_str(text).ok(),
    }
}

const UNREADABLE: &str = "The request's parameters cannot be read (one given twice?)";

/// The authorization endpoint (OIDC Core §3.1.2.1).
pub async fn authorize(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    token: Result<SignedToken, Error>,
) -> Response {
    let Some(params) = parse::<AuthorizeParams>(query.as_deref()) else {
        return error_page(UNREADABLE);
    };
    answer(&state, params, token, Decision::NotAsked)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

#[derive(Debug, Default, Deserialize)]
struct ConsentForm {
    #[serde(flatten)]
    params: AuthorizeParams,
    decision: Option<String>,
}

/// The consent page's answer: the same parameters, and `decision=allow` or `deny`.
pub async fn decide(
    State(state): State<AppState>,
    token: Result<SignedToken, Error>,
    RawForm(form): RawForm,
) -> Response {
    let text = std::str::from_utf8(&form).ok();
    let Some(form) = parse::<ConsentForm>(text) else {
        return error_page(UNREADABLE);
    };
    let decision = match form.decision.as_deref() {
        Some("allow") => Decision::Allow,
        Some("deny") => Decision::Deny,
        _ => return error_page("Choose Allow or Deny"),
    };
    answer(&state, form.params, token, decision)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}
