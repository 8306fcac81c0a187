//! Sessions and refresh tokens, shared by every instance through the database.

use crate::{
    db::{Db, Tx},
    dispatch,
    domain::{
        TokenRef,
        session::{RefreshToken, Session},
    },
};

macro_rules! select_sessions {
    ($rest:literal) => {
        concat!(
            "SELECT sid, emp_no, scope, started_at, last_used_at, expires_at, live_until, ",
            "ended_at, ip, user_agent, client_id, amr FROM sessions ",
            $rest
        )
    };
}

/// Writes a new session row (in the login's transaction).
pub async fn insert(tx: &mut Tx, session: &Session) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => {
        sqlx::query(
            "INSERT INTO sessions (sid, emp_no, scope, started_at, last_used_at, expires_at, \
             live_until, ended_at, ip, user_agent, client_id, amr) \
             VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
        )
        .bind(&session.sid)
        .bind(session.emp_no)
        .bind(&session.scope)
        .bind(session.started_at)
        .bind(session.last_used_at)
        .bind(session.expires_at)
        .bind(session.live_until)
        .bind(&session.ip)
        .bind(&session.user_agent)
        .bind(&session.client_id)
        .bind(&session.amr)
        .execute(&mut **tx)
        .await
        .map(drop)
    })
}

/// Whether the token's session is live at the token's moment (the guards' look-up; the
/// statements that read data check it in a column of their own).
pub async fn is_live(db: &Db, token: &TokenRef<'_>) -> sqlx::Result<bool> {
    Ok(profile_version(db, token).await?.is_some())
}

/// The profile version of the token's session if it is live at the token's moment: the one
/// primary-key lookup of a request whose profile is cached (`None`: refuse the token).
pub async fn profile_version(db: &Db, token: &TokenRef<'_>) -> sqlx::Result<Option<i64>> {
    dispatch!(db, pool => {
        sqlx::query_scalar(
            "SELECT profile_version FROM sessions WHERE sid = ? AND emp_no = ? AND live_until > ?",
        )
        .bind(token.sid)
        .bind(token.emp_no)
        .bind(token.now)
        .fetch_optional(pool)
        .await
    })
}

/// Moves the profile version of the employee's sessions, inside the transaction of a change to
/// what their profile shows: every instance's cached copy stops matching when it commits.
pub async fn touch_profile(tx: &mut Tx, emp_no: i32) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => {
        sqlx::query(
            "UPDATE sessions SET profile_version = profile_version + 1 \
             WHERE emp_no = ? AND live_until > 0",
        )
        .bind(emp_no)
        .execute(&mut **tx)
        .await
        .map(drop)
    })
}

/// [`touch_profile`] for the department's current managers (before their rows are closed).
pub async fn touch_managers_of(tx: &mut Tx, dept_no: &str) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => {
        sqlx::query(
            "UPDATE sessions SET profile_version = profile_version + 1 \
             WHERE live_until > 0 AND emp_no IN (SELECT m.emp_no FROM dept_manager m \
             WHERE m.dept_no = ? AND m.to_date = '9999-01-01')",
        )
        .bind(dept_no)
        .execute(&mut **tx)
        .await
        .map(drop)
    })
}

/// A session, without lock.
pub async fn find(db: &Db, sid: &str) -> sqlx::Result<Option<Session>> {
    let sql = select_sessions!("WHERE sid = ?");
    dispatch!(db, pool => sqlx::query_as(sql).bind(sid).fetch_optional(pool).await)
}

/// Locks a session's row until the transaction ends (a write first, so that SQLite takes its
/// write lock here too) and reads it: two refreshes of one session take turns.
pub async fn lock(tx: &mut Tx, sid: &str) -> sqlx::Result<Option<Session>> {
    let sql = select_sessions!("WHERE sid = ?");
    dispatch!(&mut *tx, tx => {
        sqlx::query("UPDATE sessions SET sid = sid WHERE sid = ?")
            .bind(sid)
            .execute(&mut **tx)
            .await?;
        sqlx::query_as(sql).bind(sid).fetch_optional(&mut **tx).await
    })
}

/// The live sessions of an employee, newest first.
pub async fn live_of(db: &Db, emp_no: i32, now: i64) -> sqlx::Result<Vec<Session>> {
    let sql =
        select_sessions!("WHERE emp_no = ? AND live_until > ? ORDER BY started_at DESC, sid DESC");
    dispatch!(db, pool => sqlx::query_as(sql).bind(emp_no).bind(now).fetch_all(pool).await)
}

