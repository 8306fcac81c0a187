//! The password grant's second step: `mfa_required` with an `mfa_token` (once, 5 minutes), the
//! `mfa-otp` grant with a TOTP or recovery code, `amr` in the tokens, and a step once used refused
//! for the employee on every instance.

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::json;

use super::*;

async fn a_code_completes_the_login(db: Db) {
    seeded(&db).await;
    let (app, clock, _) = app_with_clock(&db).await;
    let token = login(&app, BEHAI).await;
    assert_eq!(claims(&token)["amr"], json!(["pwd"]));
    let (secret, _) = enrol(&app, &clock, &token).await;

    let pending = mfa_token(&app, BEHAI).await;
    let wrong = second_step(&app, &pending, "000001").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.json()["error"], "invalid_grant");
    let code = totp(&secret, clock.now());
    let done = second_step(&app, &pending, &code).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert_eq!(done.header("cache-control"), Some("no-store"));
    let body = done.json();
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(claims(access)["amr"], json!(["pwd", "otp", "mfa"]));
    assert!(body["refresh_token"].is_string());
    let me = send(&app, with_bearer(get("/users/me"), access)).await;
    assert_eq!(me.status, StatusCode::OK);

    // The token worked once; the code's step is spent for this employee.
    let twice = second_step(&app, &pending, &totp(&secret, clock.now() + 30)).await;
    assert_eq!(twice.json()["error"], "invalid_grant", "{}", twice.text());
    let other = mfa_token(&app, BEHAI).await;
    let replay = second_step(&app, &other, &code).await;
    assert_eq!(
        replay.status,
        StatusCode::BAD_REQUEST,
        "a used step is refused"
    );
    // A refresh keeps the amr.
    let refresh = body["refresh_token"].as_str().unwrap();
    let renewed = post_token(
        &app,
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    )
    .await;
    assert_eq!(renewed.status, StatusCode::OK, "{}", renewed.text());
    let renewed = renewed.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&renewed)["amr"], json!(["pwd", "otp", "mfa"]));

    // Missing fields are the client's mistake; an unknown token names no login.
    let grant = "grant_type=urn:employees:params:oauth:grant-type:mfa-otp";
    let missing = post_token(&app, &format!("{grant}&mfa_token={other}")).await;
    assert_eq!(missing.json()["error"], "invalid_request");
    let unknown = second_step(&app, "not-a-token", &totp(&secret, clock.now())).await;
    assert_eq!(unknown.json()["error"], "invalid_grant");
}
dual_test!(a_code_completes_the_login_, a_code_completes_the_login);

/// An `mfa_token` lives five minutes.
async fn the_mfa_token_expires(db: Db) {
    seeded(&db).await;
    let (app, clock, _) = app_with_clock(&db).await;
    let token = login(&app, BEHAI).await;
    let (secret, _) = enrol(&app, &clock, &token).await;
    let pending = mfa_token(&app, BEHAI).await;
    clock.advance(301);
    let late = second_step(&app, &pending, &totp(&secret, clock.now())).await;
    assert_eq!(late.status, StatusCode::BAD_REQUEST);
    assert_eq!(late.json()["error"], "invalid_grant", "{}", late.text());
}
dual_test!(the_mfa_token_expires_, the_mfa_token_expires);

/// Recovery codes: each good once, audited, counted down.
async fn recovery_codes_work_once(db: Db) {
    seeded(&db).await;
    let (app, clock, _) = app_with_clock(&db).await;
    let token = login(&app, BEHAI).await;
    let (_, codes) = enrol(&app, &clock, &token).await;
    let pending = mfa_token(&app, BEHAI).await;
    // Typed as a person might: upper case, a space for the dash.
    let typed = codes[3].to_uppercase().replace('-', " ");
    let done = second_step(&app, &pending, &typed).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let access = done.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&access)["amr"], json!(["pwd", "otp", "mfa"]));
    let again = mfa_token(&app, BEHAI).await;
    let reused = second_step(&app, &again, &codes[3]).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
    let status = call(&app, "GET", "/users/me/mfa", &access, json!({})).await;
    assert_eq!(status.json()["recovery_codes_left"], 9);
    assert!(
        actions_about(&db, BEHAI_EMP_NO)
            .await
            .contains(&"mfa.recovery_code".to_owned())
    );
}
dual_test!(recovery_codes_work_once_, recovery_codes_work_once);

/// Two instances on one database: a step used on one is refused on the other, and parallel
/// completions of one pending login give one session.
async fn a_used_step_is_refused_on_every_instance(db: Db) {
    seeded(&db).await;
    let (first, clock, _) = app_with_clock(&db).await;
    let second = employees::app(
        wired(
            &db,
            Wiring {
                clock: clock.clone(),
                ..wiring()
            },
        )
        .await,
    );
    let token = login(&first, BEHAI).await;
    let (secret, _) = enrol(&first, &clock, &token).await;
    let code = totp(&secret, clock.now());
    let a = mfa_token(&first, BEHAI).await;
    let b = mfa_token(&second, BEHAI).await;
    let (one, two) = tokio::join!(
        second_step(&first, &a, &code),
        second_step(&second, &b, &code)
    );
    let oks = [&one, &two]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(oks, 1, "{} / {}", one.text(), two.text());

    clock.advance(30);
    let code = totp(&secret, clock.now());
    let pending = mfa_token(&first, BEHAI).await;
    let (one, two) = tokio::join!(
        second_step(&first, &pending, &code),
        second_step(&second, &pending, &code)
    );
    let oks = [&one, &two]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(oks, 1, "{} / {}", one.text(), two.text());
}
dual_test!(
    a_used_step_is_refused_on_every_instance_,
    a_used_step_is_refused_on_every_instance
);
