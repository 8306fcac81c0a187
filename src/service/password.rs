//! bcrypt hashing and verification, always on tokio's blocking pool: one verification at cost 12
//! takes a quarter of a second of CPU, which would stall every request on a worker thread.

use std::sync::atomic::{AtomicUsize, Ordering};

use secrecy::{ExposeSecret, SecretString};

pub use crate::domain::password::{MAX_PASSWORD_BYTES, PasswordRuleError, check_new};
use crate::error::Error;
pub use crate::telemetry::Load;

/// Hashing jobs handed to the blocking pool and not started yet, and those running: process-wide,
/// as the blocking pool is (tokio's own queue depth is an unstable API).
static QUEUED: AtomicUsize = AtomicUsize::new(0);
static RUNNING: AtomicUsize = AtomicUsize::new(0);

pub fn load() -> Load {
    Load {
        queued: QUEUED.load(Ordering::Relaxed),
        running: RUNNING.load(Ordering::Relaxed),
    }
}

/// Takes one off a counter when dropped, so that a panic or a cancelled task cannot leave it up.
struct Counted(&'static AtomicUsize);

impl Counted {
    fn new(counter: &'static AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Runs CPU-heavy work on the blocking pool, inside the caller's tracing span, at a lower
/// scheduling priority.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    let span = tracing::Span::current();
    let queued = Counted::new(&QUEUED);
    Ok(tokio::task::spawn_blocking(move || {
        drop(queued);
        let _running = Counted::new(&RUNNING);
        lower_this_threads_priority();
        span.in_scope(work)
    })
    .await?)
}

/// Nice value of the threads that hash: when logins and token-carrying requests compete for the
/// cores, the runtime's workers and the database win and `/users/me` keeps its latency; with
/// nothing else to run, bcrypt still gets every core.
const HASHING_NICE: libc::c_int = 10;

/// Lowers the calling thread's priority, once per thread. On Linux the nice value belongs to
/// the thread (`setpriority` on its tid), so tokio's async workers are untouched. Raising it back
/// would need privileges; the blocking pool runs nothing latency-sensitive, so it stays lowered.
fn lower_this_threads_priority() {
    thread_local!(static LOWERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if LOWERED.get() {
        return;
    }
    LOWERED.set(true);
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls about the current thread; no memory is shared with them.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        if libc::setpriority(libc::PRIO_PROCESS, tid, HASHING_NICE) != 0 {
            tracing::debug!("could not lower the hashing thread's priority");
        }
    }
}

/// Hashes a new password, refusing one that [`check_new`] refuses. (bcrypt's own
/// `non_truncating_hash` would refuse 72 bytes too, which bcrypt reads whole.)
#[tracing::instrument(skip(password))]
pub async fn hash(password: SecretString, cost: u32) -> Result<String, Error> {
    check_new(password.expose_secret())?;
    Ok(blocking(move || bcrypt::hash(password.expose_secret(), cost)).await??)
}

/// `Ok(false)` for a wrong password. A malformed stored hash counts as wrong, not as a failure,
/// and so does a password over 72 bytes: bcrypt would compare only its first 72, so any suffix
/// would match. The same work is done either way. The permit (see `verifier`) is held until the
/// work is done.
#[tracing::instrument(skip_all)]
pub async fn verify(
    password: SecretString,
    hash: String,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> Result<bool, Error> {
    blocking(move || {
        let _permit = permit; // held until the work is done, even if the caller is gone
        let password = password.expose_secret();
        let matches = bcrypt::verify(password, &hash).unwrap_or(false);
        matches && password.len() <= MAX_PASSWORD_BYTES
    })
    .await
}

/// The cost a stored hash was made with, if it is a bcrypt hash.
pub fn cost_of(hash: &str) -> Option<u32> {
    hash.parse::<bcrypt::HashParts>()
        .ok()
        .map(|parts| parts.get_cost())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With one blocking thread busy, a second hash waits in the queue: both are counted.
    #[test]
    fn queued_and_running_jobs_are_counted() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (started, wait_started) = tokio::sync::oneshot::channel();
            let (release, released) = std::sync::mpsc::channel::<()>();
            let first = tokio::spawn(blocking(move || {
                started.send(()).unwrap();
                released.recv().unwrap();
            }));
            wait_started.await.unwrap();
            let second = tokio::spawn(hash("second".into(), 4));
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            // Other tests of this process may hash at the same time: at least ours are counted.
            let seen = load();
            assert!(seen.running >= 1 && seen.queued >= 1, "{seen:?}");
            release.send(()).unwrap();
            first.await.unwrap().unwrap();
            second.await.unwrap().unwrap();
        });
    }
}
