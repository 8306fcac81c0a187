//! A client registered with `consent: true`: the page names the scopes, once per employee and
//! client; Deny sends `access_denied`; `prompt=none` without consent is `consent_required`.

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::json;

use super::helpers::*;
use crate::common::*;

async fn consent_is_asked_once_per_employee_and_client(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let client = register(&app, json!({"consent": true, "name": "Expenses"})).await;
    let cookie = login(&app, BEHAI).await;
    let (verifier, challenge) = pkce();
    let uri = authorize_uri(&client.id, &challenge, &[]);
    let silent = browse(
        &app,
        &authorize_uri(&client.id, &challenge, &[("prompt", "none")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(
        param(silent.header("location").unwrap(), "error").as_deref(),
        Some("consent_required")
    );

    let page = browse(&app, &uri, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Allow Expenses?"), "{html}");
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("form-action 'self' https://app.example;"),
        "{csp}"
    );
    for scope in ["openid", "profile", "email", "offline_access", "me"] {
        assert!(html.contains(&format!("<code>{scope}</code>")), "{scope}");
    }
    let fields = serde_urlencoded::to_string(query_of(&uri)).unwrap();
    let deny = send(
        &app,
        with_cookie(
            browser_form("/authorize", &format!("{fields}&decision=deny")),
            &cookie,
        ),
    )
    .await;
    assert_eq!(deny.status, StatusCode::FOUND);
    assert_eq!(
        param(deny.header("location").unwrap(), "error").as_deref(),
        Some("access_denied")
    );
    let allow = send(
        &app,
        with_cookie(
            browser_form("/authorize", &format!("{fields}&decision=allow")),
            &cookie,
        ),
    )
    .await;
    assert_eq!(allow.status, StatusCode::FOUND, "{}", allow.text());
    let code = param(allow.header("location").unwrap(), "code").unwrap();
    assert_eq!(
        redeem(&app, &client, &code, &verifier).await.status,
        StatusCode::OK
    );
    // Asked once: the next request goes straight back with a code, unless the client asks again.
    code_for(&app, &cookie, &uri).await;
    let again = browse(
        &app,
        &authorize_uri(&client.id, &challenge, &[("prompt", "consent")]),
        Some(&cookie),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    // Another employee is asked for themselves.
    let pranav = login(&app, PRANAV).await;
    let theirs = browse(
        &app,
        &authorize_uri(&client.id, &challenge, &[("scope", "openid me")]),
        Some(&pranav),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(theirs.text().contains("Allow Expenses?"));
}
dual_test!(asked_once, consent_is_asked_once_per_employee_and_client);
