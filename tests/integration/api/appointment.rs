//! `PUT /departments/{dept_no}/manager` on both backends: the current manager's row ends the day
//! the new one's starts, cards show the new manager at once, the refusals, an idempotent retry.

use axum::{Router, http::StatusCode};
use employees::db::Db;
use serde_json::{Value, json};

use crate::{
    api::directory::get_as,
    api::hr::{audit_of, hr_token},
    common::*,
};

pub(crate) async fn appoint(
    app: &Router,
    token: &str,
    dept_no: &str,
    body: Value,
    key: Option<&str>,
) -> Reply {
    let request = json("/x", body);
    let (mut parts, body) = request.into_parts();
    parts.method = axum::http::Method::PUT;
    parts.uri = format!("/departments/{dept_no}/manager").parse().unwrap();
    if let Some(key) = key {
        parts
            .headers
            .insert("idempotency-key", key.parse().unwrap());
    }
    send(
        app,
        with_bearer(axum::http::Request::from_parts(parts, body), token),
    )
    .await
}

async fn a_new_manager_takes_over(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    // Cards are read once, so that the departments' heads are kept before the change.
    assert_eq!(
        get_as(&app, &hr, "/employees/500018").await.json()["manager"]["emp_no"],
        500005
    );
    let old_tag = get_as(&app, &hr, "/employees/500005")
        .await
        .header("etag")
        .unwrap()
        .to_owned();

    let body = json!({"emp_no": 10198, "from_date": "2024-01-01"});
    let reply = appoint(&app, &hr, "d005", body.clone(), Some("appoint-1")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let department = reply.json();
    assert_eq!(department["manager"]["emp_no"], 10198);
    assert!(department["payroll"].is_i64());
    assert_eq!(
        department["managers"][0],
        json!({"emp_no": 10198, "first_name": "Pranav", "last_name": "Furedi", "from_date": "2024-01-01", "to_date": "9999-01-01"})
    );
    assert_eq!(department["managers"][1]["emp_no"], 500005);
    assert_eq!(department["managers"][1]["to_date"], "2024-01-01");
    assert_eq!(
        get_as(&app, &hr, "/employees/500018").await.json()["manager"]["emp_no"],
        10198
    );
    assert_ne!(
        get_as(&app, &hr, "/employees/500005")
            .await
            .header("etag")
            .unwrap(),
        old_tag
    );
    let again = appoint(&app, &hr, "d005", body, Some("appoint-1")).await;
    assert_eq!(again.json(), department);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let entries = audit_of(&db, 10198).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].1, "department.manager");
    assert_eq!(entries[0].2["before"]["managers"], json!([500005]));

    for (dept_no, body, status) in [
        (
            "d005",
            json!({"emp_no": 10198, "from_date": "2024-06-01"}),
            StatusCode::CONFLICT,
        ),
        (
            "d005",
            json!({"emp_no": 500018, "from_date": "2023-06-01"}),
            StatusCode::CONFLICT,
        ),
        (
            "d005",
            json!({"emp_no": 500014, "from_date": "2024-06-01"}),
            StatusCode::CONFLICT,
        ),
        (
            "d005",
            json!({"emp_no": 500005, "from_date": "2024-06-01"}),
            StatusCode::CONFLICT,
        ),
        (
            "d005",
            json!({"emp_no": 999999, "from_date": "2024-06-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "d005",
            json!({"emp_no": 500018, "from_date": "2999-01-01"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "d005",
            json!({"emp_no": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "d999",
            json!({"emp_no": 500018, "from_date": "2024-06-01"}),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let reply = appoint(&app, &hr, dept_no, body.clone(), None).await;
        assert_eq!(reply.status, status, "{dept_no} {body}: {}", reply.text());
    }
    assert_eq!(audit_of(&db, 500018).await.len(), 0);
    let directory = login(&app, PRANAV).await;
    let refused = appoint(
        &app,
        &directory,
        "d005",
        json!({"emp_no": 500018, "from_date": "2024-06-01"}),
        None,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
dual_test!(appointment, a_new_manager_takes_over);
