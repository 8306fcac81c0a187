//! Abuse: header, body, concurrency and time limits, and the failed-login throttle.

use std::{net::SocketAddr, time::Duration};

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode},
};
use employees::{db::Db, state::Limits};

use crate::common::*;

fn from(mut request: Request<Body>, peer: &str) -> Request<Body> {
    let address: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(address));
    request
}

fn wrong(email: &str) -> Request<Body> {
    form("/token", &format!("username={email}&password=wrong"))
}

fn right(email: &str) -> Request<Body> {
    form("/token", &format!("username={email}&password=password"))
}

/// An app whose failed-login limit is `failures` a minute, trusting `trusted_proxies`.
async fn throttled(db: Db, failures: u32, trusted_proxies: &[std::net::IpAddr]) -> axum::Router {
    let wiring = Wiring {
        failures_per_minute: std::num::NonZeroU32::new(failures).unwrap(),
        trusted_proxies: trusted_proxies.to_vec(),
        ..wiring()
    };
    employees::app(wired(&db, wiring).await)
}

fn assert_too_many(reply: &Reply) {
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.text()
    );
    let wait: u64 = reply
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!(wait >= 1);
    assert_eq!(
        reply.json(),
        serde_json::json!({"detail": "Too many failed login attempts"})
    );
}

