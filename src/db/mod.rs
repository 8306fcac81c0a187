//! The database handle: one pool, MySQL/MariaDB or SQLite, chosen at start from the configuration.
//!
//! Both backends take the same SQL text (`?` placeholders; MySQL sessions run with
//! `PIPES_AS_CONCAT`, so `||` concatenates on both), so most queries are written once and
//! [`dispatch!`] expands them for each pool type.

pub mod migrations;

use std::{str::FromStr, time::Duration};

use sqlx::{
    MySqlPool, SqlitePool,
    migrate::Migrator,
    mysql::{MySqlConnectOptions, MySqlPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions},
};

use crate::config::{Config, DatabaseTarget};

/// Migrations for MySQL/MariaDB, embedded in the binary.
pub static MYSQL_MIGRATOR: Migrator = sqlx::migrate!("migrations/mysql");
/// Migrations for SQLite, embedded in the binary.
pub static SQLITE_MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// Runs the same expression against whichever backend `$value` holds. `$value` is a `Db`, a
/// `&Db` or a `&mut Tx`; `$inner` binds the pool or transaction of the concrete backend.
#[macro_export]
macro_rules! dispatch {
    ($value:expr, $inner:ident => $body:expr) => {
        match $value {
            $crate::db::Backend::MySql($inner) => $body,
            $crate::db::Backend::Sqlite($inner) => $body,
        }
    };
}

/// One value per backend: the pool in [`Db`], a transaction in [`Tx`].
#[derive(Debug, Clone)]
pub enum Backend<M, S> {
    MySql(M),
    Sqlite(S),
}

/// A connection pool on either backend.
pub type Db = Backend<MySqlPool, SqlitePool>;
/// A transaction on either backend.
pub type Tx =
    Backend<sqlx::Transaction<'static, sqlx::MySql>, sqlx::Transaction<'static, sqlx::Sqlite>>;

/// Pool settings taken from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl PoolSettings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            max_connections: config.database.db_max_connections,
            acquire_timeout: config.database.acquire_timeout(),
        }
    }
}

impl Db {
    /// Opens a pool (connecting once, so that a wrong URL or password fails here, at start).
    pub async fn connect(target: &DatabaseTarget, settings: PoolSettings) -> sqlx::Result<Db> {
        let url = match target {
            DatabaseTarget::Url(url) => url.as_str(),
            DatabaseTarget::EmbeddedSqlite(path) => {
                let options = sqlite_options(SqliteConnectOptions::new().filename(path), settings);
                return Ok(Db::Sqlite(
                    sqlite_pool(settings).connect_with(options).await?,
                ));
            }
        };
        if url.starts_with("sqlite:") {
            let options = sqlite_options(SqliteConnectOptions::from_str(url)?, settings);
            Ok(Db::Sqlite(
                sqlite_pool(settings).connect_with(options).await?,
            ))
        } else {
            // `mariadb://` is accepted as a spelling of `mysql://`.
            let url = url.replacen("mariadb://", "mysql://", 1);
            let options = MySqlConnectOptions::from_str(&url)?
                .charset("utf8mb4")
                .pipes_as_concat(true);
            let pool = MySqlPoolOptions::new()
                .max_connections(settings.max_connections)
                .acquire_timeout(settings.acquire_timeout)
                .after_connect(|connection, _| Box::pin(read_your_writes(connection)))
                .connect_with(options)
                .await?;
            Ok(Db::MySql(pool))
        }
    }

    /// Applies the pending migrations of this backend, safely when several instances start at
    /// once (see [`migrations`]).
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        migrations::run(self).await
    }

    /// One round trip to the database (readiness).
    pub async fn ping(&self) -> sqlx::Result<()> {
        dispatch!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop))
    }

    pub async fn begin(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Db::MySql(pool) => Tx::MySql(pool.begin().await?),
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
        })
    }

    /// Connections in use and idle now, and the most the pool opens. (sqlx counts no waiters:
    /// a pool at its maximum, with 503s after DB_ACQUIRE_TIMEOUT_SECS, is one that queues.)
    pub fn pool_use(&self) -> crate::telemetry::PoolUse {
        dispatch!(self, pool => {
            let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
            crate::telemetry::PoolUse {
                in_use: pool.size().saturating_sub(idle),
                idle,
                max: pool.options().get_max_connections(),
            }
        })
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Db::MySql(_) => "mysql",
            Db::Sqlite(_) => "sqlite",
        }
    }
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        dispatch!(self, tx => tx.commit().await)
    }
}

/// On a Galera node, reads wait until the node has applied every write the cluster committed
/// before them (`wsrep_sync_wait = 1`), so that a request never reads older data than a write it
/// saw acknowledged on another node (a logout, a revocation, an HR change). Elsewhere nothing:
/// MySQL has no such variable, and a MariaDB without Galera has `wsrep_on` off.
async fn read_your_writes(connection: &mut sqlx::MySqlConnection) -> sqlx::Result<()> {
    let galera: Option<i64> = sqlx::query_scalar("SELECT @@wsrep_on")
        .fetch_one(&mut *connection)
        .await
        .ok();
    if galera == Some(1) {
        sqlx::query("SET SESSION wsrep_sync_wait = 1")
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

fn sqlite_options(options: SqliteConnectOptions, settings: PoolSettings) -> SqliteConnectOptions {
    options
        .create_if_missing(true)
        .foreign_keys(true)
        // WAL lets readers go on while the seeder or a logout writes.
        .journal_mode(SqliteJournalMode::Wal)
        // A locked database waits no longer than a busy pool would: then 503.
        .busy_timeout(settings.acquire_timeout)
}

fn sqlite_pool(settings: PoolSettings) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
}
