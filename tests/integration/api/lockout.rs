//! Failed logins elsewhere cannot lock an owner out (OWASP's device cookie): a client with a
//! signed device cookie from an earlier login of the account, or the address it logged in from,
//! is limited only by its own failures.

use std::net::SocketAddr;

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode},
};
use employees::db::Db;

use crate::common::*;

pub fn attempt(email: &str, password: &str, peer: &str, device: Option<&str>) -> Request<Body> {
    let mut request = form("/token", &format!("username={email}&password={password}"));
    let address: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(address));
    if let Some(device) = device {
        request
            .headers_mut()
            .insert("cookie", device.parse().unwrap());
    }
    request
}

/// Logs in and returns the device cookie (`device=...`) the answer set.
async fn device_cookie(app: &axum::Router, email: &str, peer: &str) -> String {
    let reply = send(app, attempt(email, "password", peer, None)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let set_cookie = reply.set_cookie("device").expect("device cookie");
    let attributes = set_cookie.to_ascii_lowercase();
    assert!(attributes.contains("httponly") && attributes.contains("samesite=strict"));
    set_cookie.split(';').next().unwrap().to_owned()
}

fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// A cookie signed with the service's key, as `name=value` for a `Cookie` header.
fn signed(name: &str, value: &str) -> String {
    use axum::response::IntoResponse;
    use axum_extra::extract::{
        SignedCookieJar,
        cookie::{Cookie, Key},
    };
    let jar = SignedCookieJar::new(Key::derive_from(SECRET))
        .add(Cookie::new(name.to_owned(), value.to_owned()));
    let response = jar.into_response();
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

async fn status(app: &axum::Router, request: Request<Body>) -> StatusCode {
    send(app, request).await.status
}

async fn an_attacker_elsewhere_cannot_lock_the_owner_out(db: Db) {
    seeded(&db).await;
    let app = employees::app(state_failing_at(&db, 3).await);
    let owner = device_cookie(&app, BEHAI, "198.51.100.7").await;
    let other_account = device_cookie(&app, PRANAV, "198.51.100.8").await;

    // Wrong passwords from several addresses use up the account's budget.
    for attacker in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
        assert_eq!(
            status(&app, attempt(BEHAI, "guess", attacker, None)).await,
            StatusCode::BAD_REQUEST
        );
    }
    // A stranger with the right password is refused: the per-account limit still holds.
    let stranger = attempt(BEHAI, "password", "203.0.113.9", None);
    assert_eq!(status(&app, stranger).await, StatusCode::TOO_MANY_REQUESTS);
    // The owner gets in: with the device cookie from anywhere, or from the known address.
    let travelling = attempt(BEHAI, "password", "203.0.113.10", Some(&owner));
    assert_eq!(status(&app, travelling).await, StatusCode::OK);
    let at_home = attempt(BEHAI, "password", "198.51.100.7", None);
    assert_eq!(status(&app, at_home).await, StatusCode::OK);

    // A tampered cookie, or one from another account, exempts nothing.
    let forged = owner.replacen("device=", "device=A", 1);
    let forged = attempt(BEHAI, "password", "203.0.113.11", Some(&forged));
    assert_eq!(status(&app, forged).await, StatusCode::TOO_MANY_REQUESTS);
    let borrowed = attempt(BEHAI, "password", "203.0.113.12", Some(&other_account));
    assert_eq!(status(&app, borrowed).await, StatusCode::TOO_MANY_REQUESTS);

    // A cookie signed with our key but issued more than 90 days ago, or for another purpose.
    for value in [
        format!(
            "device.d1.{}.{}",
            b64(BEHAI),
            chrono::Utc::now().timestamp() - 91 * 24 * 3600
        ),
        format!(
            "refresh.d1.{}.{}",
            b64(BEHAI),
            chrono::Utc::now().timestamp()
        ),
    ] {
        let stale = attempt(
            BEHAI,
            "password",
            "203.0.113.13",
            Some(&signed("device", &value)),
        );
        assert_eq!(
            status(&app, stale).await,
            StatusCode::TOO_MANY_REQUESTS,
            "{value}"
        );
    }
    let fresh = format!(
        "device.d1.{}.{}",
        b64(BEHAI),
        chrono::Utc::now().timestamp()
    );
    let fresh = attempt(
        BEHAI,
        "password",
        "203.0.113.13",
        Some(&signed("device", &fresh)),
    );
    assert_eq!(
        status(&app, fresh).await,
        StatusCode::OK,
        "the same, fresh, is accepted"
    );

    // A device is limited by its own failures.
    for _ in 0..3 {
        let wrong = attempt(BEHAI, "guess", "203.0.113.10", Some(&owner));
        assert_eq!(status(&app, wrong).await, StatusCode::BAD_REQUEST);
    }
    let right = attempt(BEHAI, "password", "203.0.113.10", Some(&owner));
    assert_eq!(status(&app, right).await, StatusCode::TOO_MANY_REQUESTS);
}
dual_test!(lockout, an_attacker_elsewhere_cannot_lock_the_owner_out);
