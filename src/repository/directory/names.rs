//! The first names a name prefix can start, and the directory's version. A search asks the small
//! `first_names` table which first names a prefix starts (a few rows, where skipping through the
//! first-name index of 300k employees sometimes read every row of the names matched). What a
//! service keeps between requests (`kept`) holds while `directory_version` stays.
//!
//! Whatever adds employees calls [`refresh`] in its own transaction (the names only grow, since
//! employees are never deleted); whatever changes a department's manager calls [`bump`].

use crate::{db::Tx, dispatch};

/// Adds the first names of employees added since, and moves the version: inside the caller's
/// transaction, after the employees were inserted.
pub async fn refresh(tx: &mut Tx) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => sqlx::query(
        "INSERT INTO first_names (first_name)
         SELECT DISTINCT e.first_name FROM employees e
         WHERE NOT EXISTS (SELECT 1 FROM first_names n WHERE n.first_name = e.first_name)",
    )
    .execute(&mut **tx)
    .await
    .map(drop)?);
    bump(tx).await
}

/// Adds one employee's first name, if new, and moves the version (a hire: a new last name or
/// email can start a search's branch too).
pub async fn add(tx: &mut Tx, first_name: &str) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => sqlx::query(
        "INSERT INTO first_names (first_name) SELECT ? \
         WHERE NOT EXISTS (SELECT 1 FROM first_names n WHERE n.first_name = ?)",
    )
    .bind(first_name)
    .bind(first_name)
    .execute(&mut **tx)
    .await
    .map(drop)?);
    bump(tx).await
}

/// Moves the directory's version, inside the caller's transaction: what any instance kept is
/// read again after it commits.
pub async fn bump(tx: &mut Tx) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => sqlx::query(
        "UPDATE directory_version SET version = version + 1 WHERE id = 1",
    )
    .execute(&mut **tx)
    .await
    .map(drop))
}
