//! Issue 23: one caller's searches cannot take every pooled connection, and a search statement
//! that runs past its time limit is a `503` with a detail, never a `500`. MariaDB only: the
//! searches are held in flight for real by a table lock that another connection takes on
//! `directory_version` (which every search's page statement reads and `/users/me` does not), so
//! nothing depends on timing — a held search can only end when the lock goes or its time limit
//! stops it. (SQLite has no table locks; the share's own logic is tested in
//! `service::search_limits`.)

use std::time::Duration;

use axum::{Router, http::StatusCode};
use employees::{db::Db, service::search_limits::SearchLimits};
use sqlx::{Connection, MySqlConnection, MySqlPool, mysql::MySqlPoolOptions};
use tokio::task::JoinHandle;

use crate::{
    api::directory::{get_as, token_for},
    common::*,
};

/// The service on a pool of `connections`, with the given limits on searches.
async fn app_with(pool: &MySqlPool, connections: u32, limits: SearchLimits) -> Router {
    let small = MySqlPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(2))
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let search_limits = limits;
    let wiring = Wiring {
        search_limits,
        ..wiring()
    };
    employees::app(wired(&Db::MySql(small), wiring).await)
}

/// A connection of its own holding `directory_version` for writing: every search's page
/// statement waits for it.
async fn lock_directory(pool: &MySqlPool) -> MySqlConnection {
    let mut lock = MySqlConnection::connect_with(&pool.connect_options())
        .await
        .unwrap();
    sqlx::raw_sql("LOCK TABLES directory_version WRITE")
        .execute(&mut lock)
        .await
        .unwrap();
    lock
}

/// Lets the held statements go on.
async fn unlock(mut lock: MySqlConnection) {
    sqlx::raw_sql("UNLOCK TABLES")
        .execute(&mut lock)
        .await
        .unwrap();
    lock.close().await.unwrap();
}

/// This test's statements waiting for the lock now.
async fn waiting(pool: &MySqlPool) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.processlist \
         WHERE state = 'Waiting for table metadata lock' AND db = DATABASE()",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

fn search(app: &Router, token: &str, uri: &str) -> JoinHandle<Reply> {
    let (app, token, uri) = (app.clone(), token.to_owned(), uri.to_owned());
    tokio::spawn(async move { get_as(&app, &token, &uri).await })
}

#[sqlx::test(migrator = "employees::db::MYSQL_MIGRATOR")]
async fn one_callers_searches_cannot_take_every_connection(pool: MySqlPool) {
    seeded(&Db::MySql(pool.clone())).await;
    // Four connections; a caller's share is two, and a search beyond it waits a moment.
    let limits = SearchLimits {
        per_caller: 2,
        wait: Duration::from_millis(300),
        statement_timeout: None,
    };
    let app = app_with(&pool, 4, limits).await;
    let attacker = token_for(&app, PRANAV, "directory").await;
    let honest = token_for(&app, BEHAI, "me directory").await;
    let lock = lock_directory(&pool).await;
    let searches: Vec<JoinHandle<Reply>> = (0..6)
        .map(|i| search(&app, &attacker, &format!("/employees?limit={}", i + 1)))
        .collect();
    // Two reach the database and wait there; without the share all four connections would.
    while waiting(&pool).await < 2 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let me = get_as(&app, &honest, "/users/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text());
    assert_eq!(me.json()["emp_no"], 500222);
    let departments = get_as(&app, &honest, "/departments").await;
    assert_eq!(departments.status, StatusCode::OK);
    // The other four wait for a turn that does not come while the two are held: refused.
    while searches.iter().filter(|s| s.is_finished()).count() < 4 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(waiting(&pool).await, 2);
    unlock(lock).await;
    let mut statuses = Vec::new();
    for search in searches {
        let reply = search.await.unwrap();
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(reply.header("retry-after"), Some("1"));
            assert!(
                reply.json()["detail"]
                    .as_str()
                    .unwrap()
                    .starts_with("Too many of your searches")
            );
        }
        statuses.push(reply.status.as_u16());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 429, 429, 429, 429]);
}

#[sqlx::test(migrator = "employees::db::MYSQL_MIGRATOR")]
async fn a_search_past_its_time_limit_is_503_not_500(pool: MySqlPool) {
    seeded(&Db::MySql(pool.clone())).await;
    let limits = SearchLimits {
        statement_timeout: Some(Duration::from_millis(300)),
        ..SearchLimits::default()
    };
    let app = app_with(&pool, 4, limits).await;
    let token = token_for(&app, PRANAV, "directory").await;
    let lock = lock_directory(&pool).await;
    // Held by the lock, the statement can only end at its time limit.
    for uri in [
        "/employees?limit=5",
        "/employees?q=fur",
        "/employees?title=Manager",
        "/departments/d005/employees",
    ] {
        // A bound for a broken build only: without the time limit the search waits for ever.
        let reply = tokio::time::timeout(Duration::from_secs(60), get_as(&app, &token, uri))
            .await
            .expect("the search is stopped at its time limit");
        assert_eq!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{uri}: {}",
            reply.text()
        );
        let detail = reply.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.starts_with("The search took too long"), "{detail}");
        assert!(!detail.contains("SELECT") && !detail.contains("max_statement_time"));
    }
    unlock(lock).await;
    let reply = get_as(&app, &token, "/employees?limit=5").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
}
