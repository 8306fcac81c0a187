//! The recovery pages as a browser uses them: the login page's link, the email form, the
//! message page, the new-password form and what it says after.

use axum::http::StatusCode;
use employees::db::Db;

use crate::{
    api::password_reset::{bodies_to, token_in},
    common::*,
};

fn page(uri: &str) -> axum::http::Request<axum::body::Body> {
    let mut request = get(uri);
    request
        .headers_mut()
        .insert("accept", "text/html".parse().unwrap());
    request
}

async fn a_browser_resets_a_forgotten_password(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let login = send(&app, page("/login")).await;
    assert!(
        login
            .text()
            .contains("<a href=\"/password-reset\" id=\"forgot\">Forgot your password?</a>")
    );
    let form = send(&app, page("/password-reset")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("action=\"/password-reset\""));
    let bad = send(&app, browser_form("/password-reset", "email=nope")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("id=\"error\""), "{}", bad.text());
    let asked = send(
        &app,
        browser_form("/password-reset", &format!("email={PRANAV}")),
    )
    .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED);
    assert!(asked.text().contains("Check your email"));
    let token = token_in(&bodies_to(&db, PRANAV).await[0]);
    let uri = format!("/password-reset/{token}");
    let form = send(&app, page(&uri)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains(&format!("action=\"{uri}\"")));
    let mismatch = send(
        &app,
        browser_form(
            &uri,
            "new_password=a-new-long-password&confirm_password=another-one",
        ),
    )
    .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        mismatch.text().contains("must be the same"),
        "{}",
        mismatch.text()
    );
    let short = send(
        &app,
        browser_form(&uri, "new_password=short&confirm_password=short"),
    )
    .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.text().contains("8 to 72 bytes"));
    let done = send(
        &app,
        browser_form(
            &uri,
            "new_password=a-new-long-password&confirm_password=a-new-long-password",
        ),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert!(done.text().contains("Password changed"));
    let again = send(
        &app,
        browser_form(
            &uri,
            "new_password=a-new-long-password&confirm_password=a-new-long-password",
        ),
    )
    .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.text().contains("used already"));
    let dead = send(&app, page("/password-reset/not-a-token")).await;
    assert_eq!(dead.status, StatusCode::BAD_REQUEST);
    assert!(dead.text().contains("unknown"));
}
dual_test!(browser_reset, a_browser_resets_a_forgotten_password);
