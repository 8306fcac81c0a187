//! Browser safety: cross-site form posts refused (Sec-Fetch-Site or Origin), and the security
//! headers on every answer.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use employees::db::Db;

use crate::common::*;

fn from_origin(mut request: Request<Body>, origin: &str) -> Request<Body> {
    let headers = request.headers_mut();
    headers.insert("host", "127.0.0.1:8000".parse().unwrap());
    headers.insert("origin", origin.parse().unwrap());
    request
}

fn with_header(mut request: Request<Body>, name: &'static str, value: &str) -> Request<Body> {
    request.headers_mut().insert(name, value.parse().unwrap());
    request
}

async fn cross_site_browser_posts_are_refused(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let credentials = format!("username={BEHAI}&password=password");
    let token = login(&app, BEHAI).await;
    let logout = || {
        with_cookie(
            Request::post("/logout").body(Body::empty()).unwrap(),
            &token,
        )
    };

    // Sec-Fetch-Site says cross-site; or no Sec-Fetch-Site and an Origin of another site, or
    // `null` (sandboxed frames, some redirects), or an unreadable one.
    let refused = [
        with_header(
            browser_form("/token", &credentials),
            "sec-fetch-site",
            "cross-site",
        ),
        from_origin(browser_form("/token", &credentials), "https://evil.example"),
        from_origin(browser_form("/token", &credentials), "null"),
        from_origin(
            browser_form("/token", &credentials),
            "http://127.0.0.1:9999",
        ),
        from_origin(browser_form("/token", &credentials), "not an origin"),
        // A sibling subdomain or another port is "same-site", not same-origin.
        with_header(
            from_origin(
                browser_form("/token", &credentials),
                "http://127.0.0.1:9999",
            ),
            "sec-fetch-site",
            "same-site",
        ),
        with_header(logout(), "sec-fetch-site", "cross-site"),
        from_origin(logout(), "https://evil.example"),
        from_origin(logout(), "null"),
    ];
    for request in refused {
        let reply = send(&app, request).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
        assert!(reply.header("set-cookie").is_none(), "no login CSRF");
        assert_eq!(reply.json()["detail"], "Cross-site request refused");
    }
    assert_eq!(
        send(&app, with_bearer(get("/users/me"), &token))
            .await
            .status,
        StatusCode::OK,
        "not logged out"
    );

    // The login page's own form (same origin) and API clients (no Origin) go through.
    let own = [
        with_header(
            browser_form("/token", &credentials),
            "sec-fetch-site",
            "same-origin",
        ),
        from_origin(
            browser_form("/token", &credentials),
            "http://127.0.0.1:8000",
        ),
        from_origin(
            browser_form("/token", &credentials),
            "HTTP://127.0.0.1:8000",
        ),
    ];
    for request in own {
        assert_eq!(send(&app, request).await.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(post_token(&app, &credentials).await.status, StatusCode::OK);
    let reply = send(&app, from_origin(logout(), "http://127.0.0.1:8000")).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
}
dual_test!(cross_site, cross_site_browser_posts_are_refused);

async fn every_answer_carries_the_security_headers(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let token = login(&app, BEHAI).await;
    let answers = [
        (
            "/users/me",
            send(&app, with_bearer(get("/users/me"), &token)).await,
        ),
        ("/", send(&app, with_cookie(get("/"), &token)).await),
        ("/login", send(&app, get("/login")).await),
        (
            "/token",
            post_token(&app, "username=x@example.com&password=wrong").await,
        ),
        ("/nowhere", send(&app, get("/nowhere")).await),
        ("/healthz", send(&app, get("/healthz")).await),
    ];
    for (path, reply) in &answers {
        let csp = reply.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            reply.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{path}");
    }
    // Swagger UI needs inline styles and data: images, on /docs only.
    let docs = send(&app, get("/docs/")).await;
    assert_eq!(docs.status, StatusCode::OK);
    let csp = docs.header("content-security-policy").unwrap();
    assert!(csp.contains("style-src 'self' 'unsafe-inline'"), "{csp}");
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    assert_eq!(docs.header("x-frame-options"), Some("DENY"));
    // The stylesheet is no personal data: it may be cached.
    let css = send(&app, get("/static/style.css")).await;
    assert_eq!(css.header("cache-control"), Some("public, max-age=3600"));
}
dual_test!(security_headers, every_answer_carries_the_security_headers);
