//! Passkeys and WebAuthn ceremonies: an employee's credentials (the serialized webauthn-rs
//! `Passkey`, by its base64url credential id), and ceremonies in progress, each claimed once by
//! the DELETE whose row count decides which of two racing finishes wins.

use crate::{
    db::{Db, Tx},
    dispatch,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: i64,
    pub emp_no: i32,
    pub credential_id: String,
    /// The serialized `Passkey` (JSON).
    pub passkey: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A ceremony as stored: `state` is the serialized server half (JSON).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CeremonyRow {
    pub id: String,
    pub emp_no: Option<i32>,
    pub kind: String,
    pub state: String,
    pub expires_at: i64,
}

/// Adds a passkey in the caller's transaction; its id.
pub async fn insert(
    tx: &mut Tx,
    emp_no: i32,
    credential_id: &str,
    passkey: &str,
    name: &str,
    now: i64,
) -> sqlx::Result<i64> {
    dispatch!(&mut *tx, tx => {
        sqlx::query(
            "INSERT INTO passkeys (emp_no, credential_id, passkey, name, created_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(emp_no)
        .bind(credential_id)
        .bind(passkey)
        .bind(name)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        sqlx::query_scalar("SELECT id FROM passkeys WHERE credential_id = ?")
            .bind(credential_id)
            .fetch_one(&mut **tx)
            .await
    })
}

/// Whether any employee registered this credential already.
pub async fn credential_taken(db: &Db, credential_id: &str) -> sqlx::Result<bool> {
    dispatch!(db, pool => {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM passkeys WHERE credential_id = ?")
            .bind(credential_id)
            .fetch_one(pool)
            .await
            .map(|count| count > 0)
    })
}

/// The employee's passkeys, oldest first.
pub async fn of_employee(db: &Db, emp_no: i32) -> sqlx::Result<Vec<PasskeyRow>> {
    dispatch!(db, pool => {
        sqlx::query_as(
            "SELECT id, emp_no, credential_id, passkey, name, created_at, last_used_at \
             FROM passkeys WHERE emp_no = ? ORDER BY id",
        )
            .bind(emp_no)
            .fetch_all(pool)
            .await
    })
}

/// The passkey of a credential id, whoever holds it.
pub async fn by_credential(db: &Db, credential_id: &str) -> sqlx::Result<Option<PasskeyRow>> {
    dispatch!(db, pool => {
        sqlx::query_as(
            "SELECT id, emp_no, credential_id, passkey, name, created_at, last_used_at \
             FROM passkeys WHERE credential_id = ?",
        )
            .bind(credential_id)
            .fetch_optional(pool)
            .await
    })
}

/// Stores the passkey after a use (its counter and backup state) and when it was used.
pub async fn record_use(db: &Db, id: i64, passkey: &str, now: i64) -> sqlx::Result<()> {
    dispatch!(db, pool => {
        sqlx::query("UPDATE passkeys SET passkey = ?, last_used_at = ? WHERE id = ?")
            .bind(passkey)
            .bind(now)
            .bind(id)
            .execute(pool)
            .await
            .map(drop)
    })
}

/// Deletes one of the employee's passkeys in the caller's transaction: its name, or `None` when
/// the employee has no passkey of that id.
pub async fn delete(tx: &mut Tx, emp_no: i32, id: i64) -> sqlx::Result<Option<String>> {
    dispatch!(&mut *tx, tx => {
        let name: Option<String> =
            sqlx::query_scalar("SELECT name FROM passkeys WHERE id = ? AND emp_no = ?")
                .bind(id)
                .bind(emp_no)
                .fetch_optional(&mut **tx)
                .await?;
        let deleted = sqlx::query("DELETE FROM passkeys WHERE id = ? AND emp_no = ?")
            .bind(id)
            .bind(emp_no)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        Ok(name.filter(|_| deleted == 1))
    })
}

pub async fn insert_ceremony(db: &Db, ceremony: &CeremonyRow) -> sqlx::Result<()> {
    dispatch!(db, pool => {
        sqlx::query(
            "INSERT INTO webauthn_ceremonies (id, emp_no, kind, state, expires_at) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&ceremony.id)
        .bind(ceremony.emp_no)
        .bind(&ceremony.kind)
        .bind(&ceremony.state)
        .bind(ceremony.expires_at)
        .execute(pool)
        .await
        .map(drop)
    })
}

/// Claims a ceremony of `kind`: reads it, then deletes it; `None` unless this call's DELETE
/// removed it (unknown, another kind, or another finish got there first). Expiry is the
/// caller's to judge, so that it can say so.
pub async fn claim_ceremony(db: &Db, id: &str, kind: &str) -> sqlx::Result<Option<CeremonyRow>> {
    dispatch!(db, pool => {
        let row: Option<CeremonyRow> = sqlx::query_as(
            "SELECT id, emp_no, kind, state, expires_at FROM webauthn_ceremonies \
             WHERE id = ? AND kind = ?",
        )
        .bind(id)
        .bind(kind)
        .fetch_optional(pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let deleted = sqlx::query("DELETE FROM webauthn_ceremonies WHERE id = ? AND kind = ?")
            .bind(id)
            .bind(kind)
            .execute(pool)
            .await?
            .rows_affected();
        Ok((deleted == 1).then_some(row))
    })
}

/// Deletes ceremonies that expired before `before`: housekeeping.
pub async fn delete_expired_ceremonies(db: &Db, before: i64) -> sqlx::Result<u64> {
    dispatch!(db, pool => {
        sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at < ?")
            .bind(before)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
    })
}
