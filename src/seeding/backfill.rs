//! Credentials for an existing test_db: every employee without an email gets
//! `firstname.lastname.EMPNO@gmail.com` and the default password's hash, one primary-key range
//! per UPDATE so that no employee row is loaded into memory.

use crate::{db::Db, error::Error, repository::seed as repo};

use super::{DefaultPassword, progress_bar};

/// Returns how many employees were given an email.
#[tracing::instrument(skip_all, fields(batch))]
pub async fn backfill_emails(
    db: &Db,
    default_password: &DefaultPassword,
    batch: u32,
    quiet: bool,
) -> Result<u64, Error> {
    let Some((low, high)) = repo::emp_no_range_without_email(db).await? else {
        tracing::info!("every employee has an email already");
        return Ok(0);
    };
    let hash = default_password.hash().await?;
    let bar = progress_bar(
        u64::try_from(high - low + 1).unwrap_or(0),
        quiet,
        "back-filling emails",
    );
    let step = i32::try_from(batch).unwrap_or(i32::MAX);
    let mut updated = 0;
    let mut start = low;
    while start <= high {
        let end = start.saturating_add(step);
        updated += repo::backfill_credentials(db, start, end, &hash).await?;
        bar.inc(u64::try_from(end.min(high + 1) - start).unwrap_or(0));
        start = end;
    }
    bar.finish_and_clear();
    tracing::info!(updated, "emails back-filled");
    Ok(updated)
}
