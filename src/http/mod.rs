//! HTTP: the router, the layers in front of it, and one module per resource.

pub mod appointment;
pub mod audit;
pub mod auth;
pub mod body;
pub mod browser;
pub mod changes;
pub mod charts;
pub mod client;
pub mod cookies;
pub mod departments;
pub mod directory_pages;
pub mod docs;
pub mod employees;
pub mod health;
pub mod hire;
pub mod hr;
pub mod hr_pages;
pub mod limits;
pub mod logout;
pub mod metrics;
pub mod oauth;
pub mod pages;
pub mod renewal;
pub mod request_id;
pub mod roles;
pub mod search_query;
pub mod sessions;
pub mod status;
pub mod token;
pub mod token_request;
pub mod users;

use axum::{
    Router,
    error_handling::HandleErrorLayer,
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    handler::Handler,
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware,
    routing::{MethodRouter, delete, get, post, put},
};
use tower::{ServiceBuilder, limit::GlobalConcurrencyLimitLayer};
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnFailure, TraceLayer},
};
use utoipa_swagger_ui::SwaggerUi;

use crate::{error::detail, state::AppState};

/// The largest request body accepted (a login form is well under 1 KiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// No script but our own files, no framing, nothing from elsewhere.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
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
    let swagger = SwaggerUi::new("/docs")
        .url("/openapi.json", docs::openapi(&state.web))
        .config(utoipa_swagger_ui::Config::default().persist_authorization(false));
    let swagger = Router::from(swagger).layer(SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOCS_CSP),
    ));
    let share = limits::AddressShare::new(
        limits.max_concurrent_per_address,
        state.web.trusted_proxies.clone(),
    );
    // Everything but the probes: behind the per-address share, the load shedding and the timeout.
    let api = Router::new()
        .route("/token", post(token::token))
        .route("/token/revoke", post(oauth::revoke))
        .route("/token/introspect", post(oauth::introspect))
        .route("/users/me", get(users::me))
        .route("/users/me/sessions", get(sessions::list))
        .route("/users/me/sessions/{sid}", delete(sessions::end))
        .route("/users/me/password", post(sessions::change_password))
        .route("/audit", get(audit::list))
        .route("/status", get(status::page))
        .route("/employees", get(employees::list).post(hire::hire))
        .route("/employees/{emp_no}", get(employees::show))
        .route("/employees/{emp_no}/history", get(employees::history))
        .route("/employees/{emp_no}/salaries", get(employees::salaries))
        .route("/employees/{emp_no}/title", post(changes::title))
        .route("/employees/{emp_no}/department", post(changes::department))
        .route("/employees/{emp_no}/salary", post(changes::salary))
        .route(
            "/employees/{emp_no}/termination",
            post(changes::termination),
        )
        .route(
            "/employees/{emp_no}/roles",
            get(roles::show).put(roles::replace),
        )
        .route(
            "/departments",
            negotiated(departments::list, directory_pages::departments),
        )
        .route(
            "/departments/{dept_no}",
            negotiated(departments::show, directory_pages::department),
        )
        .route("/directory", get(directory_pages::directory))
        .route(
            "/directory/hire",
            get(hr_pages::hire_page).post(hr_pages::hire),
        )
        .route("/directory/{emp_no}", get(directory_pages::employee))
        .route("/directory/{emp_no}/{change}", post(hr_pages::change))
        .route("/departments/{dept_no}/employees", get(departments::staff))
        .route("/departments/{dept_no}/manager", put(appointment::appoint))
        .route("/logout", post(logout::logout))
        .route("/login", get(pages::login))
        .route("/", get(pages::home))
        .route("/static/style.css", get(pages::stylesheet))
        .merge(swagger)
        // Inside the limits below: a renewal is database work like any other.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            renewal::renew,
        ))
        .fallback(|| async { detail(StatusCode::NOT_FOUND, "Not found") })
        .method_not_allowed_fallback(|| async {
            detail(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
        })
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn_with_state(share, limits::address_share))
                .layer(HandleErrorLayer::new(limits::overloaded_or_timed_out))
                .load_shed()
                // Global: `Router::layer` wraps each route, and all of them share this one limit.
                .layer(GlobalConcurrencyLimitLayer::new(
                    limits.max_concurrent_requests,
                ))
                .timeout(limits.request_timeout),
        );
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(api)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn(request_id::keep_sane))
                .layer(SetRequestIdLayer::new(
                    request_id::X_REQUEST_ID,
                    MakeRequestUuid,
                ))
                .layer(PropagateRequestIdLayer::new(request_id::X_REQUEST_ID))
                .layer(middleware::from_fn(request_id::quote_in_failures))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        // Errors are logged where they happen (`Error`); a shed or refused request is
                        // no event worth a line per request.
                        .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
                )
                .layer(middleware::from_fn_with_state(
                    state.metrics.clone(),
                    metrics::record,
                ))
                .layer(middleware::map_response(limits::finish_response))
                .layer(middleware::from_fn_with_state(
                    limits,
                    limits::guard_request,
                ))
                // A panic is a 500 like any other failure (counted, with its request id), not a
                // dropped connection.
                .layer(CatchPanicLayer::custom(|_| {
                    detail(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
                })),
        )
        .with_state(state)
}

/// `GET` answered as JSON, or as a page for a browser that asks for `text/html`.
fn negotiated<J, TJ, H, TH>(json: J, html: H) -> MethodRouter<AppState>
where
    J: Handler<TJ, AppState>,
    H: Handler<TH, AppState>,
    TJ: 'static,
    TH: 'static,
{
    get(
        move |State(state): State<AppState>, request: Request| async move {
            if browser::wants_html(request.headers()) {
                html.call(request, state).await
            } else {
                json.call(request, state).await
            }
        },
    )
}

/// The span of a request: its id, its method and the route it matched (`/users/me`), never what
/// the client wrote in the target: a query string or an unknown path may carry credentials.
fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let request_id = request_id::of(request.headers()).unwrap_or("-");
    tracing::info_span!("request", request_id, method = %request.method(), route)
}
