//! HTTP: the router and the layers in front of it. `api/` holds the JSON resources, `pages/` the
//! HTML pages, `extract/` what handlers take from a request (guards, bodies, cookies, queries),
//! `layers/` what wraps every request (limits, request ids, renewal, metrics), and `error.rs` every
//! outcome's status.

pub mod api;
pub mod error;
pub mod extract;
pub mod layers;
pub mod pages;

use axum::{
    Router,
    error_handling::HandleErrorLayer,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware,
    routing::get,
};
use tower::{ServiceBuilder, limit::GlobalConcurrencyLimitLayer};
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnFailure, TraceLayer},
};
use utoipa_swagger_ui::SwaggerUi;

use crate::{http::error::detail, state::AppState};

/// The largest request body accepted (a login form is well under 1 KiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// No script but our own files, no framing, nothing from elsewhere (the passkey script calls
/// this site's own API: `connect-src 'self'`).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                   base-uri 'none'";
/// [`CSP`] with one more origin that forms may go to. Browsers check `form-action` against every
/// redirect that follows a form's submission, so the login page (on its way back through
/// `/authorize`) and the consent page allow the origin of the client's registered redirect URI.
pub fn csp_with_form_target(origin: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {origin}"),
    ))
    .ok()
}

/// Swagger UI sets inline styles, shows data: images and calls the API from the page.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                        img-src 'self' data:; connect-src 'self'; form-action 'self'; \
                        frame-ancestors 'none'; base-uri 'none'";

/// Set on every answer that does not set its own.
pub const SECURITY_HEADERS: [(HeaderName, &str); 5] = [
    (header::CONTENT_SECURITY_POLICY, CSP),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    // Personal data everywhere but the static assets, which say otherwise.
    (header::CACHE_CONTROL, "no-store"),
];

/// The whole application. No I/O happens here, so tests drive it with `oneshot`.
pub fn app(state: AppState) -> Router {
    let limits = state.limits;
    let issuer = state.auth.jwt().issuer().to_owned();
    let swagger = SwaggerUi::new("/docs")
        .url("/openapi.json", api::docs::openapi(&state.web))
        .config(
            utoipa_swagger_ui::Config::default()
                .persist_authorization(false)
                .oauth2_redirect_url(format!("{issuer}/docs/oauth2-redirect.html")),
        )
        // The seeded public client: the code flow with PKCE (no secret to keep in a page).
        .oauth(
            utoipa_swagger_ui::oauth::Config::new()
                .client_id(crate::domain::client::SWAGGER_UI)
                .use_pkce_with_authorization_code_grant(true),
        );
    let swagger = Router::from(swagger).layer(SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCS_CSP),
    ));
    let share = layers::limits::AddressShare::new(
        limits.max_concurrent_per_address,
        state.web.trusted_proxies.clone(),
    );
    // Everything but the probes: behind the per-address share, the load shedding and the timeout.
    let api = Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .merge(swagger)
        // Inside the limits below: a renewal is database work like any other.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            layers::renewal::renew,
        ))
        .fallback(|| async { detail(StatusCode::NOT_FOUND, "Not found") })
        .method_not_allowed_fallback(|| async {
            detail(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
        })
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn_with_state(
                    share,
                    layers::limits::address_share,
                ))
                .layer(HandleErrorLayer::new(
                    layers::limits::overloaded_or_timed_out,
                ))
                .load_shed()
                // Global: `Router::layer` wraps each route, and all of them share this one limit.
                .layer(GlobalConcurrencyLimitLayer::new(
                    limits.max_concurrent_requests,
                ))
                .timeout(limits.request_timeout),
        );
    Router::new()
        .route("/healthz", get(api::health::healthz))
        .route("/readyz", get(api::health::readyz))
        .merge(api)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn(layers::request_id::keep_sane))
                .layer(SetRequestIdLayer::new(
                    layers::request_id::X_REQUEST_ID,
                    MakeRequestUuid,
                ))
                .layer(PropagateRequestIdLayer::new(
                    layers::request_id::X_REQUEST_ID,
                ))
                .layer(middleware::from_fn(layers::request_id::quote_in_failures))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        // Errors are logged where they happen (`Error`); a shed or refused request is
                        // no event worth a line per request.
                        .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
                )
                .layer(middleware::from_fn_with_state(
                    state.metrics.clone(),
                    layers::metrics::record,
                ))
                .layer(middleware::map_response(layers::limits::finish_response))
                .layer(middleware::from_fn_with_state(
                    limits,
                    layers::limits::guard_request,
                ))
                // A panic is a 500 like any other failure (counted, with its request id), not a
                // dropped connection.
                .layer(CatchPanicLayer::custom(|_| {
                    detail(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
                })),
        )
        .with_state(state)
}

/// The span of a request: its id, its method and the route it matched (`/users/me`), never what
/// the client wrote in the target: a query string or an unknown path may carry credentials.
fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let request_id = layers::request_id::of(request.headers()).unwrap_or("-");
    tracing::info_span!("request", request_id, method = %request.method(), route)
}
