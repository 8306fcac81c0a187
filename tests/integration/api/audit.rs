//! The audit trail of logins and logouts: each success and failure on record with the account
//! (when the email names one), the address and the user agent; never what was typed.

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::Value;

use crate::{api::hr::audit_of, common::*};

/// Every entry, oldest first: (actor, action, emp_no, user_agent, details as text).
async fn all_entries(db: &Db) -> Vec<(Option<i32>, String, Option<i32>, Option<String>, String)> {
    employees::dispatch!(db, pool => {
        sqlx::query_as("SELECT actor, action, emp_no, user_agent, details FROM audit_log ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap()
    })
}

async fn logins_and_logouts_are_on_record(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let attempt = |body: String| {
        let mut request = form("/token", &body);
        request
            .headers_mut()
            .insert("user-agent", "audit-test/1.0".parse().unwrap());
        send(&app, request)
    };
    let wrong = attempt(format!("username={PRANAV}&password=hunter2-typed")).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let unknown = attempt("username=nobody-typed%40example.com&password=hunter3".to_owned()).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let former = email_of(&db, FORMER_EMP_NO).await;
    let inactive = attempt(format!("username={former}&password=password")).await;
    assert_eq!(inactive.status, StatusCode::BAD_REQUEST);
    let ok = attempt(format!("username={PRANAV}&password=password")).await;
    assert_eq!(ok.status, StatusCode::OK);
    let token = ok.json()["access_token"].as_str().unwrap().to_owned();
    let out = send(&app, with_bearer(form("/logout", ""), &token)).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);

    let entries = all_entries(&db).await;
    let summary: Vec<(Option<i32>, &str, Option<i32>)> = entries
        .iter()
        .map(|(actor, action, emp_no, _, _)| (*actor, action.as_str(), *emp_no))
        .collect();
    assert_eq!(
        summary,
        [
            (None, "login.failure", Some(10198)),
            (None, "login.failure", None),
            (None, "login.failure", Some(FORMER_EMP_NO)),
            (Some(10198), "login.success", Some(10198)),
            (Some(10198), "session.revoke", Some(10198)),
        ]
    );
    assert!(
        entries[..4]
            .iter()
            .all(|e| e.3.as_deref() == Some("audit-test/1.0"))
    );
    let reasons: Vec<Value> = entries[..3]
        .iter()
        .map(|e| serde_json::from_str::<Value>(&e.4).unwrap()["reason"].clone())
        .collect();
    assert_eq!(reasons, ["incorrect", "incorrect", "inactive"]);
    // Nothing typed is kept: not the passwords, not an email that names no account, no token.
    let everything = format!("{entries:?}");
    for secret in ["hunter2", "hunter3", "nobody-typed", &token, "password"] {
        assert!(!everything.contains(secret), "{secret} in {everything}");
    }
    assert!(audit_of(&db, 10198).await.is_empty(), "no change was made");
}
dual_test!(logins, logins_and_logouts_are_on_record);
