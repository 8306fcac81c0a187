//! Whole-transaction retry. A transaction the database aborted to resolve a conflict — a
//! deadlock, or on a Galera cluster a certification conflict with another node's write (MySQL
//! error 1213, SQLSTATE 40001), reported at COMMIT or at the next statement — left nothing
//! behind, so it is run again from its start: a few times, after a jittered wait, each retry
//! logged. Work that is safe to repeat whatever happened (`Idempotent::Yes`) is retried after a
//! lost connection too, where a COMMIT may or may not have landed.

use std::{future::Future, time::Duration};

use rand::RngExt;

use crate::error::Error;

/// Runs after the first: six more, then the error stands (a `503` for the client). On a
/// cluster with writers on several nodes, a hot row (an address's failed-login budget) loses
/// certification often: three retries were used up there, six with their waits (under 2 s in
/// all) ride it out, well inside the request timeout.
const RETRIES: u32 = 6;

/// Whether repeating the work is harmless even if an earlier run committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotent {
    Yes,
    No,
}

/// What a retry needs to know of an error.
pub trait Transient {
    /// The transaction was aborted whole to resolve a conflict.
    fn is_conflict(&self) -> bool;
    /// The connection was lost (the transaction's fate may be unknown).
    fn is_connection_lost(&self) -> bool;
}

impl Transient for sqlx::Error {
    fn is_conflict(&self) -> bool {
        matches!(self, sqlx::Error::Database(error) if error.code().as_deref() == Some("40001"))
    }

    fn is_connection_lost(&self) -> bool {
        matches!(self, sqlx::Error::Io(_) | sqlx::Error::WorkerCrashed)
    }
}

impl Transient for Error {
    fn is_conflict(&self) -> bool {
        matches!(self, Error::Database(error) if error.is_conflict())
    }

    fn is_connection_lost(&self) -> bool {
        matches!(self, Error::Database(error) if error.is_connection_lost())
    }
}

/// Runs `work` (one whole transaction, begin to commit) until it succeeds, fails for a reason
/// that is not transient, or has been retried [`RETRIES`] times.
pub async fn retry<T, E, W, F>(what: &'static str, idempotent: Idempotent, work: W) -> Result<T, E>
where
    E: Transient + std::fmt::Display,
    W: FnMut() -> F,
    F: Future<Output = Result<T, E>>,
{
    retry_up_to(RETRIES, what, idempotent, work).await
}

/// [`retry`] with a number of retries of its own, for small statements whose failure costs more
/// than waiting (a failed-login settlement that is not made holds the budget for a minute).
pub async fn retry_up_to<T, E, W, F>(
    retries: u32,
    what: &'static str,
    idempotent: Idempotent,
    mut work: W,
) -> Result<T, E>
where
    E: Transient + std::fmt::Display,
    W: FnMut() -> F,
    F: Future<Output = Result<T, E>>,
{
    let mut attempt = 0;
    loop {
        match work().await {
            Err(error) if attempt < retries && retryable(&error, idempotent) => {
                attempt += 1;
                // 10–30 ms, doubling: enough for the other transaction to commit, and two
                // retrying clients do not meet again in step.
                let base = 10u64 << (attempt - 1).min(6);
                let wait = Duration::from_millis(base + rand::rng().random_range(0..=2 * base));
                tracing::warn!(what, attempt, %error, wait_ms = wait.as_millis() as u64, "transaction retried");
                tokio::time::sleep(wait).await;
            }
            done => return done,
        }
    }
}

fn retryable(error: &impl Transient, idempotent: Idempotent) -> bool {
    error.is_conflict() || (idempotent == Idempotent::Yes && error.is_connection_lost())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    struct Fake(bool, bool);

    impl Transient for Fake {
        fn is_conflict(&self) -> bool {
            self.0
        }
        fn is_connection_lost(&self) -> bool {
            self.1
        }
    }

    impl std::fmt::Display for Fake {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "fake")
        }
    }

    async fn runs(error: Fake, idempotent: Idempotent, fail_times: u32) -> (bool, u32) {
        let runs = AtomicU32::new(0);
        let error = &error;
        let outcome = retry("test", idempotent, || async {
            let run = runs.fetch_add(1, Ordering::Relaxed);
            if run < fail_times {
                Err(Fake(error.0, error.1))
            } else {
                Ok(())
            }
        })
        .await;
        (outcome.is_ok(), runs.load(Ordering::Relaxed))
    }

    #[tokio::test]
    async fn conflicts_are_retried_a_bounded_number_of_times() {
        assert_eq!(runs(Fake(true, false), Idempotent::No, 2).await, (true, 3));
        assert_eq!(
            runs(Fake(true, false), Idempotent::No, 10).await,
            (false, RETRIES + 1)
        );
    }

    #[tokio::test]
    async fn a_lost_connection_is_retried_only_for_idempotent_work() {
        assert_eq!(runs(Fake(false, true), Idempotent::Yes, 1).await, (true, 2));
        assert_eq!(runs(Fake(false, true), Idempotent::No, 1).await, (false, 1));
    }

    #[tokio::test]
    async fn other_errors_are_not_retried() {
        assert_eq!(
            runs(Fake(false, false), Idempotent::Yes, 1).await,
            (false, 1)
        );
    }
}
