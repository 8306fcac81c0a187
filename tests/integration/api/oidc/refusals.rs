//! Every refusal of `/authorize`: the error page (never a redirect) for an unknown client or
//! redirect URI, and the error redirects with `state` for the rest.

use axum::{Router, http::StatusCode};
use employees::db::Db;
use serde_json::json;

use super::helpers::*;
use crate::common::*;

async fn error_of(app: &Router, cookie: Option<&str>, uri: &str) -> (String, String) {
    let reply = browse(app, uri, cookie).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{uri}: {}", reply.text());
    let location = reply.header("location").unwrap().to_owned();
    assert!(location.starts_with(CALLBACK), "{location}");
    assert_eq!(
        param(&location, "state").as_deref(),
        Some("st4te"),
        "{location}"
    );
    assert!(param(&location, "code").is_none());
    (
        param(&location, "error").unwrap(),
        param(&location, "error_description").unwrap(),
    )
}

async fn authorize_refusals_redirect_or_show_a_page(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let client = register(&app, json!({})).await;
    let (_, challenge) = pkce();
    let cookie = login(&app, BEHAI).await;
    for (case, uri) in [
        ("unknown client", authorize_uri("nobody", &challenge, &[])),
        (
            "unregistered redirect",
            authorize_uri(
                &client.id,
                &challenge,
                &[("redirect_uri", "https://evil.example/cb")],
            ),
        ),
        (
            "redirect by prefix",
            authorize_uri(
                &client.id,
                &challenge,
                &[("redirect_uri", "https://app.example/callback/x")],
            ),
        ),
        (
            "no redirect",
            authorize_uri(&client.id, &challenge, &[("redirect_uri", "")]),
        ),
        (
            "repeated parameter",
            format!(
                "{}&client_id=other",
                authorize_uri(&client.id, &challenge, &[])
            ),
        ),
    ] {
        let reply = browse(&app, &uri, Some(&cookie)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{case}");
        assert!(
            reply.header("location").is_none(),
            "{case}: never a redirect"
        );
        assert!(reply.text().contains("cannot sign you in"), "{case}");
    }
    for (case, extra, error) in [
        (
            "plain PKCE",
            vec![("code_challenge_method", "plain")],
            "invalid_request",
        ),
        (
            "no challenge method",
            vec![("code_challenge_method", "")],
            "invalid_request",
        ),
        (
            "no challenge",
            vec![("code_challenge", "")],
            "invalid_request",
        ),
        (
            "short challenge",
            vec![("code_challenge", "abc")],
            "invalid_request",
        ),
        (
            "token response",
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (
            "unknown scope",
            vec![("scope", "openid everything")],
            "invalid_scope",
        ),
        ("no scope", vec![("scope", "")], "invalid_scope"),
        ("bad max_age", vec![("max_age", "soon")], "invalid_request"),
    ] {
        let (got, _) = error_of(
            &app,
            Some(&cookie),
            &authorize_uri(&client.id, &challenge, &extra),
        )
        .await;
        assert_eq!(got, error, "{case}");
    }
    // prompt=none: an answer without any page.
    let (got, _) = error_of(
        &app,
        None,
        &authorize_uri(&client.id, &challenge, &[("prompt", "none")]),
    )
    .await;
    assert_eq!(got, "login_required");
    let silent = browse(
        &app,
        &authorize_uri(&client.id, &challenge, &[("prompt", "none")]),
        Some(&cookie),
    )
    .await;
    assert!(
        param(silent.header("location").unwrap(), "code").is_some(),
        "logged in: a code"
    );
    // prompt=login and an old login (max_age) go through the login page again.
    let fresh = browse(
        &app,
        &authorize_uri(&client.id, &challenge, &[("prompt", "login")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(fresh.status, StatusCode::SEE_OTHER);
    let location = fresh.header("location").unwrap();
    assert_eq!(param(location, "prompt").as_deref(), Some("login"));
    assert!(
        !param(location, "next").unwrap().contains("prompt"),
        "the way back asks no more"
    );
    let shown = browse(&app, location, Some(&cookie)).await;
    assert_eq!(
        shown.status,
        StatusCode::OK,
        "the login page, though logged in"
    );
    // A client that may not use the code flow.
    let other = register(&app, json!({"grant_types": ["client_credentials"]})).await;
    let (got, _) = error_of(
        &app,
        Some(&cookie),
        &authorize_uri(&other.id, &challenge, &[]),
    )
    .await;
    assert_eq!(got, "unauthorized_client");
}
dual_test!(
    authorize_refusals,
    authorize_refusals_redirect_or_show_a_page
);
