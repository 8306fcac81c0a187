//! Liveness and readiness probes.

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;
use utoipa::ToSchema;

use std::time::Instant;

use crate::{db::Db, state::AppState};

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "health", responses(
    (status = 200, body = Health),
    (status = 503, description = "The database does not answer", body = Health),
))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    if state.readiness.check(&state.db).await {
        (StatusCode::OK, Json(Health { status: "ok" }))
    } else {
        let status = "unavailable";
        (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status }))
    }
}

/// One readiness ping at a time, shared: the probe sits outside the request limits, so a flood
/// of it must not take the database pool. Every answer comes from a ping that started after the
/// request arrived (fresh), but callers that queued behind a ping take its result.
#[derive(Default)]
pub struct Readiness {
    last: tokio::sync::Mutex<Option<(Instant, bool)>>,
}

impl Readiness {
    pub async fn check(&self, db: &Db) -> bool {
        let asked = Instant::now();
        let mut last = self.last.lock().await;
        if let Some((started, ready)) = *last
            && started >= asked
        {
            return ready;
        }
        let started = Instant::now();
        let ready = match db.ping().await {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, "readiness check failed");
                false
            }
        };
        *last = Some((started, ready));
        ready
    }
}
