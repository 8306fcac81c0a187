//! The HTML pages (askama) and their forms: login and home, the directory, HR, the status page.

pub mod account;
pub mod authorize;
pub mod charts;
pub mod directory;
pub mod end_session;
pub mod hr;
pub mod login;
pub mod passkeys;
pub mod password_reset;
pub mod status;

use axum::{
    Router,
    routing::{get, post},
};
use utoipa::OpenApi;

use crate::state::AppState;

/// The pages' routes (`/departments…` answer a browser too: see `api::routes`). Those in
/// [`Paths`] are documented; the others are forms and pages of the same site.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::login))
        .route(
            "/authorize",
            get(authorize::authorize).post(authorize::decide),
        )
        .route("/", get(login::home))
        .route("/account", get(account::show))
        .route("/account/totp", post(account::begin))
        .route("/account/totp/confirm", post(account::confirm))
        .route("/account/totp/off", post(account::disable))
        .route("/account/recovery-codes", post(account::renew))
        .route("/static/style.css", get(login::stylesheet))
        .route("/static/passkeys.js", get(passkeys::script))
        .route("/account/passkeys", get(passkeys::page))
        .route("/status", get(status::page))
        .route("/directory", get(directory::directory))
        .route("/directory/hire", get(hr::hire_page).post(hr::hire))
        .route("/directory/{emp_no}", get(directory::employee))
        .route("/directory/{emp_no}/{change}", post(hr::change))
}

/// The documentation of the pages in [`routes`] that the OpenAPI document lists.
#[derive(OpenApi)]
#[openapi(paths(
    login::login,
    login::home,
    password_reset::request_page,
    password_reset::reset_page
))]
pub struct Paths;
