//! The signing keys' rows: every instance reads the same set, and a new generation is claimed
//! by a unique `(alg, generation)`, so two instances rotating at once make one key, not two.

use crate::{db::Db, dispatch};

/// One key as stored: the public JWK in clear, the private key sealed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    pub kid: String,
    pub alg: String,
    pub generation: i32,
    pub public_jwk: String,
    /// Empty once the key is removed.
    pub private_sealed: String,
    pub created_at: i64,
    pub activates_at: i64,
}

/// Every key, removed ones included, oldest generation first.
pub async fn all(db: &Db) -> sqlx::Result<Vec<KeyRow>> {
    dispatch!(db, pool => {
        sqlx::query_as(
            "SELECT kid, alg, generation, public_jwk, private_sealed, created_at, activates_at \
             FROM signing_keys ORDER BY alg, generation",
        )
        .fetch_all(pool)
        .await
    })
}

/// Inserts a key; `Ok(false)` when its generation was taken (another instance made it first).
pub async fn insert(db: &Db, key: &KeyRow) -> sqlx::Result<bool> {
    let result = dispatch!(db, pool => {
        sqlx::query(
            "INSERT INTO signing_keys \
             (kid, alg, generation, public_jwk, private_sealed, created_at, activates_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&key.kid)
        .bind(&key.alg)
        .bind(key.generation)
        .bind(&key.public_jwk)
        .bind(&key.private_sealed)
        .bind(key.created_at)
        .bind(key.activates_at)
        .execute(pool)
        .await
        .map(drop)
    });
    match result {
        Ok(()) => Ok(true),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(false),
        Err(error) => Err(error),
    }
}

/// Wipes the private part of removed keys: nothing can sign with them again.
pub async fn wipe(db: &Db, kids: &[String]) -> sqlx::Result<()> {
    for kid in kids {
        dispatch!(db, pool => {
            sqlx::query("UPDATE signing_keys SET private_sealed = '' WHERE kid = ?")
                .bind(kid)
                .execute(pool)
                .await
                .map(drop)
        })?;
    }
    Ok(())
}
