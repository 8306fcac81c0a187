//! Every refusal of `/authorize` and of the code grant: the error page (never a redirect) for
//! an unknown client or redirect URI, the error redirects with `state` for the rest, and the
//! code's bindings (single use, its minute, its client, its redirect URI, its verifier).

use axum::{Router, http::StatusCode};
use employees::{clock::Clock, db::Db};
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
    let basic = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{}:{}", client.id, client.secret.as_deref().unwrap()),
    );
    let mut request = form(
        "/token",
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    );
    request
        .headers_mut()
        .insert("authorization", format!("Basic {basic}").parse().unwrap());
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
