//! The second factor (issue 26): TOTP enrolment, the login's second step on every path, recovery
//! codes, the wrong-code budget and `MFA_REQUIRED_SCOPES`. Codes are made here by an RFC 6238
//! implementation of the test's own (HMAC-SHA-1 over the base32 secret), not by the service's
//! crate, at times the test controls (the service's clock is moved, never slept on).

pub mod browser;
pub mod enrol;
pub mod hardening;
pub mod limits;
pub mod login;
pub mod scopes;

use axum::{Router, http::StatusCode};
use employees::{clock::Clock, db::Db, state::AppState};
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

use crate::common::*;

/// RFC 6238 (SHA-1, 6 digits, 30-second steps) at unix time `at`.
pub fn totp(secret_base32: &str, at: i64) -> String {
    let key = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, secret_base32)
        .expect("a base32 secret");
    let counter = (at / 30) as u64;
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = (digest[19] & 0x0f) as usize;
    let binary = u32::from_be_bytes(digest[offset..offset + 4].try_into().unwrap()) & 0x7fff_ffff;
    format!("{:06}", binary % 1_000_000)
}

#[test]
fn the_tests_totp_meets_rfc_6238() {
    // Appendix B, SHA-1: the secret "12345678901234567890".
    let secret = base32::encode(
        base32::Alphabet::Rfc4648 { padding: false },
        b"12345678901234567890",
    );
    assert_eq!(totp(&secret, 59), "287082");
    assert_eq!(totp(&secret, 1_111_111_109), "081804");
    assert_eq!(totp(&secret, 20_000_000_000), "353130");
}

/// The state with a clock the test moves, and its router.
pub async fn app_with_clock(db: &Db) -> (Router, Clock, AppState) {
    let clock = Clock::system();
    let state = wired(
        db,
        Wiring {
            clock: clock.clone(),
            ..wiring()
        },
    )
    .await;
    (employees::app(state.clone()), clock, state)
}

pub fn claims(token: &str) -> Value {
    jsonwebtoken::dangerous::insecure_decode::<Value>(token)
        .expect("a JWT")
        .claims
}

/// Be Hai Nguyen (`BEHAI`).
pub const BEHAI_EMP_NO: i32 = 500222;

/// An authenticated JSON request.
pub async fn call(app: &Router, method: &str, uri: &str, token: &str, body: Value) -> Reply {
    let mut request = json(uri, body);
    *request.method_mut() = method.parse().unwrap();
    send(app, with_bearer(request, token)).await
}

/// Turns TOTP on for the token's employee: its secret and recovery codes. The clock moves on a
/// step afterwards, so that the next code of the test is a new step.
pub async fn enrol(app: &Router, clock: &Clock, token: &str) -> (String, Vec<String>) {
    let begun = call(app, "POST", "/users/me/mfa/totp", token, json!({})).await;
    assert_eq!(begun.status, StatusCode::OK, "{}", begun.text());
    let secret = begun.json()["secret"].as_str().unwrap().to_owned();
    let code = totp(&secret, clock.now());
    let confirmed = call(
        app,
        "POST",
        "/users/me/mfa/totp/confirm",
        token,
        json!({"code": code}),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    let codes = confirmed.json()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    clock.advance(30);
    (secret, codes)
}

/// The password step of a login with a second factor: its `mfa_token`.
pub async fn mfa_token(app: &Router, email: &str) -> String {
    let reply = post_token(app, &format!("username={email}&password=password")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["error"], "mfa_required", "{body}");
    assert!(body.get("access_token").is_none());
    body["mfa_token"].as_str().expect("mfa_token").to_owned()
}

/// The `mfa-otp` grant.
pub async fn second_step(app: &Router, mfa_token: &str, otp: &str) -> Reply {
    let body = serde_urlencoded::to_string([
        (
            "grant_type",
            "urn:employees:params:oauth:grant-type:mfa-otp",
        ),
        ("mfa_token", mfa_token),
        ("otp", otp),
    ])
    .unwrap();
    post_token(app, &body).await
}

/// The audit actions recorded about `emp_no`, oldest first.
pub async fn actions_about(db: &Db, emp_no: i32) -> Vec<String> {
    employees::dispatch!(db, pool => {
        sqlx::query_scalar("SELECT action FROM audit_log WHERE emp_no = ? ORDER BY id")
            .bind(emp_no)
            .fetch_all(pool)
            .await
            .unwrap()
    })
}
