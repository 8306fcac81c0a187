//! The code flow end to end: a confidential and a public client, the ID token checked with the
//! published keys, `/userinfo`, the refresh token of `offline_access`, an RS256 client, and a
//! code issued by one instance redeemed at another.

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::json;

use super::helpers::*;
use crate::common::*;

async fn a_confidential_client_logs_an_employee_in(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let client = register(&app, json!({})).await;
    let (verifier, challenge) = pkce();
    let uri = authorize_uri(&client.id, &challenge, &[]);

    // A browser without a session meets the login page, which brings it back.
    let reply = browse(&app, &uri, None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let login_at = reply.header("location").unwrap().to_owned();
    assert!(login_at.starts_with("/login?"), "{login_at}");
    assert_eq!(param(&login_at, "next").as_deref(), Some(uri.as_str()));
    // Browsers check `form-action` on the redirects after the login form: its page lets them
    // reach the client's registered redirect URI, and no other.
    let page = browse(&app, &login_at, None).await;
    let csp = page.header("content-security-policy").unwrap().to_owned();
    assert!(
        csp.contains("form-action 'self' https://app.example;"),
        "{csp}"
    );
    let stranger = authorize_uri(
        &client.id,
        &challenge,
        &[("redirect_uri", "https://evil.example/cb")],
    );
    let next = serde_urlencoded::to_string([("next", stranger)]).unwrap();
    let page = browse(&app, &format!("/login?{next}"), None).await;
    let csp = page.header("content-security-policy").unwrap().to_owned();
    assert!(
        csp.contains("form-action 'self';") && !csp.contains("evil"),
        "{csp}"
    );

    let cookie = login(&app, BEHAI).await;
    let code = code_for(&app, &cookie, &uri).await;
    let reply = redeem(&app, &client, &code, &verifier).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["scope"], "openid profile email offline_access me");
    assert!(
        body["refresh_token"].is_string(),
        "offline_access: a refresh token"
    );
    let access = body["access_token"].as_str().unwrap();
    let claims = verify_id_token(&app, body["id_token"].as_str().unwrap(), &client.id).await;
    assert_eq!(claims["sub"], "500222");
    assert_eq!(claims["nonce"], "n0nce");
    assert_eq!(claims["amr"], json!(["pwd"]));
    assert_eq!(claims["at_hash"], employees::domain::oidc::at_hash(access));
    assert!(claims["auth_time"].as_i64().unwrap() <= claims["iat"].as_i64().unwrap());
    let access_claims = jsonwebtoken::dangerous::insecure_decode::<serde_json::Value>(access)
        .unwrap()
        .claims;
    assert_eq!(access_claims["client_id"], client.id.as_str());
    assert_eq!(claims["sid"], access_claims["sid"]);

    let info = send(&app, with_bearer(get("/userinfo"), access)).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.text());
    let info = info.json();
    assert_eq!(info["sub"], "500222");
    assert_eq!(info["given_name"], "Be Hai");
    assert_eq!(info["employee_number"], 500222);
    assert_eq!(info["email"], BEHAI);
    assert_eq!(info["email_verified"], true);
    assert!(
        info.get("department").is_some() && info.get("manager").is_some(),
        "{info}"
    );

    // The refresh token rotates for this client only.
    let refresh = body["refresh_token"].as_str().unwrap();
    let stranger = post_token(
        &app,
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    )
    .await;
    assert_eq!(
        stranger.status,
        StatusCode::BAD_REQUEST,
        "not without the client"
    );
    let request = with_basic(
        form(
            "/token",
            &format!("grant_type=refresh_token&refresh_token={refresh}"),
        ),
        &client,
    );
    let rotated = send(&app, request).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text());
    assert_eq!(
        rotated.json()["scope"],
        "openid profile email offline_access me"
    );

    // A token without `openid` is refused at /userinfo.
    let plain = login(&app, BEHAI).await;
    assert_eq!(
        send(&app, with_bearer(get("/userinfo"), &plain))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
dual_test!(confidential, a_confidential_client_logs_an_employee_in);

async fn a_public_client_with_rs256_id_tokens(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let client = register(
        &app,
        json!({"confidential": false, "id_token_signed_response_alg": "RS256"}),
    )
    .await;
    assert!(client.secret.is_none());
    let (verifier, challenge) = pkce();
    let cookie = login(&app, PRANAV).await;
    let uri = authorize_uri(&client.id, &challenge, &[("scope", "openid me hr")]);
    let code = code_for(&app, &cookie, &uri).await;
    let reply = redeem(&app, &client, &code, &verifier).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.json();
    // `hr` is not held by Pranav: the intersection leaves it out; no offline_access, no refresh.
    assert_eq!(body["scope"], "openid me");
    assert!(body.get("refresh_token").is_none());
    let id_token = body["id_token"].as_str().unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(id_token).unwrap().alg,
        jsonwebtoken::Algorithm::RS256
    );
    verify_id_token(&app, id_token, &client.id).await;
}
dual_test!(public_rs256, a_public_client_with_rs256_id_tokens);

async fn a_code_from_one_instance_is_redeemed_at_another(db: Db) {
    seeded(&db).await;
    let a = employees::app(state(db.clone()).await);
    let b = employees::app(state(db.clone()).await);
    let client = register(&a, json!({})).await;
    let (verifier, challenge) = pkce();
    let cookie = login(&a, BEHAI).await;
    let code = code_for(&a, &cookie, &authorize_uri(&client.id, &challenge, &[])).await;
    let reply = redeem(&b, &client, &code, &verifier).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    verify_id_token(&a, reply.json()["id_token"].as_str().unwrap(), &client.id).await;
    let access = reply.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        send(&a, with_bearer(get("/userinfo"), &access))
            .await
            .status,
        StatusCode::OK
    );
    let (jwks_a, jwks_b) = (
        send(&a, get("/jwks.json")).await.json(),
        send(&b, get("/jwks.json")).await.json(),
    );
    assert_eq!(jwks_a, jwks_b);
}
dual_test!(
    two_instances,
    a_code_from_one_instance_is_redeemed_at_another
);
