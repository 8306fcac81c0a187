//! Passkeys through the API, with a software authenticator (`authenticator.rs`): registration,
//! the list and removal, passwordless sign-in (JSON and the login page's form), ceremonies
//! shared by two instances and used once, expiry, forged and cloned answers, the budget.

mod authenticator;
mod authorize;
mod refusals;
mod second_factor;

use axum::{Router, body::Body, http::Request, http::StatusCode};
use employees::{clock::Clock, db::Db};
use serde_json::{Value, json};

pub use authenticator::SoftKey;

use crate::common::*;

/// Where the tests' service says it is (a host name: passkeys on).
pub const ORIGIN: &str = "http://localhost:8000";

pub async fn app_at(db: &Db, clock: &Clock) -> Router {
    let wiring = Wiring {
        issuer: ORIGIN.to_owned(),
        clock: clock.clone(),
        ..wiring()
    };
    employees::app(wired(db, wiring).await)
}

pub fn authed(request: Request<Body>, token: &str) -> Request<Body> {
    with_bearer(request, token)
}

/// Registers `key` for the token's employee: the new passkey's body.
pub async fn register(app: &Router, token: &str, key: &mut SoftKey, name: &str) -> Value {
    let start = send(
        app,
        authed(json("/users/me/passkeys/register/start", json!({})), token),
    )
    .await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.text());
    let start = start.json();
    assert_eq!(
        start["options"]["publicKey"]["authenticatorSelection"]["residentKey"],
        "required"
    );
    let credential = key.register(&start["options"]);
    let body = json!({"ceremony": start["ceremony"], "name": name, "credential": credential});
    let finish = send(
        app,
        authed(json("/users/me/passkeys/register/finish", body), token),
    )
    .await;
    assert_eq!(finish.status, StatusCode::CREATED, "{}", finish.text());
    finish.json()
}

/// A sign-in begun: the ceremony and the options.
pub async fn begin(app: &Router) -> (String, Value) {
    let start = send(app, json("/passkeys/login/start", json!({}))).await;
    assert_eq!(start.status, StatusCode::OK, "{}", start.text());
    let start = start.json();
    (
        start["ceremony"].as_str().unwrap().to_owned(),
        start["options"].clone(),
    )
}

/// A session that used a second factor (a passwordless sign-in with `key`): what changing
/// factors needs once the employee has one.
pub async fn strong(app: &Router, key: &mut SoftKey) -> String {
    let (ceremony, options) = begin(app).await;
    let reply = finish(app, &ceremony, key.assert(&options)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()["access_token"].as_str().unwrap().to_owned()
}

pub async fn finish(app: &Router, ceremony: &str, credential: Value) -> Reply {
    let body = json!({"ceremony": ceremony, "credential": credential});
    send(app, json("/passkeys/login/finish", body)).await
}

pub async fn actions_of(db: &Db, emp_no: i32) -> Vec<String> {
    employees::dispatch!(db, pool => {
        sqlx::query_scalar("SELECT action FROM audit_log WHERE emp_no = ? ORDER BY id")
            .bind(emp_no)
            .fetch_all(pool)
            .await
            .unwrap()
    })
}

pub async fn emp_no_of(db: &Db, email: &str) -> i32 {
    employees::dispatch!(db, pool => {
        sqlx::query_scalar("SELECT emp_no FROM employees WHERE email = ?")
            .bind(email)
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

fn delete(uri: &str) -> Request<Body> {
    Request::delete(uri).body(Body::empty()).unwrap()
}

async fn registering_signing_in_and_removing(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let app = app_at(&db, &clock).await;
    let token = login(&app, BEHAI).await;
    let emp_no = emp_no_of(&db, BEHAI).await;
    let mut key = SoftKey::new(ORIGIN);
    let added = register(&app, &token, &mut key, "Laptop").await;
    assert_eq!(added["name"], "Laptop");
    assert!(added["last_used_at"].is_null());

    let listed = send(&app, authed(get("/users/me/passkeys"), &token))
        .await
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], added["id"]);

    // Passwordless: the token JSON, a token that works.
    let (ceremony, options) = begin(&app).await;
    assert!(
        options["publicKey"]["allowCredentials"]
            .as_array()
            .is_none_or(Vec::is_empty)
    );
    let signed_in = finish(&app, &ceremony, key.assert(&options)).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text());
    let access = signed_in.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = send(&app, authed(get("/users/me"), &access)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["emp_no"], emp_no);
    let listed = send(&app, authed(get("/users/me/passkeys"), &token))
        .await
        .json();
    assert!(listed[0]["last_used_at"].is_string(), "{listed}");

    // The login page's form: the same cookies and redirect as the password's.
    let copy = key.clone();
    let (ceremony, options) = begin(&app).await;
    let credential = key.assert(&options).to_string();
    let body = serde_urlencoded::to_string([
        ("ceremony", ceremony.as_str()),
        ("credential", credential.as_str()),
        ("next", "/directory"),
    ])
    .unwrap();
    let page = send(&app, browser_form("/passkeys/login/finish", &body)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());
    assert_eq!(page.header("location"), Some("/directory"));
    assert!(page.set_cookie("access_token").is_some());

    // A copy of the authenticator lags behind the stored counter: refused as a clone.
    let mut copy = copy;
    let (ceremony, options) = begin(&app).await;
    copy.counter -= 1;
    let cloned = finish(&app, &ceremony, copy.assert(&options)).await;
    assert_eq!(cloned.status, StatusCode::BAD_REQUEST, "{}", cloned.text());
    assert!(
        cloned.json()["detail"]
            .as_str()
            .unwrap()
            .contains("counter")
    );

    // Someone else's id is not found; the own one is removed, then signs in no more.
    let other = login(&app, PRANAV).await;
    let path = format!("/users/me/passkeys/{}", added["id"]);
    let refused = send(&app, authed(delete(&path), &other)).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    let garbage = send(&app, authed(delete("/users/me/passkeys/x%20y"), &token)).await;
    assert_eq!(garbage.status, StatusCode::NOT_FOUND);
    // Removing a factor needs a session that used one: the password's cannot, the passkey's can.
    let weak = send(&app, authed(delete(&path), &token)).await;
    assert_eq!(weak.status, StatusCode::FORBIDDEN, "{}", weak.text());
    let removed = send(&app, authed(delete(&path), &access)).await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let listed = send(&app, authed(get("/users/me/passkeys"), &token))
        .await
        .json();
    assert_eq!(listed, json!([]));
    let (ceremony, options) = begin(&app).await;
    let gone = finish(&app, &ceremony, key.assert(&options)).await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED, "{}", gone.text());

    let actions = actions_of(&db, emp_no).await;
    let added_at = actions.iter().position(|a| a == "passkey.add");
    let removed_at = actions.iter().position(|a| a == "passkey.remove");
    assert!(added_at.is_some() && removed_at > added_at, "{actions:?}");
    let logins = actions.iter().filter(|a| *a == "login.success").count();
    assert_eq!(
        logins, 3,
        "a password login and two passkey sign-ins: {actions:?}"
    );
}
dual_test!(
    registering_signing_in_and_removing,
    registering_signing_in_and_removing
);

