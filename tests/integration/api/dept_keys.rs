//! Department numbers are compared and stored as test_db keeps them (`d008`), however a client
//! spells them: in paths, in JSON bodies and in query filters, on both backends.

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::json;

use crate::{
    api::appointment::appoint,
    api::directory::{get_as, token_for},
    api::hr::{hr_token, post_as},
    common::*,
};

/// The dept_no of every row that names a department, as stored.
async fn stored_dept_nos(db: &Db) -> Vec<String> {
    employees::dispatch!(db, pool => {
        sqlx::query_scalar(
            "SELECT dept_no FROM dept_emp UNION ALL SELECT dept_no FROM dept_manager \
             UNION ALL SELECT dept_no FROM department_figures",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    })
}

async fn upper_case_dept_nos_mean_the_same_department(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;

    // A manager appointed through `D008` manages d008: they see its payroll.
    let reply = appoint(
        &app,
        &hr,
        "D008",
        json!({"emp_no": 500021, "from_date": "2024-01-01"}),
        Some("upper-1"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["dept_no"], "d008");
    assert_eq!(reply.json()["manager"]["emp_no"], 500021);
    let manager = token_for(&app, &email_of(&db, 500021).await, "directory+manager").await;
    let departments = get_as(&app, &manager, "/departments").await.json();
    let d008 = departments
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dept_no"] == "d008")
        .unwrap();
    assert!(
        d008["payroll"].is_i64(),
        "the new manager's payroll: {d008}"
    );
    // The retry of the same request through the other spelling is the same request.
    let again = appoint(
        &app,
        &hr,
        "d008",
        json!({"emp_no": 500021, "from_date": "2024-01-01"}),
        Some("upper-1"),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text());
    assert_eq!(again.header("idempotent-replayed"), Some("true"));

    // A transfer to `D004` is a transfer to d004.
    let reply = post_as(
        &app,
        &hr,
        "/employees/10198/department",
        json!({"dept_no": "D004", "from_date": "2024-02-01"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json()["department"]["dept_no"], "d004");

    // Reads and filters, whatever the spelling.
    for uri in ["/departments/D008", "/departments/d008"] {
        let reply = get_as(&app, &hr, uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(reply.json()["dept_no"], "d008");
    }
    let staff = get_as(&app, &hr, "/departments/D004/employees?limit=100").await;
    assert_eq!(staff.status, StatusCode::OK, "{}", staff.text());
    let lower = get_as(&app, &hr, "/departments/d004/employees?limit=100").await;
    assert_eq!(staff.json(), lower.json());
    let filtered = get_as(&app, &hr, "/employees?department=D004&limit=100").await;
    assert_eq!(filtered.status, StatusCode::OK, "{}", filtered.text());
    assert_eq!(filtered.json()["items"], lower.json()["items"]);
    assert!(
        lower.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|card| card["emp_no"] == 10198)
    );

    // Nothing was stored in another spelling.
    let stored = stored_dept_nos(&db).await;
    assert!(
        stored.iter().all(|d| d.starts_with('d')),
        "stored as test_db keeps them: {stored:?}"
    );
    // Unknown departments stay 404 in any spelling.
    for uri in ["/departments/D999", "/departments/x", "/departments/%FF"] {
        let reply = get_as(&app, &hr, uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(reply.json()["detail"], "Not found");
    }
}
dual_test!(upper_case, upper_case_dept_nos_mean_the_same_department);
