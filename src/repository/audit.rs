//! The audit trail: append-only. This module has the only statement that touches `audit_log`
//! besides reads, an INSERT; the table's triggers refuse UPDATE and DELETE from anybody.

use chrono::{NaiveDateTime, Utc};
use serde_json::Value;

use crate::{db::Tx, dispatch};

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
