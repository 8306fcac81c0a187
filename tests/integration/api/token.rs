//! `POST /token`: every status and body of the contract, for API clients and browsers.

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
    let app = employees::app(state(db).await);
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
    let claims = jwt_keys().validate(token).expect("a valid token of ours");
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
        "client_credentials",
        "authorization_code",
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

fn cookie_attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .map(|part| part.trim().to_ascii_lowercase())
        .collect()
}

async fn browser_login_sets_cookie_and_redirects(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let reply = send(
        &app,
        browser_form("/token", &format!("username={BEHAI}&password=password")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), Some("/"));
    let set_cookie = reply.set_cookie("access_token").expect("cookie");
    let attributes = cookie_attributes(&set_cookie);
    assert!(attributes[0].starts_with("access_token="));
    for expected in ["httponly", "samesite=lax", "path=/", "max-age=1800"] {
        assert!(
            attributes.iter().any(|a| a == expected),
            "{expected} in {set_cookie}"
        );
    }
    assert!(
        !attributes.iter().any(|a| a == "secure"),
        "not Secure unless configured"
    );
    let token = set_cookie["access_token=".len()..]
        .split(';')
        .next()
        .unwrap();
    assert_eq!(
        send(&app, with_cookie(get("/users/me"), token))
            .await
            .status,
        StatusCode::OK
    );

    // Secure, with the `__Host-` prefix, when so configured; the token is read from that name.
    let cookie_secure = true;
    let secure_app = employees::app(
        wired(
            &db,
            Wiring {
                cookie_secure,
                ..wiring()
            },
        )
        .await,
    );
    let reply = send(
        &secure_app,
        browser_form("/token", &format!("username={BEHAI}&password=password")),
    )
    .await;
    let set_cookie = reply
        .set_cookie("__Host-access_token")
        .expect("__Host- cookie");
    let attributes = cookie_attributes(&set_cookie);
    for expected in ["secure", "path=/", "httponly"] {
        assert!(
            attributes.iter().any(|a| a == expected),
            "{expected} in {set_cookie}"
        );
    }
    assert!(
        !attributes.iter().any(|a| a.starts_with("domain")),
        "{set_cookie}"
    );
    let token = set_cookie["__Host-access_token=".len()..]
        .split(';')
        .next()
        .unwrap();
    let mut request = get("/users/me");
    request.headers_mut().insert(
        "cookie",
        format!("__Host-access_token={token}").parse().unwrap(),
    );
    assert_eq!(send(&secure_app, request).await.status, StatusCode::OK);
    // The unprefixed name, which any subdomain could set, is not read.
    assert_eq!(
        send(&secure_app, with_cookie(get("/users/me"), token))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}
dual_test!(browser_login, browser_login_sets_cookie_and_redirects);

async fn browser_next_is_honoured_only_on_site(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    for (next, location) in [
        ("%2Fdocs", "/docs"),
        ("%2Fusers%2Fme%3Fx%3D1", "/users/me?x=1"),
        ("%2F%2Fevil.example", "/"),
        ("https%3A%2F%2Fevil.example%2F", "/"),
        ("%2F%5Cevil.example", "/"),
        ("evil", "/"),
        ("", "/"),
    ] {
        let reply = send(
            &app,
            browser_form(
                "/token",
                &format!("username={BEHAI}&password=password&next={next}"),
            ),
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.header("location"), Some(location), "next={next}");
    }
}
dual_test!(browser_next, browser_next_is_honoured_only_on_site);

async fn browser_failure_shows_the_page_again(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let reply = send(
        &app,
        browser_form(
            "/token",
            &format!("username={BEHAI}&password=Wr0ngPass&next=%2Fdocs"),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(reply.header("set-cookie").is_none());
    let page = reply.text();
    assert!(page.contains("Incorrect username or password"));
    assert!(
        page.contains(&format!("value=\"{BEHAI}\"")),
        "the email is kept"
    );
    assert!(!page.contains("Wr0ngPass"), "never the password");
    assert!(page.contains("name=\"next\" value=\"/docs\""));

    let reply = send(&app, browser_form("/token", "username=&password=")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.text().contains("Enter your email and password"));
}
dual_test!(browser_failure, browser_failure_shows_the_page_again);
