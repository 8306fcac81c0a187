//! A relying party's moves: register a client, make a PKCE pair, walk a browser through
//! `/authorize`, redeem the code, verify an ID token with the published keys.

use axum::{Router, http::StatusCode};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{DecodingKey, Validation, jwk::JwkSet};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::*;

pub const CALLBACK: &str = "https://app.example/callback";
pub const LOGGED_OUT: &str = "https://app.example/bye";

/// A registered client: its id and (confidential) secret.
pub struct Registered {
    pub id: String,
    pub secret: Option<String>,
}

/// Registers a client through the admin API; `overrides` replaces fields of a confidential
/// client allowed everything.
pub async fn register(app: &Router, overrides: Value) -> Registered {
    let admin = login(app, BEHAI).await;
    let mut body = json!({
        "name": "Toy app", "redirect_uris": [CALLBACK], "post_logout_redirect_uris": [LOGGED_OUT],
        "confidential": true, "consent": false, "id_token_signed_response_alg": "ES256",
        "allowed_scopes": ["openid", "profile", "email", "offline_access", "me", "directory", "hr"],
        "grant_types": ["authorization_code", "refresh_token"],
    });
    for (key, value) in overrides.as_object().unwrap() {
        body[key] = value.clone();
    }
    let reply = send(app, with_bearer(json_post("/admin/clients", body), &admin)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let json = reply.json();
    Registered {
        id: json["client_id"].as_str().unwrap().to_owned(),
        secret: json["client_secret"].as_str().map(str::to_owned),
    }
}

pub fn json_post(uri: &str, body: Value) -> axum::http::Request<axum::body::Body> {
    json(uri, body)
}

/// A verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// `/authorize?…` for `client` with `challenge`, plus `extra` pairs.
pub fn authorize_uri(client: &str, challenge: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", CALLBACK),
        ("scope", "openid profile email offline_access me"),
        ("state", "st4te"),
        ("nonce", "n0nce"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    for (name, value) in extra {
        pairs.retain(|(known, _)| known != name);
        if !value.is_empty() {
            pairs.push((name, value));
        }
    }
    format!("/authorize?{}", serde_urlencoded::to_string(pairs).unwrap())
}

/// A browser GET with the login cookie (`None`: logged out).
pub async fn browse(app: &Router, uri: &str, cookie: Option<&str>) -> Reply {
    let request = browser_get(uri);
    match cookie {
        Some(token) => send(app, with_cookie(request, token)).await,
        None => send(app, request).await,
    }
}

pub fn browser_get(uri: &str) -> axum::http::Request<axum::body::Body> {
    let mut request = get(uri);
    request
        .headers_mut()
        .insert("accept", "text/html".parse().unwrap());
    request
}

/// The query of a redirect's `Location` as pairs.
pub fn query_of(location: &str) -> Vec<(String, String)> {
    let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
    serde_urlencoded::from_str(query).unwrap()
}

pub fn param(location: &str, name: &str) -> Option<String> {
    query_of(location)
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

/// Walks a logged-in browser through `/authorize` and returns the code.
pub async fn code_for(app: &Router, cookie: &str, uri: &str) -> String {
    let reply = browse(app, uri, Some(cookie)).await;
    assert_eq!(reply.status, StatusCode::FOUND, "{}", reply.text());
    let location = reply.header("location").unwrap().to_owned();
    assert!(location.starts_with(CALLBACK), "{location}");
    assert_eq!(param(&location, "state").as_deref(), Some("st4te"));
    param(&location, "code").expect("a code")
}

/// `POST /token` with `grant_type=authorization_code`, the client authenticating by Basic.
pub async fn redeem(app: &Router, client: &Registered, code: &str, verifier: &str) -> Reply {
    let body = serde_urlencoded::to_string([
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("code_verifier", verifier),
    ])
    .unwrap();
    match &client.secret {
        Some(_) => send(app, with_basic(form("/token", &body), client)).await,
        None => {
            send(
                app,
                form("/token", &format!("{body}&client_id={}", client.id)),
            )
            .await
        }
    }
}

/// `request` with the client's credentials in `Authorization: Basic` (client_secret_basic).
pub fn with_basic(
    mut request: axum::http::Request<axum::body::Body>,
    client: &Registered,
) -> axum::http::Request<axum::body::Body> {
    let credentials = format!(
        "{}:{}",
        client.id,
        client.secret.as_deref().unwrap_or_default()
    );
    let basic = base64::engine::general_purpose::STANDARD.encode(credentials);
    request
        .headers_mut()
        .insert("authorization", format!("Basic {basic}").parse().unwrap());
    request
}

/// Verifies an ID token with the published keys as a relying party would.
pub async fn verify_id_token(app: &Router, token: &str, client_id: &str) -> Value {
    let set: JwkSet = serde_json::from_value(send(app, get("/jwks.json")).await.json()).unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    let key = set
        .find(&header.kid.unwrap())
        .expect("the ID token's key is published");
    let mut validation = Validation::new(header.alg);
    validation.set_audience(&[client_id]);
    validation.set_issuer(&[ISSUER]);
    jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(key).unwrap(), &validation)
        .expect("the ID token verifies")
        .claims
}
