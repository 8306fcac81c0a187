//! Recovery by email: the request that tells nothing (the same answer and the same statements
//! for a known, an unknown and a former employee's email), the outbox written with it, the
//! link that works once and only in time, the password rule, every session ended, the audit
//! entry, and the limits per email and per address.

use std::{net::SocketAddr, num::NonZeroU32};

use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode},
};
use employees::{clock::Clock, config::RecoveryPolicy, db::Db, dispatch};
use serde_json::json;

use crate::{
    api::hidden::{PROBE, seen},
    common::*,
};

/// Not anyone's email.
const NOBODY: &str = "nobody.at.all@example.com";
pub const PRANAV_EMP_NO: i32 = 10198;

pub fn ask(email: &str) -> Request<Body> {
    json("/password-reset", json!({ "email": email }))
}

fn ask_from(email: &str, peer: &str) -> Request<Body> {
    let mut request = ask(email);
    let address: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(address));
    request
}

pub async fn count(db: &Db, sql: &str) -> i64 {
    dispatch!(db, pool => {
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(pool).await.unwrap()
    })
}

/// The bodies of the queued messages to `recipient`, oldest first.
pub async fn bodies_to(db: &Db, recipient: &str) -> Vec<String> {
    dispatch!(db, pool => {
        sqlx::query_scalar("SELECT body FROM mail_outbox WHERE recipient = ? ORDER BY id")
            .bind(recipient)
            .fetch_all(pool)
            .await
            .unwrap()
    })
}

/// The token of the link in a message.
pub fn token_in(body: &str) -> String {
    let (_, rest) = body.split_once("/password-reset/").expect("a link");
    rest.split_whitespace().next().unwrap().to_owned()
}

/// Asks for a link for `email` and returns the token of the message it queued.
pub async fn link_for(app: &Router, db: &Db, email: &str) -> String {
    let reply = send(app, ask(email)).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let bodies = bodies_to(db, email).await;
    token_in(bodies.last().expect("a message was queued"))
}

fn set(token: &str, password: &str) -> Request<Body> {
    json(
        &format!("/password-reset/{token}"),
        json!({ "new_password": password }),
    )
}

fn browser_get(uri: &str) -> Request<Body> {
    let mut request = get(uri);
    request
        .headers_mut()
        .insert("accept", "text/html".parse().unwrap());
    request
}

