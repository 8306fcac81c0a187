//! Wrong codes spend a budget of their own per employee (MFA_MAX_FAILURES_PER_MINUTE, 5 here),
//! apart from wrong passwords, reserved before each check so that parallel guesses cannot
//! outrun it; a client with the account's device cookie spends only its own, so a hostile
//! address cannot lock the owner out of the second step.

use std::net::SocketAddr;

use axum::{body::Body, extract::ConnectInfo, http::Request, http::StatusCode};
use employees::db::Db;

use super::*;
use crate::api::lockout::attempt;

fn second_step_from(mfa_token: &str, otp: &str, peer: &str, device: Option<&str>) -> Request<Body> {
    let body = serde_urlencoded::to_string([
        (
            "grant_type",
            "urn:employees:params:oauth:grant-type:mfa-otp",
        ),
        ("mfa_token", mfa_token),
        ("otp", otp),
    ])
    .unwrap();
    let mut request = form("/token", &body);
    let address: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(address));
    if let Some(device) = device {
        request
            .headers_mut()
            .insert("cookie", device.parse().unwrap());
    }
    request
}

async fn pending_from(app: &Router, peer: &str, device: Option<&str>) -> String {
    let reply = send(app, attempt(BEHAI, "password", peer, device)).await;
    assert_eq!(reply.json()["error"], "mfa_required", "{}", reply.text());
    reply.json()["mfa_token"].as_str().unwrap().to_owned()
}

async fn guesses_cannot_lock_the_owner_out(db: Db) {
    seeded(&db).await;
    let (app, clock, _) = app_with_clock(&db).await;
    let token = login(&app, BEHAI).await;
    let (secret, _) = enrol(&app, &clock, &token).await;
    // The owner signs in once from home: the answer sets the device cookie.
    let owner_peer = "198.51.100.7";
    let pending = pending_from(&app, owner_peer, None).await;
    let done = send(
        &app,
        second_step_from(&pending, &totp(&secret, clock.now()), owner_peer, None),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let device = done.set_cookie("device").expect("device cookie");
    let device = device.split(';').next().unwrap().to_owned();
    clock.advance(30);

    // Someone with the password guesses codes from elsewhere, twenty at once.
    let attacker = "203.0.113.9";
    let pending = pending_from(&app, attacker, None).await;
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (app, request) = (
            app.clone(),
            second_step_from(&pending, &format!("{:06}", 100_000 + i), attacker, None),
        );
        guesses.spawn(async move { send(&app, request).await });
    }
    let replies = guesses.join_all().await;
    let judged = replies
        .iter()
        .filter(|r| r.status == StatusCode::BAD_REQUEST)
        .count();
    let refused = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(judged <= 5, "at most the budget is judged: {judged}");
    assert_eq!(judged + refused, 20);
    assert!(
        replies
            .iter()
            .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
            .all(|r| r.header("retry-after").is_some())
    );
    // Even the right code is refused there now: the budget is spent.
    let right = totp(&secret, clock.now());
    let spent = send(&app, second_step_from(&pending, &right, attacker, None)).await;
    assert_eq!(spent.status, StatusCode::TOO_MANY_REQUESTS);
    // Wrong codes are not wrong passwords: the password step still answers.
    let still = pending_from(&app, attacker, None).await;
    assert!(!still.is_empty());

    // The owner, with the device cookie, spends only the device's budget.
    let pending = pending_from(&app, "192.0.2.50", Some(&device)).await;
    let owner = send(
        &app,
        second_step_from(&pending, &right, "192.0.2.50", Some(&device)),
    )
    .await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text());
}
dual_test!(
    guesses_cannot_lock_the_owner_out_,
    guesses_cannot_lock_the_owner_out
);
