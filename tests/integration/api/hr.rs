//! HR changes on both backends: each change closes the current row and opens the new one as
//! test_db does, moves the department figures, and writes its audit entry in the same transaction.

use axum::{Router, http::StatusCode};
use employees::db::Db;
use serde_json::{Value, json};

use crate::{
    api::directory::{get_as, token_for},
    common::*,
};

/// Posts a change as `token`.
pub async fn post_as(app: &Router, token: &str, uri: &str, body: Value) -> Reply {
    send(app, with_bearer(json(uri, body), token)).await
}

pub async fn hr_token(app: &Router, db: &Db) -> String {
    token_for(app, &email_of(db, HR_EMP_NO).await, "hr").await
}

/// `(headcount, payroll)` of a department, as HR sees it.
pub async fn figures(app: &Router, token: &str, dept_no: &str) -> (i64, i64) {
    let body = get_as(app, token, &format!("/departments/{dept_no}"))
        .await
        .json();
    (
        body["headcount"].as_i64().unwrap(),
        body["payroll"].as_i64().unwrap(),
    )
}

/// The audit entries of changes about `emp_no` (not its logins and logouts), oldest first:
/// (actor, action, details).
pub async fn audit_of(db: &Db, emp_no: i32) -> Vec<(Option<i32>, String, Value)> {
    let rows: Vec<(Option<i32>, String, String)> = employees::dispatch!(db, pool => {
        sqlx::query_as("SELECT actor, action, details FROM audit_log WHERE emp_no = ? \
             AND action NOT IN ('login.success', 'login.failure', 'session.revoke') ORDER BY id")
            .bind(emp_no)
            .fetch_all(pool)
            .await
            .unwrap()
    });
    rows.into_iter()
        .map(|(actor, action, details)| (actor, action, serde_json::from_str(&details).unwrap()))
        .collect()
}

async fn changes_keep_test_db_history(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    let (d005, payroll5) = figures(&app, &hr, "d005").await;
    let (d004, payroll4) = figures(&app, &hr, "d004").await;
    let salaries = get_as(&app, &hr, "/employees/10198/salaries").await.json();
    let old_salary = salaries[0]["salary"].as_i64().unwrap();

    let promoted = post_as(
        &app,
        &hr,
        "/employees/10198/title",
        json!({"title": "Technique Leader", "from_date": "2020-01-01"}),
    )
    .await;
    assert_eq!(promoted.status, StatusCode::OK, "{}", promoted.text());
    assert_eq!(promoted.json()["title"], "Technique Leader");
    assert_eq!(promoted.json()["gender"], "M", "the full record");

    let paid = post_as(
        &app,
        &hr,
        "/employees/10198/salary",
        json!({"salary": 99999, "from_date": "2020-02-01"}),
    )
    .await;
    assert_eq!(paid.status, StatusCode::OK, "{}", paid.text());
    assert_eq!(
        figures(&app, &hr, "d005").await,
        (d005, payroll5 + 99999 - old_salary)
    );

    let moved = post_as(
        &app,
        &hr,
        "/employees/10198/department",
        json!({"dept_no": "d004", "from_date": "2020-03-01"}),
    )
    .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text());
    assert_eq!(moved.json()["department"]["dept_no"], "d004");
    assert_eq!(
        figures(&app, &hr, "d005").await,
        (d005 - 1, payroll5 - old_salary)
    );
    assert_eq!(
        figures(&app, &hr, "d004").await,
        (d004 + 1, payroll4 + 99999)
    );

    // The closed row ends the day the new one starts; exactly one row is current.
    let history = get_as(&app, &hr, "/employees/10198/history").await.json();
    let titles = history["titles"].as_array().unwrap();
    assert_eq!(
        titles[0],
        json!({"title": "Technique Leader", "from_date": "2020-01-01", "to_date": "9999-01-01"})
    );
    assert_eq!(titles[1]["title"], "Senior Engineer");
    assert_eq!(titles[1]["to_date"], "2020-01-01");
    let departments = history["departments"].as_array().unwrap();
    assert_eq!(departments[0]["dept_no"], "d004");
    assert_eq!(departments[0]["from_date"], "2020-03-01");
    assert_eq!(departments[1]["dept_no"], "d005");
    assert_eq!(departments[1]["to_date"], "2020-03-01");
    let salaries = get_as(&app, &hr, "/employees/10198/salaries").await.json();
    assert_eq!(
        salaries[0],
        json!({"salary": 99999, "from_date": "2020-02-01", "to_date": "9999-01-01"})
    );
    assert_eq!(salaries[1]["to_date"], "2020-02-01");

    let audit = audit_of(&db, 10198).await;
    let actions: Vec<&str> = audit.iter().map(|(_, action, _)| action.as_str()).collect();
    assert_eq!(
        actions,
        ["employee.title", "employee.salary", "employee.department"]
    );
    assert!(audit.iter().all(|(actor, _, _)| *actor == Some(HR_EMP_NO)));
    assert_eq!(audit[0].2["before"]["title"], "Senior Engineer");
    assert_eq!(audit[0].2["after"]["title"], "Technique Leader");
    assert_eq!(audit[1].2["before"]["salary"], old_salary);
    assert_eq!(audit[2].2["after"]["dept_no"], "d004");
}
dual_test!(history_kept, changes_keep_test_db_history);

