//! The guards answer in our own words: a token of an ended session is `401` whatever its scope
//! (liveness before scope); a repeated or unreadable query parameter, or a path that is not UTF-8,
//! is our `{"detail"}` naming it, never the framework's text; `/status` answers an API client in
//! JSON.

use axum::{body::Body, http::Request, http::StatusCode};
use employees::db::Db;

use crate::{
    api::directory::{get_as, token_for},
    common::*,
};

async fn logout(app: &axum::Router, token: &str) {
    let request = Request::post("/logout").body(Body::empty()).unwrap();
    let reply = send(app, with_bearer(request, token)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
}

async fn an_ended_session_is_401_before_any_scope_is_checked(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let me_only = token_for(&app, PRANAV, "me").await;
    // Live: the missing scope is the answer.
    assert_eq!(
        get_as(&app, &me_only, "/employees").await.status,
        StatusCode::FORBIDDEN
    );
    logout(&app, &me_only).await;
    for uri in [
        "/employees",
        "/employees?q=fur",
        "/departments",
        "/departments/d005",
        "/departments/d005/employees",
        "/audit",
        "/employees/10198/roles",
        "/users/me/sessions",
    ] {
        let reply = get_as(&app, &me_only, uri).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{uri}: {}",
            reply.text()
        );
        assert_eq!(
            reply.header("www-authenticate"),
            Some("Bearer error=\"invalid_token\""),
            "{uri}"
        );
        assert_eq!(reply.json()["detail"], "Could not validate credentials");
    }
    let directory_only = token_for(&app, PRANAV, "directory").await;
    logout(&app, &directory_only).await;
    for uri in ["/users/me", "/employees?status=former"] {
        let reply = get_as(&app, &directory_only, uri).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{uri}: {}",
            reply.text()
        );
    }
}
dual_test!(
    liveness_first,
    an_ended_session_is_401_before_any_scope_is_checked
);

async fn bad_query_strings_and_paths_get_our_detail(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let token = login(&app, BEHAI).await;
    for (uri, parameter) in [
        ("/employees?q=a&q=b", "q"),
        ("/employees?limit=1&limit=2", "limit"),
        ("/departments/d005/employees?title=x&title=y", "title"),
        ("/audit?action=login.success&action=login.failure", "action"),
    ] {
        let reply = get_as(&app, &token, uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        let detail = reply.json()["detail"].as_str().unwrap().to_owned();
        assert!(
            detail.starts_with(&format!("{parameter}:")),
            "{uri}: {detail}"
        );
        assert!(!detail.contains("deserialize"), "{uri}: {detail}");
    }
    // The page shows the same words in its form.
    let mut page = with_cookie(get("/directory?q=a&q=b"), &token);
    page.headers_mut()
        .insert("accept", "text/html".parse().unwrap());
    let reply = send(&app, page).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply.text().contains("q: given more than once"),
        "{}",
        reply.text()
    );
    // Path segments that are not UTF-8 name nothing: 404, in JSON.
    for (method, uri) in [
        ("GET", "/departments/%FF"),
        ("GET", "/departments/%FF/employees"),
        ("DELETE", "/users/me/sessions/%FF"),
        ("PUT", "/departments/%FF/manager"),
    ] {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(Body::from(
                r#"{"emp_no": 10198, "from_date": "2024-01-01"}"#,
            ))
            .unwrap();
        let request = with_bearer(request, &token);
        let reply = send(&app, request).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{uri}: {}",
            reply.text()
        );
        assert_eq!(reply.json()["detail"], "Not found", "{uri}");
    }
    // The HR forms' path too (a page).
    let form = with_cookie(
        form("/directory/%FF/title", "title=x&from_date=2024-01-01"),
        &token,
    );
    assert_eq!(send(&app, form).await.status, StatusCode::NOT_FOUND);
}
dual_test!(our_detail, bad_query_strings_and_paths_get_our_detail);

async fn status_answers_api_clients_in_json(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let pranav = login(&app, PRANAV).await;
    let reply = get_as(&app, &pranav, "/status").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(reply.json()["detail"], "Not enough permissions");
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Bearer error=\"insufficient_scope\", scope=\"admin\"")
    );
    let reply = send(&app, get("/status")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["detail"], "Not authenticated");
    // A browser still gets pages.
    let mut page = with_cookie(get("/status"), &pranav);
    page.headers_mut()
        .insert("accept", "text/html".parse().unwrap());
    let reply = send(&app, page).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    // The admin's API client is served the page it asked for.
    let admin = login(&app, BEHAI).await;
    let reply = get_as(&app, &admin, "/status").await;
    assert_eq!(reply.status, StatusCode::OK);
}
dual_test!(status_json, status_answers_api_clients_in_json);
