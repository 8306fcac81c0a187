//! Browser sessions that outlive the access token: a page request (one that asks for HTML) whose
//! access cookie is missing or no longer valid, but which carries a refresh cookie, is renewed
//! first: the refresh token is rotated, the request is served with the new access token, and
//! the answer sets both cookies. A working employee is not sent to the login page every
//! `ACCESS_TOKEN_EXPIRE_MINUTES`. The refresh cookie is `SameSite=Strict`, so no other site's
//! page can make a browser renew.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::extract::{CookieJar, cookie::Cookie};

use crate::{
    error::Error,
    http::{extract::browser::wants_html, extract::client::origin_of},
    service::sessions::RefreshError,
    state::AppState,
};

/// The access token a renewal issued, for the extractors of the request it renewed.
#[derive(Debug, Clone)]
pub struct Renewed(pub String);

/// The refresh cookie's value when this request should be renewed.
async fn renewable(state: &AppState, headers: &HeaderMap) -> Option<String> {
    if !wants_html(headers) || headers.contains_key(header::AUTHORIZATION) {
        return None;
    }
    let jar = CookieJar::from_headers(headers);
    let refresh = jar
        .get(state.web.refresh_cookie())
        .map(|cookie| cookie.value().to_owned())
        .filter(|value| !value.is_empty())?;
    let access_works = match jar.get(state.web.access_cookie()) {
        Some(cookie) => state.auth.jwt().validate(cookie.value()).await.is_ok(),
        None => false,
    };
    (!access_works).then_some(refresh)
}

/// Whether the response sets (or removes) the cookie `name`.
fn sets_cookie(response: &Response, name: &str) -> bool {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| Cookie::parse(value).ok())
        .any(|cookie| cookie.name() == name)
}

pub async fn renew(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(refresh) = renewable(&state, request.headers()).await else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let origin = origin_of(&parts, &state);
    let mut request = Request::from_parts(parts, body);
    match state
        .auth
        .sessions()
        .refresh(&refresh, None, None, &origin)
        .await
    {
        Ok(issued) => {
            request
                .extensions_mut()
                .insert(Renewed(issued.access_token.clone()));
            let response = next.run(request).await;
            // The handler's own cookies win: logout clears the ones just renewed.
            if sets_cookie(&response, state.web.access_cookie()) {
                return response;
            }
            let jar = state.web.session_cookies(CookieJar::new(), &issued);
            (jar, response).into_response()
        }
        // The database is unreachable: say so, rather than log the browser out.
        Err(RefreshError::Internal(error)) => error.into_response(),
        // A live session renewing in a loop: slowed down, not logged out.
        Err(RefreshError::TooFrequent { retry_after_secs }) => {
            Error::TooManyRefreshes { retry_after_secs }.into_response()
        }
        // The session is over: the request goes on unauthenticated, and the cookies are dropped.
        Err(_) => {
            let response = next.run(request).await;
            (state.web.removal_cookies(), response).into_response()
        }
    }
}
