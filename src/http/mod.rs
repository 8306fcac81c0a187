//! HTTP: the router and one module per resource.

pub mod health;

use axum::{Router, http::StatusCode, routing::get};

use crate::{error::detail, state::AppState};

/// The whole application. No I/O happens here, so tests drive it with `oneshot`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(|| async { detail(StatusCode::NOT_FOUND, "Not found") })
        .with_state(state)
}
