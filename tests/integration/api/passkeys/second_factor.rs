//! A passkey as the second factor: after the password of an employee with TOTP on, the pending
//! login's `mfa_token` starts a passkey check listing the employee's passkeys, and the answer
//! completes the login with amr `["hwk", "user", "mfa"]`; JSON and the code page's form. A
//! passwordless sign-in's tokens carry the same amr.

use axum::http::StatusCode;
use employees::{clock::Clock, db::Db};
use serde_json::{Value, json};

use super::{ORIGIN, SoftKey, app_at, authed, begin, finish, register};
use crate::{api::mfa, common::*};

async fn mfa_begin(app: &axum::Router, mfa_token: &str) -> Reply {
    send(
        app,
        json("/passkeys/mfa/start", json!({"mfa_token": mfa_token})),
    )
    .await
}

async fn mfa_finish(app: &axum::Router, body: Value) -> Reply {
    send(app, json("/passkeys/mfa/finish", body)).await
}

async fn a_passkey_completes_a_password_login(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let app = app_at(&db, &clock).await;
    let token = login(&app, BEHAI).await;
    let mut key = SoftKey::new(ORIGIN);

    // Passwordless: amr hwk user mfa.
    register(&app, &token, &mut key, "Laptop").await;
    let (ceremony, options) = begin(&app).await;
    let signed_in = finish(&app, &ceremony, key.assert(&options)).await;
    let access = signed_in.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(mfa::claims(&access)["amr"], json!(["hwk", "user", "mfa"]));

    // TOTP on (from the passkey's session: the employee has a factor already); the password
    // leaves a pending login, which the passkey completes.
    mfa::enrol(&app, &clock, &access).await;
    let pending = mfa::mfa_token(&app, BEHAI).await;
    let started = mfa_begin(&app, &pending).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text());
    let started = started.json();
    let options = &started["options"];
    let allowed = options["publicKey"]["allowCredentials"].as_array().unwrap();
    assert_eq!(
        allowed.len(),
        1,
        "the employee's passkey is offered: {options}"
    );
    let body = json!({
        "mfa_token": pending, "ceremony": started["ceremony"], "credential": key.assert(options),
    });
    let done = mfa_finish(&app, body.clone()).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let access = done.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(mfa::claims(&access)["amr"], json!(["hwk", "user", "mfa"]));
    let me = send(&app, authed(get("/users/me"), &access)).await;
    assert_eq!(me.status, StatusCode::OK);
    // The pending login and the ceremony worked once.
    let again = mfa_finish(&app, body).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text());

    // Another employee's passkey does not complete this one's login.
    let other_token = login(&app, PRANAV).await;
    let mut other = SoftKey::new(ORIGIN);
    register(&app, &other_token, &mut other, "Theirs").await;
    let pending = mfa::mfa_token(&app, BEHAI).await;
    let started = mfa_begin(&app, &pending).await.json();
    let mut forged = other.assert(&started["options"]);
    // The other's answer, presented under Be Hai's credential id, does not verify either.
    let body = json!({"mfa_token": pending, "ceremony": started["ceremony"], "credential": forged.clone()});
    let refused = mfa_finish(&app, body).await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "{}",
        refused.text()
    );
    let started = mfa_begin(&app, &pending).await.json();
    forged = key.impostor().assert(&started["options"]);
    let body = json!({"mfa_token": pending, "ceremony": started["ceremony"], "credential": forged});
    let refused = mfa_finish(&app, body).await;
    assert_eq!(
        refused.status,
        StatusCode::BAD_REQUEST,
        "{}",
        refused.text()
    );

    // The code page's form: the login's cookies and the redirect.
    let started = mfa_begin(&app, &pending).await.json();
    let credential = key.assert(&started["options"]).to_string();
    let form = serde_urlencoded::to_string([
        ("mfa_token", pending.as_str()),
        ("ceremony", started["ceremony"].as_str().unwrap()),
        ("credential", credential.as_str()),
        ("next", "/directory"),
    ])
    .unwrap();
    let page = send(&app, browser_form("/passkeys/mfa/finish", &form)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
    assert_eq!(page.header("location"), Some("/directory"));
    assert!(page.set_cookie("access_token").is_some());

    // Unknown mfa_token, none, and an employee without passkeys.
    let unknown = mfa_begin(&app, "not-a-token").await;
    assert_eq!(
        unknown.status,
        StatusCode::BAD_REQUEST,
        "{}",
        unknown.text()
    );
    let missing = send(&app, json("/passkeys/mfa/start", json!({}))).await;
    assert_eq!(
        missing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        missing.text()
    );
    // (Removing a factor needs a session that used one; enrolling TOTP ended the password's.)
    let id = send(&app, authed(get("/users/me/passkeys"), &access))
        .await
        .json()[0]["id"]
        .clone();
    let path = format!("/users/me/passkeys/{id}");
    let removed = send(
        &app,
        authed(
            axum::http::Request::delete(path.as_str())
                .body(axum::body::Body::empty())
                .unwrap(),
            &access,
        ),
    )
    .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let pending = mfa::mfa_token(&app, BEHAI).await;
    let none = mfa_begin(&app, &pending).await;
    assert_eq!(none.status, StatusCode::CONFLICT, "{}", none.text());
}
dual_test!(
    a_passkey_completes_a_password_login,
    a_passkey_completes_a_password_login
);
