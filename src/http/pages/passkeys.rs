//! The passkeys section of the account page (`templates/account_passkeys.html`), served alone at
//! `GET /account/passkeys` until the account page includes it, and the script that drives it.

use askama::Template;
use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};

use crate::{
    error::Error,
    http::{api::sessions::rfc3339, extract::auth::SignedToken, pages::login::render},
    state::AppState,
};

/// One passkey as the section lists it.
pub struct PasskeyItem {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// What the section shows: whether passkeys can be used here, and the employee's.
pub struct PasskeysSection {
    pub enabled: bool,
    pub items: Vec<PasskeyItem>,
}

impl PasskeysSection {
    /// The section of employee `emp_no`.
    pub async fn of(state: &AppState, emp_no: i32) -> Result<Self, Error> {
        let items = state.passkeys.list(emp_no).await?;
        Ok(Self {
            enabled: state.passkeys.enabled(),
            items: items
                .into_iter()
                .map(|view| PasskeyItem {
                    id: view.id,
                    name: view.name,
                    // The date is enough here (RFC 3339 up to the day).
                    created_at: rfc3339(view.created_at)[..10].to_owned(),
                    last_used_at: view.last_used_at.map(|at| rfc3339(at)[..10].to_owned()),
                })
                .collect(),
        })
    }
}

#[derive(Template)]
#[template(path = "account_passkeys_page.html")]
struct PasskeysPage {
    passkeys: PasskeysSection,
}

/// The caller's passkeys: add one, remove one. Not logged in: to the login page and back.
pub async fn page(
    State(state): State<AppState>,
    token: Result<SignedToken, Error>,
) -> Result<Response, Error> {
    let account = match token {
        Ok(token) => state.auth.account(&token.token_ref()).await,
        Err(error) => Err(error),
    };
    match account {
        Ok(account) => {
            let passkeys = PasskeysSection::of(&state, account.profile.emp_no).await?;
            Ok(render(StatusCode::OK, &PasskeysPage { passkeys }))
        }
        Err(Error::Unauthenticated | Error::InvalidToken) => {
            let jar = state.web.removal_cookies();
            Ok((jar, Redirect::to("/login?next=%2Faccount%2Fpasskeys")).into_response())
        }
        Err(error) => Err(error),
    }
}

/// The pages' passkey script, compiled into the binary.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../static/passkeys.js"),
    )
}
