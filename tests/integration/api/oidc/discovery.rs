//! The provider's metadata: one document at both well-known addresses, naming every endpoint
//! under the issuer and what the contract says is supported, cacheable like the key set.

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::json;

use crate::common::*;

async fn both_documents_describe_the_provider(db: Db) {
    let app = employees::app(state(db).await);
    let oidc = send(&app, get("/.well-known/openid-configuration")).await;
    let oauth = send(&app, get("/.well-known/oauth-authorization-server")).await;
    for reply in [&oidc, &oauth] {
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("cache-control"), Some("public, max-age=300"));
    }
    let meta = oidc.json();
    assert_eq!(meta, oauth.json(), "one document at both addresses");
    assert_eq!(meta["issuer"], ISSUER);
    for (field, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/userinfo"),
        ("jwks_uri", "/jwks.json"),
        ("end_session_endpoint", "/logout"),
        ("revocation_endpoint", "/token/revoke"),
        ("introspection_endpoint", "/token/introspect"),
    ] {
        assert_eq!(meta[field], format!("{ISSUER}{path}"), "{field}");
    }
    assert_eq!(meta["response_types_supported"], json!(["code"]));
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        meta["id_token_signing_alg_values_supported"],
        json!(["ES256", "RS256"])
    );
    assert_eq!(meta["subject_types_supported"], json!(["public"]));
    assert_eq!(
        meta["grant_types_supported"],
        json!([
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "password"
        ])
    );
    assert_eq!(
        meta["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post", "none"])
    );
    assert_eq!(
        meta["scopes_supported"],
        json!([
            "openid",
            "profile",
            "email",
            "offline_access",
            "me",
            "directory",
            "manager",
            "hr",
            "admin"
        ])
    );
    let claims = meta["claims_supported"].as_array().unwrap();
    for claim in [
        "sub",
        "auth_time",
        "nonce",
        "at_hash",
        "amr",
        "sid",
        "employee_number",
        "manager",
    ] {
        assert!(claims.contains(&json!(claim)), "{claim}");
    }
}
dual_test!(metadata, both_documents_describe_the_provider);
