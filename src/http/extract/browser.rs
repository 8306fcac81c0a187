//! Browsers: telling them from API clients, safe redirects after login, and the guard that
//! refuses cross-site form posts (login CSRF and its kin), written once for every route.

use axum::{
    extract::Request,
    http::{HeaderMap, Method, StatusCode, header},
    response::Response,
};
use axum_extra::headers::{HeaderMapExt, Host, Origin};
use headers_accept::Accept;
use mediatype::{MediaType, names};

use crate::http::error::detail;

const APPLICATION_JSON: MediaType = MediaType::new(names::APPLICATION, names::JSON);
const TEXT_HTML: MediaType = MediaType::new(names::TEXT, names::HTML);

/// Whether the client prefers HTML (a browser) to JSON, by RFC 9110 content negotiation: a browser
/// sends `text/html` explicitly; `*/*` and a missing header mean JSON.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .typed_get::<Accept>()
        .is_some_and(|accept| accept.negotiate([&APPLICATION_JSON, &TEXT_HTML]) == Some(&TEXT_HTML))
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

/// Refuses a state-changing request that a browser says comes from another origin. Browsers that
/// send `Sec-Fetch-Site: same-origin` (or `none`, typed by the user) are believed: it is the
/// reliable signal, since under `Referrer-Policy: no-referrer` a browser's own form post carries
/// `Origin: null`. `cross-site` is refused. Otherwise (`same-site`, or no such header) an
/// `Origin` that is not this service's own host and port (`null` included, as sandboxed frames
/// send it) is refused. Such posts would log a victim into someone
/// else's account or act in their name. API clients send neither header and pass.
pub fn cross_site_refusal(request: &Request) -> Option<Response> {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    (!safe && is_cross_site(request))
        .then(|| detail(StatusCode::FORBIDDEN, "Cross-site request refused"))
}

fn is_cross_site(request: &Request) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site").map(|value| value.as_bytes()) {
        if site.eq_ignore_ascii_case(b"same-origin") || site.eq_ignore_ascii_case(b"none") {
            return false;
        }
        if !site.eq_ignore_ascii_case(b"same-site") {
            return true; // cross-site, or a value no browser sends
        }
        // same-site: a sibling subdomain or another port of this host; the Origin decides.
    }
    if !headers.contains_key(header::ORIGIN) {
        return false;
    }
    let Some(origin) = headers.typed_get::<Origin>() else {
        return true; // unreadable
    };
    if origin.is_null() {
        return true;
    }
    // HTTP/2 carries the host in the request target (`:authority`), HTTP/1.1 in `Host`.
    let own = match request.uri().authority() {
        Some(authority) => Some((authority.host().to_owned(), authority.port_u16())),
        None => headers
            .typed_get::<Host>()
            .map(|host| (host.hostname().to_owned(), host.port())),
    };
    own.is_none_or(|(host, port)| {
        !origin.hostname().eq_ignore_ascii_case(&host) || origin.port() != port
    })
}
