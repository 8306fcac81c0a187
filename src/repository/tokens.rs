//! Revoked tokens, shared by every instance through the database.

use crate::{
    db::{Db, Tx},
    dispatch,
    domain::TokenRef,
};

/// Records a token's `jti` as revoked until `expires_at` (unix seconds), in the caller's
/// transaction (with its audit entry). Revoking twice is fine.
pub async fn revoke(tx: &mut Tx, jti: &str, expires_at: i64) -> sqlx::Result<()> {
    let sql = match tx {
        Tx::MySql(_) => "INSERT IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)",
        Tx::Sqlite(_) => "INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)",
    };
    dispatch!(&mut *tx, tx => sqlx::query(sql).bind(jti).bind(expires_at).execute(&mut **tx).await.map(drop))?;
    Ok(())
}

/// Whether the token was revoked, or issued before its employee's tokens were cut off.
pub async fn is_revoked(db: &Db, token: &TokenRef<'_>) -> sqlx::Result<bool> {
    let found: Option<i64> = dispatch!(db, pool => {
        sqlx::query_scalar(
            "SELECT 1 FROM revoked_tokens WHERE jti = ? \
             UNION ALL SELECT 1 FROM employees WHERE emp_no = ? AND tokens_not_before >= ?",
        )
        .bind(token.jti)
        .bind(token.emp_no)
        .bind(token.issued_at)
        .fetch_optional(pool)
        .await?
    });
    Ok(found.is_some())
}

/// Deletes the rows of tokens that have expired anyway; returns how many.
pub async fn purge_expired(db: &Db, now: i64) -> sqlx::Result<u64> {
    let done = dispatch!(db, pool => {
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < ?")
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(done)
}
