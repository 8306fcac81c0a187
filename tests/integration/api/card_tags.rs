//! The `ETag` of `GET /employees/{emp_no}` tells a caller nothing they may not see: a caller who
//! sees only the card gets a tag over the card, which a pay change does not move; those who see
//! the full record get the tag of the employee's current rows, which `If-Match` checks.

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::json;

use crate::{
    api::directory::{get_as, token_for},
    api::hr::{hr_token, post_as},
    common::*,
};

/// A staff member of d001 whom Pranav (`directory`) sees as a card.
const COLLEAGUE: i32 = 500014;

async fn tag(app: &axum::Router, token: &str) -> String {
    let reply = get_as(app, token, &format!("/employees/{COLLEAGUE}")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.header("etag").expect("an ETag").to_owned()
}

async fn a_card_viewers_tag_covers_only_the_card(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    let directory = token_for(&app, PRANAV, "directory").await;
    let card = get_as(&app, &directory, &format!("/employees/{COLLEAGUE}")).await;
    assert!(
        card.json()["birth_date"].is_null(),
        "a card: {}",
        card.text()
    );
    let card_tag = tag(&app, &directory).await;
    let full_tag = tag(&app, &hr).await;
    assert_ne!(card_tag, full_tag, "the two views are tagged apart");

    // A pay change: the card is the same, and so is its tag; the full record's tag moves.
    let reply = post_as(
        &app,
        &hr,
        &format!("/employees/{COLLEAGUE}/salary"),
        json!({"salary": 99999, "from_date": "2024-01-01"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(
        tag(&app, &directory).await,
        card_tag,
        "the salary is not on the card"
    );
    let moved = tag(&app, &hr).await;
    assert_ne!(moved, full_tag);

    // A card's tag is no precondition for a change: it names no current rows.
    let mut request = with_bearer(
        json(
            &format!("/employees/{COLLEAGUE}/title"),
            json!({"title": "Staff", "from_date": "2024-02-01"}),
        ),
        &hr,
    );
    request
        .headers_mut()
        .insert("if-match", card_tag.parse().unwrap());
    assert_eq!(
        send(&app, request).await.status,
        StatusCode::PRECONDITION_FAILED
    );

    // What the card shows (the title) moves its tag.
    let reply = post_as(
        &app,
        &hr,
        &format!("/employees/{COLLEAGUE}/title"),
        json!({"title": "Staff", "from_date": "2024-02-01"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_ne!(
        tag(&app, &directory).await,
        card_tag,
        "the title is on the card"
    );
    // The full tag (as HR reads it) still works as If-Match.
    let current = tag(&app, &hr).await;
    let mut request = with_bearer(
        json(
            &format!("/employees/{COLLEAGUE}/salary"),
            json!({"salary": 100000, "from_date": "2024-03-01"}),
        ),
        &hr,
    );
    request
        .headers_mut()
        .insert("if-match", current.parse().unwrap());
    assert_eq!(send(&app, request).await.status, StatusCode::OK);
}
dual_test!(card_tag, a_card_viewers_tag_covers_only_the_card);
