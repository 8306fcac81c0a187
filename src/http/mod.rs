//! HTTP: the router and one module per resource.

pub mod docs;
pub mod extract;
pub mod health;
pub mod limits;
pub mod logout;
pub mod pages;
pub mod token;
pub mod users;

use axum::{
    Router,
    error_handling::HandleErrorLayer,
    extract::DefaultBodyLimit,
    http::StatusCode,
    middleware,
    routing::{get, post},
};
use tower::{ServiceBuilder, limit::GlobalConcurrencyLimitLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::{error::detail, state::AppState};

/// The largest request body accepted (a login form is well under 1 KiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The whole application. No I/O happens here, so tests drive it with `oneshot`.
pub fn app(state: AppState) -> Router {
    let limits = state.limits;
    let swagger = SwaggerUi::new("/docs")
        .url("/openapi.json", docs::ApiDoc::openapi())
        .config(utoipa_swagger_ui::Config::default().persist_authorization(false));
    // Swagger UI answers an unknown asset with a bare 404; give it the JSON body of every error.
    let swagger = Router::from(swagger).layer(middleware::map_response(bare_404_as_json));
    Router::new()
        .route("/token", post(token::token))
        .route("/users/me", get(users::me))
        .route("/logout", post(logout::logout))
        .route("/login", get(pages::login))
        .route("/", get(pages::home))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(swagger)
        .fallback(|| async { detail(StatusCode::NOT_FOUND, "Not found") })
        .method_not_allowed_fallback(|| async {
            detail(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(
            ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(middleware::from_fn_with_state(
                    limits.max_header_bytes,
                    limits::limit_headers,
                ))
                .layer(HandleErrorLayer::new(limits::overloaded_or_timed_out))
                .load_shed()
                // Global: `Router::layer` wraps each route, and all of them share this one limit.
                .layer(GlobalConcurrencyLimitLayer::new(
                    limits.max_concurrent_requests,
                ))
                .timeout(limits.request_timeout),
        )
        .with_state(state)
}

async fn bare_404_as_json(response: axum::response::Response) -> axum::response::Response {
    if response.status() == StatusCode::NOT_FOUND
        && !response
            .headers()
            .contains_key(axum::http::header::CONTENT_TYPE)
    {
        return detail(StatusCode::NOT_FOUND, "Not found");
    }
    response
}
