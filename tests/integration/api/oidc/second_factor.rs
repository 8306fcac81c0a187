//! `/authorize` for an employee with TOTP on: the login page, then the code page, then back to
//! `/authorize`; the client's ID token and access token carry `amr` ["pwd", "otp", "mfa"].

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::json;

use super::helpers::*;
use crate::api::mfa::{app_with_clock, enrol, totp};
use crate::common::*;

async fn the_code_flow_asks_for_the_second_factor(db: Db) {
    seeded(&db).await;
    let (app, clock, _) = app_with_clock(&db).await;
    // Registering logs the admin (Be Hai) in with the password grant: before TOTP is on.
    let client = register(&app, json!({})).await;
    let token = login(&app, BEHAI).await;
    let (secret, _) = enrol(&app, &clock, &token).await;
    let (verifier, challenge) = pkce();
    let uri = authorize_uri(&client.id, &challenge, &[]);

    // The login form reached from /authorize answers the code page, not a session.
    let body = serde_urlencoded::to_string([
        ("username", BEHAI),
        ("password", "password"),
        ("next", uri.as_str()),
    ])
    .unwrap();
    let page = send(&app, browser_form("/token", &body)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    assert!(page.set_cookie("access_token").is_none());
    let html = page.text();
    let at = html.find("name=\"mfa_token\" value=\"").unwrap() + 24;
    let pending = html[at..].split('"').next().unwrap().to_owned();
    let csp = page.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("https://app.example"),
        "the code page may go on to the client: {csp}"
    );

    let step = serde_urlencoded::to_string([
        (
            "grant_type",
            "urn:employees:params:oauth:grant-type:mfa-otp",
        ),
        ("mfa_token", pending.as_str()),
        ("otp", totp(&secret, clock.now()).as_str()),
        ("next", uri.as_str()),
    ])
    .unwrap();
    let done = send(&app, browser_form("/token", &step)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert_eq!(done.header("location"), Some(uri.as_str()));
    let cookie = done.set_cookie("access_token").unwrap();
    let cookie = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("access_token=")
        .to_owned();

    let code = code_for(&app, &cookie, &uri).await;
    let reply = redeem(&app, &client, &code, &verifier).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    let id = verify_id_token(&app, body["id_token"].as_str().unwrap(), &client.id).await;
    assert_eq!(id["amr"], json!(["pwd", "otp", "mfa"]));
    let access = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(
        body["access_token"].as_str().unwrap(),
    )
    .unwrap()
    .claims;
    assert_eq!(access["amr"], json!(["pwd", "otp", "mfa"]));
}
dual_test!(
    the_code_flow_asks_for_the_second_factor_,
    the_code_flow_asks_for_the_second_factor
);
