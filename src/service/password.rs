//! bcrypt hashing and verification, always on tokio's blocking pool: one verification at cost 12
//! takes a quarter of a second of CPU, which would stall every request on a worker thread.

use crate::error::Error;

/// Runs CPU-heavy work on the blocking pool, inside the caller's tracing span.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    let span = tracing::Span::current();
    Ok(tokio::task::spawn_blocking(move || span.in_scope(work)).await?)
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
