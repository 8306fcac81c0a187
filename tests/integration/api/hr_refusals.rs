//! HR changes refused: dates, keys, bodies, scopes; nothing changes and nothing is on record. And
//! two changes of one employee at once: one wins, the other is `409`, the history stays whole.

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::{Value, json};

use crate::{
    api::directory::{get_as, token_for},
    api::hr::{audit_of, hr_token, post_as},
    common::*,
};

async fn refusals_change_nothing(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    let before = get_as(&app, &hr, "/employees/10198/history").await.json();
    let former = format!("/employees/{FORMER_EMP_NO}/title");
    let cases: Vec<(&str, Value, StatusCode, Option<&[&str]>)> = vec![
        (
            "/employees/10198/title",
            json!({"title": "Staff", "from_date": "2999-01-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&["from_date"]),
        ),
        (
            "/employees/10198/title",
            json!({}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&["title", "from_date"]),
        ),
        (
            "/employees/10198/title",
            json!({"title": "", "from_date": "01/02/2020"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&["title", "from_date"]),
        ),
        (
            "/employees/10198/title",
            json!(["not", "an", "object"]),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&["body"]),
        ),
        (
            "/employees/10198/salary",
            json!({"salary": 0, "from_date": "2020-01-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&["salary"]),
        ),
        (
            "/employees/10198/salary",
            json!({"salary": "lots", "from_date": "2020-01-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&["salary"]),
        ),
        (
            "/employees/10198/department",
            json!({"dept_no": "d999", "from_date": "2020-01-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&["dept_no"]),
        ),
        (
            "/employees/10198/department",
            json!({"dept_no": "sales", "from_date": "2020-01-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&["dept_no"]),
        ),
        (
            "/employees/10198/termination",
            json!({"when": "2020-01-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(&["date"]),
        ),
        // Not after the current row's start: 10198's title started 1992-08-31.
        (
            "/employees/10198/title",
            json!({"title": "Staff", "from_date": "1992-08-31"}),
            StatusCode::CONFLICT,
            None,
        ),
        (
            "/employees/10198/title",
            json!({"title": "Staff", "from_date": "1990-01-01"}),
            StatusCode::CONFLICT,
            None,
        ),
        (
            "/employees/10198/title",
            json!({"title": "Senior Engineer", "from_date": "2020-01-01"}),
            StatusCode::CONFLICT,
            None,
        ),
        (
            "/employees/10198/department",
            json!({"dept_no": "d005", "from_date": "2020-01-01"}),
            StatusCode::CONFLICT,
            None,
        ),
        (
            "/employees/10198/termination",
            json!({"date": "1980-01-01"}),
            StatusCode::CONFLICT,
            None,
        ),
        // A former employee; an unknown one.
        (
            former.as_str(),
            json!({"title": "Staff", "from_date": "2020-01-01"}),
            StatusCode::CONFLICT,
            None,
        ),
        (
            "/employees/999999/title",
            json!({"title": "Staff", "from_date": "2020-01-01"}),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            "/employees/abc/title",
            json!({"title": "Staff", "from_date": "2020-01-01"}),
            StatusCode::NOT_FOUND,
            None,
        ),
    ];
    for (uri, body, status, fields) in &cases {
        let reply = post_as(&app, &hr, uri, body.clone()).await;
        assert_eq!(reply.status, *status, "{uri} {body}: {}", reply.text());
        let answer = reply.json();
        assert!(answer["detail"].is_string(), "{answer}");
        if let Some(fields) = fields {
            assert_eq!(answer["detail"], "Invalid request body");
            let named: Vec<&str> = answer["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap())
                .collect();
            assert_eq!(named, *fields, "{uri} {body}");
        }
    }
    // 500014 was in d002 before d001: test_db's key allows one dept_emp row per department.
    let back = post_as(
        &app,
        &hr,
        "/employees/500014/department",
        json!({"dept_no": "d002", "from_date": "2020-01-01"}),
    )
    .await;
    assert_eq!(back.status, StatusCode::CONFLICT, "{}", back.text());
    assert_eq!(
        get_as(&app, &hr, "/employees/500014").await.json()["department"]["dept_no"],
        "d001"
    );

    // Without `hr`: 403 naming it. (Nobody without the role can get the scope.)
    let directory = token_for(&app, PRANAV, "directory").await;
    let refused = post_as(
        &app,
        &directory,
        "/employees/10198/title",
        json!({"title": "Staff", "from_date": "2020-01-01"}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused
            .header("www-authenticate")
            .unwrap()
            .contains("scope=\"hr\"")
    );

    assert_eq!(
        get_as(&app, &hr, "/employees/10198/history").await.json(),
        before
    );
    assert!(
        audit_of(&db, 10198).await.is_empty(),
        "refusals are not changes"
    );
    assert!(audit_of(&db, 500014).await.is_empty());
}
dual_test!(refusals, refusals_change_nothing);

async fn concurrent_changes_of_one_employee(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    for round in 1..=8 {
        let date = format!("2001-{round:02}-01");
        let attempts = (0..4).map(|i| {
            let (app, hr, date) = (app.clone(), hr.clone(), date.clone());
            tokio::spawn(async move {
                let body = json!({"title": format!("Title {round}.{i}"), "from_date": date});
                post_as(&app, &hr, "/employees/10198/title", body)
                    .await
                    .status
            })
        });
        let mut statuses = Vec::new();
        for attempt in attempts.collect::<Vec<_>>() {
            statuses.push(attempt.await.unwrap());
        }
        let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        let lost = statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count();
        assert_eq!((won, lost), (1, 3), "round {round}: {statuses:?}");
    }
    // The history is a chain: each title ends the day the next starts, one is current.
    let history = get_as(&app, &hr, "/employees/10198/history").await.json();
    let titles = history["titles"].as_array().unwrap();
    assert_eq!(titles.len(), 2 + 8);
    for pair in titles.windows(2) {
        assert_eq!(pair[1]["to_date"], pair[0]["from_date"], "{pair:?}");
    }
    assert_eq!(titles[0]["to_date"], "9999-01-01");
    assert_eq!(audit_of(&db, 10198).await.len(), 8);
}
dual_test!(concurrent, concurrent_changes_of_one_employee);
