//! How long one statement of a search may run on MySQL/MariaDB: past it the server stops the
//! statement and the search answers `503` instead of holding a pooled connection for as long as a
//! pathological plan takes. SQLite has no such limit (a progress handler would have to be set and
//! cleared on each pooled connection); there the per-caller share of searches bounds what one
//! caller holds (`service::search_limits`).
//!
//! One text serves both servers, so nothing has to ask which one answers: MariaDB runs what is
//! inside `/*M!… */` (`SET STATEMENT max_statement_time = … FOR`), MySQL skips it as a comment and
//! reads the optimizer hint `/*+ MAX_EXECUTION_TIME(…) */` after the first `SELECT`, which MariaDB
//! before 12 in turn skips as a comment.

use std::time::Duration;

use crate::db::Db;

/// The limit on each statement of a search (`None`: no limit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatementTimeout(pub Option<Duration>);

impl StatementTimeout {
    /// What goes before the statement, and the keyword that starts it, on `db`'s backend.
    pub(super) fn head(self, db: &Db) -> (String, String) {
        match (self.0, db) {
            (Some(limit), Db::MySql(_)) => {
                // At least a millisecond: 0 would mean "no limit" to both servers.
                let ms = limit.as_millis().clamp(1, u128::from(u32::MAX));
                (
                    format!(
                        "/*M!100108 SET STATEMENT max_statement_time = {}.{:03} FOR */ ",
                        ms / 1000,
                        ms % 1000
                    ),
                    format!("SELECT /*+ MAX_EXECUTION_TIME({ms}) */"),
                )
            }
            _ => (String::new(), "SELECT".to_owned()),
        }
    }
}

/// Whether the server stopped a statement at its time limit: MariaDB's `ER_STATEMENT_TIMEOUT`
/// (1969) or MySQL's `ER_QUERY_TIMEOUT` (3024).
pub fn is_timeout(error: &sqlx::Error) -> bool {
    let sqlx::Error::Database(error) = error else {
        return false;
    };
    error
        .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        .is_some_and(|error| matches!(error.number(), 1969 | 3024))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sqlite_gets_no_limit() {
        let db = Db::Sqlite(sqlx::SqlitePool::connect_lazy("sqlite::memory:").unwrap());
        let limited = StatementTimeout(Some(Duration::from_millis(2500)));
        assert_eq!(limited.head(&db), (String::new(), "SELECT".to_owned()));
    }

    #[tokio::test]
    async fn both_servers_read_their_own_limit() {
        let pool = sqlx::MySqlPool::connect_lazy("mysql://localhost/none").unwrap();
        let (before, select) =
            StatementTimeout(Some(Duration::from_millis(2500))).head(&Db::MySql(pool));
        assert_eq!(
            before,
            "/*M!100108 SET STATEMENT max_statement_time = 2.500 FOR */ "
        );
        assert_eq!(select, "SELECT /*+ MAX_EXECUTION_TIME(2500) */");
    }
}