async fn failed_logins_are_limited_per_address_and_account(db: Db) {
    seeded(&db).await;
    let app = throttled(db, 3, &[]).await;
    for _ in 0..3 {
        let reply = send(&app, from(wrong(BEHAI), "192.0.2.1")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
    assert_too_many(&send(&app, from(wrong(BEHAI), "192.0.2.1")).await);
    // Blocked before the password is looked at: the right one is refused too.
    assert_too_many(&send(&app, from(right(BEHAI), "192.0.2.1")).await);
    // The address is blocked for every account, the account from every address...
    assert_too_many(&send(&app, from(right(PRANAV), "192.0.2.1")).await);
    assert_too_many(&send(&app, from(right(BEHAI), "198.51.100.7")).await);
    // ...and someone else logging in elsewhere is not blocked.
    assert_eq!(
        send(&app, from(right(PRANAV), "198.51.100.7")).await.status,
        StatusCode::OK
    );

    // A browser gets the login page with the message and the status.
    let mut request = browser_form("/token", &format!("username={BEHAI}&password=password"));
    request
        .extensions_mut()
        .insert(ConnectInfo("192.0.2.1:1".parse::<SocketAddr>().unwrap()));
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(reply.header("retry-after").is_some());
    assert!(reply.text().contains("Too many failed login attempts"));
}
dual_test!(
    login_throttle,
    failed_logins_are_limited_per_address_and_account
);

async fn successful_logins_do_not_count(db: Db) {
    seeded(&db).await;
    let app = throttled(db, 2, &[]).await;
    for _ in 0..5 {
        assert_eq!(
            send(&app, from(right(BEHAI), "192.0.2.1")).await.status,
            StatusCode::OK
        );
    }
}
dual_test!(successes_free, successful_logins_do_not_count);

async fn forwarded_for_is_believed_only_from_trusted_proxies(db: Db) {
    seeded(&db).await;
    let proxy: std::net::IpAddr = "10.0.0.2".parse().unwrap();
    let app = throttled(db, 2, &[proxy]).await;
    let via_proxy = |request: Request<Body>, client: &str| {
        let mut request = from(request, "10.0.0.2");
        request.headers_mut().insert(
            "x-forwarded-for",
            format!("203.0.113.99, {client}").parse().unwrap(),
        );
        request
    };
    for _ in 0..2 {
        send(&app, via_proxy(wrong("nobody@example.com"), "203.0.113.5")).await;
    }
    assert_too_many(&send(&app, via_proxy(wrong("nobody2@example.com"), "203.0.113.5")).await);
    // Another client behind the same proxy is not the attacker.
    assert_eq!(
        send(&app, via_proxy(right(PRANAV), "203.0.113.6"))
            .await
            .status,
        StatusCode::OK
    );

    // From an untrusted peer the header is ignored: the peer itself is throttled.
    let spoof = |request: Request<Body>, forged: &str| {
        let mut request = from(request, "192.0.2.50");
        request
            .headers_mut()
            .insert("x-forwarded-for", forged.parse().unwrap());
        request
    };
    send(&app, spoof(wrong("a@example.com"), "1.1.1.1")).await;
    send(&app, spoof(wrong("b@example.com"), "1.1.1.2")).await;
    assert_too_many(&send(&app, spoof(wrong("c@example.com"), "1.1.1.3")).await);
}
dual_test!(
    trusted_proxies,
    forwarded_for_is_believed_only_from_trusted_proxies
);

async fn oversized_headers_are_431(db: Db) {
    let app = employees::app(state(db).await);
    let mut request = get("/healthz");
    request
        .headers_mut()
        .insert("x-padding", "a".repeat(20_000).parse().unwrap());
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(reply.json()["detail"], "Request headers too large");
    let reply = send(&app, get(&format!("/login?next=/{}", "a".repeat(20_000)))).await;
    assert_eq!(reply.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
}
dual_test!(header_limit, oversized_headers_are_431);

/// An app whose dummy hash costs 13 (about half a second of bcrypt): a login with an unknown
/// email then keeps its request slot that long.
async fn slow_login_app(db: Db, limits: Limits) -> axum::Router {
    let wiring = Wiring {
        bcrypt_cost: 13,
        limits,
        ..wiring()
    };
    employees::app(wired(&db, wiring).await)
}

fn slow_login() -> Request<Body> {
    form("/token", "username=nobody@example.com&password=wrong")
}

async fn slow_requests_time_out_with_503(db: Db) {
    let limits = Limits {
        request_timeout: Duration::from_millis(200),
        body_read_timeout: Duration::from_millis(100),
        ..Limits::default()
    };
    let app = slow_login_app(db, limits).await;
    let reply = send(&app, slow_login()).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json()["detail"], "The request took too long");
}
dual_test!(timeout, slow_requests_time_out_with_503);

async fn excess_concurrency_is_shed_with_503(db: Db) {
    seeded(&db).await;
    let limits = Limits {
        max_concurrent_requests: 1,
        ..Limits::default()
    };
    let app = slow_login_app(db, limits).await;
    // A login in bcrypt holds the only slot.
    let in_flight = tokio::spawn({
        let app = app.clone();
        async move { send(&app, slow_login()).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let reply = send(&app, get("/login")).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json()["detail"], "Too many requests in progress");
    assert_eq!(reply.header("retry-after"), Some("1"));
    // The probes are outside the load shedding: a full service is alive and ready.
    assert_eq!(send(&app, get("/healthz")).await.status, StatusCode::OK);
    assert_eq!(send(&app, get("/readyz")).await.status, StatusCode::OK);

    assert_eq!(in_flight.await.unwrap().status, StatusCode::BAD_REQUEST);
    assert_eq!(
        send(&app, get("/login")).await.status,
        StatusCode::OK,
        "the slot is free again"
    );
}
dual_test!(load_shed, excess_concurrency_is_shed_with_503);

async fn parallel_attempts_cannot_outrun_the_limit(db: Db) {
    seeded(&db).await;
    let app = throttled(db, 2, &[]).await;
    let attempts: Vec<_> = (0..12)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { send(&app, from(wrong(BEHAI), "192.0.2.1")).await.status })
        })
        .collect();
    let mut verified = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            StatusCode::BAD_REQUEST => verified += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    // Attempts in flight hold the budget: of twelve simultaneous guesses exactly the limit
    // reaches bcrypt, the rest wait for them to settle and are then refused, and so is the
    // right password afterwards.
    assert_eq!(verified, 2, "{verified} wrong passwords were checked");
    assert_too_many(&send(&app, from(right(BEHAI), "192.0.2.1")).await);
}
dual_test!(parallel_attempts, parallel_attempts_cannot_outrun_the_limit);

/// More simultaneous correct logins of one account than the failure budget: those beyond it wait
/// for the others to settle (each success gives its token back), and none is refused.
async fn simultaneous_good_logins_queue_rather_than_fail(db: Db) {
    seeded(&db).await;
    let app = throttled(db, 2, &[]).await;
    let logins: Vec<_> = (0..6)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { send(&app, from(right(BEHAI), "192.0.2.1")).await.status })
        })
        .collect();
    for login in logins {
        assert_eq!(login.await.unwrap(), StatusCode::OK);
    }
}
dual_test!(
    simultaneous_logins,
    simultaneous_good_logins_queue_rather_than_fail
);
