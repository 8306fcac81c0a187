//! The OpenAPI document (`/openapi.json`) and Swagger UI (`/docs`), both served from the binary.
//! The document declares the OAuth2 password flow with `tokenUrl: /token`, so Swagger UI's
//! Authorize button logs in through the same endpoint as every other client.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{
        ApiKey, ApiKeyValue, AuthorizationCode, Flow, OAuth2, Password, Scopes,
        SecurityRequirement, SecurityScheme,
    },
};

use crate::{
    domain::{Profile, directory::Status, scope::Scope},
    error::{Detail, OAuthCode, OAuthError},
    http::{
        api::{health::Health, token::TokenResponse, token_request::TokenRequest, users::Me},
        extract::search_query::CardPageBody,
    },
    state::WebSettings,
};

/// The document as this service serves it: the cookie scheme names the cookie it really uses
/// (`__Host-access_token` with `COOKIE_SECURE`).
pub fn openapi(web: &WebSettings) -> utoipa::openapi::OpenApi {
    // Each group lists its own paths beside its routes; the modifiers run on the whole.
    let mut doc = ApiDoc::openapi()
        .merge_from(super::Paths::openapi())
        .merge_from(crate::http::pages::Paths::openapi());
    SecuritySchemes.modify(&mut doc);
    CommonResponses.modify(&mut doc);
    if let Some(components) = doc.components.as_mut() {
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(web.access_cookie()))),
        );
    }
    doc
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Employees",
        description = "The MySQL `employees` sample database (test_db) behind one OAuth2 password-grant login.\n\n\
                       Click **Authorize**, then either enter a seeded email (e.g. `behai_nguyen@hotmail.com`) and its \
                       password (`password`) in the password flow, or use the authorization code flow (client id \
                       `swagger-ui`, PKCE) to sign in on our own login page; then try `GET /users/me`."
    ),
    components(schemas(TokenRequest, TokenResponse, OAuthError, OAuthCode, Detail, Profile, Me, Health, CardPageBody, Status)),
    tags(
        (name = "auth", description = "Login, refresh, logout, revocation and introspection"),
        (name = "users", description = "The logged-in employee: profile, sessions, password"),
        (name = "passkeys", description = "The logged-in employee's passkeys (WebAuthn): register, list, remove"),
        (name = "audit", description = "The audit trail and granted roles (scope `admin`)"),
        (name = "clients", description = "Registered OAuth clients (scope `admin`)"),
        (name = "openid", description = "OpenID Provider: discovery, published keys, key rotation, userinfo"),
        (name = "hr", description = "HR changes (scope `hr`): each one transaction, on record in the audit trail"),
        (name = "directory", description = "Employees and departments, as the caller's scopes allow"),
        (name = "pages", description = "HTML pages for browsers"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

/// The security scheme of the authorization code flow with PKCE (the password flow's is
/// `oauth2`).
pub const CODE_SCHEME: &str = "oauth2_code";

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let roles = || Scope::ALL.map(|s| (s.as_str(), s.description()));
        let oidc = [
            (
                "openid",
                "Sign in with OpenID Connect (an ID token, /userinfo)",
            ),
            (
                "profile",
                "Name, employee number, department, title and manager at /userinfo",
            ),
            ("email", "The email address at /userinfo"),
            ("offline_access", "A refresh token"),
        ];
        // Both flows log in through `/token`: the password grant (email and password typed into
        // Swagger UI) and the code flow with PKCE (our own login page, as the seeded public
        // client `swagger-ui`). Two schemes, not two flows of one: Swagger UI keeps one
        // authorization per scheme name, so flows sharing a name show each other's login as
        // theirs and the password flow would send the code flow's scopes (`openid`, …), which
        // the password grant refuses.
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::new([Flow::Password(Password::new(
                "/token",
                Scopes::from_iter(roles()),
            ))])),
        );
        components.add_security_scheme(
            CODE_SCHEME,
            SecurityScheme::OAuth2(OAuth2::new([Flow::AuthorizationCode(
                AuthorizationCode::new(
                    "/authorize",
                    "/token",
                    Scopes::from_iter(oidc.into_iter().chain(roles())),
                ),
            )])),
        );
        // Wherever a token of the password flow will do, one of the code flow will too.
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.delete.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                let Some(security) = operation.security.as_mut() else {
                    continue;
                };
                let code: Vec<SecurityRequirement> = security
                    .iter()
                    .filter_map(|requirement| {
                        let value = serde_json::to_value(requirement).ok()?;
                        let scopes: Vec<String> =
                            serde_json::from_value(value.get("oauth2")?.clone()).ok()?;
                        Some(SecurityRequirement::new(CODE_SCHEME, scopes))
                    })
                    .collect();
                security.extend(code);
            }
        }
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("access_token"))),
        );
    }
}

/// The answers any request can get from the limits in front of every route (`http::limits`),
/// added to every operation so that the document lists every status a client can see.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            Ref, RefOr,
            response::{Response, ResponseBuilder},
        };
        let detail = |description: &str| -> RefOr<Response> {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    utoipa::openapi::Content::new(Some(Ref::from_schema_name("Detail"))),
                )
                .into()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.delete.as_mut(),
            ];
            for operation in operations.into_iter().flatten() {
                let responses = &mut operation.responses.responses;
                responses
                    .entry("431".into())
                    .or_insert_with(|| detail("Request headers too large"));
                responses.entry("429".into()).or_insert_with(|| {
                    detail("Too many requests in progress from this address (`Retry-After`)")
                });
                responses.entry("503".into()).or_insert_with(|| {
                    detail("Too many requests in progress, the request took too long, or the database is unavailable")
                });
            }
        }
    }
}
