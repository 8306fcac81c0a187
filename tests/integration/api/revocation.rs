//! `POST /token/revoke` (RFC 7009) and `POST /token/introspect` (RFC 7662).

use axum::http::StatusCode;
use employees::{clock::Clock, db::Db};
use serde_json::json;

use crate::{
    api::refresh::{app_on, login_pair, me, refresh},
    api::users::assert_invalid_token,
    common::*,
};

async fn revoke(app: &axum::Router, body: &str) -> Reply {
    send(app, form("/token/revoke", body)).await
}

async fn revoking_either_token_ends_the_session(db: Db) {
    seeded(&db).await;
    let app = app_on(&db, &Clock::system(), session_policy()).await;

    // An access token: its session's refresh token dies too.
    let (access, refresh_token) = login_pair(&app, PRANAV, "").await;
    let reply = revoke(
        &app,
        &format!("token={access}&token_type_hint=access_token"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_invalid_token(
        &send(&app, with_bearer(get("/users/me"), &access)).await,
        "revoked",
    );
    assert_eq!(
        refresh(&app, &refresh_token, None).await.status,
        StatusCode::BAD_REQUEST
    );

    // A refresh token (as JSON, with a wrong hint): its session's access tokens die too.
    let (access, refresh_token) = login_pair(&app, PRANAV, "").await;
    let other = login_pair(&app, PRANAV, "").await;
    let body = json!({"token": refresh_token, "token_type_hint": "access_token"});
    assert_eq!(
        send(&app, json("/token/revoke", body)).await.status,
        StatusCode::OK
    );
    assert_invalid_token(
        &send(&app, with_bearer(get("/users/me"), &access)).await,
        "revoked",
    );
    // Only that session.
    assert_eq!(me(&app, &other.0).await, StatusCode::OK);

    // Unknown tokens: 200 all the same, and nothing else is touched.
    for token in ["garbage", "a.b.c", &access] {
        assert_eq!(
            revoke(&app, &format!("token={token}")).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(me(&app, &other.0).await, StatusCode::OK);
    // No token: invalid_request.
    for body in [
        "",
        "token=",
        "token_type_hint=access_token",
        "token=a&token=b",
    ] {
        let reply = revoke(&app, body).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text()
        );
        assert_eq!(reply.json()["error"], "invalid_request", "{body}");
    }
}
dual_test!(revoke_either, revoking_either_token_ends_the_session);

async fn introspect(app: &axum::Router, caller: &str, token: &str) -> Reply {
    send(
        app,
        with_bearer(form("/token/introspect", &format!("token={token}")), caller),
    )
    .await
}

async fn introspection_answers(db: Db) {
    seeded(&db).await;
    let app = app_on(&db, &Clock::system(), session_policy()).await;
    let (admin, _) = login_pair(&app, BEHAI, "").await;
    let (access, refresh_token) = login_pair(&app, PRANAV, "me").await;

    let reply = introspect(&app, &admin, &access).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["active"], true);
    assert_eq!(body["sub"], "10198");
    assert_eq!(body["scope"], "me");
    assert_eq!(body["token_type"], "access_token");
    assert!(body["exp"].as_i64().unwrap() > body["iat"].as_i64().unwrap());
    let sid = body["sid"].as_str().unwrap().to_owned();

    let body = introspect(&app, &admin, &refresh_token).await.json();
    assert_eq!(body["active"], true);
    assert_eq!(body["token_type"], "refresh_token");
    assert_eq!(body["sid"], sid.as_str(), "the same session");

    // A spent refresh token, forged or unknown tokens, and tokens of an ended session: exactly
    // {"active": false}.
    let renewed = refresh(&app, &refresh_token, None).await.json();
    let inactive = json!({"active": false});
    assert_eq!(
        introspect(&app, &admin, &refresh_token).await.json(),
        inactive
    );
    let forged = format!("{}x", &access[..access.len() - 1]);
    for token in ["garbage", forged.as_str()] {
        assert_eq!(introspect(&app, &admin, token).await.json(), inactive);
    }
    let new_refresh = renewed["refresh_token"].as_str().unwrap();
    revoke(&app, &format!("token={new_refresh}")).await;
    assert_eq!(introspect(&app, &admin, &access).await.json(), inactive);
    assert_eq!(introspect(&app, &admin, new_refresh).await.json(), inactive);

    // Only `admin` may ask; a missing token is invalid_request.
    let (employee, _) = login_pair(&app, PRANAV, "").await;
    let reply = introspect(&app, &employee, &admin).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = send(&app, form("/token/introspect", &format!("token={access}"))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = send(
        &app,
        with_bearer(form("/token/introspect", "token="), &admin),
    )
    .await;
    assert_eq!(reply.json()["error"], "invalid_request");
}
dual_test!(introspection, introspection_answers);
