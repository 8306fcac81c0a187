//! Limits on every request, answered in the contract's JSON shape: a header-size limit (431), the
//! body read before any slot is taken (413 at once for a declared `Content-Length`, 408 when it
//! does not arrive in time), one client address's share of the request slots (429), a
//! concurrency limit that sheds load (503 at once rather than an unbounded queue) and a request
//! timeout (503).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
};

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::headers::{ContentLength, HeaderMapExt};
use tower::BoxError;

use crate::{
    http::error::detail,
    http::{MAX_BODY_BYTES, extract::client::ClientAddress},
    service::throttle::network_of,
    state::Limits,
};

/// `431` when a request's headers (names, values and the request target) pass `max` bytes.
pub fn headers_too_large(request: &Request, max: usize) -> Option<Response> {
    let size = request.uri().to_string().len()
        + request
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum::<usize>();
    (size > max).then(|| {
        detail(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "Request headers too large",
        )
    })
}

/// The checks every request passes before any route: header size, the cross-site guard, then
/// the body. The body is read here, before the request takes a slot of the per-address share or
/// of the concurrency limit: a client that declares a body and sends it slowly, or never, holds
/// only its connection (capped per address), never a request slot. A declared `Content-Length`
/// over the limit is `413` before anything is read (no `100 Continue`); a body not received
/// within `BODY_READ_TIMEOUT_SECS` is `408`.
pub async fn guard_request(State(limits): State<Limits>, request: Request, next: Next) -> Response {
    if let Some(refusal) = headers_too_large(&request, limits.max_header_bytes)
        .or_else(|| crate::http::extract::browser::cross_site_refusal(&request))
    {
        return refusal;
    }
    let has_body = request.headers().contains_key(header::TRANSFER_ENCODING)
        || request
            .headers()
            .typed_get::<ContentLength>()
            .is_some_and(|ContentLength(length)| length > 0);
    if !has_body {
        return next.run(request).await;
    }
    if request
        .headers()
        .typed_get::<ContentLength>()
        .is_some_and(|ContentLength(length)| length > MAX_BODY_BYTES as u64)
    {
        return detail(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large");
    }
    let (parts, body) = request.into_parts();
    let read = axum::body::to_bytes(body, MAX_BODY_BYTES);
    match tokio::time::timeout(limits.body_read_timeout, read).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Err(error)) => crate::error::Error::from(error).into_response(),
        Err(_) => detail(
            StatusCode::REQUEST_TIMEOUT,
            "The request body did not arrive in time",
        ),
    }
}

fn retry_soon(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// Turns the errors of tower's timeout and load-shed layers into responses.
pub async fn overloaded_or_timed_out(error: BoxError) -> Response {
    if error.is::<tower::timeout::error::Elapsed>() {
        detail(StatusCode::SERVICE_UNAVAILABLE, "The request took too long")
    } else if error.is::<tower::load_shed::error::Overloaded>() {
        retry_soon(detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "Too many requests in progress",
        ))
    } else {
        tracing::error!(%error, "middleware error");
        detail(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }
}

/// Requests in progress per client network, so that one client cannot hold every slot.
pub struct AddressShare {
    max: usize,
    trusted_proxies: Vec<IpAddr>,
    in_progress: Mutex<HashMap<IpAddr, usize>>,
}

impl AddressShare {
    pub fn new(max: usize, trusted_proxies: Vec<IpAddr>) -> Arc<Self> {
        Arc::new(Self {
            max,
            trusted_proxies,
            in_progress: Mutex::new(HashMap::new()),
        })
    }

    fn release(&self, network: IpAddr) {
        let mut in_progress = self.in_progress.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = in_progress.get_mut(&network) {
            *count -= 1;
            if *count == 0 {
                in_progress.remove(&network);
            }
        }
    }
}

/// A slot of one network's share, given back when the request ends or is dropped.
struct Slot(Arc<AddressShare>, IpAddr);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.release(self.1);
    }
}

/// Answers `429` when the client's network already has its share of requests in progress.
pub async fn address_share(
    State(share): State<Arc<AddressShare>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let ClientAddress(address) = ClientAddress::of(&parts, &share.trusted_proxies);
    let _slot = match address.map(network_of) {
        Some(network) => {
            let mut in_progress = share.in_progress.lock().unwrap_or_else(|e| e.into_inner());
            let count = in_progress.entry(network).or_default();
            if *count >= share.max {
                drop(in_progress);
                return retry_soon(detail(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many requests in progress from this address",
                ));
            }
            *count += 1;
            Some(Slot(share.clone(), network))
        }
        None => None,
    };
    next.run(Request::from_parts(parts, body)).await
}

/// Every answer leaves here: the security headers where the route set none (see
/// `http::SECURITY_HEADERS`), and the contract's `{"detail"}` body for the bare errors of layers
/// and of Swagger UI's router (413 from the body limit, 404 for an unknown asset, ...).
pub async fn finish_response(response: Response) -> Response {
    let mut response = json_for_bare_errors(response);
    let headers = response.headers_mut();
    for (name, value) in crate::http::SECURITY_HEADERS {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    }
    response
}

fn json_for_bare_errors(response: Response) -> Response {
    let status = response.status();
    let bare = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|value| value.as_bytes().starts_with(b"text/plain"));
    if !bare || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "Request body too large",
        StatusCode::NOT_FOUND => "Not found",
        _ => status.canonical_reason().unwrap_or("Error"),
    };
    let mut json = detail(status, message);
    for name in [header::RETRY_AFTER, header::WWW_AUTHENTICATE, header::ALLOW] {
        if let Some(value) = response.headers().get(&name) {
            json.headers_mut().insert(name, value.clone());
        }
    }
    json
}