async fn ceremonies_are_shared_by_instances_and_work_once(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let (a, b) = (app_at(&db, &clock).await, app_at(&db, &clock).await);
    let token = login(&a, BEHAI).await;
    let mut key = SoftKey::new(ORIGIN);

    // Registration begun on A, finished on B; a second finish of it is refused.
    let start = send(
        &a,
        authed(json("/users/me/passkeys/register/start", json!({})), &token),
    )
    .await;
    let start = start.json();
    let credential = key.register(&start["options"]);
    let body = json!({"ceremony": start["ceremony"], "credential": credential});
    let done = send(
        &b,
        authed(
            json("/users/me/passkeys/register/finish", body.clone()),
            &token,
        ),
    )
    .await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.text());
    assert_eq!(done.json()["name"], "Passkey 1");
    // (Changing factors now needs a session that used one: the passkey's own.)
    let (ceremony, options) = begin(&a).await;
    let strong = finish(&b, &ceremony, key.assert(&options)).await.json();
    let strong = strong["access_token"].as_str().unwrap().to_owned();
    let again = send(
        &a,
        authed(json("/users/me/passkeys/register/finish", body), &strong),
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.text());

    // Sign-in begun on B, finished on A; the same answer again, on either, is refused.
    let (ceremony, options) = begin(&b).await;
    let credential = key.assert(&options);
    let signed_in = finish(&a, &ceremony, credential.clone()).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text());
    for app in [&a, &b] {
        let replayed = finish(app, &ceremony, credential.clone()).await;
        assert_eq!(
            replayed.status,
            StatusCode::BAD_REQUEST,
            "{}",
            replayed.text()
        );
        let detail = replayed.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains("used"), "{detail}");
    }

    // Two finishes of one ceremony at once: exactly one wins.
    let (ceremony, options) = begin(&a).await;
    let credential = key.assert(&options);
    let (first, second) = tokio::join!(
        finish(&a, &ceremony, credential.clone()),
        finish(&b, &ceremony, credential.clone())
    );
    let wins = [first.status, second.status]
        .iter()
        .filter(|status| **status == StatusCode::OK)
        .count();
    assert_eq!(wins, 1, "{} / {}", first.text(), second.text());
}
dual_test!(
    ceremonies_are_shared_by_instances_and_work_once,
    ceremonies_are_shared_by_instances_and_work_once
);
