//! Limits on every request, answered in the contract's JSON shape: a header-size limit (431), a
//! concurrency limit that sheds load (503 at once rather than an unbounded queue) and a request
//! timeout (503). The body limit (413) is `DefaultBodyLimit` on the router.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};
use tower::BoxError;

use crate::error::detail;

/// Refuses requests whose headers (names, values and the request target) pass `max` bytes.
pub async fn limit_headers(State(max): State<usize>, request: Request, next: Next) -> Response {
    let size = request.uri().to_string().len()
        + request
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum::<usize>();
    if size > max {
        return detail(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "Request headers too large",
        );
    }
    next.run(request).await
}

/// Turns the errors of tower's timeout and load-shed layers into responses.
pub async fn overloaded_or_timed_out(error: BoxError) -> Response {
    if error.is::<tower::timeout::error::Elapsed>() {
        detail(StatusCode::SERVICE_UNAVAILABLE, "The request took too long")
    } else if error.is::<tower::load_shed::error::Overloaded>() {
        let mut response = detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many requests in progress",
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        response
    } else {
        tracing::error!(%error, "middleware error");
        detail(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }
}
