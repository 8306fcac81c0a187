//! What a passkey sign-in refuses: expired, unknown and other kinds' ceremonies, answers signed
//! by another key or over another challenge or origin, unreadable bodies (never a 500), the
//! address's budget; and passkeys off when PUBLIC_URL names an IP address.

use std::num::NonZeroU32;

use axum::http::StatusCode;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use employees::{clock::Clock, db::Db, service::passkeys::CEREMONY_SECS};
use serde_json::json;

use super::{ORIGIN, SoftKey, app_at, authed, begin, finish, register, strong};
use crate::common::*;

fn detail(reply: &Reply) -> String {
    reply.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn forged_expired_and_unreadable_answers_are_refused(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let app = app_at(&db, &clock).await;
    let token = login(&app, BEHAI).await;
    let mut key = SoftKey::new(ORIGIN);
    register(&app, &token, &mut key, "Phone").await;

    // Signed by another key under the same credential id.
    let (ceremony, options) = begin(&app).await;
    let forged = finish(&app, &ceremony, key.impostor().assert(&options)).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST, "{}", forged.text());
    assert!(detail(&forged).contains("signature"), "{}", detail(&forged));

    // Over another challenge, and for another site.
    let (ceremony, _) = begin(&app).await;
    let other = B64.encode(b"a challenge of the forger's own...");
    let data = key.client_data(&other, ORIGIN);
    let reply = finish(&app, &ceremony, key.sign(&data)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert!(detail(&reply).contains("challenge"), "{}", detail(&reply));
    let (ceremony, options) = begin(&app).await;
    let challenge = options["publicKey"]["challenge"].as_str().unwrap();
    let data = key.client_data(challenge, "http://evil.example:8000");
    let reply = finish(&app, &ceremony, key.sign(&data)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert!(detail(&reply).contains("origin"), "{}", detail(&reply));

    // A ceremony past its minutes.
    let (ceremony, options) = begin(&app).await;
    clock.advance(CEREMONY_SECS + 1);
    let late = finish(&app, &ceremony, key.assert(&options)).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST, "{}", late.text());
    assert!(detail(&late).contains("expired"), "{}", detail(&late));

    // A registration's handle does not finish a sign-in; nor does a made-up one.
    let token = strong(&app, &mut key).await;
    let start = send(
        &app,
        authed(json("/users/me/passkeys/register/start", json!({})), &token),
    )
    .await;
    let handle = start.json()["ceremony"].as_str().unwrap().to_owned();
    let (_, options) = begin(&app).await;
    for handle in [
        handle.as_str(),
        "0123456789abcdef0123456789abcdef",
        "../../etc",
    ] {
        let reply = finish(&app, handle, key.assert(&options)).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{handle}: {}",
            reply.text()
        );
    }

    // Bodies that cannot be read are 4xx, never 500.
    let (ceremony, _) = begin(&app).await;
    let bodies = [
        json!({}),
        json!({"ceremony": ceremony}),
        json!({"ceremony": ceremony, "credential": "not json"}),
        json!({"ceremony": ceremony, "credential": {"id": 1}}),
        json!({"ceremony": 5, "credential": []}),
    ];
    for body in bodies {
        let reply = send(&app, json("/passkeys/login/finish", body.clone())).await;
        assert!(
            reply.status.is_client_error(),
            "{body}: {} {}",
            reply.status,
            reply.text()
        );
    }
    let reply = send(
        &app,
        authed(
            json(
                "/users/me/passkeys/register/finish",
                json!({"ceremony": "x", "credential": {}}),
            ),
            &token,
        ),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );
    let reply = send(
        &app,
        authed(
            json("/users/me/passkeys/register/finish", json!([])),
            &token,
        ),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.text()
    );

    // The genuine key still signs in after all that.
    let (ceremony, options) = begin(&app).await;
    let reply = finish(&app, &ceremony, key.assert(&options)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}
dual_test!(
    forged_expired_and_unreadable_answers_are_refused,
    forged_expired_and_unreadable_answers_are_refused
);

async fn failed_sign_ins_spend_the_budget(db: Db) {
    seeded(&db).await;
    let wiring = Wiring {
        issuer: ORIGIN.to_owned(),
        failures_per_minute: NonZeroU32::new(3).unwrap(),
        ..wiring()
    };
    let app = employees::app(wired(&db, wiring).await);
    let token = login(&app, BEHAI).await;
    let mut key = SoftKey::new(ORIGIN);
    register(&app, &token, &mut key, "Phone").await;
    for _ in 0..3 {
        let (ceremony, options) = begin(&app).await;
        let forged = finish(&app, &ceremony, key.impostor().assert(&options)).await;
        assert_eq!(forged.status, StatusCode::BAD_REQUEST, "{}", forged.text());
    }
    let (ceremony, options) = begin(&app).await;
    let throttled = finish(&app, &ceremony, key.assert(&options)).await;
    assert_eq!(
        throttled.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        throttled.text()
    );
    assert!(throttled.header("retry-after").is_some());
    // Passwords have their own budget: the password step still answers (and asks for the
    // second factor, the passkey being one).
    let password = post_token(&app, &format!("username={BEHAI}&password=password")).await;
    assert_eq!(
        password.json()["error"],
        "mfa_required",
        "{}",
        password.text()
    );
}
dual_test!(
    failed_sign_ins_spend_the_budget,
    failed_sign_ins_spend_the_budget
);

async fn passkeys_are_off_for_an_ip_address(db: Db) {
    seeded(&db).await;
    let wiring = Wiring {
        issuer: "http://127.0.0.1:8000".to_owned(),
        ..wiring()
    };
    let app = employees::app(wired(&db, wiring).await);
    let token = login(&app, BEHAI).await;
    let start = send(&app, json("/passkeys/login/start", json!({}))).await;
    assert_eq!(start.status, StatusCode::CONFLICT, "{}", start.text());
    assert!(detail(&start).contains("PUBLIC_URL"));
    let start = send(
        &app,
        authed(json("/users/me/passkeys/register/start", json!({})), &token),
    )
    .await;
    assert_eq!(start.status, StatusCode::CONFLICT, "{}", start.text());
    let page = send(&app, with_cookie(get("/account/passkeys"), &token)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("passkeys-off"), "{}", page.text());
}
dual_test!(
    passkeys_are_off_for_an_ip_address,
    passkeys_are_off_for_an_ip_address
);
