//! Nothing secret leaves the service: no hash in any response, no password or token in the logs.

use std::sync::{Arc, Mutex};

use axum::http::{Request, StatusCode};
use employees::{db::Db, seeding::DefaultPassword, telemetry::LogFormat};

use crate::common::*;

const PASSWORD: &str = "Zebra-Quartz-91";

async fn seed_with_distinct_password(db: &Db) {
    let password = DefaultPassword {
        password: PASSWORD.into(),
        cost: TEST_COST,
    };
    employees::seeding::load_seed(db, &password, 1_000)
        .await
        .unwrap();
}

async fn stored_hash(db: &Db) -> String {
    employees::dispatch!(db, pool => {
        sqlx::query_scalar("SELECT password FROM employees WHERE emp_no = 500222").fetch_one(pool).await.unwrap()
    })
}

/// Drives every endpoint, successes and failures, and returns all response bodies and headers.
async fn exercise(app: &axum::Router) -> (String, String) {
    let good = format!("username={BEHAI}&password={PASSWORD}");
    let reply = send(app, form("/token", &good)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    let requests: Vec<Request<axum::body::Body>> = vec![
        form(
            "/token",
            &format!("username={BEHAI}&password=wrong-{PASSWORD}"),
        ),
        form("/token", "username=nobody@example.com&password=x"),
        browser_form("/token", &good),
        browser_form(
            "/token",
            &format!("username={BEHAI}&password=wrong-{PASSWORD}"),
        ),
        json(
            "/token",
            serde_json::json!({"username": BEHAI, "password": PASSWORD}),
        ),
        with_bearer(get("/users/me"), &token),
        with_cookie(get("/"), &token),
        get("/login"),
        get("/openapi.json"),
        get("/healthz"),
        get("/readyz"),
        with_bearer(get("/users/me"), "bad"),
        with_bearer(
            Request::post("/logout")
                .body(axum::body::Body::empty())
                .unwrap(),
            &token,
        ),
        with_bearer(get("/users/me"), &token),
    ];
    let mut bodies = String::new();
    let mut headers = String::new();
    for request in requests {
        let reply = send(app, request).await;
        assert!(reply.status.as_u16() < 500, "{}", reply.text());
        bodies.push_str(&reply.text());
        headers.push_str(&format!("{:?}", reply.headers));
    }
    (bodies, headers.replace(&token, ""))
}

async fn no_response_contains_a_hash(db: Db) {
    seed_with_distinct_password(&db).await;
    let hash = stored_hash(&db).await;
    let app = employees::app(state(db).await);
    let (bodies, headers) = exercise(&app).await;
    assert!(!bodies.contains(&hash) && !headers.contains(&hash));
    assert!(!bodies.contains("$2b$") && !bodies.contains("$2y$") && !bodies.contains("$2a$"));
    assert!(
        !bodies.contains(PASSWORD),
        "no response echoes the password"
    );
}
dual_test!(no_hash_in_responses, no_response_contains_a_hash);

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The binary's own subscriber, in either format, at every level.
async fn logs_hold_no_secret(db: Db, format: LogFormat) {
    seed_with_distinct_password(&db).await;
    let hash = stored_hash(&db).await;
    let captured = Captured::default();
    let writer = captured.clone();
    let filter = tracing_subscriber::EnvFilter::new("trace");
    let subscriber =
        employees::telemetry::subscriber(format, filter, move || writer.clone(), false);
    let guard = tracing::subscriber::set_default(subscriber);
    // Parallel tests register callsites under other dispatchers; recompute who listens.
    tracing::callsite::rebuild_interest_cache();
    let app = employees::app(state(db.clone()).await);
    let good = format!("username={BEHAI}&password={PASSWORD}");
    let login = send(&app, form("/token", &good)).await.json();
    let token = login["access_token"].as_str().unwrap().to_owned();
    let first_refresh = login["refresh_token"].as_str().unwrap().to_owned();
    let traced = with_bearer(get("/users/me"), &token);
    let mut traced = traced;
    traced
        .headers_mut()
        .insert("x-request-id", "traced-request-1".parse().unwrap());
    send(&app, traced).await;
    // Sessions: a refresh, a replay, an introspection, a revocation, a password change.
    let body = format!("grant_type=refresh_token&refresh_token={first_refresh}");
    let renewed = send(&app, form("/token", &body)).await.json();
    let second_refresh = renewed["refresh_token"].as_str().unwrap().to_owned();
    send(&app, form("/token", &body)).await;
    let introspect = form("/token/introspect", &format!("token={second_refresh}"));
    send(&app, with_bearer(introspect, &token)).await;
    let change =
        serde_json::json!({"current_password": PASSWORD, "new_password": "Renewed-Secret-42"});
    let reply = send(
        &app,
        with_bearer(json("/users/me/password", change), &token),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    send(
        &app,
        form("/token/revoke", &format!("token={second_refresh}")),
    )
    .await;
    post_token(&app, &format!("username={BEHAI}&password=wrong-{PASSWORD}")).await;
    // Credentials in the URL: refused, and the URL's query is never logged.
    let in_url =
        format!("/token?username={BEHAI}&password={PASSWORD}&client_secret=Sekrit-{PASSWORD}");
    let reply = send(&app, form(&in_url, &good)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"], "invalid_request");
    assert!(
        reply.json()["error_description"]
            .as_str()
            .unwrap()
            .contains("body")
    );
    send(&app, get(&format!("/users/me?access_token={token}"))).await;
    // An unknown path is logged as "unmatched", not as what the client wrote (here, a token).
    let reply = send(&app, get(&format!("/users/me/{token}"))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    send(
        &app,
        with_bearer(
            Request::post("/logout")
                .body(axum::body::Body::empty())
                .unwrap(),
            &token,
        ),
    )
    .await;
    // Recovery by email: the request, a sender's pass (files), the link's page and its post.
    let reply = send(
        &app,
        json("/password-reset", serde_json::json!({"email": PRANAV})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let body: String = employees::dispatch!(&db, pool => {
        sqlx::query_scalar("SELECT body FROM mail_outbox ORDER BY id DESC LIMIT 1")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    let reset_token = crate::api::password_reset::token_in(&body);
    let mail_dir = tempfile::tempdir().unwrap();
    let mailer = employees::service::mail::Mailer::new(&employees::config::MailTarget::Files(
        mail_dir.path().to_owned(),
    ))
    .unwrap();
    let sender = employees::service::mail::Sender::new(
        db.clone(),
        employees::clock::Clock::system(),
        mailer,
        "Employees <no-reply@example.com>".parse().unwrap(),
        std::sync::Arc::new(tokio::sync::Notify::new()),
    );
    assert_eq!(sender.deliver_due().await.unwrap().sent, 1);
    let link = format!("/password-reset/{reset_token}");
    send(&app, get(&link)).await;
    let numeric = serde_json::json!({"new_password": 9_876_543_210_u64});
    assert_eq!(
        send(&app, json(&link, numeric)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let new = serde_json::json!({"new_password": "Recovered-Secret-7"});
    assert_eq!(
        send(&app, json(&link, new)).await.status,
        StatusCode::NO_CONTENT
    );
    drop(guard);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // A thread-local subscriber can miss events whose callsites parallel tests cached first
    // (tracing's interest cache), so only the request spans are required here; the binary-level
    // test in instances.rs checks the service's own events in a process of its own.
    let route = |r: &str| match format {
        LogFormat::Text => format!("route=\"{r}\""),
        LogFormat::Json => format!("\"route\":\"{r}\""),
    };
    assert!(
        logs.contains(&route("/token")) && logs.contains(&route("/token/revoke")),
        "the capture works: {logs}"
    );
    // The request's id is on its lines.
    assert!(logs.contains("traced-request-1"), "{logs}");
    if format == LogFormat::Json {
        for line in logs.lines() {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|_| panic!("one JSON object a line: {line}"));
        }
    }
    assert!(!logs.contains(PASSWORD), "password in logs");
    assert!(!logs.contains("Sekrit-"), "client secret in logs");
    assert!(!logs.contains(&token), "token in logs");
    let signature = token.rsplit('.').next().unwrap();
    assert!(!logs.contains(signature), "token signature in logs");
    assert!(!logs.contains(&hash), "hash in logs");
    for refresh in [&first_refresh, &second_refresh] {
        assert!(!logs.contains(refresh.as_str()), "refresh token in logs");
    }
    assert!(!logs.contains("Renewed-Secret"), "new password in logs");
    assert!(!logs.contains(&reset_token), "reset token in logs");
    assert!(!logs.contains("Recovered-Secret"), "reset password in logs");
    assert!(
        !logs.contains("9876543210"),
        "a password sent as a number in logs"
    );
}
async fn text_logs_hold_no_secret(db: Db) {
    logs_hold_no_secret(db, LogFormat::Text).await;
}
dual_test!(no_secret_in_text_logs, text_logs_hold_no_secret);

async fn json_logs_hold_no_secret(db: Db) {
    logs_hold_no_secret(db, LogFormat::Json).await;
}
dual_test!(no_secret_in_json_logs, json_logs_hold_no_secret);
