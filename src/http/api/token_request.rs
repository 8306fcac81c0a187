//! The bodies of `POST /token` (and of revocation and introspection) as extractors: a form or a
//! JSON object with the RFC 6749 fields, the password in a type that cannot be printed,
//! credentials refused in the URL.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::HeaderMap,
};
use mediatype::MediaType;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, de::DeserializeOwned};
use utoipa::ToSchema;

use crate::{
    error::{Error, OAuthCode, OAuthError},
    service::{auth::LoginRequest, oidc::CodeRedemption},
    state::AppState,
};

/// The fields of a token request, as a form or as JSON. Unknown fields are ignored (RFC 6749
/// §3.2); a field given twice is `invalid_request`. Swagger UI's Try it out fills in each field's
/// example and sends what is not empty: the optional ones have an empty example, so that it sends
/// no placeholder (`"string"`) for them.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `password` (the default), `refresh_token`, `authorization_code`, `client_credentials` or
    /// `urn:employees:params:oauth:grant-type:mfa-otp` (the second step of a login).
    #[schema(
        example = "password",
        pattern = "^(password|refresh_token|authorization_code|client_credentials|urn:employees:params:oauth:grant-type:mfa-otp)$"
    )]
    pub grant_type: Option<String>,
    /// The employee's email (password grant).
    #[schema(value_type = String, min_length = 1, example = "behai_nguyen@hotmail.com")]
    pub username: Option<String>,
    /// The password (password grant).
    #[schema(value_type = String, min_length = 1, max_length = 72,
             example = "password", format = Password)]
    pub password: Option<SecretString>,
    /// The refresh token (refresh grant).
    #[schema(value_type = Option<String>, example = "")]
    pub refresh_token: Option<SecretString>,
    /// Space-separated scopes: `me`, `directory`, `manager`, `hr`, `admin`. Empty: the default
    /// scopes (at login, every one held; on refresh, the session's).
    #[schema(example = "", default = "")]
    pub scope: Option<String>,
    /// A registered client (`client_secret_post`, or a public client); ignored by the password
    /// grant.
    #[schema(example = "")]
    pub client_id: Option<String>,
    /// A confidential client's secret (`client_secret_post`); ignored by the password grant.
    #[schema(value_type = Option<String>, example = "", format = Password)]
    pub client_secret: Option<SecretString>,
    /// The authorization code (`authorization_code` grant).
    #[schema(value_type = Option<String>, example = "")]
    pub code: Option<SecretString>,
    /// The redirect URI the code was issued for (`authorization_code` grant).
    #[schema(example = "")]
    pub redirect_uri: Option<String>,
    /// The PKCE verifier (`authorization_code` grant).
    #[schema(value_type = Option<String>, example = "")]
    pub code_verifier: Option<SecretString>,
    /// The token of a login waiting for its second factor (`mfa-otp` grant).
    #[schema(value_type = Option<String>, example = "")]
    pub mfa_token: Option<SecretString>,
    /// A TOTP code or a recovery code (`mfa-otp` grant).
    #[schema(value_type = Option<String>, example = "")]
    pub otp: Option<SecretString>,
    /// The `/login` form's redirect target after success (same-site paths only).
    #[schema(example = "")]
    pub next: Option<String>,
}

fn invalid_request(description: &str) -> Error {
    OAuthError::new(OAuthCode::InvalidRequest, description).into()
}

/// An OAuth endpoint's body (RFC 6749 §3.2, RFC 7009 §2.1, RFC 7662 §2.1): a form, or a JSON
/// object with the same fields; parameters in the URL are refused.
pub struct OAuthForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for OAuthForm<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        // A URL is logged and kept in histories: no credentials there.
        if request.uri().query().is_some_and(|query| !query.is_empty()) {
            return Err(invalid_request(
                "Parameters of this request belong in the body, not in the URL",
            ));
        }
        let headers = request.headers().clone();
        let body = Bytes::from_request(request, state).await?;
        parse_body(&headers, &body).map(OAuthForm)
    }
}

