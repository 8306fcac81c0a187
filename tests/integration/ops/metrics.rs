//! `/metrics`: what is counted (requests by route template, logins by outcome, revocations,
//! profile cache hits and misses, pool and bcrypt gauges, build info), in an exposition promtool
//! accepts.

use std::io::Write;

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode},
};
use employees::{db::Db, state::AppState};

use crate::common::*;

async fn scrape(state: &AppState) -> String {
    let app = employees::metrics_app(state.metrics.clone(), state.db.clone());
    let reply = send(&app, get("/metrics")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    reply.text()
}

/// The value of the series whose name is `name` and whose labels include all of `labels`.
fn value(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| {
            line.starts_with(&format!("{name}{{")) || line.starts_with(&format!("{name} "))
        })
        .find(|line| labels.iter().all(|label| line.contains(label)))
        .and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

async fn logout(app: &Router, token: &str) {
    let request = Request::post("/logout").body(Body::empty()).unwrap();
    let reply = send(app, with_bearer(request, token)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
}

async fn requests_logins_and_revocations_are_counted(db: Db) {
    seeded(&db).await;
    let state = state(db.clone()).await;
    let app = employees::app(state.clone());
    let token = login(&app, BEHAI).await;
    post_token(&app, &format!("username={BEHAI}&password=wrong")).await;
    post_token(&app, "username=nobody@example.com&password=wrong").await;
    post_token(
        &app,
        &format!("username={BEHAI}&password=password&scope=nonsense"),
    )
    .await;
    post_token(&app, "grant_type=password").await;
    for _ in 0..3 {
        let reply = send(&app, with_bearer(get("/users/me"), &token)).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    send(&app, with_bearer(get("/employees/424242421"), &token)).await;
    send(&app, get("/no/such/path/with-a-secret-in-it")).await;
    logout(&app, &token).await;

    let text = scrape(&state).await;
    let outcome = |o: &str| value(&text, "logins_total", &[&format!("outcome=\"{o}\"")]);
    assert_eq!(outcome("success"), Some(1.0), "{text}");
    assert_eq!(outcome("wrong_credentials"), Some(2.0));
    assert_eq!(outcome("invalid_request"), Some(2.0));
    assert_eq!(
        outcome("throttled"),
        Some(0.0),
        "every outcome is there from the start"
    );
    // The first /users/me reads the profile, the next two are answered from the copy.
    let cache = |o: &str| value(&text, "profile_cache_total", &[&format!("outcome=\"{o}\"")]);
    assert_eq!((cache("miss"), cache("hit")), (Some(1.0), Some(2.0)));
    let me = ["route=\"/users/me\"", "method=\"GET\"", "status=\"200\""];
    assert_eq!(value(&text, "http_requests_total", &me), Some(3.0));
    assert_eq!(
        value(&text, "http_request_duration_seconds_count", &me),
        Some(3.0)
    );
    let le = [&me[..], &["le=\"+Inf\""]].concat();
    assert_eq!(
        value(&text, "http_request_duration_seconds_bucket", &le),
        Some(3.0)
    );
    // Templates, never the raw path.
    let template = ["route=\"/employees/{emp_no}\"", "status=\"404\""];
    assert_eq!(value(&text, "http_requests_total", &template), Some(1.0));
    assert_eq!(
        value(&text, "http_requests_total", &["route=\"unmatched\""]),
        Some(1.0)
    );
    assert!(!text.contains("/employees/424242421") && !text.contains("with-a-secret"));
    let token_route = ["route=\"/token\"", "method=\"POST\""];
    assert!(value(&text, "http_requests_total", &token_route).is_some());
    assert_eq!(
        value(&text, "sessions_revoked_total", &["reason=\"logout\""]),
        Some(1.0)
    );
    // Gauges, sampled at the scrape.
    assert!(value(&text, "db_pool_connections", &["state=\"idle\""]).is_some());
    assert!(value(&text, "db_pool_connections", &["state=\"in_use\""]).is_some());
    assert!(value(&text, "db_pool_max_connections", &[]).unwrap() >= 1.0);
    assert!(value(&text, "bcrypt_jobs", &["state=\"queued\""]).is_some());
    assert!(value(&text, "bcrypt_jobs", &["state=\"running\""]).is_some());
    assert_eq!(value(&text, "http_requests_in_flight", &[]), Some(0.0));
    let backend = format!("backend=\"{}\"", db.backend_name());
    let version = format!("version=\"{}\"", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        value(&text, "employees_build_info", &[&backend, &version]),
        Some(1.0)
    );
    promtool_accepts(&text);
}
dual_test!(counted, requests_logins_and_revocations_are_counted);

/// `promtool check metrics` (Debian's `prometheus` package; scripts/ensure-promtool) reads the
/// exposition from stdin and fails on a malformed one.
fn promtool_accepts(text: &str) {
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool is installed (scripts/ensure-promtool)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    // Lint remarks (a counter's name, say) are warnings; an unparsable exposition is an error.
    assert!(
        !said.contains("error while linting") && !said.contains("parse error"),
        "{said}"
    );
    assert!(output.status.success(), "promtool: {said}");
}

async fn other_ends_are_counted_by_reason(db: Db) {
    seeded(&db).await;
    let state = state(db.clone()).await;
    let app = employees::app(state.clone());
    let first = login(&app, PRANAV).await;
    let _second = login(&app, PRANAV).await;
    let change =
        serde_json::json!({"current_password": "password", "new_password": "Another-Secret-7"});
    let reply = send(
        &app,
        with_bearer(json("/users/me/password", change), &first),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    let revoke = form("/token/revoke", &format!("token={first}"));
    assert_eq!(send(&app, revoke).await.status, StatusCode::OK);
    let text = scrape(&state).await;
    let reason = |r: &str| {
        value(
            &text,
            "sessions_revoked_total",
            &[&format!("reason=\"{r}\"")],
        )
    };
    assert_eq!(reason("password change"), Some(1.0), "{text}");
    assert_eq!(reason("revocation"), Some(1.0));
    assert_eq!(reason("logout"), None);
}
dual_test!(revocations_by_reason, other_ends_are_counted_by_reason);

/// Whatever paths and methods clients invent, the label set stays bounded.
async fn invented_paths_and_methods_add_no_series(db: Db) {
    let state = state(db).await;
    let app = employees::app(state.clone());
    for i in 0..40 {
        send(&app, get(&format!("/x{i}/{i}"))).await;
        let method = Method::from_bytes(format!("M{i}").as_bytes()).unwrap();
        let request = Request::builder().method(method).uri("/users/me");
        send(&app, request.body(Body::empty()).unwrap()).await;
    }
    let text = scrape(&state).await;
    let series = text
        .lines()
        .filter(|line| line.starts_with("http_requests_total{"))
        .count();
    assert!(series <= 3, "{series} series:\n{text}");
    assert!(text.contains("method=\"OTHER\""));
}
dual_test!(bounded_labels, invented_paths_and_methods_add_no_series);

async fn metrics_off_serve_nothing(db: Db) {
    let mut state = state(db).await;
    state.metrics = employees::telemetry::metrics::Metrics::off();
    let app = employees::metrics_app(state.metrics.clone(), state.db.clone());
    assert_eq!(
        send(&app, get("/metrics")).await.status,
        StatusCode::NOT_FOUND
    );
    // And the public app has no /metrics of its own.
    let public = employees::app(state);
    assert_eq!(
        send(&public, get("/metrics")).await.status,
        StatusCode::NOT_FOUND
    );
}
dual_test!(off, metrics_off_serve_nothing);
