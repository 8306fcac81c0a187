//! A passkey sign-in from the login page that `/authorize` sent the browser to: the form's
//! `next` brings it back, signed in, and the client gets its code.

use axum::http::StatusCode;
use employees::{clock::Clock, db::Db};

use super::{ORIGIN, SoftKey, app_at, begin, register};
use crate::{api::oidc::helpers as oidc, common::*};

async fn a_passkey_signs_in_on_the_way_through_authorize(db: Db) {
    seeded(&db).await;
    let app = app_at(&db, &Clock::system()).await;
    // Registering the client logs the admin in with the password: before the passkey is a factor.
    let client = oidc::register(&app, serde_json::json!({})).await;
    let token = login(&app, BEHAI).await;
    let mut key = SoftKey::new(ORIGIN);
    register(&app, &token, &mut key, "Phone").await;
    let (verifier, challenge) = oidc::pkce();
    let uri = oidc::authorize_uri(&client.id, &challenge, &[]);

    let reply = oidc::browse(&app, &uri, None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let next = oidc::param(reply.header("location").unwrap(), "next").unwrap();
    assert_eq!(next, uri);

    let (ceremony, options) = begin(&app).await;
    let credential = key.assert(&options).to_string();
    let body = serde_urlencoded::to_string([
        ("ceremony", ceremony.as_str()),
        ("credential", credential.as_str()),
        ("next", next.as_str()),
    ])
    .unwrap();
    let signed_in = send(&app, browser_form("/passkeys/login/finish", &body)).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.text()
    );
    assert_eq!(signed_in.header("location"), Some(uri.as_str()));
    let cookie = signed_in.set_cookie("access_token").unwrap();
    let cookie = cookie["access_token=".len()..].split(';').next().unwrap();

    let code = oidc::code_for(&app, cookie, &uri).await;
    let tokens = oidc::redeem(&app, &client, &code, &verifier).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.text());
}
dual_test!(
    a_passkey_signs_in_on_the_way_through_authorize,
    a_passkey_signs_in_on_the_way_through_authorize
);
