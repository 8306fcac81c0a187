//! The service's metrics, recorded into a Prometheus recorder of this app's own (no global
//! recorder: tests build as many apps as they like, each with its own figures) and into the
//! last hour's history that `/status` draws. `Metrics::off()` records nothing.

use std::{
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::http::Method;
use metrics::{
    Counter, Gauge, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

use super::{
    LoginOutcome, PoolUse,
    history::{History, Minute},
    series::{Series, SeriesCache},
};
use crate::telemetry::Load;

/// Latency histogram bounds, in seconds: a primary-key read answers in a few hundred
/// microseconds, a bcrypt login at cost 12 in a quarter of a second, the request timeout is 10 s.
pub const LATENCY_BUCKETS: [f64; 17] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0,
];

const REQUEST_DURATION: &str = "http_request_duration_seconds";

#[derive(Clone, Default)]
pub struct Metrics(Option<Arc<Recording>>);

struct Recording {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    history: History,
    /// Registered once: counted on every authenticated request, so an atomic add, not a
    /// look-up of the series by its labels.
    profile_hit: Counter,
    profile_miss: Counter,
    in_flight: Gauge,
    series: SeriesCache,
}

/// Minutes since the Unix epoch.
fn this_minute() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        / 60
}

/// The method as a label: the standard ones by name, any other one as `OTHER`, so that a client
/// inventing methods cannot grow the label set.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

impl Metrics {
    /// Recording on; `backend` (`mysql` or `sqlite`) goes into the build info.
    pub fn on(backend: &'static str) -> Self {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), &LATENCY_BUCKETS)
            .expect("the bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            describe_counter!(
                "http_requests_total",
                "Requests answered, by route template, method and status."
            );
            describe_histogram!(
                REQUEST_DURATION,
                metrics::Unit::Seconds,
                "Time from request to response headers."
            );
            describe_gauge!("http_requests_in_flight", "Requests being handled now.");
            describe_counter!(
                "logins_total",
                "Password logins at POST /token, by outcome."
            );
            describe_counter!(
                "sessions_revoked_total",
                "Sessions ended before their time, by reason."
            );
            describe_counter!(
                "profile_cache_total",
                "Profiles behind authenticated requests: hit (this instance's copy, at the session's version) or miss (read)."
            );
            describe_gauge!(
                "db_pool_connections",
                "Database connections, by state (in_use, idle)."
            );
            describe_gauge!(
                "db_pool_max_connections",
                "The database pool's size (DB_MAX_CONNECTIONS)."
            );
            describe_gauge!(
                "bcrypt_jobs",
                "Password hashing work on the blocking pool: queued (not started yet) or running."
            );
            describe_gauge!(
                "employees_build_info",
                "The version and database backend; always 1."
            );
            gauge!("employees_build_info", "version" => env!("CARGO_PKG_VERSION"), "backend" => backend).set(1.0);
            gauge!("http_requests_in_flight").set(0.0);
            for outcome in LoginOutcome::ALL {
                counter!("logins_total", "outcome" => outcome.label()).absolute(0);
            }
        });
        let (profile_hit, profile_miss, in_flight) =
            metrics::with_local_recorder(&recorder, || {
                (
                    counter!("profile_cache_total", "outcome" => "hit"),
                    counter!("profile_cache_total", "outcome" => "miss"),
                    gauge!("http_requests_in_flight"),
                )
            });
        Self(Some(Arc::new(Recording {
            recorder,
            handle,
            history: History::default(),
            profile_hit,
            profile_miss,
            in_flight,
            series: SeriesCache::default(),
        })))
    }

    pub fn off() -> Self {
        Self(None)
    }

    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    fn record(&self, work: impl FnOnce(&Recording)) {
        if let Some(recording) = &self.0 {
            metrics::with_local_recorder(&recording.recorder, || work(recording));
        }
    }

    /// A request answered: `route` is the matched template (or `unmatched`), never the raw path.
    pub fn request(&self, route: &str, method: &Method, status: u16, elapsed: Duration) {
        let Some(recording) = &self.0 else { return };
        let method = method_label(method);
        let series = recording.series.get_or_register(route, method, status, || {
            metrics::with_local_recorder(&recording.recorder, || {
                let labels = [
                    ("route", route.to_owned()),
                    ("method", method.to_owned()),
                    ("status", status.to_string()),
                ];
                Series {
                    counter: counter!("http_requests_total", &labels),
                    histogram: histogram!(REQUEST_DURATION, &labels),
                    history_key: format!("{method} {route}").into(),
                }
            })
        });
        series.counter.increment(1);
        series.histogram.record(elapsed.as_secs_f64());
        recording
            .history
            .request(this_minute(), &series.history_key, elapsed.as_secs_f64());
    }

    /// One more (`+1.0`) or one fewer (`-1.0`) request in flight.
    pub fn in_flight(&self, change: f64) {
        if let Some(recording) = &self.0 {
            recording.in_flight.increment(change);
        }
    }

    pub fn login(&self, outcome: LoginOutcome) {
        self.record(|recording| {
            counter!("logins_total", "outcome" => outcome.label()).increment(1);
            recording.history.login(this_minute(), outcome);
        });
    }

    /// An authenticated request's profile: this instance's copy (`hit`) or the profile query.
    pub fn profile_cache(&self, hit: bool) {
        if let Some(recording) = &self.0 {
            match hit {
                true => recording.profile_hit.increment(1),
                false => recording.profile_miss.increment(1),
            }
        }
    }

    /// `count` sessions ended for `reason` (logout, revocation, password change, termination…).
    pub fn sessions_revoked(&self, reason: &'static str, count: u64) {
        if count > 0 {
            self.record(|_| {
                counter!("sessions_revoked_total", "reason" => reason).increment(count)
            });
        }
    }

    /// Samples the gauges read from elsewhere (pool, bcrypt) and drains the histograms: every few
    /// seconds, and before each scrape.
    pub fn upkeep(&self, pool: PoolUse, bcrypt: Load) {
        self.record(|recording| {
            gauge!("db_pool_connections", "state" => "in_use").set(pool.in_use);
            gauge!("db_pool_connections", "state" => "idle").set(pool.idle);
            gauge!("db_pool_max_connections").set(pool.max);
            gauge!("bcrypt_jobs", "state" => "queued").set(bcrypt.queued as f64);
            gauge!("bcrypt_jobs", "state" => "running").set(bcrypt.running as f64);
            recording.history.pool(this_minute(), pool);
            recording.handle.run_upkeep();
        });
    }

    /// The Prometheus text exposition; `None` when off.
    pub fn render(&self) -> Option<String> {
        self.0.as_ref().map(|recording| recording.handle.render())
    }

    /// The last hour, oldest minute first; `None` when off.
    pub fn last_hour(&self) -> Option<Vec<Minute>> {
        self.0
            .as_ref()
            .map(|recording| recording.history.last_hour(this_minute()))
    }
}
