//! Migrations that several instances may start at once, on an empty database too.
//!
//! - On one MySQL-family server, a lock of our own excludes the others until the first is done:
//!   sqlx's (`GET_LOCK(?, -1)`) is a no-op on MariaDB (a negative timeout answers NULL). It is
//!   held by a connection of its own while the migrator uses the pool.
//! - On a Galera cluster that lock is per node. Instances on different nodes may still race: the
//!   loser fails inserting the migration's row (before running any of its DDL) or finds it marked
//!   unfinished, and tries again until the winner is done.
//! - SQLite applies each migration in a transaction of its own, DDL included: the loser rolls
//!   back whole, and trying again finds the winner's work done.

use std::time::Duration;

use sqlx::{MySqlPool, migrate::MigrateError};

use super::{Db, MYSQL_MIGRATOR, SQLITE_MIGRATOR};

/// How long an instance waits for another one's migrations (the full schema takes seconds).
const LOCK_WAIT_SECS: i64 = 120;
/// How long an instance keeps trying after losing a race to another node's instance.
const RACE_WAIT: Duration = Duration::from_secs(60);

pub(crate) async fn run(db: &Db) -> Result<(), MigrateError> {
    let deadline = tokio::time::Instant::now() + RACE_WAIT;
    loop {
        let attempt = match db {
            Db::MySql(pool) => under_lock(pool).await,
            Db::Sqlite(pool) => SQLITE_MIGRATOR.run(pool).await,
        };
        match attempt {
            Err(error) if raced(&error) && tokio::time::Instant::now() < deadline => {
                tracing::info!(%error, "migrations raced another instance; trying again");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            done => return done,
        }
    }
}

/// A statement failed, or a migration is marked unfinished (another instance is running it):
/// what losing a race looks like. A changed or missing migration is no race.
fn raced(error: &MigrateError) -> bool {
    matches!(
        error,
        MigrateError::Execute(_) | MigrateError::ExecuteMigration(..) | MigrateError::Dirty(_)
    )
}

async fn under_lock(pool: &MySqlPool) -> Result<(), MigrateError> {
    let mut holder = pool.acquire().await?;
    let locked: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK('employees.migrations', ?)")
        .bind(LOCK_WAIT_SECS)
        .fetch_one(&mut *holder)
        .await?;
    if locked != Some(1) {
        return Err(MigrateError::Execute(sqlx::Error::Protocol(
            "another instance held the migration lock too long".to_owned(),
        )));
    }
    let migrated = MYSQL_MIGRATOR.run(pool).await;
    // Released with the connection anyway; explicitly, so the next one need not wait for the
    // pool to close it.
    if let Err(error) = sqlx::query("DO RELEASE_LOCK('employees.migrations')")
        .execute(&mut *holder)
        .await
    {
        tracing::warn!(%error, "could not release the migration lock");
    }
    migrated
}