/// Ends a live session; `false` when it was not live.
pub async fn end(tx: &mut Tx, sid: &str, now: i64) -> sqlx::Result<bool> {
    let done = dispatch!(&mut *tx, tx => {
        sqlx::query(
            "UPDATE sessions SET ended_at = ?, live_until = 0 WHERE sid = ? AND live_until > ?",
        )
        .bind(now)
        .bind(sid)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected()
    });
    Ok(done > 0)
}

/// Ends every live session of an employee but `keep`; returns how many ended.
pub async fn end_all(tx: &mut Tx, emp_no: i32, keep: Option<&str>, now: i64) -> sqlx::Result<u64> {
    let done = dispatch!(&mut *tx, tx => {
        sqlx::query(
            "UPDATE sessions SET ended_at = ?, live_until = 0 \
             WHERE emp_no = ? AND live_until > ? AND sid <> ?",
        )
        .bind(now)
        .bind(emp_no)
        .bind(now)
        .bind(keep.unwrap_or_default())
        .execute(&mut **tx)
        .await?
        .rows_affected()
    });
    Ok(done)
}

/// Stores a refresh token's hash: tokens of this kind are no longer issued (see
/// [`crate::repository::refresh`]); this writes the rows an upgraded database still holds.
pub async fn add_refresh(tx: &mut Tx, hash: &str, sid: &str, now: i64) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => {
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, sid, issued_at, spent_at) VALUES (?, ?, ?, NULL)",
        )
        .bind(hash)
        .bind(sid)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map(drop)
    })
}

/// A refresh token by its hash, without lock.
pub async fn find_refresh(db: &Db, hash: &str) -> sqlx::Result<Option<RefreshToken>> {
    dispatch!(db, pool => {
        sqlx::query_as("SELECT sid, issued_at, spent_at FROM refresh_tokens WHERE token_hash = ?")
            .bind(hash)
            .fetch_optional(pool)
            .await
    })
}

/// The generation of the session's current refresh token (introspection's look-up).
pub async fn refresh_generation(db: &Db, sid: &str) -> sqlx::Result<Option<i64>> {
    dispatch!(db, pool => {
        sqlx::query_scalar("SELECT refresh_generation FROM sessions WHERE sid = ?")
            .bind(sid)
            .fetch_optional(pool)
            .await
    })
}

/// A refresh token by its hash, read inside the transaction that locked its session.
pub async fn refresh_in(tx: &mut Tx, hash: &str) -> sqlx::Result<Option<RefreshToken>> {
    dispatch!(&mut *tx, tx => {
        sqlx::query_as("SELECT sid, issued_at, spent_at FROM refresh_tokens WHERE token_hash = ?")
            .bind(hash)
            .fetch_optional(&mut **tx)
            .await
    })
}

/// Marks a refresh token spent.
pub async fn spend_refresh(tx: &mut Tx, hash: &str, now: i64) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => {
        sqlx::query("UPDATE refresh_tokens SET spent_at = ? WHERE token_hash = ? AND spent_at IS NULL")
            .bind(now)
            .bind(hash)
            .execute(&mut **tx)
            .await
            .map(drop)
    })
}

/// Deletes sessions (and, by cascade, their refresh tokens) that ended, or stopped being live,
/// before `before`; returns how many.
pub async fn purge(db: &Db, before: i64) -> sqlx::Result<u64> {
    let done = dispatch!(db, pool => {
        sqlx::query("DELETE FROM sessions WHERE COALESCE(ended_at, live_until) < ?")
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected()
    });
    Ok(done)
}

/// The live sessions started for a client (the sessions its deletion ends), in the caller's
/// transaction.
pub async fn live_of_client(tx: &mut Tx, client_id: &str, now: i64) -> sqlx::Result<Vec<Session>> {
    let sql = select_sessions!("WHERE client_id = ? AND live_until > ? ORDER BY sid");
    dispatch!(&mut *tx, tx => {
        sqlx::query_as(sql).bind(client_id).bind(now).fetch_all(&mut **tx).await
    })
}

/// Ends every live session started for a client; returns how many ended.
pub async fn end_of_client(tx: &mut Tx, client_id: &str, now: i64) -> sqlx::Result<u64> {
    let done = dispatch!(&mut *tx, tx => {
        sqlx::query(
            "UPDATE sessions SET ended_at = ?, live_until = 0 \
             WHERE client_id = ? AND live_until > ?",
        )
        .bind(now)
        .bind(client_id)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected()
    });
    Ok(done)
}
