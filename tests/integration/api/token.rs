//! `POST /token` for API clients: every status and body of the contract (the login form's are in
//! `pages/browser_login.rs`).

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use employees::db::Db;
use serde_json::json;

use crate::common::*;

fn assert_oauth_error(reply: &Reply, error: &str, description: Option<&str>) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["error"], error, "{body}");
    if let Some(description) = description {
        assert_eq!(body["error_description"], description);
    }
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

async fn form_login_returns_a_bearer_token(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let reply = post_token(
        &app,
        &format!("grant_type=password&username={BEHAI}&password=password"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 1800);
    assert_eq!(
        body["scope"], "me directory hr admin",
        "no scope requested: every scope held"
    );
    let token = body["access_token"].as_str().unwrap();
    let claims = jwt_keys(&db)
        .await
        .validate(token)
        .await
        .expect("a valid token of ours");
    assert_eq!(claims.sub, "500222");
    assert_eq!(claims.exp - claims.iat, 1800);

    let me = send(&app, with_bearer(get("/users/me"), token)).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["emp_no"], 500222);
}
dual_test!(form_login, form_login_returns_a_bearer_token);

async fn json_login_and_swagger_ui_basic_header(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let reply = send(
        &app,
        json(
            "/token",
            json!({"username": PRANAV, "password": "password"}),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["token_type"], "bearer");

    // Swagger UI: Basic header with an empty client id, client fields in the body, scope=.
    let mut request = form(
        "/token",
        &format!(
            "grant_type=password&username={PRANAV}&password=password&scope=&client_id=&client_secret="
        ),
    );
    request
        .headers_mut()
        .insert("authorization", "Basic Og==".parse().unwrap());
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // Any client id is accepted as well.
    let mut request = form("/token", &format!("username={PRANAV}&password=password"));
    request.headers_mut().insert(
        "authorization",
        "Basic c3dhZ2dlcjpzZWNyZXQ=".parse().unwrap(),
    );
    assert_eq!(send(&app, request).await.status, StatusCode::OK);
}
dual_test!(json_login, json_login_and_swagger_ui_basic_header);

async fn emails_are_trimmed_and_case_insensitive(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let reply = post_token(
        &app,
        "username=%20BeHai_Nguyen%40HOTMAIL.com%20&password=password",
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}
dual_test!(email_normalised, emails_are_trimmed_and_case_insensitive);

async fn wrong_password_and_unknown_email_are_indistinguishable(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let wrong = post_token(&app, &format!("username={BEHAI}&password=nope")).await;
    assert_oauth_error(
        &wrong,
        "invalid_grant",
        Some("Incorrect username or password"),
    );
    let unknown = post_token(&app, "username=nobody@example.com&password=password").await;
    assert_oauth_error(
        &unknown,
        "invalid_grant",
        Some("Incorrect username or password"),
    );
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.headers.len(), unknown.headers.len());
}
dual_test!(
    incorrect_credentials,
    wrong_password_and_unknown_email_are_indistinguishable
);

async fn former_employees_get_no_token(db: Db) {
    seeded(&db).await;
    let email = email_of(&db, FORMER_EMP_NO).await;
    let app = employees::app(state(db).await);
    let reply = post_token(&app, &format!("username={email}&password=password")).await;
    assert_oauth_error(&reply, "invalid_grant", Some("Inactive user"));
    // Without the right password a former employee is just "incorrect".
    let reply = post_token(&app, &format!("username={email}&password=nope")).await;
    assert_oauth_error(
        &reply,
        "invalid_grant",
        Some("Incorrect username or password"),
    );
}
dual_test!(former_employee, former_employees_get_no_token);

async fn malformed_requests_are_invalid_request(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let cases: Vec<(&str, Request<Body>)> = vec![
        ("missing username", form("/token", "password=password")),
        (
            "missing password",
            form("/token", &format!("username={BEHAI}")),
        ),
        (
            "empty username",
            form("/token", "username=&password=password"),
        ),
        (
            "blank username",
            form("/token", "username=%20%20&password=password"),
        ),
        (
            "empty password",
            form("/token", &format!("username={BEHAI}&password=")),
        ),
        (
            "empty grant_type",
            form(
                "/token",
                &format!("grant_type=&username={BEHAI}&password=password"),
            ),
        ),
        (
            "repeated username",
            form(
                "/token",
                &format!("username={BEHAI}&username={PRANAV}&password=password"),
            ),
        ),
        (
            "repeated password",
            form(
                "/token",
                &format!("username={BEHAI}&password=password&password=x"),
            ),
        ),
        ("empty form", form("/token", "")),
        (
            "empty body",
            Request::post("/token").body(Body::empty()).unwrap(),
        ),
        ("empty JSON body", json_raw("")),
        ("malformed JSON", json_raw("{\"username\": ")),
        ("JSON array", json_raw("[1, 2]")),
        (
            "JSON array in field order",
            json_raw(&format!(
                "[null, \"{BEHAI}\", \"password\", null, null, null, null]"
            )),
        ),
        ("JSON string", json_raw("\"username\"")),
        (
            "JSON number as password",
            json_raw(&format!(
                "{{\"username\": \"{BEHAI}\", \"password\": 12345678}}"
            )),
        ),
        (
            "JSON object as password",
            json_raw(&format!(
                "{{\"username\": \"{BEHAI}\", \"password\": {{\"secret\": \"hunter22\"}}}}"
            )),
        ),
        (
            "JSON number as username",
            json_raw("{\"username\": 5, \"password\": \"password\"}"),
        ),
        (
            "repeated JSON field",
            json_raw(&format!(
                "{{\"username\": \"{BEHAI}\", \"username\": \"x\", \"password\": \"password\"}}"
            )),
        ),
    ];
    for (case, request) in cases {
        let reply = send(&app, request).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{case}: {}",
            reply.text()
        );
        assert_eq!(
            reply.json()["error"],
            "invalid_request",
            "{case}: {}",
            reply.text()
        );
        assert!(!reply.text().contains("password\":\"password"), "{case}");
        // Nothing sent is echoed back (a password could be anywhere).
        for sent in ["12345678", "hunter22", BEHAI] {
            assert!(
                !reply.text().contains(sent),
                "{case} echoes {sent}: {}",
                reply.text()
            );
        }
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{case}");
    }
}
dual_test!(invalid_request, malformed_requests_are_invalid_request);

