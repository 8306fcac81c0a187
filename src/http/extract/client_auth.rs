//! Client authentication at the token, introspection and revocation endpoints (RFC 6749
//! §2.3.1): `client_secret_basic` (the `Authorization: Basic` header, whose id and secret are
//! form-encoded before base64) or `client_secret_post` (`client_id` and `client_secret` in the
//! body), or a public client's bare `client_id`. Using both methods at once is refused.

use axum::http::HeaderMap;
use axum_extra::headers::{Authorization, HeaderMapExt, authorization::Basic};
use percent_encoding::percent_decode_str;
use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, OAuthCode, OAuthError};

/// Who the client says it is.
#[derive(Debug)]
pub struct ClientCredentials {
    pub client_id: String,
    /// `None` for a public client.
    pub secret: Option<SecretString>,
    /// Came in the `Authorization` header (a refusal then asks for Basic again).
    pub basic: bool,
}

/// RFC 6749 Appendix B: `+` is a space, `%XX` a byte.
fn form_decoded(value: &str) -> Option<String> {
    percent_decode_str(&value.replace('+', " "))
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

fn invalid_request(description: &str) -> Error {
    OAuthError::new(OAuthCode::InvalidRequest, description).into()
}

/// The client's credentials from the header or the body; `None` when it named none. A Basic
/// header with an empty client id (Swagger UI's password flow sends one) names none.
pub fn client_credentials(
    headers: &HeaderMap,
    body_id: Option<&str>,
    body_secret: Option<&SecretString>,
) -> Result<Option<ClientCredentials>, Error> {
    let body_id = body_id.filter(|id| !id.is_empty());
    let body_secret = body_secret.filter(|secret| !secret.expose_secret().is_empty());
    if let Some(Authorization(basic)) = headers.typed_get::<Authorization<Basic>>()
        && !basic.username().is_empty()
    {
        if body_secret.is_some() {
            return Err(invalid_request(
                "Use one client authentication method, not two",
            ));
        }
        let id = form_decoded(basic.username())
            .ok_or_else(|| invalid_request("The Basic credentials are not form-encoded UTF-8"))?;
        if body_id.is_some_and(|body_id| body_id != id) {
            return Err(invalid_request(
                "client_id differs from the Basic credentials",
            ));
        }
        let secret = form_decoded(basic.password())
            .ok_or_else(|| invalid_request("The Basic credentials are not form-encoded UTF-8"))?;
        return Ok(Some(ClientCredentials {
            client_id: id,
            secret: (!secret.is_empty()).then(|| SecretString::from(secret)),
            basic: true,
        }));
    }
    Ok(body_id.map(|id| ClientCredentials {
        client_id: id.to_owned(),
        secret: body_secret.cloned(),
        basic: false,
    }))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn basic(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let encoded = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, value);
        let header = HeaderValue::from_str(&format!("Basic {encoded}")).unwrap();
        headers.insert(axum::http::header::AUTHORIZATION, header);
        headers
    }

    #[test]
    fn basic_and_post_credentials_are_read_and_never_both() {
        let found = client_credentials(&basic("my%20app:s%2Bcret"), None, None)
            .unwrap()
            .unwrap();
        assert_eq!(found.client_id, "my app");
        assert_eq!(found.secret.unwrap().expose_secret(), "s+cret");
        // Swagger UI's password flow: an empty id names no client.
        assert!(
            client_credentials(&basic(":"), None, None)
                .unwrap()
                .is_none()
        );
        let secret = SecretString::from("x");
        let post = client_credentials(&HeaderMap::new(), Some("app"), Some(&secret))
            .unwrap()
            .unwrap();
        assert!(!post.basic && post.secret.is_some());
        assert!(client_credentials(&basic("app:s"), None, Some(&secret)).is_err());
        assert!(client_credentials(&basic("app:s"), Some("other"), None).is_err());
        let public = client_credentials(&HeaderMap::new(), Some("swagger-ui"), None)
            .unwrap()
            .unwrap();
        assert!(public.secret.is_none());
    }
}
