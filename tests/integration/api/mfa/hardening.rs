//! What the review of the second factor found, each with its test: a session from before the
//! factor ends when TOTP is turned on; a session without a second factor cannot add or remove
//! factors of an employee who has one (RFC 9470's `insufficient_user_authentication`); many
//! device cookies share one wrong-code budget; `MFA_REQUIRED_SCOPES` cannot name `me`.

use std::net::SocketAddr;

use axum::{body::Body, extract::ConnectInfo, http::Request, http::StatusCode};
use clap::Parser;
use employees::db::Db;
use serde_json::json;

use super::*;
use crate::api::lockout::attempt;

async fn turning_totp_on_ends_the_other_sessions(db: Db) {
    seeded(&db).await;
    let (app, clock, _) = app_with_clock(&db).await;
    let before = login(&app, BEHAI).await; // perhaps someone else's, with a stolen password
    let token = login(&app, BEHAI).await;
    enrol(&app, &clock, &token).await;
    let old = send(&app, with_bearer(get("/users/me"), &before)).await;
    assert_eq!(
        old.status,
        StatusCode::UNAUTHORIZED,
        "the session from before ended"
    );
    let own = send(&app, with_bearer(get("/users/me"), &token)).await;
    assert_eq!(own.status, StatusCode::OK, "the enrolling session lives on");
    assert!(
        actions_about(&db, BEHAI_EMP_NO)
            .await
            .contains(&"session.revoke".to_owned())
    );
}
dual_test!(
    turning_totp_on_ends_the_other_sessions_,
    turning_totp_on_ends_the_other_sessions
);

async fn changing_factors_needs_a_second_factor(db: Db) {
    seeded(&db).await;
    let (app, clock, _) = app_with_clock(&db).await;
    let token = login(&app, BEHAI).await;
    let (secret, _) = enrol(&app, &clock, &token).await;
    // A password-only session of an employee who has a factor (one kept from before).
    let weak = session_token(&db, BEHAI_EMP_NO, "me").await;
    for (method, uri) in [
        ("POST", "/users/me/passkeys/register/start"),
        ("DELETE", "/users/me/passkeys/1"),
    ] {
        let reply = call(&app, method, uri, &weak, json!({})).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{uri}: {}",
            reply.text()
        );
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer error=\"insufficient_user_authentication\"")
        );
    }
    // A session that used the second factor may.
    let pending = mfa_token(&app, BEHAI).await;
    let strong = second_step(&app, &pending, &totp(&secret, clock.now())).await;
    let strong = strong.json()["access_token"].as_str().unwrap().to_owned();
    let reply = call(&app, "DELETE", "/users/me/passkeys/1", &strong, json!({})).await;
    assert_eq!(
        reply.status,
        StatusCode::NOT_FOUND,
        "past the guard: {}",
        reply.text()
    );
}
dual_test!(
    changing_factors_needs_a_second_factor_,
    changing_factors_needs_a_second_factor
);

fn guess(mfa_token: &str, otp: &str, device: &str) -> Request<Body> {
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
    let address: SocketAddr = "203.0.113.77:40000".parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(address));
    request
        .headers_mut()
        .insert("cookie", device.parse().unwrap());
    request
}

/// Device cookies collected while only the password was needed do not multiply the guesses.
async fn device_cookies_share_one_budget(db: Db) {
    seeded(&db).await;
    let (app, clock, _) = app_with_clock(&db).await;
    let mut devices = Vec::new();
    for _ in 0..4 {
        let reply = send(&app, attempt(BEHAI, "password", "203.0.113.77", None)).await;
        let cookie = reply.set_cookie("device").expect("a device cookie");
        devices.push(cookie.split(';').next().unwrap().to_owned());
    }
    let token = login(&app, BEHAI).await;
    enrol(&app, &clock, &token).await;
    let mut judged = 0;
    for (i, device) in devices.iter().enumerate() {
        let pending = {
            let reply = send(
                &app,
                attempt(BEHAI, "password", "203.0.113.77", Some(device)),
            )
            .await;
            reply.json()["mfa_token"].as_str().unwrap().to_owned()
        };
        for j in 0..5 {
            let reply = send(
                &app,
                guess(&pending, &format!("{:06}", 200_000 + i * 10 + j), device),
            )
            .await;
            if reply.status == StatusCode::BAD_REQUEST {
                judged += 1;
            }
        }
    }
    assert!(
        judged <= 5,
        "four device cookies, one budget: {judged} guesses judged"
    );
}
dual_test!(
    device_cookies_share_one_budget_,
    device_cookies_share_one_budget
);

#[test]
fn mfa_required_scopes_cannot_name_me() {
    let cli = employees::config::Cli::parse_from(["employees", "--mfa-required-scopes", "me hr"]);
    let error = cli.config.validate().unwrap_err();
    assert_eq!(error.var, "MFA_REQUIRED_SCOPES");
    let cli =
        employees::config::Cli::parse_from(["employees", "--mfa-required-scopes", "hr admin"]);
    // (Other variables of the test's environment may be refused; this one is not.)
    let var = cli.config.validate().err().map(|error| error.var);
    assert_ne!(var, Some("MFA_REQUIRED_SCOPES"));
}
