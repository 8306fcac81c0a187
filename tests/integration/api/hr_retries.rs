//! Safe retries and no lost updates: `ETag`/`If-Match` (`412`, also when two changes race) and
//! `Idempotency-Key` (the first answer again, per caller and endpoint, for 24 hours; refusals are
//! not kept), on both backends.

use axum::{Router, http::StatusCode};
use employees::db::Db;
use serde_json::{Value, json};

use crate::{
    api::directory::{get_as, token_for},
    api::hr::{audit_of, hr_token},
    common::*,
};

async fn post_with(
    app: &Router,
    token: &str,
    uri: &str,
    body: Value,
    headers: &[(&str, &str)],
) -> Reply {
    let mut request = with_bearer(json(uri, body), token);
    for (name, value) in headers {
        let name = axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap();
        request.headers_mut().append(name, value.parse().unwrap());
    }
    send(app, request).await
}

async fn etag(app: &Router, token: &str) -> String {
    let reply = get_as(app, token, "/employees/10198").await;
    assert_eq!(reply.status, StatusCode::OK);
    reply.header("etag").expect("ETag").to_owned()
}

async fn if_match_refuses_what_changed_since(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    let first = etag(&app, &hr).await;
    assert!(first.starts_with('"') && first.ends_with('"'), "{first}");
    assert_eq!(etag(&app, &hr).await, first, "stable while nothing changes");
    let directory = token_for(&app, PRANAV, "directory").await;
    // A card's tag is over the card alone (tests/integration/card_tags.rs).
    assert_ne!(etag(&app, &directory).await, first, "a card's own tag");

    let title = json!({"title": "Staff", "from_date": "2020-01-01"});
    let changed = post_with(
        &app,
        &hr,
        "/employees/10198/title",
        title,
        &[("if-match", &first)],
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text());
    let second = changed.header("etag").unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(etag(&app, &hr).await, second);

    let salaries = get_as(&app, &hr, "/employees/10198/salaries").await.json();
    let stale = json!({"salary": 1000, "from_date": "2020-02-01"});
    let refused = post_with(
        &app,
        &hr,
        "/employees/10198/salary",
        stale.clone(),
        &[("if-match", &first)],
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        refused.text()
    );
    assert_eq!(
        get_as(&app, &hr, "/employees/10198/salaries").await.json(),
        salaries
    );
    let malformed = post_with(
        &app,
        &hr,
        "/employees/10198/salary",
        stale.clone(),
        &[("if-match", "abc")],
    )
    .await;
    // Not an entity tag: it matches nothing.
    assert_eq!(malformed.status, StatusCode::PRECONDITION_FAILED);
    let any = post_with(
        &app,
        &hr,
        "/employees/10198/salary",
        stale,
        &[("if-match", "*")],
    )
    .await;
    assert_eq!(any.status, StatusCode::OK);

    // Two changes sent with the same tag at once: one applies, the other is 412.
    for round in 1..=6 {
        let tag = etag(&app, &hr).await;
        let date = format!("2021-{round:02}-01");
        let racers = (0..2).map(|i| {
            let (app, hr, tag, date) = (app.clone(), hr.clone(), tag.clone(), date.clone());
            tokio::spawn(async move {
                let body = json!({"title": format!("Title {round}.{i}"), "from_date": date});
                post_with(
                    &app,
                    &hr,
                    "/employees/10198/title",
                    body,
                    &[("if-match", &tag)],
                )
                .await
                .status
            })
        });
        let mut statuses = Vec::new();
        for racer in racers.collect::<Vec<_>>() {
            statuses.push(racer.await.unwrap());
        }
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::PRECONDITION_FAILED],
            "round {round}"
        );
    }
    assert_eq!(audit_of(&db, 10198).await.len(), 2 + 6);
}
dual_test!(if_match, if_match_refuses_what_changed_since);

