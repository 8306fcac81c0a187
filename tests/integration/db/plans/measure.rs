//! What a statement costs on the server, counted on one connection: the session's Handler and
//! Sort counters, and the rows of `EXPLAIN`.

use std::collections::HashMap;

use sqlx::{MySqlPool, Row, mysql::MySqlRow};

const COUNTERS: &str = "SHOW SESSION STATUS WHERE Variable_name IN ('Handler_read_first', \
    'Handler_read_key', 'Handler_read_next', 'Handler_read_prev', 'Handler_read_rnd_next', 'Sort_rows')";

async fn counters(pool: &MySqlPool) -> HashMap<String, i64> {
    sqlx::query(COUNTERS)
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|row| {
            (
                row.get::<String, _>(0),
                row.get::<String, _>(1).parse().unwrap(),
            )
        })
        .collect()
}

/// Rows read (all Handler_read_*) and rows sorted by what `work` runs on `pool`'s one connection,
/// less what reading the counters itself costs.
pub async fn cost<F: Future<Output = ()>>(pool: &MySqlPool, work: F) -> (i64, i64) {
    let a = counters(pool).await;
    let b = counters(pool).await;
    work.await;
    let c = counters(pool).await;
    let delta = |name: &str| (c[name] - b[name]) - (b[name] - a[name]);
    let reads = [
        "Handler_read_first",
        "Handler_read_key",
        "Handler_read_next",
        "Handler_read_prev",
        "Handler_read_rnd_next",
    ]
    .iter()
    .map(|name| delta(name))
    .sum();
    (reads, delta("Sort_rows"))
}

/// One row of `EXPLAIN`: the table, the access type, the index, and Extra.
pub struct Step {
    pub table: String,
    pub kind: String,
    pub key: String,
    pub extra: String,
}

impl Step {
    pub fn of(row: &MySqlRow) -> Step {
        let text = |column: &str| {
            row.try_get::<Option<String>, _>(column)
                .unwrap_or(None)
                .unwrap_or_else(|| "-".to_owned())
        };
        Step {
            table: text("table"),
            kind: text("type"),
            key: text("key"),
            extra: text("Extra"),
        }
    }

    /// `<derivedN>`/`<unionN>` are a statement's own results (a page each), not tables.
    pub fn is_derived(&self) -> bool {
        self.table.starts_with('<')
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} {} {}",
            self.table, self.kind, self.key, self.extra
        )
    }
}
