//! `GET /users/me` and the token checks every protected request makes.

use axum::http::{Request, StatusCode};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use employees::db::Db;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::common::*;

fn assert_not_authenticated(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text());
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    assert_eq!(reply.json(), json!({"detail": "Not authenticated"}));
}

pub fn assert_invalid_token(reply: &Reply, case: &str) {
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "{case}: {}",
        reply.text()
    );
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\""),
        "{case}"
    );
    assert_eq!(
        reply.json(),
        json!({"detail": "Could not validate credentials"}),
        "{case}"
    );
}

async fn profile_of_the_token_holder(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let token = login(&app, PRANAV).await;
    let reply = send(&app, with_bearer(get("/users/me"), &token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.json(),
        json!({
            "emp_no": 10198,
            "email": "pranav.furedi.10198@gmail.com",
            "first_name": "Pranav",
            "last_name": "Furedi",
            "gender": "M",
            "birth_date": "1953-06-14",
            "hire_date": "1985-08-31",
            "department": "Development",
            "title": "Senior Engineer",
            "scope": "me directory",
            "roles": ["employee"],
        })
    );
}
dual_test!(profile, profile_of_the_token_holder);

async fn former_employee_profile_has_no_department(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    // Tokens are not issued to former employees, and a termination ends their sessions; a
    // session left from before (made here by hand) still reads, with no department.
    let token = session_token(&db, FORMER_EMP_NO, "me").await;
    let reply = send(&app, with_bearer(get("/users/me"), &token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json()["department"], Value::Null);
    assert_eq!(reply.json()["title"], Value::Null);
    // A token for an employee who does not exist is refused.
    let sid = start_session(&db, 10198).await;
    let (token, _) = jwt_keys(&db).await.issue(1, "me", &sid).unwrap();
    assert_invalid_token(
        &send(&app, with_bearer(get("/users/me"), &token)).await,
        "no such employee",
    );
}
dual_test!(former_profile, former_employee_profile_has_no_department);

fn with_authorization(value: &str) -> Request<axum::body::Body> {
    let mut request = get("/users/me");
    request
        .headers_mut()
        .insert("authorization", value.parse().unwrap());
    request
}

async fn bearer_header_as_rfc_6750_says(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let token = login(&app, BEHAI).await;
    for value in [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("BEARER   {token}"),
    ] {
        assert_eq!(
            send(&app, with_authorization(&value)).await.status,
            StatusCode::OK,
            "{value}"
        );
    }
    assert_eq!(
        send(&app, with_cookie(get("/users/me"), &token))
            .await
            .status,
        StatusCode::OK
    );

    assert_not_authenticated(&send(&app, get("/users/me")).await);
    for value in ["Bearer", "Bearer ", "Bearer    ", "Basic Og==", "Token abc"] {
        assert_not_authenticated(&send(&app, with_authorization(value)).await);
    }
    assert_not_authenticated(&send(&app, with_cookie(get("/users/me"), "")).await);
}
dual_test!(bearer_header, bearer_header_as_rfc_6750_says);

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The session of the hand-made tokens (started by the test that signs them).
const SID: &str = "0000000000004000800000000000a001";

fn claims(overrides: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    // Issued two minutes ago: before the state below made its first signing key (an HS256 token
    // from before the upgrade, which still works until it expires).
    let mut claims = json!({
        "sub": "500222", "iat": now - 120, "exp": now + 600, "jti": "8d4c1f7e-0000-4000-8000-000000000001",
        "iss": ISSUER, "aud": AUDIENCE, "scope": "me", "sid": SID,
    });
    for (key, value) in overrides.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(key);
        } else {
            claims[key] = value.clone();
        }
    }
    claims
}

fn sign(algorithm: Algorithm, key: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(key),
    )
    .unwrap()
}

