//! The mail outbox: messages written in the transaction of what they tell about, then claimed,
//! sent and marked by the sender of any instance. A claim holds rows until its lease ends, so
//! that two senders never send one row at once, and a sender that died mid-send leaves its rows
//! to another once the lease is over (sent again then: at least once).

use crate::{
    db::{Db, Tx},
    dispatch,
};

/// A claimed message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i32,
}

/// Queues a message to the employee's email, if the employee exists and has one (else the same
/// statement inserts nothing). True when a row was written.
pub async fn enqueue_to_employee(
    tx: &mut Tx,
    emp_no: i32,
    subject: &str,
    body: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let written = dispatch!(tx, tx => {
        sqlx::query(
            "INSERT INTO mail_outbox (recipient, subject, body, created_at, next_attempt_at) \
             SELECT email, ?, ?, ?, ? FROM employees WHERE emp_no = ? AND email IS NOT NULL",
        )
        .bind(subject)
        .bind(body)
        .bind(now)
        .bind(now)
        .bind(emp_no)
        .execute(&mut **tx)
        .await?
        .rows_affected()
    });
    Ok(written > 0)
}

/// Due and unclaimed (or claimed by a lease that ended): binds now, now.
macro_rules! due {
    () => {
        "sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ? AND claimed_until <= ?"
    };
}

/// Claims up to `limit` due messages for `claimer` until `lease_until` and returns them. MySQL:
/// the due rows are locked with `FOR UPDATE SKIP LOCKED`, so that concurrent claims take
/// different rows without waiting; SQLite: one conditional `UPDATE` (its writes are serial).
pub async fn claim(
    db: &Db,
    claimer: &str,
    now: i64,
    lease_until: i64,
    limit: u32,
) -> sqlx::Result<Vec<Claimed>> {
    match db {
        Db::MySql(pool) => {
            let mut tx = pool.begin().await?;
            let ids: Vec<i64> = sqlx::query_scalar(concat!(
                "SELECT id FROM mail_outbox WHERE ",
                due!(),
                " ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED"
            ))
            .bind(now)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            for id in &ids {
                sqlx::query(
                    "UPDATE mail_outbox SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                )
                .bind(claimer)
                .bind(lease_until)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }
        Db::Sqlite(pool) => {
            sqlx::query(concat!(
                "UPDATE mail_outbox SET claimed_by = ?, claimed_until = ? WHERE id IN \
                 (SELECT id FROM mail_outbox WHERE ",
                due!(),
                " ORDER BY next_attempt_at, id LIMIT ?)"
            ))
            .bind(claimer)
            .bind(lease_until)
            .bind(now)
            .bind(now)
            .bind(limit)
            .execute(pool)
            .await?;
        }
    }
    dispatch!(db, pool => {
        sqlx::query_as(
            "SELECT id, recipient, subject, body, attempts FROM mail_outbox \
             WHERE claimed_by = ? AND sent_at IS NULL AND failed_at IS NULL ORDER BY id",
        )
        .bind(claimer)
        .fetch_all(pool)
        .await
    })
}

/// Marks a claimed message sent and forgets its body. False if the claim was lost meanwhile.
pub async fn mark_sent(db: &Db, id: i64, claimer: &str, now: i64) -> sqlx::Result<bool> {
    let done = dispatch!(db, pool => {
        sqlx::query(
            "UPDATE mail_outbox SET sent_at = ?, body = '', claimed_until = 0 \
             WHERE id = ? AND claimed_by = ? AND sent_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(claimer)
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(done > 0)
}

/// Counts a failed attempt: tried again from `retry_at`, or given up (`None`; its body
/// forgotten). `error` says what failed, never what was sent.
pub async fn mark_failed(
    db: &Db,
    id: i64,
    claimer: &str,
    retry_at: Option<i64>,
    now: i64,
    error: &str,
) -> sqlx::Result<()> {
    let error: String = error.chars().take(255).collect();
    dispatch!(db, pool => {
        sqlx::query(
            "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?, \
             claimed_by = NULL, claimed_until = 0, failed_at = ?, last_error = ?, \
             body = CASE WHEN ? IS NULL THEN body ELSE '' END \
             WHERE id = ? AND claimed_by = ? AND sent_at IS NULL",
        )
        .bind(retry_at.unwrap_or(now))
        .bind(retry_at.is_none().then_some(now))
        .bind(error)
        .bind(retry_at.is_none().then_some(now))
        .bind(id)
        .bind(claimer)
        .execute(pool)
        .await
        .map(drop)
    })
}

/// Deletes messages sent or given up before `before` (housekeeping).
pub async fn purge(db: &Db, before: i64) -> sqlx::Result<u64> {
    Ok(dispatch!(db, pool => {
        sqlx::query("DELETE FROM mail_outbox WHERE sent_at < ? OR failed_at < ?")
            .bind(before)
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected()
    }))
}
