//! Refresh tokens (RFC 6749 §6, RFC 9700 §4.14): rotation, replay within and after the grace,
//! scopes that only narrow, idle and absolute expiry on a clock the test moves, and two refreshes
//! with one token at once.

use std::time::Duration;

use axum::{Router, http::StatusCode};
use employees::{clock::Clock, db::Db, service::sessions::SessionPolicy};
use serde_json::Value;

use crate::{api::users::assert_invalid_token, common::*};

/// An app whose sessions run on `clock` with `policy`.
pub async fn app_on(db: &Db, clock: &Clock, policy: SessionPolicy) -> Router {
    let wiring = Wiring {
        clock: clock.clone(),
        session_policy: policy,
        ..wiring()
    };
    employees::app(wired(db, wiring).await)
}

/// Logs in; the access and refresh tokens.
pub async fn login_pair(app: &Router, email: &str, scope: &str) -> (String, String) {
    let reply = post_token(
        app,
        &format!("username={email}&password=password&scope={scope}"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"]
            .as_str()
            .expect("a refresh token")
            .to_owned(),
    )
}

pub async fn refresh(app: &Router, token: &str, scope: Option<&str>) -> Reply {
    let scope = scope.map(|s| format!("&scope={s}")).unwrap_or_default();
    post_token(
        app,
        &format!("grant_type=refresh_token&refresh_token={token}{scope}"),
    )
    .await
}

pub async fn me(app: &Router, token: &str) -> StatusCode {
    send(app, with_bearer(get("/users/me"), token)).await.status
}

fn assert_oauth(reply: &Reply, code: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(reply.json()["error"], code, "{}", reply.text());
}

fn text(body: &Value, field: &str) -> String {
    body[field].as_str().unwrap_or_default().to_owned()
}

async fn rotation_and_replay(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let app = app_on(&db, &clock, session_policy()).await;
    let (_, first) = login_pair(&app, BEHAI, "").await;

    let reply = refresh(&app, &first, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    let (access, second) = (text(&body, "access_token"), text(&body, "refresh_token"));
    assert!(!second.is_empty() && second != first, "a new refresh token");
    assert_eq!(body["scope"], "me directory hr admin");
    assert_eq!(me(&app, &access).await, StatusCode::OK);

    // Within the grace, the spent token gets an access token of the same session and no
    // refresh token; the session lives on, and the new refresh token still works.
    let reply = refresh(&app, &first, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(
        reply.json().get("refresh_token").is_none(),
        "{}",
        reply.text()
    );
    assert_eq!(
        me(&app, &text(&reply.json(), "access_token")).await,
        StatusCode::OK
    );
    let third = text(&refresh(&app, &second, None).await.json(), "refresh_token");
    assert!(!third.is_empty());

    // After the grace, a replay ends the whole session (RFC 9700 §4.14.2).
    clock.advance(11);
    assert_oauth(&refresh(&app, &first, None).await, "invalid_grant");
    assert_invalid_token(
        &send(&app, with_bearer(get("/users/me"), &access)).await,
        "replayed",
    );
    assert_oauth(&refresh(&app, &third, None).await, "invalid_grant");
    let reasons: Vec<String> = employees::dispatch!(&db, pool => {
        sqlx::query_scalar("SELECT details FROM audit_log WHERE action = 'session.revoke'")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert!(reasons[0].contains("refresh token reuse"), "{reasons:?}");
}
dual_test!(rotation, rotation_and_replay);

async fn scopes_only_narrow(db: Db) {
    seeded(&db).await;
    let app = app_on(&db, &Clock::system(), session_policy()).await;
    let (_, token) = login_pair(&app, PRANAV, "me%20directory").await;
    let reply = refresh(&app, &token, Some("me")).await;
    assert_eq!(reply.json()["scope"], "me", "{}", reply.text());
    // The session's grant stays what the login granted: the next refresh may ask for it again.
    let token = text(&reply.json(), "refresh_token");
    let reply = refresh(&app, &token, Some("me%20directory")).await;
    assert_eq!(reply.json()["scope"], "me directory", "{}", reply.text());
    let token = text(&reply.json(), "refresh_token");
    // Wider is refused, and spends nothing.
    assert_oauth(&refresh(&app, &token, Some("hr")).await, "invalid_scope");
    assert_oauth(&refresh(&app, &token, Some("bogus")).await, "invalid_scope");
    assert_eq!(refresh(&app, &token, None).await.status, StatusCode::OK);
}
dual_test!(narrow, scopes_only_narrow);

async fn malformed_refreshes(db: Db) {
    seeded(&db).await;
    let app = app_on(&db, &Clock::system(), session_policy()).await;
    let (_, token) = login_pair(&app, PRANAV, "").await;
    for body in [
        "grant_type=refresh_token".to_owned(),
        "grant_type=refresh_token&refresh_token=".to_owned(),
        format!("grant_type=refresh_token&refresh_token={token}&refresh_token={token}"),
    ] {
        assert_oauth(&post_token(&app, &body).await, "invalid_request");
    }
    assert_oauth(&refresh(&app, "not-a-token", None).await, "invalid_grant");
    // An access token is no refresh token.
    let (access, _) = login_pair(&app, PRANAV, "").await;
    assert_oauth(&refresh(&app, &access, None).await, "invalid_grant");
    // None of these spent the real one.
    assert_eq!(refresh(&app, &token, None).await.status, StatusCode::OK);
}
dual_test!(malformed, malformed_refreshes);

async fn idle_and_absolute_expiry(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let policy = SessionPolicy {
        idle: Duration::from_secs(20 * 60),
        max: Duration::from_secs(3 * 3600),
        reuse_grace: Duration::from_secs(10),
        refreshes_per_minute: 12,
        sessions_per_employee: 20,
    };
    let app = app_on(&db, &clock, policy).await;

    // Idle: 19 minutes without a refresh is fine, and each refresh starts the wait again.
    let (access, mut token) = login_pair(&app, PRANAV, "").await;
    for _ in 0..3 {
        clock.advance(19 * 60);
        let reply = refresh(&app, &token, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        token = text(&reply.json(), "refresh_token");
    }
    // 21 minutes is not; the session's access tokens die with it, though not expired yet.
    let (idle_access, idle_token) = login_pair(&app, BEHAI, "").await;
    clock.advance(21 * 60);
    assert_oauth(&refresh(&app, &idle_token, None).await, "invalid_grant");
    assert_invalid_token(
        &send(&app, with_bearer(get("/users/me"), &idle_access)).await,
        "idle",
    );
    let _ = access;

    // Absolute: refreshed every 19 minutes, the session still ends 3 hours after its login.
    let (_, mut token) = login_pair(&app, PRANAV, "").await;
    let mut lived = 0;
    loop {
        clock.advance(19 * 60);
        lived += 19;
        let reply = refresh(&app, &token, None).await;
        if reply.status != StatusCode::OK {
            assert_oauth(&reply, "invalid_grant");
            break;
        }
        token = text(&reply.json(), "refresh_token");
    }
    assert!(
        (180..180 + 19).contains(&lived),
        "ended after {lived} minutes"
    );
}
dual_test!(expiry, idle_and_absolute_expiry);

/// Two refreshes with one token at once, on two instances, many times: both callers get an
/// access token that works, and exactly one new refresh token is ever issued.
async fn two_refreshes_at_once(db: Db) {
    seeded(&db).await;
    let a = app_on(&db, &Clock::system(), session_policy()).await;
    let b = app_on(&db, &Clock::system(), session_policy()).await;
    const ROUNDS: i64 = 25;
    for round in 0..ROUNDS {
        let (_, token) = login_pair(&a, PRANAV, "").await;
        let (first, second) = (a.clone(), b.clone());
        let (one, two) = (token.clone(), token.clone());
        let replies = tokio::join!(
            tokio::spawn(async move { refresh(&first, &one, None).await }),
            tokio::spawn(async move { refresh(&second, &two, None).await }),
        );
        let replies = [replies.0.unwrap(), replies.1.unwrap()];
        let mut new_tokens = Vec::new();
        for reply in &replies {
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "round {round}: {}",
                reply.text()
            );
            assert_eq!(
                me(&b, &text(&reply.json(), "access_token")).await,
                StatusCode::OK
            );
            if let Some(new) = reply.json()["refresh_token"].as_str() {
                new_tokens.push(new.to_owned());
            }
        }
        let texts = replies.iter().map(Reply::text).collect::<Vec<_>>();
        assert_eq!(new_tokens.len(), 1, "round {round}: {texts:?}");
        assert_eq!(
            refresh(&a, &new_tokens[0], None).await.status,
            StatusCode::OK
        );
    }
    let (sessions, tokens): (i64, i64) = employees::dispatch!(&db, pool => {
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM sessions), (SELECT COUNT(*) FROM refresh_tokens)",
        )
        .fetch_one(pool)
        .await
        .unwrap()
    });
    // Rotation moves each session's generation: no token is kept as a row.
    assert_eq!((sessions, tokens), (ROUNDS, 0));
}
dual_test!(race, two_refreshes_at_once);