async fn forged_and_broken_tokens_are_refused(db: Db) {
    seeded(&db).await;
    start_session_with(&db, 500222, SID).await;
    let app = employees::app(state(db).await);
    let good = sign(Algorithm::HS256, SECRET, &claims(json!({})));
    assert_eq!(
        send(&app, with_bearer(get("/users/me"), &good))
            .await
            .status,
        StatusCode::OK,
        "control"
    );

    let payload = b64(&claims(json!({})));
    let parts: Vec<&str> = good.split('.').collect();
    let cases: Vec<(&str, String)> = vec![
        (
            "alg none",
            format!("{}.{payload}.", b64(&json!({"alg": "none", "typ": "JWT"}))),
        ),
        (
            "alg none, signature kept",
            format!("{}.{payload}.{}", b64(&json!({"alg": "none"})), parts[2]),
        ),
        (
            "no alg",
            format!("{}.{payload}.{}", b64(&json!({"typ": "JWT"})), parts[2]),
        ),
        (
            "HS512 with our key",
            sign(Algorithm::HS512, SECRET, &claims(json!({}))),
        ),
        (
            "HS384 with our key",
            sign(Algorithm::HS384, SECRET, &claims(json!({}))),
        ),
        (
            "another key",
            sign(
                Algorithm::HS256,
                b"another-secret-another-secret-another",
                &claims(json!({})),
            ),
        ),
        (
            "tampered payload",
            format!(
                "{}.{}.{}",
                parts[0],
                b64(&claims(json!({"sub": "10198"}))),
                parts[2]
            ),
        ),
        (
            "expired",
            sign(
                Algorithm::HS256,
                SECRET,
                &claims(json!({"exp": chrono::Utc::now().timestamp() - 5})),
            ),
        ),
        (
            "wrong issuer",
            sign(
                Algorithm::HS256,
                SECRET,
                &claims(json!({"iss": "someone-else"})),
            ),
        ),
        (
            "wrong audience",
            sign(
                Algorithm::HS256,
                SECRET,
                &claims(json!({"aud": "another-api"})),
            ),
        ),
        (
            "no exp",
            sign(Algorithm::HS256, SECRET, &claims(json!({"exp": null}))),
        ),
        (
            "no iss",
            sign(Algorithm::HS256, SECRET, &claims(json!({"iss": null}))),
        ),
        (
            "no aud",
            sign(Algorithm::HS256, SECRET, &claims(json!({"aud": null}))),
        ),
        (
            "no jti",
            sign(Algorithm::HS256, SECRET, &claims(json!({"jti": null}))),
        ),
        (
            "no iat",
            sign(Algorithm::HS256, SECRET, &claims(json!({"iat": null}))),
        ),
        (
            "no sid",
            sign(Algorithm::HS256, SECRET, &claims(json!({"sid": null}))),
        ),
        (
            "a session that does not exist",
            sign(
                Algorithm::HS256,
                SECRET,
                &claims(json!({"sid": "f".repeat(32)})),
            ),
        ),
        (
            "another employee's session",
            sign(Algorithm::HS256, SECRET, &claims(json!({"sub": "10198"}))),
        ),
        (
            "non-numeric sub",
            sign(Algorithm::HS256, SECRET, &claims(json!({"sub": "admin"}))),
        ),
        (
            "HS256 issued after the upgrade",
            sign(
                Algorithm::HS256,
                SECRET,
                &claims(json!({"iat": chrono::Utc::now().timestamp() + 1})),
            ),
        ),
        ("malformed", "not-a-token".to_owned()),
        ("three garbage parts", "a.b.c".to_owned()),
        ("truncated", good[..good.len() - 10].to_owned()),
        ("oversized", format!("{good}{}", "A".repeat(8_000))),
    ];
    for (case, token) in cases {
        assert_invalid_token(
            &send(&app, with_bearer(get("/users/me"), &token)).await,
            case,
        );
        assert_invalid_token(
            &send(&app, with_cookie(get("/users/me"), &token)).await,
            case,
        );
    }
}
dual_test!(token_attacks, forged_and_broken_tokens_are_refused);
