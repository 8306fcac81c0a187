//! The database: where it is, the pool, how long start-up waits for it.

use std::{path::PathBuf, time::Duration};

use clap::{Args, value_parser};

use super::ConfigError;

/// `DATABASE_URL`, `SQLITE_FILE`, the pool and the start-up retry.
#[derive(Args, Clone)]
pub struct Database {
    /// `mysql://user:password@host:3306/db` (MySQL or MariaDB) or `sqlite://path`.
    /// Unset: the embedded SQLite file SQLITE_FILE.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// The SQLite file used when DATABASE_URL is unset (created on first start).
    #[arg(
        long,
        env = "SQLITE_FILE",
        global = true,
        default_value = "employees.db"
    )]
    pub sqlite_file: PathBuf,

    /// Most database connections in the pool.
    #[arg(long, env = "DB_MAX_CONNECTIONS", global = true, default_value_t = 10,
          value_parser = value_parser!(u32).range(1..=1_000))]
    pub db_max_connections: u32,

    /// Seconds a request waits for a database connection before it gets 503.
    #[arg(long, env = "DB_ACQUIRE_TIMEOUT_SECS", global = true, default_value_t = 3,
          value_parser = value_parser!(u64).range(1..=300))]
    pub db_acquire_timeout_secs: u64,

    /// Seconds the program keeps retrying its first database connection at start.
    #[arg(long, env = "DB_CONNECT_RETRY_SECS", global = true, default_value_t = 30,
          value_parser = value_parser!(u64).range(0..=3_600))]
    pub db_connect_retry_secs: u64,
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A URL given in DATABASE_URL.
    Url(String),
    /// The zero-setup default: an SQLite file created on first start.
    EmbeddedSqlite(PathBuf),
}

impl Database {
    pub fn target(&self) -> Result<DatabaseTarget, ConfigError> {
        match self.database_url.as_deref().map(str::trim) {
            None | Some("") => Ok(DatabaseTarget::EmbeddedSqlite(self.sqlite_file.clone())),
            Some(url)
                if ["mysql://", "mariadb://", "sqlite:"]
                    .iter()
                    .any(|scheme| url.starts_with(scheme)) =>
            {
                Ok(DatabaseTarget::Url(url.to_owned()))
            }
            Some(_) => Err(ConfigError::new(
                "DATABASE_URL",
                "must start with mysql://, mariadb:// or sqlite:",
            )),
        }
    }

    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_secs(self.db_acquire_timeout_secs)
    }
}
