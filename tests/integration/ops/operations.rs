//! Request ids: on every answer, kept when a client's is sane, quoted in every 500; and the
//! binary's metrics listener, apart from the public port.

use axum::http::{Request, StatusCode};
use employees::db::Db;

use crate::{common::*, ops::binary::Service};

fn with_id(mut request: Request<axum::body::Body>, id: &str) -> Request<axum::body::Body> {
    request
        .headers_mut()
        .append("x-request-id", id.parse().unwrap());
    request
}

async fn every_answer_has_an_id(db: Db) {
    let app = employees::app(state(db).await);
    let made = send(&app, get("/healthz")).await;
    let id = made.header("x-request-id").expect("an id").to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let again = send(&app, get("/healthz")).await;
    assert_ne!(
        again.header("x-request-id"),
        Some(id.as_str()),
        "one per request"
    );
    // A sane id of the client's is kept, on an error too.
    let kept = send(&app, with_id(get("/no/such/page"), "client-42.a_b")).await;
    assert_eq!(kept.status, StatusCode::NOT_FOUND);
    assert_eq!(kept.header("x-request-id"), Some("client-42.a_b"));
    // Others are replaced: too long, odd characters, two of them.
    for bad in ["x".repeat(129), "has space".into(), "semi;colon".into()] {
        let reply = send(&app, with_id(get("/healthz"), &bad)).await;
        let given = reply.header("x-request-id").unwrap();
        assert!(
            uuid::Uuid::parse_str(given).is_ok(),
            "{bad:?} became {given}"
        );
    }
    let twice = with_id(with_id(get("/healthz"), "one"), "two");
    let reply = send(&app, twice).await;
    assert!(uuid::Uuid::parse_str(reply.header("x-request-id").unwrap()).is_ok());
}
dual_test!(ids, every_answer_has_an_id);

/// A failure the client cannot cause (here a table gone from under the service) is a 500 whose
/// detail names the request, and nothing of the error.
async fn a_500_quotes_its_request_id(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let token = login(&app, BEHAI).await;
    employees::dispatch!(&db, pool => {
        sqlx::query("DROP TABLE audit_log").execute(pool).await.unwrap();
    });
    let reply = send(
        &app,
        with_id(with_bearer(get("/audit"), &token), "ticket-7"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.header("x-request-id"), Some("ticket-7"));
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(
        reply.json()["detail"],
        "Internal server error (request id ticket-7)"
    );
    assert!(!reply.text().contains("audit_log"));
}
dual_test!(quoted, a_500_quotes_its_request_id);

/// The binary: `/metrics` on METRICS_BIND_ADDR and not on the public port; the same address
/// for both is refused at start, naming the variable.
#[tokio::test]
async fn the_binary_serves_metrics_on_their_own_port() {
    let dir = tempfile::tempdir().unwrap();
    let port = crate::ops::binary::free_port();
    let address = format!("127.0.0.1:{port}");
    let service = Service::start(dir.path(), &[("METRICS_BIND_ADDR", &address)]).await;
    let public = reqwest::get(format!("{}/metrics", service.base))
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
    reqwest::get(format!("{}/users/me", service.base))
        .await
        .unwrap();
    let scrape = reqwest::get(format!("http://{address}/metrics"))
        .await
        .unwrap();
    assert_eq!(scrape.status(), 200);
    let text = scrape.text().await.unwrap();
    assert!(
        text.contains("http_requests_total{route=\"/users/me\",method=\"GET\",status=\"401\"} 1"),
        "{text}"
    );
    assert!(text.contains("backend=\"sqlite\""));
    service.stop();

    let clash = crate::ops::binary::command(dir.path())
        .env("BIND_ADDR", &address)
        .env("METRICS_BIND_ADDR", &address)
        .output()
        .unwrap();
    assert!(!clash.status.success());
    let said = String::from_utf8_lossy(&clash.stderr);
    assert!(
        said.contains("METRICS_BIND_ADDR must differ from BIND_ADDR"),
        "{said}"
    );
}

/// `LOG_FORMAT=json`: one JSON object a line, each line of a request with its id.
#[tokio::test]
async fn json_logs_carry_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(dir.path(), &[("LOG_FORMAT", "json")]).await;
    let client = reqwest::Client::new();
    let reply = client
        .post(format!("{}/token", service.base))
        .header("x-request-id", "json-log-1")
        .form(&[("username", BEHAI), ("password", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(reply.headers()["x-request-id"], "json-log-1");
    let logs = service.stop();
    let mut of_request = 0;
    for line in logs.lines() {
        let object: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        assert!(object["timestamp"].is_string() && object["level"].is_string());
        let spans = object["spans"].as_array().cloned().unwrap_or_default();
        if spans.iter().any(|span| span["request_id"] == "json-log-1") {
            of_request += 1;
        }
    }
    assert!(of_request >= 1, "the login's lines carry its id: {logs}");
}
