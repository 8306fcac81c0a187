//! Two instances starting at once on an empty database both migrate it and start: the migration
//! lock excludes the second until the first is done (sqlx's own lock does nothing on MariaDB).

use std::time::Duration;

use employees::{
    config::DatabaseTarget,
    db::{Db, PoolSettings},
};

const ROUNDS: usize = 3;

fn settings() -> PoolSettings {
    PoolSettings {
        max_connections: 4,
        acquire_timeout: Duration::from_secs(30),
    }
}

async fn connect(url: &str) -> Db {
    Db::connect(&DatabaseTarget::Url(url.to_owned()), settings())
        .await
        .expect("connects")
}

/// Migrates two pools at once and checks the schema is whole, with every migration applied once.
async fn race(url: &str) {
    let (a, b) = (connect(url).await, connect(url).await);
    let (first, second) = tokio::join!(a.migrate(), b.migrate());
    first.expect("first instance migrates");
    second.expect("second instance migrates");
    let applied: i64 = employees::dispatch!(&a, pool => {
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    let expected = match &a {
        Db::MySql(_) => employees::db::MYSQL_MIGRATOR.iter().count(),
        Db::Sqlite(_) => employees::db::SQLITE_MIGRATOR.iter().count(),
    };
    assert_eq!(applied, expected as i64);
    // And a third start finds nothing to do.
    connect(url)
        .await
        .migrate()
        .await
        .expect("migrated already");
}

#[tokio::test]
async fn two_instances_migrate_an_empty_mysql_database_at_once() {
    let server = std::env::var("DATABASE_URL").expect("DATABASE_URL names the MySQL test server");
    let root = server
        .rsplit_once('/')
        .map_or(server.as_str(), |(root, _)| root);
    let admin = connect(&format!("{root}/mysql")).await;
    for round in 0..ROUNDS {
        let name = format!("employees_migrate_race_{}_{round}", std::process::id());
        employees::dispatch!(&admin, pool => {
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(pool)
                .await
                .map(drop)
                .unwrap()
        });
        race(&format!("{root}/{name}")).await;
        employees::dispatch!(&admin, pool => {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
                .execute(pool)
                .await
                .map(drop)
                .unwrap()
        });
    }
}

#[tokio::test]
async fn two_instances_migrate_an_empty_sqlite_file_at_once() {
    for _ in 0..ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("e.db").display());
        race(&url).await;
    }
}
