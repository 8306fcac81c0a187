//! The browser's refresh cookie: set at login (HttpOnly, SameSite=Strict), renewing page requests
//! whose access cookie is missing or expired, and only page requests.

use std::time::Duration;

use axum::{Router, http::StatusCode};
use employees::{clock::Clock, db::Db};

use crate::common::*;

async fn browser_login(app: &Router) -> (String, String) {
    let reply = send(
        app,
        browser_form("/token", &format!("username={PRANAV}&password=password")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let access = reply.set_cookie("access_token").expect("access cookie");
    let refresh = reply.set_cookie("refresh_token").expect("refresh cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=604800"] {
        assert!(refresh.contains(attribute), "{attribute}: {refresh}");
    }
    let value = |line: &str| line.split(';').next().unwrap().to_owned();
    (value(&access), value(&refresh))
}

fn page(uri: &str, cookies: &str) -> axum::http::Request<axum::body::Body> {
    let mut request = get(uri);
    request
        .headers_mut()
        .insert("accept", "text/html".parse().unwrap());
    request
        .headers_mut()
        .insert("cookie", cookies.parse().unwrap());
    request
}

async fn pages_renew_through_the_refresh_cookie(db: Db) {
    seeded(&db).await;
    let clock = Clock::system();
    let wiring = Wiring {
        clock: clock.clone(),
        access_lifetime: Duration::from_secs(60),
        ..wiring()
    };
    let app = employees::app(wired(&db, wiring).await);
    let (access, refresh) = browser_login(&app).await;

    // The access cookie expired (by the server's clock) or gone: the page is served, both renewed.
    clock.advance(61);
    for (cookies, rotated) in [
        (format!("{access}; {refresh}"), true),
        (refresh.clone(), false),
    ] {
        let reply = send(&app, page("/", &cookies)).await;
        assert_eq!(reply.status, StatusCode::OK, "{cookies}: {}", reply.text());
        assert!(reply.text().contains(PRANAV));
        assert!(reply.set_cookie("access_token").is_some());
        // The second presents the spent token within the grace: an access token alone.
        assert_eq!(reply.set_cookie("refresh_token").is_some(), rotated);
    }
    // The first refresh token was spent by the first renewal, the second within the grace; the
    // next one after the grace ends the session, and the page goes to the login with cookies
    // dropped.
    clock.advance(11);
    let reply = send(&app, page("/", &refresh)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), Some("/login"));
    let dropped = reply.set_cookie("refresh_token").unwrap();
    assert!(dropped.contains("Max-Age=0"), "{dropped}");

    // An API request (no HTML asked for) is never renewed.
    let (_, refresh) = browser_login(&app).await;
    let reply = send(&app, with_cookie(get("/users/me"), "")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let mut request = get("/users/me");
    request
        .headers_mut()
        .insert("cookie", refresh.parse().unwrap());
    let reply = send(&app, request).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(reply.set_cookie("access_token").is_none());
}
dual_test!(renewal, pages_renew_through_the_refresh_cookie);

async fn secure_cookies_carry_the_host_prefix(db: Db) {
    seeded(&db).await;
    let cookie_secure = true;
    let app = employees::app(
        wired(
            &db,
            Wiring {
                cookie_secure,
                ..wiring()
            },
        )
        .await,
    );
    let reply = send(
        &app,
        browser_form("/token", &format!("username={PRANAV}&password=password")),
    )
    .await;
    let refresh = reply.set_cookie("__Host-refresh_token").expect("prefixed");
    assert!(
        refresh.contains("Secure") && refresh.contains("SameSite=Strict"),
        "{refresh}"
    );
}
dual_test!(secure_refresh, secure_cookies_carry_the_host_prefix);
