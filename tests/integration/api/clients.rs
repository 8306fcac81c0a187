//! `/admin/clients` and `ClientService`: registration (secrets shown once, stored hashed), the
//! redirect-URI rule, client authentication, removal ending the client's sessions, and the
//! seeded `swagger-ui` client.

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use employees::{
    db::Db,
    domain::client::{GrantType, all_scopes},
    service::clients::{ClientAuthError, SwaggerUi},
    state::AppState,
};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::*;

pub async fn setup(db: &Db) -> (AppState, Router, String) {
    seeded(db).await;
    let state = state(db.clone()).await;
    let app = employees::app(state.clone());
    let admin = login(&app, BEHAI).await;
    (state, app, admin)
}

pub fn body(confidential: bool) -> Value {
    json!({
        "name": "Payroll portal",
        "redirect_uris": ["https://payroll.example.com/callback"],
        "post_logout_redirect_uris": ["https://payroll.example.com/"],
        "confidential": confidential,
        "allowed_scopes": ["openid", "profile", "directory"],
        "grant_types": ["authorization_code", "refresh_token"],
        "consent": true,
        "id_token_signed_response_alg": "RS256",
    })
}

pub async fn register(app: &Router, token: &str, body: Value) -> Reply {
    send(app, with_bearer(json("/admin/clients", body), token)).await
}

pub fn delete(uri: &str) -> Request<Body> {
    Request::delete(uri).body(Body::empty()).unwrap()
}

async fn secret_hash(db: &Db, client_id: &str) -> Option<String> {
    employees::dispatch!(db, pool => {
        sqlx::query_scalar("SELECT secret_hash FROM oauth_clients WHERE client_id = ?")
            .bind(client_id)
            .fetch_one(pool)
            .await
            .unwrap()
    })
}