async fn idempotency_keys_replay_the_first_answer(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    let body = json!({"title": "Staff", "from_date": "2020-01-01"});
    let key = [("idempotency-key", "k-1")];
    let first = post_with(&app, &hr, "/employees/10198/title", body.clone(), &key).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let again = post_with(&app, &hr, "/employees/10198/title", body.clone(), &key).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.json(), first.json());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(audit_of(&db, 10198).await.len(), 1, "changed once");

    let other = json!({"title": "Engineer", "from_date": "2020-01-01"});
    let reused = post_with(&app, &hr, "/employees/10198/title", other, &key).await;
    assert_eq!(
        reused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reused.text()
    );
    // Per endpoint and per caller: the same key elsewhere, or from another caller, is its own.
    let pay = json!({"salary": 1000, "from_date": "2020-02-01"});
    assert_eq!(
        post_with(&app, &hr, "/employees/10198/salary", pay, &key)
            .await
            .status,
        StatusCode::OK
    );
    let behai = token_for(&app, BEHAI, "hr").await;
    let theirs = post_with(&app, &behai, "/employees/10198/title", body.clone(), &key).await;
    assert_eq!(
        theirs.status,
        StatusCode::CONFLICT,
        "evaluated anew: {}",
        theirs.text()
    );

    // Retries racing the first attempt: all get the one answer, one change is made.
    let racing = json!({"title": "Engineer", "from_date": "2020-03-01"});
    let racers = (0..4).map(|_| {
        let (app, hr, racing) = (app.clone(), hr.clone(), racing.clone());
        tokio::spawn(async move {
            post_with(
                &app,
                &hr,
                "/employees/10198/title",
                racing,
                &[("idempotency-key", "k-2")],
            )
            .await
        })
    });
    let mut answers = Vec::new();
    for racer in racers.collect::<Vec<_>>() {
        let reply = racer.await.unwrap();
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        answers.push(reply.json());
    }
    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]));
    assert_eq!(audit_of(&db, 10198).await.len(), 3);

    // Refusals are not kept: the same key and body are evaluated again, and a corrected body
    // with that key is not "another body".
    let early = json!({"title": "Staff", "from_date": "1990-01-01"});
    let k3 = [("idempotency-key", "k-3")];
    for _ in 0..2 {
        let refused = post_with(&app, &hr, "/employees/10198/title", early.clone(), &k3).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
    }
    let fixed = json!({"title": "Staff", "from_date": "2020-04-01"});
    assert_eq!(
        post_with(&app, &hr, "/employees/10198/title", fixed, &k3)
            .await
            .status,
        StatusCode::OK
    );

    // After 24 hours a key no longer counts.
    employees::dispatch!(&db, pool => {
        sqlx::query("UPDATE idempotency_keys SET created_at = created_at - 90000 WHERE idem_key = 'k-1'")
            .execute(pool).await.unwrap();
    });
    let expired = post_with(&app, &hr, "/employees/10198/title", body, &key).await;
    assert_eq!(
        expired.status,
        StatusCode::CONFLICT,
        "evaluated anew: {}",
        expired.text()
    );

    let long = "k".repeat(256);
    let bad = post_with(
        &app,
        &hr,
        "/employees/10198/title",
        json!({"title": "Staff", "from_date": "2020-05-01"}),
        &[("idempotency-key", &long)],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
dual_test!(idempotency, idempotency_keys_replay_the_first_answer);

/// Keys are compared exactly, as RFC 9110 compares header values that are not case-insensitive by
/// definition: `Key-A` and `key-a` are two keys (MariaDB's default collation ignored case).
async fn idempotency_keys_differing_in_case_are_two_keys(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    let first = json!({"salary": 100000, "from_date": "2020-01-01"});
    let reply = post_with(
        &app,
        &hr,
        "/employees/10198/salary",
        first,
        &[("idempotency-key", "Key-A")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    // Another body under a key that differs only in case: a change of its own, not a reuse.
    let second = json!({"salary": 110000, "from_date": "2020-02-01"});
    let reply = post_with(
        &app,
        &hr,
        "/employees/10198/salary",
        second.clone(),
        &[("idempotency-key", "key-a")],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.header("idempotent-replayed"), None);
    assert_eq!(reply.json()["emp_no"], 10198);
    // Each key still replays its own answer.
    let again = post_with(
        &app,
        &hr,
        "/employees/10198/salary",
        second,
        &[("idempotency-key", "key-a")],
    )
    .await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(audit_of(&db, 10198).await.len(), 2, "two changes");
    let salaries = get_as(&app, &hr, "/employees/10198/salaries").await.json();
    assert_eq!(salaries[0]["salary"], 110000);
}
dual_test!(
    idempotency_key_case,
    idempotency_keys_differing_in_case_are_two_keys
);
