//! RP-Initiated Logout: the hint's session ends and the browser goes back to a registered URI
//! with its `state`; a hint signed by a retired key still counts; an unregistered URI gets the
//! error page.

use axum::http::StatusCode;
use employees::{clock::Clock, db::Db};
use serde_json::json;

use super::helpers::*;
use crate::common::*;

async fn logout_ends_the_session_and_goes_back(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let state = wired(
        &db,
        Wiring {
            clock: clock.clone(),
            ..wiring()
        },
    )
    .await;
    let app = employees::app(state.clone());
    let client = register(&app, json!({})).await;
    let cookie = login(&app, BEHAI).await;
    let (verifier, challenge) = pkce();
    let sign_in = || async {
        let code = code_for(&app, &cookie, &authorize_uri(&client.id, &challenge, &[])).await;
        let body = redeem(&app, &client, &code, &verifier).await.json();
        (
            body["access_token"].as_str().unwrap().to_owned(),
            body["id_token"].as_str().unwrap().to_owned(),
        )
    };
    let (access, id_token) = sign_in().await;

    // Without a hint, nothing proves an application asked: the employee is asked, nothing ends.
    let asked = browse(
        &app,
        &format!("/logout?post_logout_redirect_uri={LOGGED_OUT}"),
        Some(&cookie),
    )
    .await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.header("location").is_none());
    assert!(
        asked
            .text()
            .contains(r#"<form method="post" action="/logout">"#),
        "{}",
        asked.text()
    );
    assert_eq!(
        send(&app, with_bearer(get("/users/me"), &cookie))
            .await
            .status,
        StatusCode::OK
    );

    let evil = format!(
        "/logout?{}",
        serde_urlencoded::to_string([
            ("id_token_hint", id_token.as_str()),
            ("post_logout_redirect_uri", "https://evil.example/"),
        ])
        .unwrap()
    );
    let refused = browse(&app, &evil, Some(&cookie)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.header("location").is_none());
    let forged = browse(&app, "/logout?id_token_hint=a.b.c", Some(&cookie)).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        send(&app, with_bearer(get("/userinfo"), &access))
            .await
            .status,
        StatusCode::OK,
        "nothing ended"
    );

    // After a rotation, the hint's key is retired: still honoured.
    let admin = login(&app, BEHAI).await;
    assert_eq!(
        send(&app, with_bearer(form("/admin/keys/rotate", ""), &admin))
            .await
            .status,
        StatusCode::OK
    );
    clock.advance(301);
    let (_, newer) = sign_in().await;
    assert_ne!(
        jsonwebtoken::decode_header(&newer).unwrap().kid,
        jsonwebtoken::decode_header(&id_token).unwrap().kid
    );
    let uri = format!(
        "/logout?{}",
        serde_urlencoded::to_string([
            ("id_token_hint", id_token.as_str()),
            ("post_logout_redirect_uri", LOGGED_OUT),
            ("state", "bye1"),
        ])
        .unwrap()
    );
    let reply = browse(&app, &uri, Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    assert_eq!(
        reply.header("location"),
        Some(format!("{LOGGED_OUT}?state=bye1").as_str())
    );
    assert_eq!(
        send(&app, with_bearer(get("/userinfo"), &access))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        send(&app, with_bearer(get("/users/me"), &cookie))
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "the browser's own session ended too"
    );
}
dual_test!(rp_logout, logout_ends_the_session_and_goes_back);
