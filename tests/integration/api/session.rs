//! `POST /logout`: the session ends, for API clients and browsers, on every instance.

use axum::http::{Request, StatusCode};
use employees::db::Db;

use crate::{api::users::assert_invalid_token, common::*};

fn logout() -> Request<axum::body::Body> {
    Request::post("/logout")
        .body(axum::body::Body::empty())
        .unwrap()
}

async fn ended_count(db: &Db) -> i64 {
    employees::dispatch!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE ended_at IS NOT NULL")
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

async fn api_logout_ends_the_session(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let token = login(&app, BEHAI).await;
    let other = login(&app, BEHAI).await;
    let reply = send(&app, with_bearer(logout(), &token)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_invalid_token(
        &send(&app, with_bearer(get("/users/me"), &token)).await,
        "revoked",
    );
    assert_invalid_token(
        &send(&app, with_bearer(logout(), &token)).await,
        "logout twice",
    );
    // Only that token: another session of the same employee goes on.
    assert_eq!(
        send(&app, with_bearer(get("/users/me"), &other))
            .await
            .status,
        StatusCode::OK
    );

    // Another instance over the same database refuses it too.
    let other_instance = employees::app(state(db.clone()).await);
    assert_invalid_token(
        &send(&other_instance, with_bearer(get("/users/me"), &token)).await,
        "other instance",
    );
    assert_eq!(ended_count(&db).await, 1);
}
dual_test!(api_logout, api_logout_ends_the_session);

async fn browser_logout_clears_the_cookie(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let token = login(&app, PRANAV).await;
    let reply = send(&app, with_cookie(logout(), &token)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), Some("/login"));
    for name in ["access_token", "refresh_token"] {
        let cleared = reply.set_cookie(name).expect("cookie cleared");
        assert!(cleared.starts_with(&format!("{name}=;")), "{cleared}");
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
    }
    // The browser that kept the old cookie is logged out.
    let home = send(&app, with_cookie(get("/"), &token)).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.header("location"), Some("/login"));
    assert_invalid_token(
        &send(&app, with_cookie(get("/users/me"), &token)).await,
        "revoked cookie",
    );
}
dual_test!(browser_logout, browser_logout_clears_the_cookie);

async fn bad_tokens_revoke_nothing(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let reply = send(&app, logout()).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    assert_invalid_token(
        &send(&app, with_bearer(logout(), "not.a.token")).await,
        "bad bearer",
    );
    let reply = send(&app, with_cookie(logout(), "not.a.token")).await;
    assert_invalid_token(&reply, "bad cookie");
    assert!(
        reply
            .header("set-cookie")
            .is_some_and(|c| c.contains("Max-Age=0")),
        "a stale cookie is dropped"
    );
    assert_eq!(ended_count(&db).await, 0);
}
dual_test!(bad_logout, bad_tokens_revoke_nothing);
