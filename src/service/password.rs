//! bcrypt hashing and verification, always on tokio's blocking pool: one verification at cost 12
//! takes a quarter of a second of CPU, which would stall every request on a worker thread.

use crate::error::Error;

/// Runs CPU-heavy work on the blocking pool, inside the caller's tracing span, at a lower
/// scheduling priority.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    let span = tracing::Span::current();
    Ok(tokio::task::spawn_blocking(move || {
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

#[tracing::instrument(skip(password))]
pub async fn hash(password: String, cost: u32) -> Result<String, Error> {
    Ok(blocking(move || bcrypt::hash(password, cost)).await??)
}

/// `Ok(false)` for a wrong password; a malformed stored hash counts as wrong, not as a failure.
#[tracing::instrument(skip_all)]
pub async fn verify(password: String, hash: String) -> Result<bool, Error> {
    blocking(move || bcrypt::verify(password, &hash).unwrap_or(false)).await
}
