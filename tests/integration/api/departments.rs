//! `GET /departments` and `/departments/{dept_no}`: manager, headcount, and payroll for HR and
//! the department's own manager only; the manager history.

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::Value;

use crate::{
    api::directory::{get_as, token_for},
    common::*,
};

async fn departments_show_figures_to_those_allowed(db: Db) {
    seeded(&db).await;
    let manager = email_of(&db, MANAGER_EMP_NO).await;
    let hr = email_of(&db, HR_EMP_NO).await;
    let app = employees::app(state(db).await);
    let directory = token_for(&app, PRANAV, "directory").await;
    let managing = token_for(&app, &manager, "manager").await;
    let hr_token = token_for(&app, &hr, "hr").await;

    let list = get_as(&app, &directory, "/departments").await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 9);
    let d001 = &list[0];
    assert_eq!(d001["dept_no"], "d001");
    assert_eq!(d001["dept_name"], "Marketing");
    assert_eq!(d001["manager"]["emp_no"], MANAGER_EMP_NO);
    assert_eq!(d001["manager"]["email"], manager.as_str());
    // d001's current staff in seed/: 500001, 500014, 500023, 500032.
    assert_eq!(d001["headcount"], 4);
    assert!(
        list.iter().all(|d| d.get("payroll").is_none()),
        "no payroll for directory"
    );
    let headcounts: i64 = list.iter().map(|d| d["headcount"].as_i64().unwrap()).sum();
    assert_eq!(headcounts, 38);

    let list = get_as(&app, &managing, "/departments").await.json();
    let with_payroll: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d.get("payroll").is_some())
        .map(|d| d["dept_no"].as_str().unwrap())
        .collect();
    assert_eq!(
        with_payroll,
        ["d001"],
        "a manager sees their own department's payroll"
    );
    let list = get_as(&app, &hr_token, "/departments").await.json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|d| d["payroll"].as_i64().unwrap() > 0)
    );
    // d001's payroll is the sum of its staff's current salaries.
    let salaries: i64 = {
        let mut sum = 0;
        for emp_no in [500001, 500014, 500023, 500032] {
            let reply = get_as(&app, &hr_token, &format!("/employees/{emp_no}/salaries")).await;
            sum += reply.json()[0]["salary"].as_i64().unwrap();
        }
        sum
    };
    assert_eq!(list[0]["payroll"], salaries);

    let detail = get_as(&app, &directory, "/departments/d001").await;
    assert_eq!(detail.status, StatusCode::OK);
    let detail = detail.json();
    assert_eq!(detail["headcount"], 4);
    let managers: Vec<i64> = detail["managers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m: &Value| m["emp_no"].as_i64().unwrap())
        .collect();
    assert_eq!(managers, [500001, 500010], "newest first");
    assert_eq!(detail["managers"][0]["to_date"], "9999-01-01");
    assert!(detail.get("payroll").is_none());
    assert!(get_as(&app, &managing, "/departments/d001").await.json()["payroll"].is_number());
    assert!(
        get_as(&app, &managing, "/departments/d002")
            .await
            .json()
            .get("payroll")
            .is_none()
    );
    for unknown in [
        "/departments/d999",
        "/departments/x",
        "/departments/%27%20OR%201=1",
    ] {
        assert_eq!(
            get_as(&app, &directory, unknown).await.status,
            StatusCode::NOT_FOUND
        );
    }
}
dual_test!(figures, departments_show_figures_to_those_allowed);
