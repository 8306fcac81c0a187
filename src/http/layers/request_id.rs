//! `X-Request-Id`: a client's own id when it is sane (1–128 characters of `A-Za-z0-9._-`), else
//! a new UUID (tower-http's request-id layers set and echo it). The request's span carries it,
//! so every log line of the request does; a 500 quotes it, so that a user can report it.

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};

use crate::error::Detail;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Whether a client's id may be kept: short, and of characters safe in logs and headers.
pub fn is_sane(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The request's id, once [`keep_sane`] and the set layer have run.
pub fn of(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(X_REQUEST_ID)
        .and_then(|value| value.to_str().ok())
}

/// Drops a client's id that is not sane (or given twice), so that a new one is made instead.
pub async fn keep_sane(mut request: Request, next: Next) -> Response {
    let ids = request.headers().get_all(X_REQUEST_ID);
    let mut ids = ids.iter();
    let keep = match (ids.next(), ids.next()) {
        (Some(id), None) => id.to_str().is_ok_and(is_sane),
        _ => false,
    };
    if !keep {
        request.headers_mut().remove(X_REQUEST_ID);
    }
    next.run(request).await
}

/// Every 500, whatever produced it (an error, a panic), says which request it was.
pub async fn quote_in_failures(request: Request, next: Next) -> Response {
    let id = of(request.headers()).map(str::to_owned);
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let detail = match id {
        Some(id) => format!("Internal server error (request id {id})"),
        None => "Internal server error".to_owned(),
    };
    let (mut parts, _) = response.into_parts();
    let body = serde_json::to_vec(&Detail { detail }).unwrap_or_default();
    // The old body's length and type no longer apply.
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::is_sane;

    #[test]
    fn sane_ids_are_short_and_plain() {
        assert!(is_sane("a"));
        assert!(is_sane("req-42_x.Y"));
        assert!(is_sane(&"x".repeat(128)));
        assert!(!is_sane(""));
        assert!(!is_sane(&"x".repeat(129)));
        assert!(!is_sane("with space"));
        assert!(!is_sane("new\nline"));
        assert!(!is_sane("quote\""));
        assert!(!is_sane("ünicode"));
    }
}
