//! Failed-login budgets and trusted addresses (see `service::throttle`): token buckets that every
//! instance sharing the database spends alike. Buckets are named by hashes, never by email.

use crate::{
    db::{Db, Tx},
    dispatch,
};

/// No budget kept in the table refills over longer than this (the password reset limits count
/// per hour): a bucket idle this long is full again whatever its rules, and may be pruned.
pub const LONGEST_REFILL_MS: i64 = 3_600_000;

/// The budget's rules, for one reservation.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub capacity: f64,
    pub per_second: f64,
    /// Until when this reservation holds its budget if it is never settled.
    pub hold_until_ms: i64,
}

/// What a reservation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reserved {
    Yes,
    /// Spent by failures: wait this many whole seconds (at least 1).
    Spent {
        wait_secs: u64,
    },
    /// Held by attempts in flight, which may give it back.
    Held,
}

#[derive(sqlx::FromRow)]
struct Bucket {
    tokens: f64,
    updated_ms: i64,
    in_flight: i32,
    held_until_ms: i64,
}

/// Creates the bucket if it is new (full) and locks its row until the transaction ends.
async fn lock(tx: &mut Tx, bucket: &str, capacity: f64, now_ms: i64) -> sqlx::Result<Bucket> {
    match tx {
        Tx::MySql(tx) => {
            // ON DUPLICATE KEY takes the row's exclusive lock at once (INSERT IGNORE would take a
            // shared one, and two attempts upgrading theirs would deadlock).
            sqlx::query(
                "INSERT INTO login_budgets (bucket, tokens, updated_ms, in_flight, held_until_ms) \
                 VALUES (?, ?, ?, 0, 0) ON DUPLICATE KEY UPDATE bucket = bucket",
            )
            .bind(bucket)
            .bind(capacity)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            sqlx::query_as(
                "SELECT tokens, updated_ms, in_flight, held_until_ms FROM login_budgets \
                 WHERE bucket = ? FOR UPDATE",
            )
            .bind(bucket)
            .fetch_one(&mut **tx)
            .await
        }
        Tx::Sqlite(tx) => {
            // A write first: SQLite's write lock is the row lock.
            sqlx::query(
                "INSERT OR IGNORE INTO login_budgets \
                 (bucket, tokens, updated_ms, in_flight, held_until_ms) VALUES (?, ?, ?, 0, 0)",
            )
            .bind(bucket)
            .bind(capacity)
            .bind(now_ms)
            .execute(&mut **tx)
            .await?;
            sqlx::query_as(
                "SELECT tokens, updated_ms, in_flight, held_until_ms FROM login_budgets \
                 WHERE bucket = ?",
            )
            .bind(bucket)
            .fetch_one(&mut **tx)
            .await
        }
    }
}

/// Reserves one token of each bucket (all or nothing), in one transaction; `buckets` sorted, so
/// that every transaction locks them in the same order. A refused reservation writes nothing.
pub async fn reserve(
    db: &Db,
    buckets: &[String],
    now_ms: i64,
    rules: &Rules,
) -> sqlx::Result<Reserved> {
    let mut tx = db.begin().await?;
    let (mut wait, mut held, mut found) = (0.0_f64, false, Vec::new());
    for bucket in buckets {
        let row = lock(&mut tx, bucket, rules.capacity, now_ms).await?;
        let elapsed = (now_ms - row.updated_ms).max(0) as f64 / 1000.0;
        let tokens = (row.tokens + elapsed * rules.per_second).min(rules.capacity);
        // A reservation never settled (its instance died) stops holding the budget; spent.
        let in_flight = if row.held_until_ms > now_ms {
            row.in_flight.max(0)
        } else {
            0
        };
        if tokens < 1.0 {
            if tokens + f64::from(in_flight) >= 1.0 {
                held = true;
            } else {
                wait = wait.max((1.0 - tokens) / rules.per_second);
            }
        }
        found.push((bucket, tokens, in_flight));
    }
    if wait > 0.0 {
        return Ok(Reserved::Spent {
            wait_secs: (wait.ceil() as u64).max(1),
        });
    }
    if held {
        return Ok(Reserved::Held);
    }
    for (bucket, tokens, in_flight) in found {
        dispatch!(&mut tx, tx => {
            sqlx::query(
                "UPDATE login_budgets SET tokens = ?, updated_ms = ?, in_flight = ?, \
                 held_until_ms = ? WHERE bucket = ?",
            )
            .bind(tokens - 1.0)
            .bind(now_ms)
            .bind(in_flight + 1)
            .bind(rules.hold_until_ms)
            .bind(bucket)
            .execute(&mut **tx)
            .await
            .map(drop)?
        });
    }
    tx.commit().await?;
    Ok(Reserved::Yes)
}

