//! The audit trail for `admin`: pages of entries, newest first, behind sealed cursors.

use super::cursor::CursorKey;
use crate::{
    db::Db,
    domain::audit::{AuditEntry, AuditFilter},
    error::Error,
    repository::audit,
};

/// Why a page could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A cursor that this service did not seal for this listing.
    #[error("bad cursor")]
    BadCursor,
    #[error(transparent)]
    Internal(#[from] Error),
}

/// A page of entries and the cursor of the next one.
#[derive(Debug)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

pub struct AuditService {
    db: Db,
    cursors: CursorKey,
}

impl AuditService {
    /// The one constructor: cursors are sealed with a key derived from the token secret.
    pub fn new(db: Db, secret: &[u8]) -> Self {
        Self {
            db,
            cursors: CursorKey::derive(secret),
        }
    }

    /// The entries matching `filter`, after `cursor`'s position.
    #[tracing::instrument(skip_all)]
    pub async fn page(
        &self,
        filter: &AuditFilter,
        cursor: Option<&str>,
    ) -> Result<AuditPage, AuditError> {
        let listing = filter.fingerprint();
        let before = match cursor {
            Some(cursor) => Some(
                self.cursors
                    .open_id(cursor, &listing)
                    .ok_or(AuditError::BadCursor)?,
            ),
            None => None,
        };
        let limit = filter.limit.clamp(1, 100) as usize;
        let mut items = audit::list(&self.db, filter, before, limit + 1)
            .await
            .map_err(Error::from)?;
        let more = items.len() > limit;
        items.truncate(limit);
        let next_cursor = match items.last() {
            Some(last) if more => Some(self.cursors.seal_id(last.id, &listing)),
            _ => None,
        };
        Ok(AuditPage { items, next_cursor })
    }
}