async fn registers_clients_and_shows_a_secret_once(db: Db) {
    let (state, app, admin) = setup(&db).await;
    let reply = register(&app, &admin, body(true)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let id = reply.json()["client_id"].as_str().unwrap().to_owned();
    let secret = reply.json()["client_secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 43, "32 random bytes, base64url");

    // Stored as its SHA-256, never as itself; never answered again.
    let stored = secret_hash(&db, &id)
        .await
        .expect("a confidential client's hash");
    assert_ne!(stored, secret);
    let expected: String = Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(stored, expected);
    let shown = send(
        &app,
        with_bearer(get(&format!("/admin/clients/{id}")), &admin),
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK);
    let client = shown.json();
    assert_eq!(client["name"], "Payroll portal");
    assert_eq!(client["confidential"], true);
    assert_eq!(client["consent"], true);
    assert_eq!(client["id_token_signed_response_alg"], "RS256");
    assert_eq!(
        client["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        client["redirect_uris"],
        json!(["https://payroll.example.com/callback"])
    );
    assert!(client.get("client_secret").is_none() && client.get("secret_hash").is_none());
    let listed = send(&app, with_bearer(get("/admin/clients"), &admin)).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(
        listed
            .json()
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["client_id"] == id.as_str())
    );
    for text in [shown.text(), listed.text()] {
        assert!(!text.contains(&secret) && !text.contains(&stored), "{text}");
    }

    // A public client: no secret, none stored.
    let reply = register(&app, &admin, body(false)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert_eq!(reply.json()["client_secret"], Value::Null);
    let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'client.register'";
    let registrations: i64 = employees::dispatch!(&db, pool => {
        sqlx::query_scalar(audited).fetch_one(pool).await.unwrap()
    });
    assert_eq!(registrations, 2, "each registration is on record");
    let public = reply.json()["client_id"].as_str().unwrap().to_owned();
    assert_eq!(secret_hash(&db, &public).await, None);

    // Authentication: the confidential client with its secret only, the public one without.
    let clients = &state.clients;
    let right = SecretString::from(secret.clone());
    let wrong = SecretString::from(format!("{}x", &secret[..42]));
    assert_eq!(
        clients
            .authenticate(&id, Some(&right))
            .await
            .unwrap()
            .client_id,
        id
    );
    assert!(matches!(
        clients.authenticate(&id, Some(&wrong)).await,
        Err(ClientAuthError::WrongSecret)
    ));
    assert!(matches!(
        clients.authenticate(&id, None).await,
        Err(ClientAuthError::SecretMissing)
    ));
    assert!(clients.authenticate(&public, None).await.is_ok());
    assert!(matches!(
        clients.authenticate(&public, Some(&right)).await,
        Err(ClientAuthError::SecretUnexpected)
    ));
    assert!(matches!(
        clients.authenticate("nobody", None).await,
        Err(ClientAuthError::Unknown)
    ));
}
dual_test!(
    register_and_authenticate,
    registers_clients_and_shows_a_secret_once
);

/// Swagger UI's placeholders and every rule: `422` naming the field, never a `500`.
async fn registrations_that_break_a_rule_are_422_naming_the_field(db: Db) {
    let (_, app, admin) = setup(&db).await;
    let with = |field: &str, value: Value| {
        let mut body = body(false);
        body[field] = value;
        body
    };
    let placeholders = json!({
        "name": "string", "redirect_uris": ["string"], "post_logout_redirect_uris": ["string"],
        "confidential": true, "allowed_scopes": ["string"], "grant_types": ["string"],
        "consent": true, "id_token_signed_response_alg": "string",
    });
    let cases = [
        (
            with("redirect_uris", json!(["http://app.example.com/cb"])),
            "redirect_uris",
        ),
        (with("redirect_uris", json!(["/callback"])), "redirect_uris"),
        (
            with("redirect_uris", json!(["https://app.example.com/cb#top"])),
            "redirect_uris",
        ),
        (with("redirect_uris", json!([])), "redirect_uris"),
        (
            with("post_logout_redirect_uris", json!(["ftp://x/"])),
            "post_logout_redirect_uris",
        ),
        (
            with("grant_types", json!(["client_credentials"])),
            "grant_types",
        ),
        (with("grant_types", json!(["implicit"])), "grant_types"),
        (with("grant_types", json!([])), "grant_types"),
        (with("allowed_scopes", json!(["string"])), "allowed_scopes"),
        (with("allowed_scopes", json!([])), "allowed_scopes"),
        (
            with("id_token_signed_response_alg", json!("HS256")),
            "id_token_signed_response_alg",
        ),
        (with("name", json!("")), "name"),
        (with("confidential", json!("yes")), "confidential"),
        (placeholders, "grant_types"),
    ];
    for (case, field) in cases {
        let reply = register(&app, &admin, case.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case}: {}",
            reply.text()
        );
        let errors = reply.json()["errors"].clone();
        assert!(
            errors
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{case}: {errors}"
        );
    }
    // Loopback hosts may use http (a native app's or a developer's callback).
    let loopback = json!([
        "http://127.0.0.1:3000/cb",
        "http://[::1]/cb",
        "http://localhost/cb"
    ]);
    let reply = register(&app, &admin, with("redirect_uris", loopback)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    // A confidential client may have client_credentials (and needs no redirect URI then).
    let mut service = with("grant_types", json!(["client_credentials"]));
    service["confidential"] = json!(true);
    service["redirect_uris"] = json!([]);
    let reply = register(&app, &admin, service).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    assert!(reply.json()["client_secret"].is_string());
}
dual_test!(
    refusals,
    registrations_that_break_a_rule_are_422_naming_the_field
);

async fn only_admins_manage_clients(db: Db) {
    let (_, app, admin) = setup(&db).await;
    let employee = login(&app, PRANAV).await;
    let requests = || {
        [
            json("/admin/clients", body(true)),
            get("/admin/clients"),
            get("/admin/clients/swagger-ui"),
            delete("/admin/clients/swagger-ui"),
        ]
    };
    for request in requests() {
        let reply = send(&app, with_bearer(request, &employee)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    }
    for request in requests() {
        assert_eq!(send(&app, request).await.status, StatusCode::UNAUTHORIZED);
    }
    for request in [
        get("/admin/clients/nobody"),
        delete("/admin/clients/nobody"),
    ] {
        let reply = send(&app, with_bearer(request, &admin)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text());
    }
    assert_eq!(
        send(&app, with_bearer(get("/admin/clients"), &admin))
            .await
            .json(),
        json!([])
    );
}
dual_test!(admin_only, only_admins_manage_clients);

async fn the_swagger_ui_client_follows_public_url(db: Db) {
    let state = state(db.clone()).await;
    let clients = &state.clients;
    let local = "http://127.0.0.1:8000";
    assert_eq!(
        clients.ensure_swagger_ui(local).await.unwrap(),
        SwaggerUi::Created
    );
    assert_eq!(
        clients.ensure_swagger_ui(local).await.unwrap(),
        SwaggerUi::Unchanged
    );
    let client = clients
        .get("swagger-ui")
        .await
        .unwrap()
        .expect("registered");
    assert_eq!(
        client.redirect_uris,
        [format!("{local}/docs/oauth2-redirect.html")]
    );
    assert!(!client.confidential && !client.consent);
    assert_eq!(
        client.grant_types,
        [GrantType::AuthorizationCode, GrantType::RefreshToken]
    );
    assert_eq!(client.allowed_scopes, all_scopes());
    assert!(clients.authenticate("swagger-ui", None).await.is_ok());

    let public = "https://id.example.com/employees";
    assert_eq!(
        clients.ensure_swagger_ui(public).await.unwrap(),
        SwaggerUi::Updated
    );
    assert_eq!(
        clients.ensure_swagger_ui(public).await.unwrap(),
        SwaggerUi::Unchanged
    );
    let client = clients.get("swagger-ui").await.unwrap().unwrap();
    assert_eq!(
        client.redirect_uris,
        [format!("{public}/docs/oauth2-redirect.html")]
    );
    assert_eq!(clients.list().await.unwrap().len(), 1);
}
dual_test!(swagger_ui, the_swagger_ui_client_follows_public_url);
