//! Metrics over HTTP: the layer that counts every request by route template, and the `/metrics`
//! app served on METRICS_BIND_ADDR, never on the public port.

use std::time::{Duration, Instant};

use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};

use crate::{db::Db, http::error::detail, service::password, telemetry::metrics::Metrics};

/// How often the gauges are sampled and the histograms drained between scrapes.
pub const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Counts and times a request. The route label is the matched template (`/employees/{emp_no}`)
/// or `unmatched`, never the path the client wrote: the label set stays bounded.
pub async fn record(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    if !metrics.is_on() {
        return next.run(request).await;
    }
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().clone();
    let started = Instant::now();
    metrics.in_flight(1.0);
    // A request dropped before its answer (the client went away) still leaves the gauge.
    let _in_flight = InFlight(&metrics);
    let response = next.run(request).await;
    metrics.request(
        &route,
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

struct InFlight<'a>(&'a Metrics);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight(-1.0);
    }
}

/// Samples the pool and the hashing queue into the gauges and the history.
pub fn upkeep(metrics: &Metrics, db: &Db) {
    metrics.upkeep(db.pool_use(), password::load());
}

/// Runs [`upkeep`] every [`UPKEEP_EVERY`] until the process ends.
pub async fn upkeep_forever(metrics: Metrics, db: Db) {
    let mut every = tokio::time::interval(UPKEEP_EVERY);
    loop {
        every.tick().await;
        upkeep(&metrics, &db);
    }
}

#[derive(Clone)]
struct Scrape {
    metrics: Metrics,
    db: Db,
}

/// The app of the metrics listener: `GET /metrics` (Prometheus text format 0.0.4).
pub fn metrics_app(metrics: Metrics, db: Db) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .fallback(|| async { detail(StatusCode::NOT_FOUND, "Not found") })
        .with_state(Scrape { metrics, db })
}

async fn scrape(State(scrape): State<Scrape>) -> Response {
    upkeep(&scrape.metrics, &scrape.db);
    match scrape.metrics.render() {
        Some(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        None => detail(StatusCode::NOT_FOUND, "Metrics are off"),
    }
}