fn json_raw(body: &str) -> Request<Body> {
    Request::post("/token")
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

async fn other_grant_types_are_unsupported(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    for grant in [
        "implicit",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "urn:ietf:params:oauth:grant-type:device_code",
        "PASSWORD",
    ] {
        let reply = post_token(
            &app,
            &format!("grant_type={grant}&username={BEHAI}&password=password"),
        )
        .await;
        assert_oauth_error(&reply, "unsupported_grant_type", None);
    }
}
dual_test!(unsupported_grant, other_grant_types_are_unsupported);

async fn other_content_types_and_big_bodies(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    for content_type in [
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/xml",
        "nonsense",
    ] {
        let request = Request::post("/token")
            .header("content-type", content_type)
            .body(Body::from(format!("username={BEHAI}&password=password")))
            .unwrap();
        let reply = send(&app, request).await;
        assert_eq!(
            reply.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type}"
        );
        assert!(reply.json()["detail"].is_string());
    }
    // A body without a content type is no form either.
    let request = Request::post("/token")
        .body(Body::from("username=a&password=b"))
        .unwrap();
    assert_eq!(
        send(&app, request).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    // JSON with a charset parameter is still JSON.
    let request = Request::post("/token")
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(
            json!({"username": BEHAI, "password": "password"}).to_string(),
        ))
        .unwrap();
    assert_eq!(send(&app, request).await.status, StatusCode::OK);

    let big = format!("username={BEHAI}&password={}", "x".repeat(64 * 1024));
    let reply = send(&app, form("/token", &big)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.json()["detail"].is_string());
}
dual_test!(content_types, other_content_types_and_big_bodies);

async fn wrong_method_is_405(db: Db) {
    let app = employees::app(state(db).await);
    let reply = send(&app, get("/token")).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(reply.json()["detail"].is_string());
}
dual_test!(method_not_allowed, wrong_method_is_405);