impl FromRequest<AppState> for TokenRequest {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        OAuthForm::from_request(request, state)
            .await
            .map(|OAuthForm(body)| body)
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
fn parse_body<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> Result<T, Error> {
    let essence = match content_type(headers) {
        None if body.is_empty() => return Err(invalid_request("The request body is empty")),
        Some(essence) => essence,
        None => return Err(Error::UnsupportedMediaType),
    };
    let parsed = match essence.as_str() {
        "application/x-www-form-urlencoded" => {
            serde_urlencoded::from_bytes::<T>(body).map_err(|e| e.to_string())
        }
        "application/json" => {
            // serde would also read a struct from an array, by position: only objects count.
            if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
                return Err(invalid_request("The body must be a JSON object"));
            }
            serde_json::from_slice::<T>(body).map_err(|e| e.to_string())
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

/// The grant type of a login's second step.
pub const MFA_OTP_GRANT: &str = "urn:employees:params:oauth:grant-type:mfa-otp";

/// What a token request asks for.
pub enum Grant {
    Password(LoginRequest),
    Refresh {
        token: SecretString,
        scope: Option<String>,
        client_id: Option<String>,
        client_secret: Option<SecretString>,
    },
    /// RFC 6749 §4.1.3 with RFC 7636's verifier; the client authenticates as it can.
    Code {
        redemption: CodeRedemption,
        client_id: Option<String>,
        client_secret: Option<SecretString>,
    },
    /// The second step of a login that answered `mfa_required`.
    MfaOtp {
        mfa_token: SecretString,
        otp: SecretString,
    },
    /// RFC 6749 §4.4: a confidential client on its own behalf.
    ClientCredentials {
        scope: Option<String>,
        client_id: Option<String>,
        client_secret: Option<SecretString>,
    },
}

/// A required field: missing or empty is `invalid_request`.
fn required<T>(value: Option<T>, present: impl Fn(&T) -> bool, name: &str) -> Result<T, Error> {
    value
        .filter(|value| present(value))
        .ok_or_else(|| invalid_request(&format!("{name} is required")))
}

impl TokenRequest {
    /// The checks of RFC 6749 §4.3.2 and §6 that need no database.
    pub fn into_grant(self) -> Result<Grant, Error> {
        match self.grant_type.as_deref() {
            None | Some("password") => {}
            Some("refresh_token") => {
                let token = required(
                    self.refresh_token,
                    |t| !secrecy::ExposeSecret::expose_secret(t).is_empty(),
                    "refresh_token",
                )?;
                return Ok(Grant::Refresh {
                    token,
                    scope: self.scope,
                    client_id: self.client_id,
                    client_secret: self.client_secret,
                });
            }
            Some("authorization_code") => {
                let code = required(self.code, |c| !c.expose_secret().is_empty(), "code")?;
                return Ok(Grant::Code {
                    redemption: CodeRedemption {
                        code: code.expose_secret().to_owned(),
                        redirect_uri: self.redirect_uri,
                        code_verifier: self.code_verifier.map(|v| v.expose_secret().to_owned()),
                    },
                    client_id: self.client_id,
                    client_secret: self.client_secret,
                });
            }
            Some("client_credentials") => {
                return Ok(Grant::ClientCredentials {
                    scope: self.scope,
                    client_id: self.client_id,
                    client_secret: self.client_secret,
                });
            }
            Some(MFA_OTP_GRANT) => {
                let present = |s: &SecretString| !s.expose_secret().trim().is_empty();
                return Ok(Grant::MfaOtp {
                    mfa_token: required(self.mfa_token, present, "mfa_token")?,
                    otp: required(self.otp, present, "otp")?,
                });
            }
            Some("") => return Err(invalid_request("grant_type is empty")),
            Some(_) => {
                return Err(OAuthError::new(
                    OAuthCode::UnsupportedGrantType,
                    "Supported grants: password, refresh_token, authorization_code, \
                     client_credentials, urn:employees:params:oauth:grant-type:mfa-otp",
                )
                .into());
            }
        }
        let username = required(
            self.username.map(|u| u.trim().to_owned()),
            |u| !u.is_empty(),
            "username",
        )?;
        let password = required(
            self.password,
            |p| !secrecy::ExposeSecret::expose_secret(p).is_empty(),
            "password",
        )?;
        Ok(Grant::Password(LoginRequest {
            username,
            password,
            scope: self.scope,
            address: None,
            device: None,
            user_agent: None,
        }))
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
        let request: TokenRequest = parse_body(&headers, &body).unwrap();
        let printed = format!("{request:?}");
        assert!(printed.contains("a@b.c"), "{printed}");
        assert!(
            !printed.contains("Hunter2") && !printed.contains("S3cr3t"),
            "{printed}"
        );
        let Ok(Grant::Password(login)) = request.into_grant() else {
            panic!("a password grant");
        };
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&login.password),
            "Hunter2-Secret"
        );
    }
}
