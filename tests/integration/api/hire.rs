//! `POST /employees` on both backends: a hire with its first rows, login and search; the refusals;
//! emp_nos under concurrency and after rows added by hand; an idempotent retry.

use axum::{Router, http::StatusCode};
use employees::db::Db;
use serde_json::{Value, json};

use crate::{
    api::directory::get_as,
    api::hr::{audit_of, figures, hr_token, post_as},
    common::*,
};

fn ada(email: Option<&str>) -> Value {
    let mut body = json!({
        "first_name": "Ada", "last_name": "Lovelace", "gender": "F",
        "birth_date": "1990-12-10", "hire_date": "2024-01-02", "dept_no": "d005",
        "title": "Engineer", "salary": 65000, "password": "correct horse battery",
    });
    if let Some(email) = email {
        body["email"] = json!(email);
    }
    body
}

async fn employee_count(db: &Db) -> i64 {
    employees::dispatch!(db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM employees").fetch_one(pool).await.unwrap()
    })
}

async fn hire(app: &Router, token: &str, body: Value) -> Reply {
    post_as(app, token, "/employees", body).await
}

async fn a_hire_opens_the_first_rows(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    let (headcount, payroll) = figures(&app, &hr, "d005").await;
    let reply = hire(&app, &hr, ada(None)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let record = reply.json();
    let emp_no = record["emp_no"].as_i64().unwrap();
    assert_eq!(emp_no, 500223, "after the seed's highest, 500222");
    assert_eq!(
        reply.header("location"),
        Some(format!("/employees/{emp_no}").as_str())
    );
    assert!(reply.header("etag").is_some());
    assert_eq!(record["email"], format!("ada.lovelace.{emp_no}@gmail.com"));
    assert_eq!(record["department"]["dept_no"], "d005");
    assert_eq!(record["title"], "Engineer");
    assert_eq!(record["active"], true);
    assert_eq!(record["gender"], "F");
    assert_eq!(
        figures(&app, &hr, "d005").await,
        (headcount + 1, payroll + 65000)
    );
    let salaries = get_as(&app, &hr, &format!("/employees/{emp_no}/salaries"))
        .await
        .json();
    assert_eq!(
        salaries,
        json!([{"salary": 65000, "from_date": "2024-01-02", "to_date": "9999-01-01"}])
    );

    // The new employee logs in, and the directory finds them by their (new) first name.
    let email = record["email"].as_str().unwrap().to_owned();
    let login = post_token(
        &app,
        &format!("username={email}&password=correct+horse+battery"),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text());
    let found = get_as(&app, &hr, "/employees?q=ada").await.json();
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["emp_no"] == emp_no),
        "{found}"
    );

    let audit = audit_of(&db, emp_no as i32).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].1, "employee.hire");
    assert_eq!(audit[0].2["after"]["salary"], 65000);
    let details = audit[0].2.to_string();
    assert!(
        !details.contains("password") && !details.contains("horse"),
        "{details}"
    );

    // A chosen email is kept (normalised), and is one employee's only.
    let chosen = hire(&app, &hr, ada(Some(" Ada@Example.com "))).await;
    assert_eq!(chosen.status, StatusCode::CREATED, "{}", chosen.text());
    assert_eq!(chosen.json()["email"], "ada@example.com");
    let taken = hire(&app, &hr, ada(Some("ada@example.com"))).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.text());
}
dual_test!(hire_rows, a_hire_opens_the_first_rows);

async fn bad_hires_add_nobody(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    let before = employee_count(&db).await;
    let with = |field: &str, value: Value| {
        let mut body = ada(None);
        body[field] = value;
        body
    };
    let cases = [
        (
            json!({}),
            vec![
                "first_name",
                "last_name",
                "gender",
                "birth_date",
                "hire_date",
                "dept_no",
                "title",
                "salary",
                "password",
            ],
        ),
        (with("hire_date", json!("2999-01-01")), vec!["hire_date"]),
        (with("birth_date", json!("2024-01-02")), vec!["birth_date"]),
        (with("dept_no", json!("d999")), vec!["dept_no"]),
        (with("password", json!("short")), vec!["password"]),
        (with("gender", json!("X")), vec!["gender"]),
        (
            with("first_name", json!("A name far too long")),
            vec!["first_name"],
        ),
        (with("email", json!("not an email")), vec!["email"]),
        (with("salary", json!(-5)), vec!["salary"]),
    ];
    for (body, fields) in cases {
        let reply = hire(&app, &hr, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            reply.text()
        );
        let named: Vec<String> = reply.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(named, fields, "{body}");
    }
    assert_eq!(employee_count(&db).await, before);
}
dual_test!(hire_refusals, bad_hires_add_nobody);

async fn hires_at_once_get_their_own_numbers(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;
    // A row added by hand above the last number given out: the next hire goes past it.
    employees::dispatch!(&db, pool => {
        sqlx::query("INSERT INTO employees (emp_no, birth_date, first_name, last_name, gender, hire_date) VALUES (700000, '1980-01-01', 'Hand', 'Made', 'M', '2000-01-01')")
            .execute(pool).await.unwrap();
    });
    let racers = (0..8).map(|_| {
        let (app, hr) = (app.clone(), hr.clone());
        tokio::spawn(async move { hire(&app, &hr, ada(None)).await })
    });
    let mut emp_nos = Vec::new();
    for racer in racers.collect::<Vec<_>>() {
        let reply = racer.await.unwrap();
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
        emp_nos.push(reply.json()["emp_no"].as_i64().unwrap());
    }
    emp_nos.sort_unstable();
    assert_eq!(emp_nos, (700001..=700008).collect::<Vec<_>>());

    // A retried hire with the same key hires nobody twice and answers the same.
    let key = "hire-ada-1";
    let send_keyed = || {
        let mut request = with_bearer(json("/employees", ada(Some("ada.l@example.com"))), &hr);
        request
            .headers_mut()
            .insert("idempotency-key", key.parse().unwrap());
        send(&app, request)
    };
    let first = send_keyed().await;
    let again = send_keyed().await;
    assert_eq!(
        (first.status, again.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert_eq!(first.json(), again.json());
    assert_eq!(first.header("location"), again.header("location"));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.json()["emp_no"], 700009);
    assert_eq!(employee_count(&db).await, 42 + 1 + 8 + 1);
}
dual_test!(hire_numbers, hires_at_once_get_their_own_numbers);
