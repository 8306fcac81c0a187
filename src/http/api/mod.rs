//! The JSON API: one file per resource, its handlers with their OpenAPI annotations.

pub mod appointment;
pub mod audit;
pub mod changes;
pub mod clients;
pub mod departments;
pub mod discovery;
pub mod docs;
pub mod employees;
pub mod health;
pub mod hire;
pub mod hr;
pub mod logout;
pub mod mfa;
pub mod oauth;
pub mod passkeys;
pub mod password_reset;
pub mod roles;
pub mod sessions;
pub mod token;
pub mod token_clients;
pub mod token_request;
pub mod userinfo;
pub mod users;

use axum::{
    Router,
    extract::{Request, State},
    handler::Handler,
    routing::{MethodRouter, delete, get, post, put},
};
use utoipa::OpenApi;

use crate::{
    http::{extract::browser::wants_html, pages},
    state::AppState,
};

/// The API's routes. Every handler here is also in [`Paths`] below, in the same order: a URL,
/// its handler and its documentation are found in this one file.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/token", post(token::token))
        .route(
            "/.well-known/openid-configuration",
            get(discovery::openid_configuration),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(discovery::oauth_authorization_server),
        )
        .route("/jwks.json", get(discovery::jwks))
        .route("/admin/keys/rotate", post(discovery::rotate))
        .route("/token/revoke", post(oauth::revoke))
        .route("/token/introspect", post(oauth::introspect))
        .route(
            "/logout",
            post(logout::logout).get(pages::end_session::end_session),
        )
        .route(
            "/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo_post),
        )
        .route("/users/me", get(users::me))
        .route("/users/me/sessions", get(sessions::list))
        .route("/users/me/sessions/{sid}", delete(sessions::end))
        .route("/users/me/password", post(sessions::change_password))
        .route(
            "/users/me/passkeys/register/start",
            post(passkeys::register_start),
        )
        .route(
            "/users/me/passkeys/register/finish",
            post(passkeys::register_finish),
        )
        .route("/users/me/passkeys", get(passkeys::list))
        .route("/users/me/passkeys/{id}", delete(passkeys::remove))
        .route("/passkeys/login/start", post(passkeys::login_start))
        .route("/passkeys/login/finish", post(passkeys::login_finish))
        .route("/passkeys/mfa/start", post(passkeys::mfa_start))
        .route("/passkeys/mfa/finish", post(passkeys::mfa_finish))
        .route("/users/me/mfa", get(mfa::status))
        .route("/users/me/mfa/totp", post(mfa::begin).delete(mfa::disable))
        .route("/users/me/mfa/totp/confirm", post(mfa::confirm))
        .route("/users/me/mfa/recovery-codes", post(mfa::recovery_codes))
        .route(
            "/password-reset",
            get(pages::password_reset::request_page).post(password_reset::request),
        )
        .route(
            "/password-reset/{token}",
            get(pages::password_reset::reset_page).post(password_reset::reset),
        )
        .route("/audit", get(audit::list))
        .route("/admin/clients", get(clients::list).post(clients::register))
        .route(
            "/admin/clients/{client_id}",
            get(clients::show).delete(clients::remove),
        )
        .route(
            "/employees/{emp_no}/roles",
            get(roles::show).put(roles::replace),
        )
        .route("/employees", get(employees::list).post(hire::hire))
        .route("/employees/{emp_no}", get(employees::show))
        .route("/employees/{emp_no}/history", get(employees::history))
        .route("/employees/{emp_no}/salaries", get(employees::salaries))
        .route("/employees/{emp_no}/title", post(changes::title))
        .route("/employees/{emp_no}/department", post(changes::department))
        .route("/employees/{emp_no}/salary", post(changes::salary))
        .route(
            "/employees/{emp_no}/termination",
            post(changes::termination),
        )
        .route(
            "/departments",
            negotiated(departments::list, pages::directory::departments),
        )
        .route(
            "/departments/{dept_no}",
            negotiated(departments::show, pages::directory::department),
        )
        .route("/departments/{dept_no}/employees", get(departments::staff))
        .route("/departments/{dept_no}/manager", put(appointment::appoint))
}

/// The documentation of [`routes`] (the probes are in `health`, outside the limits).
#[derive(OpenApi)]
#[openapi(paths(
    token::token,
    discovery::openid_configuration,
    discovery::oauth_authorization_server,
    discovery::jwks,
    discovery::rotate,
    userinfo::userinfo,
    userinfo::userinfo_post,
    oauth::revoke,
    oauth::introspect,
    logout::logout,
    users::me,
    sessions::list,
    sessions::end,
    sessions::change_password,
    passkeys::register_start,
    passkeys::register_finish,
    passkeys::list,
    passkeys::remove,
    passkeys::login_start,
    passkeys::login_finish,
    passkeys::mfa_start,
    passkeys::mfa_finish,
    mfa::status,
    mfa::begin,
    mfa::confirm,
    mfa::disable,
    mfa::recovery_codes,
    password_reset::request,
    password_reset::reset,
    audit::list,
    clients::list,
    clients::register,
    clients::show,
    clients::remove,
    roles::show,
    roles::replace,
    employees::list,
    hire::hire,
    employees::show,
    employees::history,
    employees::salaries,
    changes::title,
    changes::department,
    changes::salary,
    changes::termination,
    departments::list,
    departments::show,
    departments::staff,
    appointment::appoint,
    health::healthz,
    health::readyz,
))]
pub struct Paths;

/// `GET` answered as JSON, or as a page for a browser that asks for `text/html`.
fn negotiated<J, TJ, H, TH>(json: J, html: H) -> MethodRouter<AppState>
where
    J: Handler<TJ, AppState>,
    H: Handler<TH, AppState>,
    TJ: 'static,
    TH: 'static,
{
    get(
        move |State(state): State<AppState>, request: Request| async move {
            if wants_html(request.headers()) {
                html.call(request, state).await
            } else {
                json.call(request, state).await
            }
        },
    )
}
