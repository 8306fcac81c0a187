//! Authorization codes, by the SHA-256 of the code: issued, claimed once (a conditional update
//! that only one of two concurrent redemptions wins), and looked up when a spent one returns.

use crate::{
    db::{Db, Tx},
    dispatch,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CodeRow {
    pub code_hash: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: String,
    pub emp_no: i32,
    pub scope: String,
    pub nonce: Option<String>,
    pub auth_time: i64,
    pub expires_at: i64,
    pub redeemed_at: Option<i64>,
    pub session_sid: Option<String>,
    /// How the employee authenticated to the browser session that authorized (stored `amr`).
    pub amr: String,
}

pub async fn insert(db: &Db, code: &CodeRow) -> sqlx::Result<()> {
    dispatch!(db, pool => {
        sqlx::query(
            "INSERT INTO authorization_codes (code_hash, client_id, redirect_uri, code_challenge, \
             emp_no, scope, nonce, auth_time, expires_at, amr) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&code.code_hash)
        .bind(&code.client_id)
        .bind(&code.redirect_uri)
        .bind(&code.code_challenge)
        .bind(code.emp_no)
        .bind(&code.scope)
        .bind(&code.nonce)
        .bind(code.auth_time)
        .bind(code.expires_at)
        .bind(&code.amr)
        .execute(pool)
        .await
        .map(drop)
    })
}

pub async fn find(db: &Db, code_hash: &str) -> sqlx::Result<Option<CodeRow>> {
    dispatch!(db, pool => {
        sqlx::query_as(
            "SELECT code_hash, client_id, redirect_uri, code_challenge, emp_no, scope, nonce, \
             auth_time, expires_at, redeemed_at, session_sid, amr FROM authorization_codes \
             WHERE code_hash = ?",
        )
        .bind(code_hash)
        .fetch_optional(pool)
        .await
    })
}

/// Marks the code redeemed into session `sid`, in the redemption's transaction; `false` when
/// another redemption got there first.
pub async fn claim(tx: &mut Tx, code_hash: &str, now: i64, sid: &str) -> sqlx::Result<bool> {
    dispatch!(&mut *tx, tx => {
        sqlx::query(
            "UPDATE authorization_codes SET redeemed_at = ?, session_sid = ? \
             WHERE code_hash = ? AND redeemed_at IS NULL",
        )
        .bind(now)
        .bind(sid)
        .bind(code_hash)
        .execute(&mut **tx)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// Deletes codes that expired before `before` (redeemed or not): housekeeping.
pub async fn delete_expired(db: &Db, before: i64) -> sqlx::Result<u64> {
    dispatch!(db, pool => {
        sqlx::query("DELETE FROM authorization_codes WHERE expires_at < ?")
            .bind(before)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
    })
}
