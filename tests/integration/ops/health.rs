//! `/healthz` and `/readyz`.

use axum::http::StatusCode;

use crate::common::{get, send, state};
use employees::db::Db;

async fn probes_follow_the_database(db: Db) {
    let app = employees::app(state(db.clone()).await);
    let live = send(&app, get("/healthz")).await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(live.json()["status"], "ok");
    let ready = send(&app, get("/readyz")).await;
    assert_eq!(ready.status, StatusCode::OK);

    // With the pool closed the database is out of reach: not ready, but still alive.
    match &db {
        Db::MySql(pool) => pool.close().await,
        Db::Sqlite(pool) => pool.close().await,
    }
    let ready = send(&app, get("/readyz")).await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json()["status"], "unavailable");
    assert_eq!(send(&app, get("/healthz")).await.status, StatusCode::OK);
}
dual_test!(probes, probes_follow_the_database);

async fn unknown_paths_are_json_404(db: Db) {
    let app = employees::app(state(db).await);
    let reply = send(&app, get("/no/such/page")).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.json()["detail"], "Not found");
}
dual_test!(not_found, unknown_paths_are_json_404);
