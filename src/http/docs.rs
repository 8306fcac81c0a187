//! The OpenAPI document (`/openapi.json`) and Swagger UI (`/docs`), both served from the binary.
//! The document declares the OAuth2 password flow with `tokenUrl: /token`, so Swagger UI's
//! Authorize button logs in through the same endpoint as every other client.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, Flow, OAuth2, Password, Scopes, SecurityScheme},
};

use crate::{
    domain::Profile,
    error::{Detail, OAuthCode, OAuthError},
    http::{
        extract::COOKIE_NAME,
        health::{self, Health},
        logout, pages,
        token::{self, TokenRequest, TokenResponse},
        users,
    },
    service::auth::SCOPES,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Employees",
        description = "The MySQL `employees` sample database (test_db) behind one OAuth2 password-grant login.\n\n\
                       Click **Authorize**, enter a seeded email (e.g. `behai_nguyen@hotmail.com`) and its password \
                       (`password`), leave client id and secret empty, then try `GET /users/me`."
    ),
    paths(
        token::token,
        users::me,
        logout::logout,
        pages::login,
        pages::home,
        health::healthz,
        health::readyz,
    ),
    components(schemas(TokenRequest, TokenResponse, OAuthError, OAuthCode, Detail, Profile, Health)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "Login and logout"),
        (name = "users", description = "Employees"),
        (name = "pages", description = "HTML pages for browsers"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::new([Flow::Password(Password::new(
                "/token",
                Scopes::from_iter(SCOPES),
            ))])),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(COOKIE_NAME))),
        );
    }
}
