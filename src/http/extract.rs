//! Request-side helpers: the authenticated-user extractor, the login cookie, and content
//! negotiation between browsers and API clients.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, header, request::Parts},
};
use axum_extra::{
    extract::cookie::{Cookie, CookieJar, SameSite},
    headers::{Authorization, HeaderMapExt, authorization::Bearer},
};
use headers_accept::Accept;
use mediatype::{MediaType, names};

use crate::{error::Error, repository::tokens, service::jwt::Claims, state::AppState};

/// The cookie that carries the access token for browsers.
pub const COOKIE_NAME: &str = "access_token";

/// Where a request's token came from: browsers use the cookie, API clients the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Header,
    Cookie,
}

/// A token whose signature and claims are valid; whether it was revoked is not checked yet
/// (handlers that read the database anyway check it in the same query, see [`CurrentUser`]).
#[derive(Debug, Clone)]
pub struct SignedToken {
    pub emp_no: i32,
    pub claims: Claims,
    pub source: TokenSource,
}

/// An employee authenticated by a valid, unrevoked token.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub emp_no: i32,
    pub claims: Claims,
    pub source: TokenSource,
}

/// The token of a request: `Authorization: Bearer` (RFC 6750 §2.1: scheme case-insensitive, one
/// or more spaces; `Bearer` with nothing after it is no token), else the login cookie.
pub fn find_token(headers: &HeaderMap) -> Option<(String, TokenSource)> {
    if let Some(Authorization(bearer)) = headers.typed_get::<Authorization<Bearer>>() {
        let token = bearer.token().trim_end();
        if !token.is_empty() {
            return Some((token.to_owned(), TokenSource::Header));
        }
    }
    CookieJar::from_headers(headers)
        .get(COOKIE_NAME)
        .map(|cookie| cookie.value().to_owned())
        .filter(|token| !token.is_empty())
        .map(|token| (token, TokenSource::Cookie))
}

impl FromRequestParts<AppState> for SignedToken {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let (token, source) = find_token(&parts.headers).ok_or(Error::Unauthenticated)?;
        let claims = state.jwt.validate(&token)?;
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
        let SignedToken {
            emp_no,
            claims,
            source,
        } = SignedToken::from_request_parts(parts, state).await?;
        if tokens::is_revoked(&state.db, &claims.jti).await? {
            return Err(Error::InvalidToken);
        }
        Ok(CurrentUser {
            emp_no,
            claims,
            source,
        })
    }
}

/// The login cookie: HttpOnly, SameSite=Lax, Path=/, no longer-lived than the token.
pub fn login_cookie(token: String, max_age: std::time::Duration, secure: bool) -> Cookie<'static> {
    Cookie::build((COOKIE_NAME, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(
            i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX),
        ))
        .build()
}

/// A cookie that makes the browser drop the login cookie.
pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = login_cookie(String::new(), std::time::Duration::ZERO, secure);
    cookie.make_removal();
    cookie
}

const APPLICATION_JSON: MediaType = MediaType::new(names::APPLICATION, names::JSON);
const TEXT_HTML: MediaType = MediaType::new(names::TEXT, names::HTML);

/// Whether the client prefers HTML (a browser) to JSON, by RFC 9110 content negotiation: a browser
/// sends `text/html` explicitly; `*/*` and a missing header mean JSON.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .typed_get::<Accept>()
        .is_some_and(|accept| accept.negotiate([&APPLICATION_JSON, &TEXT_HTML]) == Some(&TEXT_HTML))
}

/// The essence (`type/subtype`, lower case) of the request's `Content-Type`; an unreadable one
/// gives an essence that matches nothing (so: 415).
pub fn content_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?;
    Some(
        value
            .to_str()
            .ok()
            .and_then(|text| MediaType::parse(text).ok())
            .map(|media| media.essence().to_string().to_ascii_lowercase())
            .unwrap_or_default(),
    )
}

/// A redirect target after login: a same-site path (`/...` but not `//...` nor `/\...`, which
/// browsers treat as another host), else `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The client's address: the connection's peer, or, when the peer is one of `TRUSTED_PROXIES`,
/// the rightmost `X-Forwarded-For` entry (the address that proxy saw). `None` when the server
/// was started without connect info (in-process tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        Ok(ClientAddress(peer.map(|peer| {
            if state.auth.trusted_proxies.contains(&peer) {
                client_ip::rightmost_x_forwarded_for(&parts.headers).unwrap_or(peer)
            } else {
                peer
            }
        })))
    }
}

/// Whether a browser says the request comes from another site (`Sec-Fetch-Site: cross-site`).
/// Such form posts to `/token` or `/logout` would log a victim into someone else's account or out
/// of their own (login CSRF); same-site pages and non-browser clients do not send the value.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"cross-site"))
}

pub fn cross_site_refused() -> axum::response::Response {
    crate::error::detail(
        axum::http::StatusCode::FORBIDDEN,
        "Cross-site request refused",
    )
}
