//! The profiles an instance keeps for live sessions (issue 15), on both backends: an HR change
//! made through one instance shows on the next request to another that holds the old copy, a
//! copy is served only for its own session and employee, what is kept is answered from the
//! session's row alone, and changes, logins and reads at once neither fail nor leave a stale copy.

use axum::{Router, http::StatusCode};
use employees::db::Db;
use serde_json::{Value, json};

use crate::{
    api::appointment::appoint,
    api::directory::get_as,
    api::hr::{hr_token, post_as},
    common::*,
};

const KYOICHI: i32 = 500005; // the seed's manager of d005, Pranav's department

async fn me(app: &Router, token: &str) -> Value {
    let reply = get_as(app, token, "/users/me").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

async fn execute(db: &Db, sql: &'static str) {
    employees::dispatch!(db, pool => sqlx::query(sql).execute(pool).await.map(drop).unwrap());
}

async fn changes_show_on_the_next_request_on_every_instance(db: Db) {
    seeded(&db).await;
    let reader = employees::app(state(db.clone()).await);
    let writer = employees::app(state(db.clone()).await);
    let hr = hr_token(&writer, &db).await;
    let pranav = login(&reader, PRANAV).await;
    let kyoichi = login(&reader, &email_of(&db, KYOICHI).await).await;
    // Both profiles are now kept by the reader.
    let before = me(&reader, &pranav).await;
    assert_eq!(before["title"], "Senior Engineer");
    assert_eq!(before["department"], "Development");
    assert_eq!(before["roles"], json!(["employee"]));
    assert_eq!(
        me(&reader, &kyoichi).await["roles"],
        json!(["employee", "manager"])
    );

    let promoted = post_as(
        &writer,
        &hr,
        "/employees/10198/title",
        json!({"title": "Technique Leader", "from_date": "2020-01-01"}),
    )
    .await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.text());
    assert_eq!(me(&reader, &pranav).await["title"], "Technique Leader");

    // The appointment changes two profiles: the new manager's and the one it replaces.
    let body = json!({"emp_no": 10198, "from_date": "2021-01-01"});
    let appointed = appoint(&writer, &hr, "d005", body, None).await;
    assert_eq!(appointed.status, StatusCode::OK, "{}", appointed.text());
    assert_eq!(
        me(&reader, &pranav).await["roles"],
        json!(["employee", "manager"])
    );
    assert_eq!(me(&reader, &kyoichi).await["roles"], json!(["employee"]));

    let moved = post_as(
        &writer,
        &hr,
        "/employees/500005/department",
        json!({"dept_no": "d004", "from_date": "2022-01-01"}),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());
    let after = me(&reader, &kyoichi).await;
    assert_eq!(after["department"], "Production");
    assert_eq!(
        after["emp_no"], KYOICHI,
        "each token still gets its own profile"
    );
    assert_eq!(me(&reader, &pranav).await["emp_no"], 10198);
}
dual_test!(
    changes_show,
    changes_show_on_the_next_request_on_every_instance
);

async fn a_kept_profile_is_answered_from_the_session_row_alone(db: Db) {
    seeded(&db).await;
    let first = employees::app(state(db.clone()).await);
    let second = employees::app(state(db.clone()).await);
    let pranav = login(&first, PRANAV).await;
    assert_eq!(me(&first, &pranav).await["title"], "Senior Engineer");

    // A change behind the service's back (no version moved): the first instance keeps answering
    // from its copy, which shows it reads no profile; the second, holding none, reads the row.
    execute(
        &db,
        "UPDATE titles SET title = 'Staff' WHERE emp_no = 10198 AND to_date = '9999-01-01'",
    )
    .await;
    assert_eq!(me(&first, &pranav).await["title"], "Senior Engineer");
    assert_eq!(me(&second, &pranav).await["title"], "Staff");
    // What every HR change does in its transaction: the copy stops matching.
    execute(
        &db,
        "UPDATE sessions SET profile_version = profile_version + 1 WHERE emp_no = 10198",
    )
    .await;
    assert_eq!(me(&first, &pranav).await["title"], "Staff");

    // Ended on the second instance: refused by the first on the next request, copy or not.
    let out = send(&second, with_bearer(form("/logout", ""), &pranav)).await;
    assert!(out.status.is_success(), "{}", out.text());
    let refused = get_as(&first, &pranav, "/users/me").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(!refused.text().contains("Pranav"), "{}", refused.text());
}
dual_test!(
    session_row_alone,
    a_kept_profile_is_answered_from_the_session_row_alone
);

async fn a_copy_is_served_to_its_own_session_and_employee_only(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let keys = jwt_keys(&db).await;
    let sid = start_session(&db, KYOICHI).await;
    let kyoichi = keys.issue(KYOICHI, "me", &sid).unwrap().0;
    assert_eq!(me(&app, &kyoichi).await["emp_no"], KYOICHI);

    // A token signed with the key (a leaked secret, say) naming another employee with that
    // session's id: the session is not theirs, so the kept profile is not served.
    let forged = keys.issue(10198, "me", &sid).unwrap().0;
    let reply = get_as(&app, &forged, "/users/me").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert!(!reply.text().contains("Kyoichi"), "{}", reply.text());
    // Pranav's own session gets Pranav's profile, and Kyoichi's copy is untouched.
    let pranav = keys
        .issue(10198, "me", &start_session(&db, 10198).await)
        .unwrap()
        .0;
    assert_eq!(me(&app, &pranav).await["first_name"], "Pranav");
    assert_eq!(me(&app, &kyoichi).await["first_name"], "Kyoichi");
}
dual_test!(
    own_session_only,
    a_copy_is_served_to_its_own_session_and_employee_only
);

async fn changes_logins_and_reads_at_once(db: Db) {
    seeded(&db).await;
    let reader = employees::app(state(db.clone()).await);
    let writer = employees::app(state(db.clone()).await);
    let hr = hr_token(&writer, &db).await;
    let pranav = login(&reader, PRANAV).await;
    assert_eq!(me(&reader, &pranav).await["title"], "Senior Engineer");

    // Two HR changes of Pranav, three logins of his and twenty reads of his profile, all at
    // once on two instances: the changes bump the sessions the logins are inserting and the
    // reads are caching. Nothing may fail, and the copy must end at the last change.
    let mut work = tokio::task::JoinSet::new();
    for (uri, body) in [
        (
            "/employees/10198/title",
            json!({"title": "Staff", "from_date": "2020-01-01"}),
        ),
        (
            "/employees/10198/department",
            json!({"dept_no": "d004", "from_date": "2021-01-01"}),
        ),
    ] {
        let (writer, hr) = (writer.clone(), hr.clone());
        work.spawn(async move { post_as(&writer, &hr, uri, body).await.status });
    }
    for _ in 0..3 {
        let reader = reader.clone();
        let body = format!("username={PRANAV}&password=password");
        work.spawn(async move { post_token(&reader, &body).await.status });
    }
    for _ in 0..20 {
        let (reader, pranav) = (reader.clone(), pranav.clone());
        work.spawn(async move { get_as(&reader, &pranav, "/users/me").await.status });
    }
    for status in work.join_all().await {
        assert_eq!(status, StatusCode::OK);
    }
    let after = me(&reader, &pranav).await;
    assert_eq!(
        (after["title"].as_str(), after["department"].as_str()),
        (Some("Staff"), Some("Production"))
    );
}
dual_test!(at_once, changes_logins_and_reads_at_once);
