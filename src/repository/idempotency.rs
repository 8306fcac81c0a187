//! Answers kept for `Idempotency-Key` retries: written in the change's own transaction, so a
//! change is never on record without its answer (or the other way round); read after the
//! employee's lock, so that a retry running alongside the first attempt waits and replays it.

use crate::{
    db::{Db, Tx},
    dispatch,
};

/// How long a key counts: 24 hours.
pub const LIFETIME_SECS: i64 = 24 * 60 * 60;

/// One key's place: who sent it, to which endpoint (method and path).
#[derive(Debug, Clone, Copy)]
pub struct Slot<'a> {
    pub actor: i32,
    pub endpoint: &'a str,
    pub key: &'a str,
}

/// A kept answer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Kept {
    /// A hash of the request body the answer is for.
    pub request_hash: String,
    pub body: String,
    /// A hire's `Location`.
    pub location: Option<String>,
}

/// An answer to keep.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    pub request_hash: &'a str,
    pub body: &'a str,
    pub location: Option<&'a str>,
}

/// The answer kept for `slot` since `since` (unix seconds), if any.
pub async fn find(tx: &mut Tx, slot: &Slot<'_>, since: i64) -> sqlx::Result<Option<Kept>> {
    dispatch!(&mut *tx, tx => {
        sqlx::query_as(
            "SELECT request_hash, body, location FROM idempotency_keys \
             WHERE actor = ? AND endpoint = ? AND idem_key = ? AND created_at >= ?",
        )
        .bind(slot.actor)
        .bind(slot.endpoint)
        .bind(slot.key)
        .bind(since)
        .fetch_optional(&mut **tx)
        .await
    })
}

/// Keeps the answer of `slot`, replacing an expired one.
pub async fn keep(tx: &mut Tx, slot: &Slot<'_>, answer: &Answer<'_>, now: i64) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => {
        sqlx::query("DELETE FROM idempotency_keys WHERE actor = ? AND endpoint = ? AND idem_key = ?")
            .bind(slot.actor)
            .bind(slot.endpoint)
            .bind(slot.key)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO idempotency_keys \
             (actor, endpoint, idem_key, request_hash, status, body, location, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(slot.actor)
        .bind(slot.endpoint)
        .bind(slot.key)
        .bind(answer.request_hash)
        .bind(if answer.location.is_some() { 201 } else { 200 })
        .bind(answer.body)
        .bind(answer.location)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map(drop)
    })
}

/// Deletes the answers older than `before`, outside any change's transaction (housekeeping: they
/// no longer count anyway).
pub async fn purge(db: &Db, before: i64) -> sqlx::Result<u64> {
    dispatch!(db, pool => {
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < ?")
            .bind(before)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
    })
}