async fn termination_ends_access_on_every_instance(db: Db) {
    seeded(&db).await;
    let first = employees::app(state(db.clone()).await);
    let second = employees::app(state(db.clone()).await);
    let hr = hr_token(&first, &db).await;
    let pranav = login(&second, PRANAV).await;
    assert_eq!(
        get_as(&second, &pranav, "/users/me").await.status,
        StatusCode::OK
    );
    let (headcount, _) = figures(&first, &hr, "d005").await;

    let ended = post_as(
        &first,
        &hr,
        "/employees/10198/termination",
        json!({"date": "2024-01-01"}),
    )
    .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.text());
    assert_eq!(ended.json()["active"], false);
    assert_eq!(figures(&first, &hr, "d005").await.0, headcount - 1);

    // The token issued before is refused on the other instance at once, wherever it is used.
    for uri in [
        "/users/me",
        "/employees?q=fac",
        "/employees/10198",
        "/departments",
        "/departments/d005/employees",
    ] {
        assert_eq!(
            get_as(&second, &pranav, uri).await.status,
            StatusCode::UNAUTHORIZED,
            "{uri}"
        );
    }
    let again = post_token(&second, &format!("username={PRANAV}&password=password")).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.json()["error_description"], "Inactive user");

    let history = get_as(&first, &hr, "/employees/10198/history").await.json();
    let open = |rows: &Value| {
        rows.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["to_date"] == "9999-01-01")
            .count()
    };
    assert_eq!(open(&history["departments"]) + open(&history["titles"]), 0);
    assert_eq!(history["titles"][0]["to_date"], "2024-01-01");
    let salaries = get_as(&first, &hr, "/employees/10198/salaries")
        .await
        .json();
    assert_eq!(salaries[0]["to_date"], "2024-01-01");
    let audit = audit_of(&db, 10198).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].1, "employee.termination");

    let twice = post_as(
        &first,
        &hr,
        "/employees/10198/termination",
        json!({"date": "2024-02-01"}),
    )
    .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text());
    // HR still works: its own tokens were not touched.
    assert_eq!(
        get_as(&first, &hr, "/employees/10198").await.status,
        StatusCode::OK
    );
}
dual_test!(termination, termination_ends_access_on_every_instance);

async fn the_audit_trail_cannot_be_changed(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    let reply = post_as(
        &app,
        &hr,
        "/employees/10198/title",
        json!({"title": "Staff", "from_date": "2021-01-01"}),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    employees::dispatch!(&db, pool => {
        let update = sqlx::query("UPDATE audit_log SET action = 'nothing'").execute(pool).await;
        assert!(update.is_err(), "UPDATE refused");
        let delete = sqlx::query("DELETE FROM audit_log").execute(pool).await;
        assert!(delete.is_err(), "DELETE refused");
    });
    assert_eq!(audit_of(&db, 10198).await.len(), 1);
}
dual_test!(append_only, the_audit_trail_cannot_be_changed);
