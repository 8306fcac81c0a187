//! The authenticated-user extractors: the token from `Authorization: Bearer` or the login cookie
//! (or the one a browser's renewal just issued), checked for signature and claims, and (for
//! [`CurrentUser`]) for a live session; and the scope guards ([`Scoped`], [`Authorized`]) that
//! every endpoint needing a scope takes.

use std::marker::PhantomData;

use axum::{extract::FromRequestParts, http::request::Parts};
use axum_extra::{
    extract::cookie::CookieJar,
    headers::{Authorization, HeaderMapExt, authorization::Bearer},
};

use crate::{
    domain::{
        TokenRef,
        scope::{Scope, ScopeSet, Viewer},
    },
    error::Error,
    http::layers::renewal::Renewed,
    service::jwt::{CLIENT_EMP_NO, Claims},
    state::AppState,
};

/// Where a request's token came from: browsers use the cookie, API clients the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    Header,
    Cookie,
}

/// A token whose signature and claims are valid; whether its session is live is not checked yet
/// (handlers that read the database anyway check it in the same query, see
/// [`crate::service::auth::AuthService::account`]).
#[derive(Debug, Clone)]
pub struct SignedToken {
    pub emp_no: i32,
    pub claims: Claims,
    pub source: TokenSource,
    /// When it was checked (unix seconds, the service's clock): its session must be live then.
    pub checked_at: i64,
}

impl SignedToken {
    /// A client's own token (client credentials), not an employee's.
    pub fn is_client(&self) -> bool {
        self.claims.is_client()
    }

    /// What the statements that check this token's session need.
    pub fn token_ref(&self) -> TokenRef<'_> {
        TokenRef {
            sid: &self.claims.sid,
            emp_no: self.emp_no,
            now: self.checked_at,
        }
    }
}

/// An employee authenticated by a valid, unrevoked token.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub SignedToken);

/// The token of a request: `Authorization: Bearer` (RFC 6750 §2.1: scheme case-insensitive, one
/// or more spaces; `Bearer` with nothing after it is no token), else the one the browser's
/// renewal issued for this request, else the login cookie.
fn find_token(parts: &Parts, cookie_name: &str) -> Option<(String, TokenSource)> {
    if let Some(Authorization(bearer)) = parts.headers.typed_get::<Authorization<Bearer>>() {
        let token = bearer.token().trim_end();
        if !token.is_empty() {
            return Some((token.to_owned(), TokenSource::Header));
        }
    }
    if let Some(Renewed(token)) = parts.extensions.get::<Renewed>() {
        return Some((token.clone(), TokenSource::Cookie));
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
        let claims = state.auth.jwt().validate(&token).await?;
        let emp_no = match claims.is_client() {
            true => CLIENT_EMP_NO,
            false => claims.emp_no().ok_or(Error::InvalidToken)?,
        };
        Ok(SignedToken {
            emp_no,
            claims,
            source,
            checked_at: state.auth.jwt().clock().now(),
        })
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = SignedToken::from_request_parts(parts, state).await?;
        state.auth.ensure_live(&token.token_ref()).await?;
        Ok(CurrentUser(token))
    }
}

/// What an endpoint needs of a token: any one of `ANY_OF`. A token with none of them gets `403`
/// naming `NAMED` in `WWW-Authenticate` (RFC 6750 §3.1).
pub trait Need: Send + Sync {
    const ANY_OF: &'static [Scope];
    const NAMED: Scope;
}

/// `me`: one's own record (`/users/me`).
pub struct OwnRecord;
impl Need for OwnRecord {
    const ANY_OF: &'static [Scope] = &[Scope::Me];
    const NAMED: Scope = Scope::Me;
}

/// The directory: cards of current employees and departments (`directory`, `manager` or `hr`).
pub struct DirectoryRead;
impl Need for DirectoryRead {
    const ANY_OF: &'static [Scope] = &[Scope::Directory, Scope::Manager, Scope::Hr];
    const NAMED: Scope = Scope::Directory;
}

/// One employee by number: also `me`, which sees its own (the service says 404 to the rest).
pub struct EmployeeRead;
impl Need for EmployeeRead {
    const ANY_OF: &'static [Scope] = &[Scope::Me, Scope::Directory, Scope::Manager, Scope::Hr];
    const NAMED: Scope = Scope::Directory;
}

/// HR changes (`hr`).
pub struct HrWrite;
impl Need for HrWrite {
    const ANY_OF: &'static [Scope] = &[Scope::Hr];
    const NAMED: Scope = Scope::Hr;
}

/// The audit trail and roles (`admin`).
pub struct AdminRead;
impl Need for AdminRead {
    const ANY_OF: &'static [Scope] = &[Scope::Admin];
    const NAMED: Scope = Scope::Admin;
}

/// A token with the scope `N` needs, whose signature and claims are valid. Revocation is checked
/// by the handler's own query (`/users/me` reads the profile and the revocation together); a token
/// without the scope is checked here before it is refused (`401` before `403`).
pub struct Scoped<N> {
    pub token: SignedToken,
    pub viewer: Viewer,
    need: PhantomData<N>,
}

impl<N: Need> FromRequestParts<AppState> for Scoped<N> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = SignedToken::from_request_parts(parts, state).await?;
        let viewer = Viewer {
            emp_no: token.emp_no,
            scopes: ScopeSet::from_claim(token.claims.scope.as_deref()),
        };
        if !viewer.scopes.any(N::ANY_OF) {
            // Liveness first: a token of an ended session is `401` whatever its scope, so that a
            // client learns to log in again rather than to ask for another scope. Only refusals
            // pay for this look-up; a granted request checks liveness in its handler's statement.
            state.auth.ensure_live(&token.token_ref()).await?;
            return Err(Error::InsufficientScope(N::NAMED));
        }
        Ok(Scoped {
            token,
            viewer,
            need: PhantomData,
        })
    }
}

impl<N> Scoped<N> {
    /// The token for a statement to check its session in. A client's own token has no session:
    /// its client is checked here instead, and the statement checks nothing.
    pub async fn statement_check(&self, state: &AppState) -> Result<Option<TokenRef<'_>>, Error> {
        if self.token.is_client() {
            state.auth.ensure_live(&self.token.token_ref()).await?;
            return Ok(None);
        }
        Ok(Some(self.token.token_ref()))
    }
}

/// A token with the scope `N` needs whose session is live: the guard of every directory
/// endpoint.
pub struct Authorized<N>(pub Scoped<N>);

impl<N> Authorized<N> {
    pub fn viewer(&self) -> Viewer {
        self.0.viewer
    }
}

impl<N: Need> FromRequestParts<AppState> for Authorized<N> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let scoped = Scoped::<N>::from_request_parts(parts, state).await?;
        state.auth.ensure_live(&scoped.token.token_ref()).await?;
        Ok(Authorized(scoped))
    }
}
