//! The second factor's rows: TOTP secrets (sealed) and their last used step, recovery codes (by
//! SHA-256) and logins waiting for their second step (`mfa_token`, by SHA-256). Every "use once"
//! is a conditional UPDATE whose row count decides, so that two instances cannot both accept it.

use crate::{
    db::{Db, Tx},
    dispatch,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TotpRow {
    pub secret_sealed: String,
    pub confirmed_at: Option<i64>,
    pub last_step: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingRow {
    pub token_hash: String,
    pub emp_no: i32,
    pub scope: String,
    /// SHA-256 of the password hash the password was judged against.
    pub password_mark: String,
    pub device_id: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

pub async fn totp(db: &Db, emp_no: i32) -> sqlx::Result<Option<TotpRow>> {
    dispatch!(db, pool => {
        sqlx::query_as(
            "SELECT secret_sealed, confirmed_at, last_step FROM mfa_totp WHERE emp_no = ?",
        )
        .bind(emp_no)
        .fetch_optional(pool)
        .await
    })
}

/// Stores a new unconfirmed secret (replacing an unconfirmed one); `false` when TOTP is on.
pub async fn begin_totp(db: &Db, emp_no: i32, sealed: &str, now: i64) -> sqlx::Result<bool> {
    let mut tx = db.begin().await?;
    let written = dispatch!(&mut tx, tx => {
        sqlx::query("DELETE FROM mfa_totp WHERE emp_no = ? AND confirmed_at IS NULL")
            .bind(emp_no)
            .execute(&mut **tx)
            .await?;
        sqlx::query("INSERT INTO mfa_totp (emp_no, secret_sealed, created_at) VALUES (?, ?, ?)")
            .bind(emp_no)
            .bind(sealed)
            .bind(now)
            .execute(&mut **tx)
            .await
            .map(drop)
    });
    match written {
        Ok(()) => tx.commit().await.map(|()| true),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
        Err(error) => Err(error),
    }
}

/// Turns the unconfirmed secret `sealed` on at `step`; `false` when another confirmation won or
/// another enrolment replaced the secret meanwhile (the code was checked against this one).
pub async fn confirm_totp(
    tx: &mut Tx,
    emp_no: i32,
    sealed: &str,
    step: i64,
    now: i64,
) -> sqlx::Result<bool> {
    dispatch!(&mut *tx, tx => {
        sqlx::query(
            "UPDATE mfa_totp SET confirmed_at = ?, last_step = ? \
             WHERE emp_no = ? AND confirmed_at IS NULL AND secret_sealed = ?",
        )
        .bind(now)
        .bind(step)
        .bind(emp_no)
        .bind(sealed)
        .execute(&mut **tx)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// Whether the employee has a passkey (a second factor too).
pub async fn has_passkey(db: &Db, emp_no: i32) -> sqlx::Result<bool> {
    dispatch!(db, pool => {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM passkeys WHERE emp_no = ?")
            .bind(emp_no)
            .fetch_one(pool)
            .await
            .map(|n| n > 0)
    })
}

/// Spends `step` of a confirmed secret: `false` when it (or a later step) was used already.
pub async fn claim_step(db: &Db, emp_no: i32, step: i64) -> sqlx::Result<bool> {
    dispatch!(db, pool => {
        sqlx::query(
            "UPDATE mfa_totp SET last_step = ? WHERE emp_no = ? AND confirmed_at IS NOT NULL \
             AND (last_step IS NULL OR last_step < ?)",
        )
        .bind(step)
        .bind(emp_no)
        .bind(step)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// Turns TOTP off: the secret and the recovery codes go. `false` when it was not on.
pub async fn delete_totp(tx: &mut Tx, emp_no: i32) -> sqlx::Result<bool> {
    dispatch!(&mut *tx, tx => {
        sqlx::query("DELETE FROM mfa_recovery_codes WHERE emp_no = ?")
            .bind(emp_no)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM mfa_totp WHERE emp_no = ? AND confirmed_at IS NOT NULL")
            .bind(emp_no)
            .execute(&mut **tx)
            .await
            .map(|done| done.rows_affected() == 1)
    })
}

/// Replaces the employee's recovery codes with `hashes`.
pub async fn replace_recovery(tx: &mut Tx, emp_no: i32, hashes: &[String]) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => {
        sqlx::query("DELETE FROM mfa_recovery_codes WHERE emp_no = ?")
            .bind(emp_no)
            .execute(&mut **tx)
            .await?;
        for hash in hashes {
            sqlx::query("INSERT INTO mfa_recovery_codes (emp_no, code_hash) VALUES (?, ?)")
                .bind(emp_no)
                .bind(hash)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    })
}

/// Spends a recovery code: `false` when it is not one of the employee's unused codes.
pub async fn use_recovery(db: &Db, emp_no: i32, hash: &str, now: i64) -> sqlx::Result<bool> {
    dispatch!(db, pool => {
        sqlx::query(
            "UPDATE mfa_recovery_codes SET used_at = ? \
             WHERE emp_no = ? AND code_hash = ? AND used_at IS NULL",
        )
        .bind(now)
        .bind(emp_no)
        .bind(hash)
        .execute(pool)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// Unused recovery codes left.
pub async fn recovery_left(db: &Db, emp_no: i32) -> sqlx::Result<i64> {
    dispatch!(db, pool => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM mfa_recovery_codes WHERE emp_no = ? AND used_at IS NULL",
        )
        .bind(emp_no)
        .fetch_one(pool)
        .await
    })
}

pub async fn insert_pending(db: &Db, row: &PendingRow) -> sqlx::Result<()> {
    dispatch!(db, pool => {
        sqlx::query(
            "INSERT INTO mfa_pending (token_hash, emp_no, scope, password_mark, device_id, \
             expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&row.token_hash)
        .bind(row.emp_no)
        .bind(&row.scope)
        .bind(&row.password_mark)
        .bind(&row.device_id)
        .bind(row.expires_at)
        .execute(pool)
        .await
        .map(drop)
    })
}

pub async fn pending(db: &Db, token_hash: &str) -> sqlx::Result<Option<PendingRow>> {
    dispatch!(db, pool => {
        sqlx::query_as(
            "SELECT token_hash, emp_no, scope, password_mark, device_id, expires_at, used_at \
             FROM mfa_pending WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await
    })
}

/// Spends a pending login in the transaction that starts its session; `false` when another
/// completion (or an expiry) got there first.
pub async fn claim_pending(tx: &mut Tx, token_hash: &str, now: i64) -> sqlx::Result<bool> {
    dispatch!(&mut *tx, tx => {
        sqlx::query(
            "UPDATE mfa_pending SET used_at = ? \
             WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
        )
        .bind(now)
        .bind(token_hash)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map(|done| done.rows_affected() == 1)
    })
}

/// Housekeeping: pending logins an hour past their end.
pub async fn prune_pending(db: &Db, before: i64) -> sqlx::Result<u64> {
    dispatch!(db, pool => {
        sqlx::query("DELETE FROM mfa_pending WHERE expires_at < ?")
            .bind(before)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
    })
}