/// Settles one reservation of each bucket: no longer in flight, its token given back (`refund`
/// is 1) or kept spent (0). Tokens are refilled up to `now_ms` first. MySQL assigns left to
/// right and SQLite from the old row: the same result, `tokens` being assigned first.
pub async fn settle(
    db: &Db,
    buckets: &[String],
    now_ms: i64,
    per_second: f64,
    capacity: f64,
    refund: f64,
) -> sqlx::Result<()> {
    let sql = match db {
        Db::MySql(_) => {
            "UPDATE login_budgets SET \
             tokens = LEAST(?, tokens + GREATEST(? - updated_ms, 0) * ? / 1000 + ?), \
             updated_ms = GREATEST(updated_ms, ?), in_flight = GREATEST(in_flight - 1, 0) \
             WHERE bucket = ?"
        }
        Db::Sqlite(_) => {
            "UPDATE login_budgets SET \
             tokens = MIN(?, tokens + MAX(? - updated_ms, 0) * ? / 1000.0 + ?), \
             updated_ms = MAX(updated_ms, ?), in_flight = MAX(in_flight - 1, 0) \
             WHERE bucket = ?"
        }
    };
    for bucket in buckets {
        dispatch!(db, pool => {
            sqlx::query(sql)
                .bind(capacity)
                .bind(now_ms)
                .bind(per_second)
                .bind(refund)
                .bind(now_ms)
                .bind(bucket)
                .execute(pool)
                .await
                .map(drop)?
        });
    }
    Ok(())
}

/// Whether the (address, account) pair is trusted at `now` (unix seconds).
pub async fn trusted(db: &Db, pair: &str, now: i64) -> sqlx::Result<bool> {
    let found: Option<i64> = dispatch!(db, pool => {
        sqlx::query_scalar("SELECT 1 FROM login_trust WHERE pair = ? AND until > ?")
            .bind(pair)
            .bind(now)
            .fetch_optional(pool)
            .await?
    });
    Ok(found.is_some())
}

/// Trusts the pair until `until` (unix seconds).
pub async fn trust(db: &Db, pair: &str, until: i64) -> sqlx::Result<()> {
    let sql = match db {
        Db::MySql(_) => {
            "INSERT INTO login_trust (pair, until) VALUES (?, ?) \
             ON DUPLICATE KEY UPDATE until = VALUES(until)"
        }
        Db::Sqlite(_) => {
            "INSERT INTO login_trust (pair, until) VALUES (?, ?) \
             ON CONFLICT (pair) DO UPDATE SET until = excluded.until"
        }
    };
    dispatch!(db, pool => {
        sqlx::query(sql).bind(pair).bind(until).execute(pool).await.map(drop)
    })
}

/// Deletes buckets untouched since `idle_before_ms` (full again) with nothing in flight, and
/// trust that expired by `now` (unix seconds).
pub async fn prune(db: &Db, idle_before_ms: i64, now_ms: i64, now: i64) -> sqlx::Result<()> {
    dispatch!(db, pool => {
        sqlx::query(
            "DELETE FROM login_budgets WHERE updated_ms < ? AND (in_flight = 0 OR held_until_ms < ?)",
        )
        .bind(idle_before_ms)
        .bind(now_ms)
        .execute(pool)
        .await?;
        sqlx::query("DELETE FROM login_trust WHERE until < ?")
            .bind(now)
            .execute(pool)
            .await
            .map(drop)
    })
}
