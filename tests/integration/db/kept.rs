//! What the directory service keeps between requests (plans of name prefixes, departments'
//! heads) never outlives the change that made it stale: a hire with a new first name, a new
//! manager. Each change here is made as the HR changes make it, with the directory's version
//! moved in its transaction; the same service (and so the same kept values) answers before and
//! after.

use axum::Router;
use employees::{db::Db, repository::directory::names};

use crate::{
    api::directory::{get_as, token_for},
    common::*,
};

/// Adds an employee in d001 with `title`, and the first names and version as a hire does.
async fn hire(db: &Db, emp_no: i32, first_name: &str, last_name: &str, title: &str) {
    let mut tx = db.begin().await.unwrap();
    employees::dispatch!(&mut tx, tx => {
        sqlx::query("INSERT INTO employees (emp_no, birth_date, first_name, last_name, gender, hire_date) VALUES (?, '1980-01-01', ?, ?, 'F', '2020-01-01')")
            .bind(emp_no).bind(first_name).bind(last_name).execute(&mut **tx).await.unwrap();
        sqlx::query("INSERT INTO dept_emp (emp_no, dept_no, from_date, to_date) VALUES (?, 'd001', '2020-01-01', '9999-01-01')")
            .bind(emp_no).execute(&mut **tx).await.unwrap();
        sqlx::query("INSERT INTO titles (emp_no, title, from_date, to_date) VALUES (?, ?, '2020-01-01', '9999-01-01')")
            .bind(emp_no).bind(title).execute(&mut **tx).await.unwrap();
    });
    names::refresh(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
}

async fn found(app: &Router, token: &str, uri: &str) -> Vec<i64> {
    let reply = get_as(app, token, uri).await;
    assert_eq!(reply.status, 200, "{uri}: {}", reply.text());
    reply.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|card| card["emp_no"].as_i64().unwrap())
        .collect()
}

async fn new_first_names_are_found_after_a_kept_plan(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let token = token_for(&app, PRANAV, "directory").await;
    // `fa` starts two last names and no first name: the plan kept is the last-name branch.
    assert_eq!(found(&app, &token, "/employees?q=fa").await.len(), 2);
    hire(&db, 600001, "Fabiola", "Zyl", "Staff").await;
    let page = found(&app, &token, "/employees?q=fa").await;
    assert_eq!(page.len(), 3, "{page:?}");
    assert!(
        page.contains(&600001),
        "the new first name is searched: {page:?}"
    );

    // A kept plan that finds nothing is checked too: only the new first name has this title.
    assert!(found(&app, &token, "/employees?q=fa").await.len() == 3);
    hire(&db, 600002, "Faustina", "Quux", "Ninja").await;
    let page = found(&app, &token, "/employees?q=fa&title=Ninja").await;
    assert_eq!(page, vec![600002]);
}
dual_test!(
    plans_follow_hires,
    new_first_names_are_found_after_a_kept_plan
);

async fn cards_show_the_manager_appointed_after_they_were_kept(db: Db) {
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let token = token_for(&app, PRANAV, "directory").await;
    let manager = |reply: &Reply| reply.json()["manager"]["emp_no"].as_i64();
    let before = get_as(&app, &token, "/employees/10198").await;
    assert_eq!(manager(&before), Some(500005), "{}", before.text());

    // 10198 becomes d005's manager, in one transaction that moves the version.
    let mut tx = db.begin().await.unwrap();
    employees::dispatch!(&mut tx, tx => {
        sqlx::query("UPDATE dept_manager SET to_date = '2026-01-01' WHERE dept_no = 'd005' AND to_date = '9999-01-01'")
            .execute(&mut **tx).await.unwrap();
        sqlx::query("INSERT INTO dept_manager (emp_no, dept_no, from_date, to_date) VALUES (10198, 'd005', '2026-01-01', '9999-01-01')")
            .execute(&mut **tx).await.unwrap();
    });
    names::bump(&mut tx).await.unwrap();
    tx.commit().await.unwrap();

    let after = get_as(&app, &token, "/employees/10198").await;
    assert_eq!(manager(&after), Some(10198), "{}", after.text());
    let staff = get_as(&app, &token, "/departments/d005/employees?limit=3").await;
    let staff = staff.json();
    let cards = staff["items"].as_array().unwrap();
    assert!(!cards.is_empty());
    assert!(
        cards.iter().all(|card| card["manager"]["emp_no"] == 10198),
        "{staff}"
    );
    let search = get_as(&app, &token, "/employees?q=furedi").await.json();
    assert_eq!(search["items"][0]["manager"]["emp_no"], 10198, "{search}");
}
dual_test!(
    heads_follow_appointments,
    cards_show_the_manager_appointed_after_they_were_kept
);
