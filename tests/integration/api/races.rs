//! A login in flight against a termination or a password change (issue 23): the login is held
//! between its password's verdict and its transaction (a `LoginPause`), the change commits
//! through a second instance meanwhile, then the login goes on. No interleaving leaves a session
//! behind; a terminated employee's granted roles end with the employment. Both backends.

use axum::{Router, http::StatusCode};
use employees::{db::Db, service::auth::LoginPause};
use serde_json::{Value, json};

use crate::{
    api::directory::get_as,
    api::hr::{audit_of, post_as},
    common::*,
};

/// Instance A holds its logins at the returned pause; instance B does not.
async fn two_instances(db: &Db) -> (Router, Router, LoginPause) {
    let pause = LoginPause::default();
    let login_pause = Some(pause.clone());
    let a = employees::app(
        wired(
            db,
            Wiring {
                login_pause,
                ..wiring()
            },
        )
        .await,
    );
    let b = employees::app(state(db.clone()).await);
    (a, b, pause)
}

/// A login of `email` with `password` on `app`, running on its own task.
fn login_in_flight(app: &Router, email: &str, password: &str) -> tokio::task::JoinHandle<Reply> {
    let (app, body) = (app.clone(), format!("username={email}&password={password}"));
    tokio::spawn(async move { post_token(&app, &body).await })
}

/// The employee's sessions that are live now.
pub async fn live_sessions(db: &Db, emp_no: i32) -> i64 {
    let now = chrono::Utc::now().timestamp();
    employees::dispatch!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE emp_no = ? AND live_until > ?")
            .bind(emp_no)
            .bind(now)
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

async fn put_roles(app: &Router, admin: &str, emp_no: i32, roles: Value) -> Reply {
    let request = json("/x", json!({"roles": roles}));
    let (mut parts, body) = request.into_parts();
    parts.method = axum::http::Method::PUT;
    parts.uri = format!("/employees/{emp_no}/roles").parse().unwrap();
    send(
        app,
        with_bearer(axum::http::Request::from_parts(parts, body), admin),
    )
    .await
}

async fn termination_while_a_login_is_judged(db: Db) {
    seeded(&db).await;
    let (a, b, pause) = two_instances(&db).await;
    let admin = login(&b, BEHAI).await;
    let granted = put_roles(&b, &admin, 10198, json!(["hr", "admin"])).await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text());

    let login = login_in_flight(&a, PRANAV, "password");
    pause.reached().await;
    let today = chrono::Utc::now().date_naive().to_string();
    let ended = post_as(
        &b,
        &admin,
        "/employees/10198/termination",
        json!({ "date": today }),
    )
    .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.text());
    pause.release().await;

    let reply = login.await.unwrap();
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(reply.json()["error"], "invalid_grant");
    assert_eq!(reply.json()["error_description"], "Inactive user");
    assert_eq!(live_sessions(&db, 10198).await, 0, "no session survives");

    // The granted roles ended with the employment; the audit trail keeps them.
    let roles = get_as(&b, &admin, "/employees/10198/roles").await;
    assert_eq!(roles.json(), json!({"roles": []}));
    let audit = audit_of(&db, 10198).await;
    let termination = audit
        .iter()
        .find(|(_, action, _)| action == "employee.termination")
        .expect("the termination is on record");
    assert_eq!(termination.2["before"]["roles"], json!(["hr", "admin"]));
    assert_eq!(termination.2["after"]["roles"], json!([]));
    // The refused login is on record as a failure of a former employee.
    let failures: i64 = employees::dispatch!(&db, pool => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE emp_no = 10198 AND action = 'login.failure'",
        )
        .fetch_one(pool)
        .await
        .unwrap()
    });
    assert_eq!(failures, 1);
}
dual_test!(termination_race, termination_while_a_login_is_judged);

async fn password_change_while_an_old_password_login_is_judged(db: Db) {
    seeded(&db).await;
    let (a, b, pause) = two_instances(&db).await;
    let owner = login(&b, PRANAV).await;

    let attacker = login_in_flight(&a, PRANAV, "password");
    pause.reached().await;
    let change = json!({"current_password": "password", "new_password": "Quiet-Harbour-2291"});
    let changed = post_as(&b, &owner, "/users/me/password", change).await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.text());
    pause.release().await;

    let reply = attacker.await.unwrap();
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(
        reply.json()["error_description"],
        "Incorrect username or password"
    );
    assert_eq!(live_sessions(&db, 10198).await, 1, "only the owner's");
    assert_eq!(get_as(&b, &owner, "/users/me").await.status, StatusCode::OK);
}
dual_test!(
    password_race,
    password_change_while_an_old_password_login_is_judged
);

/// The other order: the login commits first, then the termination ends what it started.
async fn termination_after_a_held_login_commits(db: Db) {
    seeded(&db).await;
    let (a, b, pause) = two_instances(&db).await;
    let admin = login(&b, BEHAI).await;
    let login = login_in_flight(&a, PRANAV, "password");
    pause.reached().await;
    pause.release().await;
    let reply = login.await.unwrap();
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let token = reply.json()["access_token"].as_str().unwrap().to_owned();
    let today = chrono::Utc::now().date_naive().to_string();
    let ended = post_as(
        &b,
        &admin,
        "/employees/10198/termination",
        json!({ "date": today }),
    )
    .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.text());
    assert_eq!(live_sessions(&db, 10198).await, 0);
    assert_eq!(
        get_as(&a, &token, "/users/me").await.status,
        StatusCode::UNAUTHORIZED
    );
}
dual_test!(
    termination_after_login,
    termination_after_a_held_login_commits
);
