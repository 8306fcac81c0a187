//! Whole-transaction retry: an HR change that MariaDB picks as a deadlock's victim (1213) is run
//! again from its start and succeeds, instead of answering 503. (SQLite takes one database-wide
//! write lock: two transactions wait for each other there, they never deadlock.)

use std::time::Duration;

use axum::http::StatusCode;
use employees::db::Db;
use serde_json::json;
use sqlx::{Connection, MySqlConnection};

use crate::{
    api::hr::{hr_token, post_as},
    common::*,
};

#[sqlx::test(migrator = "employees::db::MYSQL_MIGRATOR")]
async fn a_deadlock_victim_is_run_again(
    pool_options: sqlx::mysql::MySqlPoolOptions,
    options: sqlx::mysql::MySqlConnectOptions,
) {
    let db = Db::MySql(pool_options.connect_with(options.clone()).await.unwrap());
    seeded(&db).await;
    let app = employees::app(state(db.clone()).await);
    let hr = hr_token(&app, &db).await;

    // Another writer, heavier than the change (so that InnoDB chooses the change as the victim):
    // it changed many salary rows (rolled back at the end) and holds d005's figures, and will want
    // 10198's row next.
    let mut other = MySqlConnection::connect_with(&options).await.unwrap();
    sqlx::query("BEGIN").execute(&mut other).await.unwrap();
    sqlx::query("UPDATE salaries SET salary = salary + 1 WHERE emp_no <> 10198")
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::query("UPDATE department_figures SET headcount = headcount WHERE dept_no = 'd005'")
        .execute(&mut other)
        .await
        .unwrap();

    // The change locks 10198's row, then waits for d005's figures.
    let change = tokio::spawn({
        let (app, hr) = (app.clone(), hr.clone());
        async move {
            let body = json!({"salary": 88888, "from_date": "2020-02-01"});
            post_as(&app, &hr, "/employees/10198/salary", body).await
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Now the other writer wants 10198's row: a cycle. The change is the victim; its retry waits
    // for this transaction, which can go on and end.
    sqlx::query("UPDATE employees SET emp_no = emp_no WHERE emp_no = 10198")
        .execute(&mut other)
        .await
        .expect("the other writer survives the deadlock");
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();

    let reply = change.await.unwrap();
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let salaries: i64 = employees::dispatch!(&db, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM salaries WHERE emp_no = 10198 AND salary = 88888")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(salaries, 1, "applied once");
}
