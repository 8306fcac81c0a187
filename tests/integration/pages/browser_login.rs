//! `POST /token` from the login page's form: the cookie, the redirect to a same-site `next`, and
//! the page again with the error.

use axum::http::StatusCode;
use employees::db::Db;

use crate::common::*;

fn cookie_attributes(set_cookie: &str) -> Vec<String> {
    set_cookie
        .split(';')
        .map(|part| part.trim().to_ascii_lowercase())
        .collect()
}

async fn browser_login_sets_cookie_and_redirects(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let reply = send(
        &app,
        browser_form("/token", &format!("username={BEHAI}&password=password")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), Some("/"));
    let set_cookie = reply.set_cookie("access_token").expect("cookie");
    let attributes = cookie_attributes(&set_cookie);
    assert!(attributes[0].starts_with("access_token="));
    for expected in ["httponly", "samesite=lax", "path=/", "max-age=1800"] {
        assert!(
            attributes.iter().any(|a| a == expected),
            "{expected} in {set_cookie}"
        );
    }
    assert!(
        !attributes.iter().any(|a| a == "secure"),
        "not Secure unless configured"
    );
    let token = set_cookie["access_token=".len()..]
        .split(';')
        .next()
        .unwrap();
    assert_eq!(
        send(&app, with_cookie(get("/users/me"), token))
            .await
            .status,
        StatusCode::OK
    );

    // Secure, with the `__Host-` prefix, when so configured; the token is read from that name.
    let cookie_secure = true;
    let secure_app = employees::app(
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
        &secure_app,
        browser_form("/token", &format!("username={BEHAI}&password=password")),
    )
    .await;
    let set_cookie = reply
        .set_cookie("__Host-access_token")
        .expect("__Host- cookie");
    let attributes = cookie_attributes(&set_cookie);
    for expected in ["secure", "path=/", "httponly"] {
        assert!(
            attributes.iter().any(|a| a == expected),
            "{expected} in {set_cookie}"
        );
    }
    assert!(
        !attributes.iter().any(|a| a.starts_with("domain")),
        "{set_cookie}"
    );
    let token = set_cookie["__Host-access_token=".len()..]
        .split(';')
        .next()
        .unwrap();
    let mut request = get("/users/me");
    request.headers_mut().insert(
        "cookie",
        format!("__Host-access_token={token}").parse().unwrap(),
    );
    assert_eq!(send(&secure_app, request).await.status, StatusCode::OK);
    // The unprefixed name, which any subdomain could set, is not read.
    assert_eq!(
        send(&secure_app, with_cookie(get("/users/me"), token))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}
dual_test!(browser_login, browser_login_sets_cookie_and_redirects);

async fn browser_next_is_honoured_only_on_site(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    for (next, location) in [
        ("%2Fdocs", "/docs"),
        ("%2Fusers%2Fme%3Fx%3D1", "/users/me?x=1"),
        ("%2F%2Fevil.example", "/"),
        ("https%3A%2F%2Fevil.example%2F", "/"),
        ("%2F%5Cevil.example", "/"),
        ("evil", "/"),
        ("", "/"),
    ] {
        let reply = send(
            &app,
            browser_form(
                "/token",
                &format!("username={BEHAI}&password=password&next={next}"),
            ),
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.header("location"), Some(location), "next={next}");
    }
}
dual_test!(browser_next, browser_next_is_honoured_only_on_site);

async fn browser_failure_shows_the_page_again(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    let reply = send(
        &app,
        browser_form(
            "/token",
            &format!("username={BEHAI}&password=Wr0ngPass&next=%2Fdocs"),
        ),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(reply.header("set-cookie").is_none());
    let page = reply.text();
    assert!(page.contains("Incorrect username or password"));
    assert!(
        page.contains(&format!("value=\"{BEHAI}\"")),
        "the email is kept"
    );
    assert!(!page.contains("Wr0ngPass"), "never the password");
    assert!(page.contains("name=\"next\" value=\"/docs\""));

    let reply = send(&app, browser_form("/token", "username=&password=")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.text().contains("Enter your email and password"));
}
dual_test!(browser_failure, browser_failure_shows_the_page_again);
