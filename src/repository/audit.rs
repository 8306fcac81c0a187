//! The audit trail: append-only. This module has the only statement that touches `audit_log`
//! besides reads, an INSERT; the table's triggers refuse UPDATE and DELETE from anybody.

use chrono::{NaiveDateTime, Utc};
use serde_json::Value;
use sqlx::QueryBuilder;

use crate::{
    db::{Db, Tx},
    dispatch,
    domain::audit::{AuditEntry, AuditFilter},
};

/// One entry, as the change or login that writes it knows it.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: Option<i32>,
    pub action: &'a str,
    pub emp_no: Option<i32>,
    pub ip: Option<String>,
    pub user_agent: Option<&'a str>,
    /// Before and after values; never a password, hash or token.
    pub details: Value,
}

/// Appends an entry inside the caller's transaction: it is on record exactly when the change is.
pub async fn record(tx: &mut Tx, entry: &Entry<'_>) -> sqlx::Result<()> {
    let at: NaiveDateTime = Utc::now().naive_utc();
    // The user agent is the client's to choose: kept, but bounded.
    let user_agent = entry
        .user_agent
        .map(|agent| agent.chars().take(512).collect::<String>());
    dispatch!(&mut *tx, tx => {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, emp_no, ip, user_agent, details) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(at)
        .bind(entry.actor)
        .bind(entry.action)
        .bind(entry.emp_no)
        .bind(entry.ip.as_deref())
        .bind(user_agent.as_deref())
        .bind(entry.details.to_string())
        .execute(&mut **tx)
        .await
        .map(drop)
    })
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    at: NaiveDateTime,
    actor: Option<i32>,
    action: String,
    emp_no: Option<i32>,
    ip: Option<String>,
    user_agent: Option<String>,
    details: String,
}

/// Up to `fetch` entries matching `filter`, newest first, older than the entry `before` (keyset
/// paging on the primary key; each filter has an index that ends with `id`).
pub async fn list(
    db: &Db,
    filter: &AuditFilter,
    before: Option<i64>,
    fetch: usize,
) -> sqlx::Result<Vec<AuditEntry>> {
    let rows: Vec<EntryRow> = dispatch!(db, pool => {
        let mut query = QueryBuilder::new(
            "SELECT id, at, actor, action, emp_no, ip, user_agent, details FROM audit_log WHERE 1 = 1",
        );
        if let Some(emp_no) = filter.emp_no {
            query.push(" AND emp_no = ").push_bind(emp_no);
        }
        if let Some(actor) = filter.actor {
            query.push(" AND actor = ").push_bind(actor);
        }
        if let Some(action) = &filter.action {
            query.push(" AND action = ").push_bind(action.clone());
        }
        if let Some(from) = filter.from {
            query.push(" AND at >= ").push_bind(from);
        }
        if let Some(until) = filter.until {
            query.push(" AND at < ").push_bind(until);
        }
        if let Some(before) = before {
            query.push(" AND id < ").push_bind(before);
        }
        query.push(" ORDER BY id DESC LIMIT ").push_bind(fetch as i64);
        query.build_query_as().fetch_all(pool).await?
    });
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            id: row.id,
            at: row.at.and_utc(),
            actor: row.actor,
            action: row.action,
            emp_no: row.emp_no,
            ip: row.ip,
            user_agent: row.user_agent,
            details: serde_json::from_str(&row.details).unwrap_or(Value::Null),
        })
        .collect())
}
