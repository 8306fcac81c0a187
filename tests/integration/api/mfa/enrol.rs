//! TOTP enrolment over the API: a secret and its otpauth URI, a first code that turns it on and
//! answers ten recovery codes once, new codes, turning it off (password and code), audited.

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::json;

use super::*;

async fn enrolment_and_turning_off(db: Db) {
    seeded(&db).await;
    let (app, clock, _) = app_with_clock(&db).await;
    let token = login(&app, BEHAI).await;
    let status = call(&app, "GET", "/users/me/mfa", &token, json!({})).await;
    assert_eq!(status.json()["totp"], "off");

    let begun = call(&app, "POST", "/users/me/mfa/totp", &token, json!({})).await;
    assert_eq!(begun.status, StatusCode::OK, "{}", begun.text());
    assert_eq!(begun.header("cache-control"), Some("no-store"));
    let secret = begun.json()["secret"].as_str().unwrap().to_owned();
    let uri = begun.json()["otpauth_uri"].as_str().unwrap().to_owned();
    assert!(uri.starts_with("otpauth://totp/Employees:"), "{uri}");
    assert!(
        uri.contains(&format!("secret={secret}")) && uri.contains("issuer=Employees"),
        "{uri}"
    );
    assert_eq!(secret.len(), 32, "160 bits in base32");
    let pending = call(&app, "GET", "/users/me/mfa", &token, json!({})).await;
    assert_eq!(pending.json()["totp"], "pending");
    // Not on yet: a login needs no code.
    login(&app, BEHAI).await;

    let wrong = call(
        &app,
        "POST",
        "/users/me/mfa/totp/confirm",
        &token,
        json!({"code": "000000"}),
    )
    .await;
    let right = totp(&secret, clock.now());
    assert_ne!(right, "000000");
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.text());
    let missing = call(
        &app,
        "POST",
        "/users/me/mfa/totp/confirm",
        &token,
        json!({}),
    )
    .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);

    let confirmed = call(
        &app,
        "POST",
        "/users/me/mfa/totp/confirm",
        &token,
        json!({"code": right}),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    let codes: Vec<String> = confirmed.json()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    let mut distinct = codes.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 10);
    // Stored hashed: no code, and not the secret, in the database.
    let stored: Vec<String> = employees::dispatch!(&db, pool => {
        sqlx::query_scalar("SELECT code_hash FROM mfa_recovery_codes").fetch_all(pool).await.unwrap()
    });
    assert_eq!(stored.len(), 10);
    assert!(codes.iter().all(|code| !stored.contains(code)));
    let sealed: String = employees::dispatch!(&db, pool => {
        sqlx::query_scalar("SELECT secret_sealed FROM mfa_totp").fetch_one(pool).await.unwrap()
    });
    assert!(!sealed.contains(&secret));

    let on = call(&app, "GET", "/users/me/mfa", &token, json!({})).await;
    assert_eq!(on.json(), json!({"totp": "on", "recovery_codes_left": 10}));
    let again = call(&app, "POST", "/users/me/mfa/totp", &token, json!({})).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // New recovery codes need a code; the old set stops working.
    clock.advance(30);
    let renewed = call(
        &app,
        "POST",
        "/users/me/mfa/recovery-codes",
        &token,
        json!({"code": totp(&secret, clock.now())}),
    )
    .await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.text());
    let fresh = renewed.json()["recovery_codes"][0]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!codes.contains(&fresh));
    let pending_login = mfa_token(&app, BEHAI).await;
    let old = second_step(&app, &pending_login, &codes[0]).await;
    assert_eq!(
        old.status,
        StatusCode::BAD_REQUEST,
        "an old recovery code no longer works"
    );

    // Turning it off: the password and a code.
    clock.advance(30);
    let code = totp(&secret, clock.now());
    let wrong_password = call(
        &app,
        "DELETE",
        "/users/me/mfa/totp",
        &token,
        json!({"password": "not-the-password", "code": code}),
    )
    .await;
    assert_eq!(wrong_password.status, StatusCode::BAD_REQUEST);
    let wrong_code = call(
        &app,
        "DELETE",
        "/users/me/mfa/totp",
        &token,
        json!({"password": "password", "code": "123456"}),
    )
    .await;
    assert_eq!(wrong_code.status, StatusCode::BAD_REQUEST);
    let off = call(
        &app,
        "DELETE",
        "/users/me/mfa/totp",
        &token,
        json!({"password": "password", "code": code}),
    )
    .await;
    assert_eq!(off.status, StatusCode::NO_CONTENT, "{}", off.text());
    let plain = login(&app, BEHAI).await;
    assert_eq!(claims(&plain)["amr"], json!(["pwd"]));
    let off_again = call(
        &app,
        "DELETE",
        "/users/me/mfa/totp",
        &token,
        json!({"password": "password", "code": code}),
    )
    .await;
    assert_eq!(off_again.status, StatusCode::CONFLICT);

    let actions = actions_about(&db, BEHAI_EMP_NO).await;
    let enabled = actions.iter().filter(|a| *a == "mfa.enable").count();
    assert!(enabled >= 1, "{actions:?}");
    assert!(actions.contains(&"mfa.disable".to_owned()), "{actions:?}");
}
dual_test!(enrolment_and_turning_off_, enrolment_and_turning_off);

/// A first code replayed after it turned TOTP on is refused at login: the step is spent.
async fn the_confirming_code_cannot_log_in(db: Db) {
    seeded(&db).await;
    let (app, clock, _) = app_with_clock(&db).await;
    let token = login(&app, BEHAI).await;
    let begun = call(&app, "POST", "/users/me/mfa/totp", &token, json!({})).await;
    let secret = begun.json()["secret"].as_str().unwrap().to_owned();
    let code = totp(&secret, clock.now());
    let confirmed = call(
        &app,
        "POST",
        "/users/me/mfa/totp/confirm",
        &token,
        json!({"code": code}),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK);
    let pending = mfa_token(&app, BEHAI).await;
    let replayed = second_step(&app, &pending, &code).await;
    assert_eq!(
        replayed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        replayed.text()
    );
    assert_eq!(replayed.json()["error"], "invalid_grant");
}
dual_test!(
    the_confirming_code_cannot_log_in_,
    the_confirming_code_cannot_log_in
);
