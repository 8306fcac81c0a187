//! The authenticated-user extractors: the token from `Authorization: Bearer` or the login cookie,
//! checked for signature and claims, and (for [`CurrentUser`]) for revocation.

use axum::{extract::FromRequestParts, http::request::Parts};
use axum_extra::{
    extract::cookie::CookieJar,
    headers::{Authorization, HeaderMapExt, authorization::Bearer},
};

use crate::{error::Error, service::jwt::Claims, state::AppState};

/// Where a request's token came from: browsers use the cookie, API clients the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Header,
    Cookie,
}

/// A token whose signature and claims are valid; whether it was revoked is not checked yet
/// (handlers that read the database anyway check it in the same query, see
/// [`crate::service::auth::AuthService::profile`]).
#[derive(Debug, Clone)]
pub struct SignedToken {
    pub emp_no: i32,
    pub claims: Claims,
    pub source: TokenSource,
}

/// An employee authenticated by a valid, unrevoked token.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub SignedToken);

/// The token of a request: `Authorization: Bearer` (RFC 6750 §2.1: scheme case-insensitive, one
/// or more spaces; `Bearer` with nothing after it is no token), else the login cookie.
fn find_token(parts: &Parts, cookie_name: &str) -> Option<(String, TokenSource)> {
    if let Some(Authorization(bearer)) = parts.headers.typed_get::<Authorization<Bearer>>() {
        let token = bearer.token().trim_end();
        if !token.is_empty() {
            return Some((token.to_owned(), TokenSource::Header));
        }
    }
    CookieJar::from_headers(&parts.headers)
        .get(cookie_name)
        .map(|cookie| cookie.value().to_owned())
        .filter(|token| !token.is_empty())
        .map(|token| (token, TokenSource::Cookie))
}

impl FromRequestParts<AppState> for SignedToken {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let (token, source) =
            find_token(parts, state.web.access_cookie()).ok_or(Error::Unauthenticated)?;
        let claims = state.auth.jwt().validate(&token)?;
        let emp_no = claims.emp_no().ok_or(Error::InvalidToken)?;
        Ok(SignedToken {
            emp_no,
            claims,
            source,
        })
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = SignedToken::from_request_parts(parts, state).await?;
        state.auth.ensure_not_revoked(&token.claims).await?;
        Ok(CurrentUser(token))
    }
}
