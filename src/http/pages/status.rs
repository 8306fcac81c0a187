//! `GET /status`: the figures a person running the service looks at, for `admin` in a browser
//! (an API client's refusals are the API's JSON ones):
//! logins per minute by outcome, p50/p99 by route and pool use over the last hour (this
//! instance's, kept in memory), as server-rendered SVG.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};

use crate::{
    http::{
        extract::auth::AdminRead,
        layers::metrics::upkeep,
        pages::charts::{self, Chart, Key, RouteLatency, WIDTH},
        pages::directory::PageOrApi,
        pages::login::render,
    },
    service::password,
    state::AppState,
    telemetry::{LoginOutcome, PoolUse},
};

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    width: f64,
    /// `None` when METRICS_BIND_ADDR is `off`: nothing is recorded.
    figures: Option<Figures>,
    pool: PoolUse,
    bcrypt: password::Load,
    backend: &'static str,
    version: &'static str,
}

struct Figures {
    logins: Chart,
    outcomes: Vec<Key>,
    pool: Chart,
    latencies: Chart,
    routes: Vec<RouteLatency>,
}

/// The status page (`admin` scope; a browser without a session is sent to log in, an API client
/// refused in JSON).
pub async fn page(State(state): State<AppState>, _admin: PageOrApi<AdminRead>) -> Response {
    upkeep(&state.metrics, &state.db);
    let figures = state.metrics.last_hour().map(|hour| {
        let routes = charts::route_latencies(&hour);
        let outcomes = LoginOutcome::ALL
            .iter()
            .map(|outcome| Key {
                class: charts::outcome_class(*outcome),
                text: format!(
                    "{} ({})",
                    outcome.label().replace('_', " "),
                    hour.iter().map(|m| m.logins[outcome.index()]).sum::<u64>()
                ),
            })
            .collect();
        Figures {
            logins: charts::logins(&hour),
            outcomes,
            pool: charts::pool(&hour),
            latencies: charts::latencies(&routes),
            routes,
        }
    });
    render(
        StatusCode::OK,
        &StatusPage {
            width: WIDTH,
            figures,
            pool: state.db.pool_use(),
            bcrypt: password::load(),
            backend: state.db.backend_name(),
            version: env!("CARGO_PKG_VERSION"),
        },
    )
}
