//! What each employee allowed each client (the consent page is shown once per pair, unless the
//! client asks for more than was allowed).

use crate::{db::Db, dispatch, domain::oidc::Grant};

/// The scopes `emp_no` allowed `client_id`, space separated.
pub async fn find(db: &Db, emp_no: i32, client_id: &str) -> sqlx::Result<Option<String>> {
    dispatch!(db, pool => {
        sqlx::query_scalar("SELECT scope FROM oauth_consents WHERE emp_no = ? AND client_id = ?")
            .bind(emp_no)
            .bind(client_id)
            .fetch_optional(pool)
            .await
    })
}

/// Records a consent (replacing an earlier one), in one transaction. Two at once for the same
/// pair: one of them stands, which is all that is asked.
pub async fn record(
    db: &Db,
    emp_no: i32,
    client_id: &str,
    scope: Grant,
    now: i64,
) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    let written = dispatch!(&mut tx, tx => {
        sqlx::query("DELETE FROM oauth_consents WHERE emp_no = ? AND client_id = ?")
            .bind(emp_no)
            .bind(client_id)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO oauth_consents (emp_no, client_id, scope, granted_at) VALUES (?, ?, ?, ?)",
        )
        .bind(emp_no)
        .bind(client_id)
        .bind(scope.to_claim())
        .bind(now)
        .execute(&mut **tx)
        .await
        .map(drop)
    });
    match written {
        Ok(()) => tx.commit().await,
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(()),
        Err(error) => Err(error),
    }
}
