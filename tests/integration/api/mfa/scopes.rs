//! `MFA_REQUIRED_SCOPES`: a session without a second factor never holds those scopes, at login
//! or on refresh; with one, it does.

use axum::http::StatusCode;
use employees::{config::MfaPolicy, db::Db, domain::scope::Scope};

use super::*;

async fn scopes_that_need_a_second_factor(db: Db) {
    seeded(&db).await;
    let clock = employees::clock::Clock::system();
    let mfa = MfaPolicy {
        required_scopes: [Scope::Hr].into_iter().collect(),
        ..MfaPolicy::default()
    };
    let state = wired(
        &db,
        Wiring {
            clock: clock.clone(),
            mfa,
            ..wiring()
        },
    )
    .await;
    let app = employees::app(state);
    let hr = email_of(&db, HR_EMP_NO).await;

    let reply = post_token(&app, &format!("username={hr}&password=password")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    let scope = body["scope"].as_str().unwrap().to_owned();
    assert!(!scope.split(' ').any(|s| s == "hr"), "{scope}");
    assert!(scope.split(' ').any(|s| s == "me"), "{scope}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    assert!(!claims(&token)["scope"].as_str().unwrap().contains("hr"));
    // Asked for by name: still not granted without a second factor.
    let asked = post_token(
        &app,
        &format!("username={hr}&password=password&scope=me%20hr"),
    )
    .await;
    assert!(
        !asked.json()["scope"]
            .as_str()
            .unwrap_or_default()
            .contains("hr"),
        "{}",
        asked.text()
    );
    // Nor on refresh.
    let refresh = body["refresh_token"].as_str().unwrap();
    let renewed = post_token(
        &app,
        &format!("grant_type=refresh_token&refresh_token={refresh}&scope=hr"),
    )
    .await;
    assert_ne!(renewed.status, StatusCode::OK, "{}", renewed.text());

    // With TOTP on, the second step grants them.
    let (secret, _) = enrol(&app, &clock, &token).await;
    let pending = mfa_token(&app, &hr).await;
    let done = second_step(&app, &pending, &totp(&secret, clock.now())).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let scope = done.json()["scope"].as_str().unwrap().to_owned();
    assert!(scope.split(' ').any(|s| s == "hr"), "{scope}");
    let strong = done.json()["access_token"].as_str().unwrap().to_owned();
    assert!(claims(&strong)["scope"].as_str().unwrap().contains("hr"));
    let refresh = done.json()["refresh_token"].as_str().unwrap().to_owned();
    let renewed = post_token(
        &app,
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    )
    .await;
    assert!(
        renewed.json()["scope"].as_str().unwrap().contains("hr"),
        "{}",
        renewed.text()
    );
}
dual_test!(
    scopes_that_need_a_second_factor_,
    scopes_that_need_a_second_factor
);
