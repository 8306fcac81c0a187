//! The body of `POST /token` as an extractor: a form or a JSON object with the RFC 6749 §4.3.2
//! fields, the password in a type that cannot be printed, credentials refused in the URL.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::HeaderMap,
};
use mediatype::MediaType;
use secrecy::SecretString;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    error::{Error, OAuthCode, OAuthError},
    service::auth::LoginRequest,
    state::AppState,
};

/// The fields of a token request, as a form or as JSON. Unknown fields are ignored (RFC 6749
/// §3.2); a field given twice is `invalid_request`. Swagger UI's Try it out fills in each field's
/// example and sends what is not empty: the optional ones have an empty example, so that it sends
/// no placeholder (`"string"`) for them.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `password` if present.
    #[schema(example = "password", pattern = "^password$")]
    pub grant_type: Option<String>,
    /// The employee's email.
    #[schema(value_type = String, required = true, min_length = 1, example = "behai_nguyen@hotmail.com")]
    pub username: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 72,
             example = "password", format = Password)]
    pub password: Option<SecretString>,
    /// Space-separated scopes: `me`, `manager`. Empty: the default scopes.
    #[schema(example = "", default = "")]
    pub scope: Option<String>,
    /// Accepted and ignored.
    #[schema(example = "")]
    pub client_id: Option<String>,
    /// Accepted and ignored.
    #[schema(value_type = Option<String>, example = "", format = Password)]
    pub client_secret: Option<SecretString>,
    /// The `/login` form's redirect target after success (same-site paths only).
    #[schema(example = "")]
    pub next: Option<String>,
}

fn invalid_request(description: &str) -> Error {
    OAuthError::new(OAuthCode::InvalidRequest, description).into()
}

impl FromRequest<AppState> for TokenRequest {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        // RFC 6749 §3.2 wants the parameters in the body; a URL is logged and kept in histories.
        if request.uri().query().is_some_and(|query| !query.is_empty()) {
            return Err(invalid_request(
                "Parameters of a token request belong in the body, not in the URL",
            ));
        }
        let headers = request.headers().clone();
        let body = Bytes::from_request(request, state).await?;
        parse_body(&headers, &body)
    }
}

/// The essence (`type/subtype`, lower case) of the request's `Content-Type`; an unreadable one
/// gives an essence that matches nothing (so: 415).
fn content_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(axum::http::header::CONTENT_TYPE)?;
    Some(
        value
            .to_str()
            .ok()
            .and_then(|text| MediaType::parse(text).ok())
            .map(|media| media.essence().to_string().to_ascii_lowercase())
            .unwrap_or_default(),
    )
}

/// Reads the body by its content type: form or JSON (an object), anything else 415, nothing at
/// all `invalid_request`.
fn parse_body(headers: &HeaderMap, body: &Bytes) -> Result<TokenRequest, Error> {
    let essence = match content_type(headers) {
        None if body.is_empty() => return Err(invalid_request("The request body is empty")),
        Some(essence) => essence,
        None => return Err(Error::UnsupportedMediaType),
    };
    let parsed = match essence.as_str() {
        "application/x-www-form-urlencoded" => {
            serde_urlencoded::from_bytes::<TokenRequest>(body).map_err(|e| e.to_string())
        }
        "application/json" => {
            // serde would also read a struct from an array, by position: only objects count.
            if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
                return Err(invalid_request("The body must be a JSON object"));
            }
            serde_json::from_slice::<TokenRequest>(body).map_err(|e| e.to_string())
        }
        _ => return Err(Error::UnsupportedMediaType),
    };
    parsed.map_err(|message| invalid_request(&malformed(&message)))
}

/// Describes a parse error without echoing what was sent: serde's messages quote the values
/// (`invalid type: integer `12345678``), which may be a password.
fn malformed(message: &str) -> String {
    match message.strip_prefix("duplicate field ") {
        Some(field) => format!(
            "Malformed request: {} given twice",
            field.split(" at line").next().unwrap_or_default()
        ),
        None => "Malformed request: every field must be a single string".to_owned(),
    }
}

impl TokenRequest {
    /// The checks of RFC 6749 §4.3.2 that need no database; the login request for the service.
    pub fn into_login(self) -> Result<LoginRequest, Error> {
        match self.grant_type.as_deref() {
            None | Some("password") => {}
            Some("") => return Err(invalid_request("grant_type is empty")),
            Some(_) => {
                return Err(OAuthError::new(
                    OAuthCode::UnsupportedGrantType,
                    "Only the password grant is supported",
                )
                .into());
            }
        }
        let username = match self.username.as_deref().map(str::trim) {
            Some(username) if !username.is_empty() => username.to_owned(),
            _ => return Err(invalid_request("username is required")),
        };
        let password = match self.password {
            Some(password) if !secrecy::ExposeSecret::expose_secret(&password).is_empty() => {
                password
            }
            _ => return Err(invalid_request("password is required")),
        };
        Ok(LoginRequest {
            username,
            password,
            scope: self.scope,
            address: None,
            device: None,
            user_agent: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_cannot_be_printed() {
        let body =
            Bytes::from_static(b"username=a%40b.c&password=Hunter2-Secret&client_secret=S3cr3t");
        let mut headers = HeaderMap::new();
        headers.insert(
            axum::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        let request = parse_body(&headers, &body).unwrap();
        let printed = format!("{request:?}");
        assert!(printed.contains("a@b.c"), "{printed}");
        assert!(
            !printed.contains("Hunter2") && !printed.contains("S3cr3t"),
            "{printed}"
        );
        let login = request.into_login().unwrap();
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&login.password),
            "Hunter2-Secret"
        );
    }
}
