//! The code grant's bindings: a code works once (a second use ends the session of the first),
//! within its minute, for its client, with its verifier; a client's authentication failing is
//! `invalid_client`; housekeeping deletes codes a day later.

use axum::http::StatusCode;
use employees::{clock::Clock, db::Db};
use serde_json::json;

use super::helpers::*;
use crate::common::*;

async fn codes_are_bound_single_use_and_short_lived(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let app = employees::app(
        wired(
            &db,
            Wiring {
                clock: clock.clone(),
                ..wiring()
            },
        )
        .await,
    );
    let client = register(&app, json!({})).await;
    let other = register(&app, json!({})).await;
    let cookie = login(&app, BEHAI).await;
    let (verifier, challenge) = pkce();
    let new_code =
        || async { code_for(&app, &cookie, &authorize_uri(&client.id, &challenge, &[])).await };
    let invalid_grant = |reply: Reply, case: &str| {
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{case}: {}",
            reply.text()
        );
        assert_eq!(reply.json()["error"], "invalid_grant", "{case}");
    };
    invalid_grant(
        redeem(
            &app,
            &client,
            &new_code().await,
            "a-wrong-verifier-a-wrong-verifier-a-wrong-verifier",
        )
        .await,
        "wrong verifier",
    );
    invalid_grant(
        redeem(&app, &other, &new_code().await, &verifier).await,
        "another client",
    );
    invalid_grant(
        redeem(&app, &client, "not-a-code", &verifier).await,
        "unknown code",
    );
    let code = new_code().await;
    clock.advance(61);
    invalid_grant(redeem(&app, &client, &code, &verifier).await, "expired");
    clock.advance(-61);
    let wrong_secret = Registered {
        id: client.id.clone(),
        secret: Some("not-the-secret".into()),
    };
    let refused = redeem(&app, &wrong_secret, &new_code().await, &verifier).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.json()["error"], "invalid_client");
    assert!(
        refused
            .header("www-authenticate")
            .unwrap()
            .starts_with("Basic")
    );

    // Used twice: the second is refused and ends the session of the first's tokens.
    let code = new_code().await;
    let first = redeem(&app, &client, &code, &verifier).await;
    assert_eq!(first.status, StatusCode::OK);
    let access = first.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        send(&app, with_bearer(get("/userinfo"), &access))
            .await
            .status,
        StatusCode::OK
    );
    invalid_grant(redeem(&app, &client, &code, &verifier).await, "second use");
    assert_eq!(
        send(&app, with_bearer(get("/userinfo"), &access))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let refresh = first.json()["refresh_token"].as_str().unwrap().to_owned();
    let request = with_basic(
        form(
            "/token",
            &format!("grant_type=refresh_token&refresh_token={refresh}"),
        ),
        &client,
    );
    assert_eq!(
        send(&app, request).await.status,
        StatusCode::BAD_REQUEST,
        "its refresh token too"
    );
    // The browser's own login is untouched.
    assert_eq!(
        send(&app, with_bearer(get("/users/me"), &cookie))
            .await
            .status,
        StatusCode::OK
    );

    // Housekeeping deletes codes a day past their minute, not before.
    let housekeeping =
        employees::service::housekeeping::Housekeeping::new(db.clone(), clock.clone());
    assert_eq!(housekeeping.sweep().await.unwrap().codes, 0);
    clock.advance(24 * 3600 + 61);
    assert_eq!(
        housekeeping.sweep().await.unwrap().codes,
        5,
        "the five codes of this test"
    );
    invalid_grant(redeem(&app, &client, &code, &verifier).await, "gone");
}
dual_test!(code_bindings, codes_are_bound_single_use_and_short_lived);
