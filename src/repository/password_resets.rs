//! Password reset tokens, stored by SHA-256 hash: issued with their message (see
//! `repository::outbox`) in the request's transaction, spent once in the reset's.

use crate::{
    db::{Db, Tx},
    dispatch,
};

/// An emp_no that names no one: the statements of an unknown email's request (they insert
/// nothing), so that it runs the same statements as a known one.
pub const NO_EMPLOYEE: i32 = 0;

/// What a token row says at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Usable { emp_no: i32 },
    Used,
    Expired,
    Unknown,
}

#[derive(sqlx::FromRow)]
struct Row {
    emp_no: i32,
    expires_at: i64,
    used_at: Option<i64>,
}

/// Inserts a token for `emp_no` if that employee exists (`NO_EMPLOYEE`: inserts nothing, by the
/// same statement). True when a row was written.
pub async fn issue(
    tx: &mut Tx,
    token_hash: &str,
    emp_no: i32,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<bool> {
    let written = dispatch!(tx, tx => {
        sqlx::query(
            "INSERT INTO password_resets (token_hash, emp_no, created_at, expires_at) \
             SELECT ?, emp_no, ?, ? FROM employees WHERE emp_no = ?",
        )
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .bind(emp_no)
        .execute(&mut **tx)
        .await?
        .rows_affected()
    });
    Ok(written > 0)
}

/// The token's state at `now`.
pub async fn state(db: &Db, token_hash: &str, now: i64) -> sqlx::Result<TokenState> {
    let row: Option<Row> = dispatch!(db, pool => {
        sqlx::query_as(
            "SELECT emp_no, expires_at, used_at FROM password_resets WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await?
    });
    Ok(judge(row, now))
}

fn judge(row: Option<Row>, now: i64) -> TokenState {
    match row {
        None => TokenState::Unknown,
        Some(row) if row.used_at.is_some() => TokenState::Used,
        Some(row) if row.expires_at <= now => TokenState::Expired,
        Some(row) => TokenState::Usable { emp_no: row.emp_no },
    }
}

/// Spends the token if it is usable at `now` (one conditional update: of two resets with one
/// token, one wins). Otherwise says why not.
pub async fn spend(tx: &mut Tx, token_hash: &str, now: i64) -> sqlx::Result<TokenState> {
    let spent = dispatch!(&mut *tx, tx => {
        sqlx::query(
            "UPDATE password_resets SET used_at = ? \
             WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
        )
        .bind(now)
        .bind(token_hash)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected()
    });
    let row: Option<Row> = dispatch!(tx, tx => {
        sqlx::query_as(
            "SELECT emp_no, expires_at, used_at FROM password_resets WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&mut **tx)
        .await?
    });
    Ok(match (spent, row) {
        (1, Some(row)) => TokenState::Usable { emp_no: row.emp_no },
        (_, row) => judge(row, now),
    })
}

/// Spends every other token of the employee: one reset makes the older links useless.
pub async fn spend_all(tx: &mut Tx, emp_no: i32, now: i64) -> sqlx::Result<u64> {
    Ok(dispatch!(tx, tx => {
        sqlx::query("UPDATE password_resets SET used_at = ? WHERE emp_no = ? AND used_at IS NULL")
            .bind(now)
            .bind(emp_no)
            .execute(&mut **tx)
            .await?
            .rows_affected()
    }))
}

/// Deletes tokens that expired before `before` (housekeeping).
pub async fn purge(db: &Db, before: i64) -> sqlx::Result<u64> {
    Ok(dispatch!(db, pool => {
        sqlx::query("DELETE FROM password_resets WHERE expires_at < ?")
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected()
    }))
}