async fn answers_alike_whatever_the_email(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let former = email_of(&db, FORMER_EMP_NO).await;
    let mut answers = Vec::new();
    for email in [PRANAV, NOBODY, former.as_str()] {
        let reply = send(&app, ask(email)).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{email}");
        answers.push((
            reply.body.clone(),
            reply.header("content-type").map(str::to_owned),
        ));
    }
    assert!(
        answers.iter().all(|answer| *answer == answers[0]),
        "{answers:?}"
    );
    // A message and a token for the active employee only, written with the request.
    assert_eq!(bodies_to(&db, PRANAV).await.len(), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_outbox").await, 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM password_resets").await, 1);
    let body = &bodies_to(&db, PRANAV).await[0];
    let token = token_in(body);
    assert!(
        body.contains(&format!("{ISSUER}/password-reset/{token}")),
        "{body}"
    );
    // Stored hashed: the token itself is nowhere in the tokens' table.
    let stored = count(
        &db,
        &format!("SELECT COUNT(*) FROM password_resets WHERE token_hash = '{token}'"),
    )
    .await;
    assert_eq!(stored, 0);
    // A form does the same; a missing or malformed email is 422.
    let reply = send(&app, form("/password-reset", &format!("email={NOBODY}"))).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    assert_eq!(reply.body, answers[0].0);
    for bad in [
        json!({}),
        json!({"email": "not-an-email"}),
        json!({"email": 12}),
    ] {
        let reply = send(&app, json("/password-reset", bad.clone())).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let mut plain = form("/password-reset", "email=a@b.co");
    plain
        .headers_mut()
        .insert("content-type", "text/plain".parse().unwrap());
    assert_eq!(
        send(&app, plain).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
}
dual_test!(same_answer, answers_alike_whatever_the_email);

/// The statements a reset request ran (their text; pool set-up left out).
async fn statements(app: &Router, email: &str, id: &str) -> Vec<String> {
    let seen = seen();
    tracing::callsite::rebuild_interest_cache();
    let request_id = format!("{PROBE}reset-{id}");
    let mut request = ask(email);
    request
        .headers_mut()
        .insert("x-request-id", request_id.parse().unwrap());
    let reply = send(app, request).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let ran = seen.lock().unwrap().remove(&request_id).unwrap_or_default();
    ran.into_iter()
        .map(|(sql, _)| sql)
        .filter(|sql| !(sql.starts_with("SET ") || sql.starts_with("PRAGMA ")))
        .collect()
}

/// The same cost, checked as the hidden-employee test checks it: structurally, by the
/// statements run (the same, in the same order, writes included), not by a stopwatch.
async fn known_and_unknown_emails_run_the_same_statements(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let backend = db.backend_name();
    let former = email_of(&db, FORMER_EMP_NO).await;
    // Each email's budget bucket is new on its first request: compare first requests.
    let known = statements(&app, PRANAV, &format!("{backend}-known")).await;
    let unknown = statements(&app, NOBODY, &format!("{backend}-unknown")).await;
    let inactive = statements(&app, &former, &format!("{backend}-former")).await;
    assert!(
        known
            .iter()
            .any(|sql| sql.contains("INSERT INTO mail_outbox")),
        "the capture sees the writes: {known:?}"
    );
    assert_eq!(
        unknown, known,
        "an unknown email runs what a known one does"
    );
    assert_eq!(inactive, known, "so does a former employee's");
    assert_eq!(bodies_to(&db, PRANAV).await.len(), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM mail_outbox").await, 1);
}
dual_test!(
    same_statements,
    known_and_unknown_emails_run_the_same_statements
);

async fn a_link_works_once(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let token = link_for(&app, &db, PRANAV).await;
    let page = send(&app, browser_get(&format!("/password-reset/{token}"))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("name=\"new_password\""),
        "{}",
        page.text()
    );
    // The password rule: 8 to 72 bytes; a refused one does not spend the link.
    for bad in ["short", &"x".repeat(73)] {
        let reply = send(&app, set(&token, bad)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.json()["errors"][0]["field"], "new_password");
    }
    let reply = send(&app, json(&format!("/password-reset/{token}"), json!({}))).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let reply = send(&app, set(&token, "a-new-long-password")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    // The new password logs in, the old one no more.
    let new = post_token(
        &app,
        &format!("username={PRANAV}&password=a-new-long-password"),
    )
    .await;
    assert_eq!(new.status, StatusCode::OK);
    let old = post_token(&app, &format!("username={PRANAV}&password=password")).await;
    assert_eq!(old.status, StatusCode::BAD_REQUEST);
    // Once only, and the refusal says why.
    let again = send(&app, set(&token, "another-long-password")).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(
        again.json()["detail"]
            .as_str()
            .unwrap()
            .contains("used already")
    );
    let page = send(&app, browser_get(&format!("/password-reset/{token}"))).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.text().contains("used already"));
    // Unknown: well-shaped or not.
    for unknown in ["nonsense", &"A".repeat(43)] {
        let reply = send(&app, set(unknown, "a-new-long-password")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert!(reply.json()["detail"].as_str().unwrap().contains("unknown"));
    }
}
dual_test!(single_use, a_link_works_once);

async fn a_link_expires(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let wiring = Wiring {
        clock: clock.clone(),
        ..wiring()
    };
    let app = employees::app(wired(&db, wiring).await);
    let token = link_for(&app, &db, PRANAV).await;
    clock.advance(29 * 60);
    let page = send(&app, browser_get(&format!("/password-reset/{token}"))).await;
    assert_eq!(page.status, StatusCode::OK, "still in time");
    clock.advance(60);
    let reply = send(&app, set(&token, "a-new-long-password")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json()["detail"].as_str().unwrap().contains("expired"));
    let login = post_token(&app, &format!("username={PRANAV}&password=password")).await;
    assert_eq!(login.status, StatusCode::OK, "the password is unchanged");
}
dual_test!(expiry, a_link_expires);

async fn a_reset_ends_every_session_and_is_audited(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let login = post_token(&app, &format!("username={PRANAV}&password=password")).await;
    let (access, refresh) = (
        login.json()["access_token"].as_str().unwrap().to_owned(),
        login.json()["refresh_token"].as_str().unwrap().to_owned(),
    );
    let other = login_token(&app, PRANAV).await;
    assert_eq!(
        send(&app, with_bearer(get("/users/me"), &access))
            .await
            .status,
        StatusCode::OK
    );
    // Two links: the reset spends the other one too.
    let first = link_for(&app, &db, PRANAV).await;
    let second = link_for(&app, &db, PRANAV).await;
    let reply = send(&app, set(&second, "a-new-long-password")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    for token in [&access, &other] {
        let me = send(&app, with_bearer(get("/users/me"), token)).await;
        assert_eq!(
            me.status,
            StatusCode::UNAUTHORIZED,
            "the access token is refused"
        );
    }
    let renewed = post_token(
        &app,
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    )
    .await;
    assert_eq!(
        renewed.status,
        StatusCode::BAD_REQUEST,
        "the refresh token is refused"
    );
    let live = count(
        &db,
        &format!("SELECT COUNT(*) FROM sessions WHERE emp_no = {PRANAV_EMP_NO} AND live_until > 0"),
    )
    .await;
    assert_eq!(live, 0);
    let older = send(&app, set(&first, "yet-another-password")).await;
    assert_eq!(older.status, StatusCode::BAD_REQUEST);
    let audited = count(
        &db,
        &format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'password.reset' \
             AND emp_no = {PRANAV_EMP_NO} AND actor = {PRANAV_EMP_NO}"
        ),
    )
    .await;
    assert_eq!(audited, 1);
}
dual_test!(sessions_end, a_reset_ends_every_session_and_is_audited);

/// Logs in and returns the access token.
async fn login_token(app: &Router, email: &str) -> String {
    login(app, email).await
}

async fn limits_per_email_and_per_address(db: Db) {
    seeded(&db).await;
    let policy = RecoveryPolicy {
        per_email_per_hour: NonZeroU32::new(2).unwrap(),
        per_address_per_hour: NonZeroU32::new(4).unwrap(),
        ..RecoveryPolicy::default()
    };
    let clock = Clock::system();
    let wiring = Wiring {
        recovery: policy,
        clock: clock.clone(),
        ..wiring()
    };
    let app = employees::app(wired(&db, wiring).await);
    // Per email: the same answer past the limit, and no more messages; from any address.
    let mut answers = Vec::new();
    for peer in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
        let reply = send(&app, ask_from(PRANAV, peer)).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED);
        answers.push(reply.body);
    }
    assert!(answers.iter().all(|answer| *answer == answers[0]));
    assert_eq!(bodies_to(&db, PRANAV).await.len(), 2);
    // Per address: 429 past the limit, with Retry-After; other addresses go on.
    for email in [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
    ] {
        let reply = send(&app, ask_from(email, "198.51.100.7")).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{email}");
    }
    let refused = send(&app, ask_from("e@example.com", "198.51.100.7")).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    let elsewhere = send(&app, ask_from("e@example.com", "198.51.100.8")).await;
    assert_eq!(elsewhere.status, StatusCode::ACCEPTED);
    // The budgets refill over the hour.
    clock.advance(3600);
    assert_eq!(
        send(&app, ask_from("e@example.com", "198.51.100.7"))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    send(&app, ask_from(PRANAV, "192.0.2.9")).await;
    assert_eq!(bodies_to(&db, PRANAV).await.len(), 3);
}
dual_test!(limits, limits_per_email_and_per_address);

async fn the_endpoints_are_documented(db: Db) {
    let app = employees::app(state(db).await);
    let doc = send(&app, get("/openapi.json")).await.json();
    for (path, method, statuses) in [
        (
            "/password-reset",
            "post",
            &["202", "415", "422", "429", "503"][..],
        ),
        ("/password-reset", "get", &["200"][..]),
        (
            "/password-reset/{token}",
            "post",
            &["204", "400", "415", "422", "503"][..],
        ),
        ("/password-reset/{token}", "get", &["200", "400", "503"][..]),
    ] {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} documented");
        for status in statuses {
            assert!(
                operation["responses"][status].is_object(),
                "{method} {path} documents {status}"
            );
        }
    }
    let body = &doc["paths"]["/password-reset"]["post"]["requestBody"]["content"];
    assert!(body["application/x-www-form-urlencoded"].is_object());
    assert!(body["application/json"].is_object());
}
dual_test!(documented, the_endpoints_are_documented);
