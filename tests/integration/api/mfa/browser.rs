//! The browser's login with a second factor: the code page after the password, a wrong code
//! shows it again with the reason, a right one logs in and goes on to `next` (the `/authorize`
//! flow returns through it the same way).

use axum::http::StatusCode;
use employees::db::Db;

use super::*;

/// The value of the hidden `mfa_token` field of a code page.
fn hidden_token(html: &str) -> String {
    let at = html
        .find("name=\"mfa_token\" value=\"")
        .expect("an mfa_token field")
        + 24;
    html[at..].split('"').next().unwrap().to_owned()
}

async fn the_code_page_after_the_password(db: Db) {
    seeded(&db).await;
    let (app, clock, _) = app_with_clock(&db).await;
    let token = login(&app, BEHAI).await;
    let (secret, _) = enrol(&app, &clock, &token).await;

    let next = "/authorize?client_id=x";
    let body = serde_urlencoded::to_string([
        ("username", BEHAI),
        ("password", "password"),
        ("next", next),
    ])
    .unwrap();
    let page = send(&app, browser_form("/token", &body)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("Enter your code"), "{html}");
    assert!(
        page.set_cookie("access_token").is_none(),
        "no session before the code"
    );
    let pending = hidden_token(&html);

    let step = |otp: &str| {
        serde_urlencoded::to_string([
            (
                "grant_type",
                "urn:employees:params:oauth:grant-type:mfa-otp",
            ),
            ("mfa_token", pending.as_str()),
            ("otp", otp),
            ("next", next),
        ])
        .unwrap()
    };
    let wrong = send(&app, browser_form("/token", &step("111111"))).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.text().contains("Incorrect code"), "{}", wrong.text());
    assert_eq!(
        hidden_token(&wrong.text()),
        pending,
        "the same pending login, to try again"
    );

    let right = send(
        &app,
        browser_form("/token", &step(&totp(&secret, clock.now()))),
    )
    .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER, "{}", right.text());
    assert_eq!(right.header("location"), Some(next));
    let cookie = right.set_cookie("access_token").expect("the login cookie");
    let access = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("access_token=");
    assert_eq!(
        claims(access)["amr"],
        serde_json::json!(["pwd", "otp", "mfa"])
    );
}
dual_test!(
    the_code_page_after_the_password_,
    the_code_page_after_the_password
);

/// The account page: set up, see the QR code (inline SVG), confirm, see the codes once.
async fn the_account_page(db: Db) {
    seeded(&db).await;
    let (app, clock, _) = app_with_clock(&db).await;
    let token = login(&app, BEHAI).await;
    let page = send(&app, with_cookie(get("/account"), &token)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Set up an authenticator app"));
    let begun = send(&app, with_cookie(browser_form("/account/totp", ""), &token)).await;
    assert_eq!(begun.status, StatusCode::OK, "{}", begun.text());
    let html = begun.text();
    // The QR code is inline SVG; the only script is our own passkey script (no outside one).
    let scripts = html.matches("<script").count();
    let ours = html.matches("<script src=\"/static/passkeys.js\"").count();
    assert!(html.contains("<svg") && scripts == ours, "{html}");
    let at = html.find("id=\"totp-secret\">").unwrap() + 17;
    let secret = html[at..].split('<').next().unwrap().to_owned();
    let code = totp(&secret, clock.now());
    let confirmed = send(
        &app,
        with_cookie(
            browser_form("/account/totp/confirm", &format!("code={code}")),
            &token,
        ),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    let html = confirmed.text();
    assert!(html.contains("Your recovery codes") && html.matches("<li><code>").count() == 10);
    let again = send(&app, with_cookie(get("/account"), &token)).await;
    assert!(!again.text().contains("<li><code>"), "shown once");
    assert!(again.text().contains("id=\"codes-left\">10<"));
    let without = send(&app, get("/account")).await;
    assert_eq!(without.status, StatusCode::SEE_OTHER);
}
dual_test!(the_account_page_, the_account_page);
