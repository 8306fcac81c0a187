//! An employee the caller may not see is answered from the same path as one that does not exist:
//! the same statements, returning the same rows (none), so neither the answer nor the work behind
//! it tells the two apart. Checked structurally, from the statements sqlx reports, not by timing.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};

use axum::{Router, http::StatusCode};
use employees::db::Db;
use tracing::{
    Event, Subscriber,
    field::{Field, Visit},
    span::{Attributes, Id},
};
use tracing_subscriber::{
    Layer,
    filter::filter_fn,
    layer::{Context, SubscriberExt},
    registry::LookupSpan,
};

use crate::{api::directory::token_for, common::*};

/// The statements each probed request ran: its request id → (statement, rows returned).
pub(crate) type Seen = Arc<Mutex<HashMap<String, Vec<(String, u64)>>>>;

/// Only requests whose id starts with this are recorded (other tests run alongside).
pub(crate) const PROBE: &str = "hidden-probe-";

/// The request id a `request` span was opened with.
struct RequestId(String);

#[derive(Default)]
struct Fields {
    request_id: Option<String>,
    statement: String,
    summary: String,
    rows_returned: u64,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "request_id" => self.request_id = Some(value.to_owned()),
            "db.statement" => self.statement = value.trim().to_owned(),
            "summary" => self.summary = value.to_owned(),
            _ => {}
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "rows_returned" {
            self.rows_returned = value;
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.summary = format!("{value:?}");
        }
    }
}

/// Records sqlx's statement events under the request span they ran in (on the request's task for
/// MySQL; on SQLite's worker thread, which enters the caller's span).
struct Statements(Seen);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Statements {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let (Some(request_id), Some(span)) = (fields.request_id, ctx.span(id))
            && request_id.starts_with(PROBE)
        {
            span.extensions_mut().insert(RequestId(request_id));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(scope) = ctx.event_scope(event) else {
            return;
        };
        let Some(request_id) = scope
            .from_root()
            .find_map(|span| span.extensions().get::<RequestId>().map(|r| r.0.clone()))
        else {
            return;
        };
        let mut fields = Fields::default();
        event.record(&mut fields);
        let statement = if fields.statement.is_empty() {
            fields.summary
        } else {
            fields.statement
        };
        self.0
            .lock()
            .unwrap()
            .entry(request_id)
            .or_default()
            .push((statement, fields.rows_returned));
    }
}

/// The process's one capture (a global subscriber: SQLite runs statements on threads of its own,
/// which a thread-local one would not see).
pub(crate) fn seen() -> Seen {
    static SEEN: OnceLock<Seen> = OnceLock::new();
    SEEN.get_or_init(|| {
        let seen = Seen::default();
        let layer = Statements(seen.clone()).with_filter(filter_fn(|meta| {
            meta.name() == "request" || meta.target() == "sqlx::query"
        }));
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("no other global subscriber in the tests");
        seen
    })
    .clone()
}

/// The statements `GET uri` ran as `token`, and its status.
async fn statements(
    app: &Router,
    token: &str,
    uri: &str,
    id: &str,
) -> (StatusCode, Vec<(String, u64)>) {
    let seen = seen();
    // Callsites first hit under other tests' thread-local subscribers: ask them again.
    tracing::callsite::rebuild_interest_cache();
    let request_id = format!("{PROBE}{id}");
    let mut request = with_bearer(get(uri), token);
    request
        .headers_mut()
        .insert("x-request-id", request_id.parse().unwrap());
    let reply = send(app, request).await;
    let ran = seen.lock().unwrap().remove(&request_id).unwrap_or_default();
    // A connection the pool opens meanwhile runs its set-up first (`SET sql_mode…`, `PRAGMA…`):
    // that is the pool's doing, whenever it has no idle connection, not the request's path.
    let ran = ran
        .into_iter()
        .filter(|(sql, _)| !(sql.starts_with("SET ") || sql.starts_with("PRAGMA ")))
        .collect();
    (reply.status, ran)
}

/// Not in the seed.
const MISSING: i32 = 499_999;

async fn hidden_and_missing_take_the_same_path(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    // A distinct id per backend: both run in this process at once.
    let backend = db.backend_name();
    let directory = token_for(&app, PRANAV, "directory").await;
    let me_only = token_for(&app, PRANAV, "me").await;
    let manager = token_for(&app, &email_of(&db, MANAGER_EMP_NO).await, "manager").await;
    let cases = [
        ("directory", &directory, FORMER_EMP_NO),
        ("me", &me_only, 500_014),
        ("manager", &manager, FORMER_EMP_NO),
    ];
    for (who, token, hidden) in cases {
        for tail in ["", "/history", "/salaries"] {
            let context = format!("{who} on {hidden}{tail}");
            let id = format!("{backend}-{who}-{}", tail.trim_start_matches('/'));
            let (status, missing) = statements(
                &app,
                token,
                &format!("/employees/{MISSING}{tail}"),
                &format!("{id}-missing"),
            )
            .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{context}");
            let (status, hidden) = statements(
                &app,
                token,
                &format!("/employees/{hidden}{tail}"),
                &format!("{id}-hidden"),
            )
            .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{context}");
            assert!(
                missing
                    .iter()
                    .any(|(sql, _)| sql.contains("FROM employees e")),
                "the capture sees the look-up ({context}): {missing:?}"
            );
            assert_eq!(hidden, missing, "{context}: the same statements and rows");
            assert!(
                hidden
                    .iter()
                    .all(|(sql, rows)| *rows == 0 || sql.contains("sessions")),
                "{context}: only the session check returns a row: {hidden:?}"
            );
        }
    }
}
dual_test!(same_path, hidden_and_missing_take_the_same_path);
