//! `/status`: the admin's page of figures, as SVG charts drawn on the server.

use axum::http::StatusCode;
use employees::{db::Db, telemetry::metrics::Metrics};

use crate::common::*;

async fn admins_see_the_last_hour(db: Db) {
    seeded(&db).await;
    let state = state(db).await;
    let app = employees::app(state);
    let token = login(&app, BEHAI).await; // hr and admin
    post_token(&app, &format!("username={BEHAI}&password=wrong")).await;
    for _ in 0..5 {
        send(&app, with_bearer(get("/users/me"), &token)).await;
    }
    let reply = send(&app, with_cookie(get("/status"), &token)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let page = reply.text();
    for id in [
        "id=\"logins\"",
        "id=\"latency\"",
        "id=\"pool\"",
        "id=\"routes\"",
    ] {
        assert!(page.contains(id), "{id} missing: {page}");
    }
    assert!(page.contains("<svg class=\"chart\""));
    // The legend counts the hour's logins by outcome; the bars carry the same figures.
    assert!(page.contains("success (1)") && page.contains("wrong credentials (1)"));
    assert!(page.contains("0 min ago: 1 success"));
    assert!(
        page.contains("<td>GET /users/me</td><td class=\"num count\">5</td>"),
        "{page}"
    );
    assert!(!page.contains("<script"), "no script on the page");
}
dual_test!(admin_page, admins_see_the_last_hour);

async fn others_are_refused(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db).await);
    // A browser is sent to log in (an API client is refused in JSON: guards.rs).
    let mut browser = get("/status");
    browser
        .headers_mut()
        .insert("accept", "text/html".parse().unwrap());
    let reply = send(&app, browser).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.header("location"), Some("/login?next=%2Fstatus"));
    let token = login(&app, PRANAV).await;
    let reply = send(&app, with_cookie(get("/status"), &token)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(!reply.text().contains("id=\"logins\""));
}
dual_test!(refused, others_are_refused);

async fn with_metrics_off_the_page_says_so(db: Db) {
    seeded(&db).await;
    let mut state = state(db).await;
    state.metrics = Metrics::off();
    let app = employees::app(state);
    let token = login(&app, BEHAI).await;
    let reply = send(&app, with_cookie(get("/status"), &token)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.text().contains("id=\"metrics-off\""));
    assert!(!reply.text().contains("<svg"));
}
dual_test!(off, with_metrics_off_the_page_says_so);
