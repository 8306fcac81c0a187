//! `GET /users/me/sessions`, `DELETE /users/me/sessions/{sid}` and `POST /users/me/password`.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use employees::{clock::Clock, db::Db};
use serde_json::json;

use crate::{
    api::refresh::{app_on, login_pair, me, refresh},
    api::users::assert_invalid_token,
    common::*,
};

fn delete(uri: &str) -> Request<Body> {
    Request::delete(uri).body(Body::empty()).unwrap()
}

async fn list(app: &axum::Router, token: &str) -> Vec<serde_json::Value> {
    let reply = send(app, with_bearer(get("/users/me/sessions"), token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json().as_array().unwrap().clone()
}

async fn listing_and_ending_sessions(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let app = app_on(&db, &clock, session_policy()).await;
    let (first, first_refresh) = login_pair(&app, PRANAV, "").await;
    clock.advance(5);
    let mut request = form("/token", &format!("username={PRANAV}&password=password"));
    request
        .headers_mut()
        .insert("user-agent", "tab-b".parse().unwrap());
    let second = send(&app, request).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let sessions = list(&app, &second).await;
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[0]["current"], true, "newest first: {sessions:?}");
    assert_eq!(sessions[0]["user_agent"], "tab-b");
    assert_eq!(sessions[1]["current"], false);
    for field in [
        "sid",
        "started_at",
        "last_used_at",
        "ip",
        "user_agent",
        "current",
    ] {
        assert!(sessions[1].get(field).is_some(), "{field}: {sessions:?}");
    }
    assert!(sessions[1]["started_at"].as_str().unwrap().ends_with('Z'));

    // End the first from the second: its tokens stop working at once.
    let sid = sessions[1]["sid"].as_str().unwrap();
    let path = format!("/users/me/sessions/{sid}");
    let reply = send(&app, with_bearer(delete(&path), &second)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    assert_invalid_token(
        &send(&app, with_bearer(get("/users/me"), &first)).await,
        "ended",
    );
    assert_eq!(
        refresh(&app, &first_refresh, None).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(list(&app, &second).await.len(), 1);
    // Again, unknown, or another employee's: 404, and that one lives on.
    let (other, _) = login_pair(&app, BEHAI, "").await;
    let other_sid = list(&app, &other).await[0]["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        path,
        "/users/me/sessions/nope".to_owned(),
        format!("/users/me/sessions/{other_sid}"),
    ] {
        let reply = send(&app, with_bearer(delete(&path), &second)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(me(&app, &other).await, StatusCode::OK);
}
dual_test!(listing, listing_and_ending_sessions);

fn change(token: &str, current: &str, new: &str) -> Request<Body> {
    let body = json!({"current_password": current, "new_password": new});
    with_bearer(json("/users/me/password", body), token)
}

async fn stored_hash(db: &Db) -> String {
    employees::dispatch!(db, pool => {
        sqlx::query_scalar("SELECT password FROM employees WHERE emp_no = 10198")
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

async fn a_password_change_ends_the_other_sessions(db: Db) {
    seeded(&db).await;
    let app = app_on(&db, &Clock::system(), session_policy()).await;
    let (mine, my_refresh) = login_pair(&app, PRANAV, "").await;
    let (elsewhere, elsewhere_refresh) = login_pair(&app, PRANAV, "").await;
    let before = stored_hash(&db).await;

    // A short new password, missing fields: 422 naming them; nothing changed.
    let reply = send(&app, change(&mine, "password", "short")).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["errors"][0]["field"], "new_password");
    let body = json!({});
    let reply = send(&app, with_bearer(json("/users/me/password", body), &mine)).await;
    assert_eq!(
        reply.json()["errors"].as_array().unwrap().len(),
        2,
        "{}",
        reply.text()
    );
    // A wrong current password: 400 with a detail.
    let reply = send(&app, change(&mine, "wrong-password", "a-new-password")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.json()["detail"].is_string());
    assert_eq!(stored_hash(&db).await, before);
    assert_eq!(me(&app, &elsewhere).await, StatusCode::OK);

    let reply = send(&app, change(&mine, "password", "a-new-password")).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    // Re-hashed at the configured cost; this session lives on, the other one is over.
    assert!(
        stored_hash(&db)
            .await
            .starts_with(&format!("$2b$0{TEST_COST}$"))
    );
    assert_eq!(me(&app, &mine).await, StatusCode::OK);
    assert_eq!(
        refresh(&app, &my_refresh, None).await.status,
        StatusCode::OK
    );
    assert_invalid_token(
        &send(&app, with_bearer(get("/users/me"), &elsewhere)).await,
        "other",
    );
    assert_eq!(
        refresh(&app, &elsewhere_refresh, None).await.status,
        StatusCode::BAD_REQUEST
    );
    // The old password is gone, the new one logs in.
    let old = post_token(&app, &format!("username={PRANAV}&password=password")).await;
    assert_eq!(old.status, StatusCode::BAD_REQUEST);
    let new = post_token(&app, &format!("username={PRANAV}&password=a-new-password")).await;
    assert_eq!(new.status, StatusCode::OK);
}
dual_test!(password_change, a_password_change_ends_the_other_sessions);

/// Wrong current passwords spend the account's failed-login budget, like wrong logins.
async fn wrong_current_passwords_count_as_failed_logins(db: Db) {
    seeded(&db).await;
    let app = employees::app(state_failing_at(&db, 2).await);
    let token = login(&app, PRANAV).await;
    for _ in 0..2 {
        let reply = send(&app, change(&token, "wrong-password", "a-new-password")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
    let reply = send(&app, change(&token, "password", "a-new-password")).await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.text()
    );
    assert!(reply.header("retry-after").is_some());
    let login = post_token(&app, &format!("username={PRANAV}&password=password")).await;
    assert_eq!(
        login.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the same budget"
    );
}
dual_test!(
    password_budget,
    wrong_current_passwords_count_as_failed_logins
);
