//! Roles and scopes at `POST /token`, the scope guard's `403`, and `/users/me`'s scope and roles.

use axum::http::StatusCode;
use employees::db::Db;

use crate::common::*;

async fn token_with(app: &axum::Router, email: &str, scope: Option<&str>) -> Reply {
    let scope = scope.map(|s| format!("&scope={s}")).unwrap_or_default();
    post_token(app, &format!("username={email}&password=password{scope}")).await
}

async fn absent_or_empty_scope_grants_every_scope_held(db: Db) {
    seeded(&db).await;
    let manager = email_of(&db, MANAGER_EMP_NO).await;
    let hr = email_of(&db, HR_EMP_NO).await;
    let keys = jwt_keys(&db).await;
    let app = employees::app(state(db).await);
    for (email, held) in [
        (BEHAI, "me directory hr admin"),
        (PRANAV, "me directory"),
        (manager.as_str(), "me directory manager"),
        (hr.as_str(), "me directory hr"),
    ] {
        for scope in [None, Some(""), Some("+")] {
            let reply = token_with(&app, email, scope).await;
            assert_eq!(reply.status, StatusCode::OK, "{email}: {}", reply.text());
            assert_eq!(reply.json()["scope"], held, "{email} with scope {scope:?}");
            let claims = keys
                .validate(reply.json()["access_token"].as_str().unwrap())
                .await
                .unwrap();
            assert_eq!(claims.scope.as_deref(), Some(held));
        }
    }
}
dual_test!(default_scope, absent_or_empty_scope_grants_every_scope_held);

async fn requested_scopes_are_checked_and_named(db: Db) {
    seeded(&db).await;
    let manager = email_of(&db, MANAGER_EMP_NO).await;
    let app = employees::app(state(db).await);
    for (email, scope, named) in [
        (BEHAI, "me+payroll", "payroll"),
        (BEHAI, "me+manager", "manager"),
        (PRANAV, "hr", "hr"),
        (PRANAV, "directory+admin", "admin"),
        (manager.as_str(), "hr", "hr"),
    ] {
        let reply = token_with(&app, email, Some(scope)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{email} {scope}");
        let body = reply.json();
        assert_eq!(body["error"], "invalid_scope", "{body}");
        let description = body["error_description"].as_str().unwrap();
        assert!(description.ends_with(named), "{description} names {named}");
    }
    // A subset of what is held is granted as asked, in a fixed order, duplicates folded.
    let reply = token_with(&app, BEHAI, Some("admin+me+admin")).await;
    assert_eq!(reply.json()["scope"], "me admin");
    let reply = token_with(&app, &manager, Some("manager")).await;
    assert_eq!(reply.json()["scope"], "manager");
}
dual_test!(requested_scopes, requested_scopes_are_checked_and_named);

async fn users_me_shows_scope_and_roles_and_needs_me(db: Db) {
    seeded(&db).await;
    let manager = email_of(&db, MANAGER_EMP_NO).await;
    let app = employees::app(state(db).await);
    for (email, roles) in [
        (BEHAI, vec!["employee", "hr", "admin"]),
        (PRANAV, vec!["employee"]),
        (manager.as_str(), vec!["employee", "manager"]),
    ] {
        let token = token_with(&app, email, Some("me")).await.json()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let me = send(&app, with_bearer(get("/users/me"), &token)).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.json()["scope"], "me");
        assert_eq!(me.json()["roles"], serde_json::json!(roles), "{email}");
        assert_eq!(me.json()["email"], email);
    }
    let directory_only = token_with(&app, BEHAI, Some("directory")).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = send(&app, with_bearer(get("/users/me"), &directory_only)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["detail"], "Not enough permissions");
    assert_eq!(
        refused.header("www-authenticate"),
        Some("Bearer error=\"insufficient_scope\", scope=\"me\"")
    );
}
dual_test!(users_me_scope, users_me_shows_scope_and_roles_and_needs_me);
