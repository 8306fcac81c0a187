//! A session's refresh state (its token generation and its rotation window) and the cap on an
//! employee's live sessions: the statements of rotation and login, inside their transactions.

use crate::{db::Tx, dispatch};

/// What a rotation needs beyond the session row, read under the session's lock.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct RefreshState {
    /// The generation of the one refresh token that may rotate; older ones are spent.
    pub refresh_generation: i64,
    /// When the current rotation window began (unix seconds) and how many it holds.
    pub refresh_window_start: i64,
    pub refresh_window_count: i64,
}

/// The refresh state of a session whose row the transaction has locked.
pub async fn state(tx: &mut Tx, sid: &str) -> sqlx::Result<Option<RefreshState>> {
    dispatch!(&mut *tx, tx => {
        sqlx::query_as(
            "SELECT refresh_generation, refresh_window_start, refresh_window_count \
             FROM sessions WHERE sid = ?",
        )
        .bind(sid)
        .fetch_optional(&mut **tx)
        .await
    })
}

/// Records a rotation: the next generation, the window, the last use and the new idle end.
pub async fn rotate(
    tx: &mut Tx,
    sid: &str,
    state: &RefreshState,
    now: i64,
    live_until: i64,
) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => {
        sqlx::query(
            "UPDATE sessions SET refresh_generation = ?, refresh_window_start = ?, \
             refresh_window_count = ?, last_used_at = ?, live_until = ? WHERE sid = ?",
        )
        .bind(state.refresh_generation)
        .bind(state.refresh_window_start)
        .bind(state.refresh_window_count)
        .bind(now)
        .bind(live_until)
        .bind(sid)
        .execute(&mut **tx)
        .await
        .map(drop)
    })
}

/// The employee's live sessions other than `new` past the newest `keep - 1`: those the login
/// that started `new` ends, so that `keep` remain with it.
pub async fn beyond(
    tx: &mut Tx,
    emp_no: i32,
    new: &str,
    now: i64,
    keep: u32,
) -> sqlx::Result<Vec<String>> {
    dispatch!(&mut *tx, tx => {
        sqlx::query_scalar(
            "SELECT sid FROM sessions WHERE emp_no = ? AND live_until > ? AND sid <> ? \
             ORDER BY started_at DESC, sid DESC LIMIT 1000 OFFSET ?",
        )
        .bind(emp_no)
        .bind(now)
        .bind(new)
        .bind(i64::from(keep.saturating_sub(1)))
        .fetch_all(&mut **tx)
        .await
    })
}
