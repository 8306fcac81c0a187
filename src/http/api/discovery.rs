//! What relying parties read before anything else: the provider's metadata (OIDC Discovery 1.0
//! and RFC 8414, one document at both addresses), the published keys (RFC 7517), and the
//! rotation that operators start (`POST /admin/keys/rotate`, scope `admin`).

use axum::{
    Json,
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::scope::Scope,
    error::{Detail, Error},
    http::extract::auth::{AdminRead, Authorized},
    service::keys::Rotated,
    state::AppState,
};

/// The scopes of OpenID Connect that this provider grants besides its own five.
pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// The provider's metadata. Fields are those of OIDC Discovery 1.0 §3 and RFC 8414 §2.
#[derive(Serialize, ToSchema)]
pub struct Metadata {
    #[schema(example = "http://127.0.0.1:8000")]
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: String,
    jwks_uri: String,
    end_session_endpoint: String,
    revocation_endpoint: String,
    introspection_endpoint: String,
    response_types_supported: [&'static str; 1],
    response_modes_supported: [&'static str; 1],
    grant_types_supported: [&'static str; 4],
    code_challenge_methods_supported: [&'static str; 1],
    scopes_supported: Vec<&'static str>,
    id_token_signing_alg_values_supported: [&'static str; 2],
    token_endpoint_auth_methods_supported: [&'static str; 3],
    revocation_endpoint_auth_methods_supported: [&'static str; 3],
    introspection_endpoint_auth_methods_supported: [&'static str; 3],
    subject_types_supported: [&'static str; 1],
    prompt_values_supported: [&'static str; 3],
    claims_supported: [&'static str; 19],
    claims_parameter_supported: bool,
    request_parameter_supported: bool,
    request_uri_parameter_supported: bool,
    authorization_response_iss_parameter_supported: bool,
}

const AUTH_METHODS: [&str; 3] = ["client_secret_basic", "client_secret_post", "none"];

fn metadata(issuer: &str) -> Metadata {
    let at = |path: &str| format!("{issuer}{path}");
    Metadata {
        issuer: issuer.to_owned(),
        authorization_endpoint: at("/authorize"),
        token_endpoint: at("/token"),
        userinfo_endpoint: at("/userinfo"),
        jwks_uri: at("/jwks.json"),
        end_session_endpoint: at("/logout"),
        revocation_endpoint: at("/token/revoke"),
        introspection_endpoint: at("/token/introspect"),
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        grant_types_supported: [
            "authorization_code",
            "refresh_token",
            "client_credentials",
            "password",
        ],
        code_challenge_methods_supported: ["S256"],
        scopes_supported: OIDC_SCOPES
            .into_iter()
            .chain(Scope::ALL.map(Scope::as_str))
            .collect(),
        id_token_signing_alg_values_supported: ["ES256", "RS256"],
        token_endpoint_auth_methods_supported: AUTH_METHODS,
        revocation_endpoint_auth_methods_supported: AUTH_METHODS,
        introspection_endpoint_auth_methods_supported: AUTH_METHODS,
        subject_types_supported: ["public"],
        prompt_values_supported: ["none", "login", "consent"],
        claims_supported: [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "at_hash",
            "amr",
            "sid",
            "name",
            "given_name",
            "family_name",
            "employee_number",
            "department",
            "title",
            "manager",
            "email",
            "email_verified",
        ],
        claims_parameter_supported: false,
        request_parameter_supported: false,
        request_uri_parameter_supported: false,
        authorization_response_iss_parameter_supported: true,
    }
}

/// Public, cacheable for as long as a new key is published ahead of its use.
fn cached(state: &AppState, body: impl Serialize) -> Response {
    let max_age = state.auth.jwt().ring().policy().publish_ahead.as_secs();
    let mut response = Json(body).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

/// OpenID Connect Discovery 1.0: the provider's metadata.
#[utoipa::path(get, path = "/.well-known/openid-configuration", tag = "openid",
    responses((status = 200, body = Metadata)))]
pub async fn openid_configuration(State(state): State<AppState>) -> Response {
    cached(&state, metadata(state.auth.jwt().issuer()))
}

/// RFC 8414: the same metadata for OAuth 2.0 clients.
#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "openid",
    responses((status = 200, body = Metadata)))]
pub async fn oauth_authorization_server(State(state): State<AppState>) -> Response {
    cached(&state, metadata(state.auth.jwt().issuer()))
}

/// RFC 7517 key set: every published key (next, active and retired).
#[derive(ToSchema)]
#[schema(example = json!({"keys": [{"kty": "EC", "use": "sig", "alg": "ES256", "kid": "…", "crv": "P-256", "x": "…", "y": "…"}]}))]
#[allow(dead_code)] // documentation only: the body is jsonwebtoken's `JwkSet`
pub struct KeySet {
    #[schema(value_type = Vec<Object>)]
    keys: Vec<serde_json::Value>,
}

/// The published signing keys, to verify this service's tokens with.
#[utoipa::path(get, path = "/jwks.json", tag = "openid",
    responses((status = 200, body = KeySet, content_type = "application/json")))]
pub async fn jwks(State(state): State<AppState>) -> Response {
    cached(&state, state.auth.jwt().ring().jwks())
}

/// Publishes a successor of each signing key now; it signs once JWKS_MAX_AGE_SECONDS have passed
/// (a successor already waiting is kept).
#[utoipa::path(post, path = "/admin/keys/rotate", tag = "openid",
    responses(
        (status = 200, description = "The keys waiting to sign", body = [Rotated]),
        (status = 401, description = "No valid token", body = Detail),
        (status = 403, description = "The token lacks `admin`", body = Detail),
    ),
    security(("oauth2" = ["admin"]), ("cookie" = []))
)]
pub async fn rotate(
    State(state): State<AppState>,
    _caller: Authorized<AdminRead>,
) -> Result<Json<Vec<Rotated>>, Error> {
    Ok(Json(state.auth.jwt().ring().rotate().await?))
}
