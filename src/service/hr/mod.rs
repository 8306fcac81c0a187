//! HR changes: each is one transaction that locks the employee (a second change of the same
//! employee waits, then sees the first), checks the rules against the current rows, closes and
//! opens rows exactly as test_db keeps its history, moves the department figures, and writes its
//! audit entry. Handlers parse and answer; this decides.

use std::net::IpAddr;

use chrono::NaiveDate;
use secrecy::SecretString;

mod appoint;
mod change;
mod hire;
mod roles;

pub use appoint::{AppointRequest, Appointed};

use super::etag::EtagKey;
use crate::{
    db::{Db, Tx},
    domain::{
        directory::{EmployeeView, Record},
        hr::{Change, NewHire},
    },
    error::Error,
    repository::{
        directory::{cards, kept::Kept},
        hr,
        idempotency::{self, Answer, LIFETIME_SECS, Slot},
    },
    telemetry::metrics::Metrics,
};

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum HrError {
    #[error("no such employee")]
    NotFound,
    #[error("former employee")]
    Former,
    #[error("a date after today")]
    FutureDate,
    /// The date is not after the start of a current row that the change would close.
    #[error("not after the current {0}")]
    NotAfterCurrent(&'static str),
    /// The change would set what is already current.
    #[error("unchanged {0}")]
    Unchanged(&'static str),
    /// test_db's keys allow one dept_emp row per employee and department.
    #[error("key taken")]
    KeyTaken,
    #[error("unknown department")]
    UnknownDepartment,
    /// The body's emp_no names nobody.
    #[error("unknown employee")]
    UnknownEmployee,
    /// A manager must be a current member of the department.
    #[error("not a current member")]
    NotMember,
    /// Another employee has the email.
    #[error("email taken")]
    EmailTaken,
    /// No email was given and the names make no address (`firstname.lastname.EMPNO@gmail.com`).
    #[error("no default email")]
    NoDefaultEmail,
    /// `If-Match` names no current tag of the employee.
    #[error("precondition failed")]
    PreconditionFailed,
    /// The `Idempotency-Key` was used with another body.
    #[error("idempotency key reused")]
    KeyReused,
    #[error(transparent)]
    Internal(#[from] Error),
}

impl crate::retry::Transient for HrError {
    fn is_conflict(&self) -> bool {
        matches!(self, HrError::Internal(error) if error.is_conflict())
    }

    fn is_connection_lost(&self) -> bool {
        matches!(self, HrError::Internal(error) if error.is_connection_lost())
    }
}

impl From<sqlx::Error> for HrError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => HrError::KeyTaken,
            _ => HrError::Internal(error.into()),
        }
    }
}

/// Who makes a change, as the audit trail records it.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub emp_no: i32,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
}

/// A retry-safe request: the key the client sent, where, and a hash of its body.
#[derive(Debug, Clone, Copy)]
pub struct Retry<'a> {
    /// Method and path: a key counts per caller and endpoint.
    pub endpoint: &'a str,
    pub key: &'a str,
    pub request_hash: &'a str,
}

impl<'a> Retry<'a> {
    /// Where the answer is kept: per caller, endpoint and key.
    fn slot(&self, actor: i32) -> Slot<'a> {
        Slot {
            actor,
            endpoint: self.endpoint,
            key: self.key,
        }
    }
}

/// A change as the handler read it.
pub struct ChangeRequest<'a> {
    pub actor: Actor<'a>,
    pub emp_no: i32,
    pub change: Change,
    pub date: NaiveDate,
    /// `If-Match`: whether it passes for a current tag.
    pub if_match: Option<&'a (dyn Fn(&str) -> bool + Send + Sync)>,
    pub retry: Option<Retry<'a>>,
}

/// A hire as the handler read it.
pub struct HireRequest<'a> {
    pub actor: Actor<'a>,
    pub hire: NewHire,
    pub password: SecretString,
    pub retry: Option<Retry<'a>>,
}

/// What a change did.
#[derive(Debug)]
pub enum Changed {
    /// Applied now: the record as it is after the change, its tag, and whether it is new (hire).
    Now {
        record: Box<Record>,
        etag: String,
        created: bool,
    },
    /// A retry of an earlier change with the same key and body: that change's answer, again (and
    /// a hire's `Location`).
    Replayed {
        body: String,
        location: Option<String>,
    },
}

pub struct HrService {
    db: Db,
    tags: EtagKey,
    /// The cost of a new employee's password hash.
    bcrypt_cost: u32,
    /// Departments' heads for the records the changes answer with.
    kept: Kept,
    /// Sessions ended by terminations and removed roles are counted here.
    metrics: Metrics,
}

impl HrService {
    /// The one constructor: tags are sealed with a key derived from the token secret; new
    /// passwords are hashed at `bcrypt_cost`.
    pub fn new(db: Db, secret: &[u8], bcrypt_cost: u32, metrics: Metrics) -> Self {
        Self {
            db,
            tags: EtagKey::derive(secret),
            bcrypt_cost,
            kept: Kept::default(),
            metrics,
        }
    }

    /// The employee's tag now: the tag of their current rows, which `If-Match` checks.
    pub async fn etag(&self, emp_no: i32) -> Result<String, Error> {
        let rows = hr::current_rows_now(&self.db, emp_no).await?;
        Ok(self.tags.tag(emp_no, &rows))
    }

    /// The `ETag` of `GET /employees/{emp_no}` for what the caller sees: the rows' tag with the
    /// full record (whose viewers also see the salary), else a tag over the card alone, which a
    /// pay change does not move.
    pub async fn etag_of(&self, view: &EmployeeView) -> Result<String, Error> {
        match view {
            EmployeeView::Record(record) => self.etag(record.card.emp_no).await,
            EmployeeView::Card(card) => Ok(self.tags.card_tag(card)),
        }
    }

    /// A kept answer for the request's key: replayed when its body is this one's, else refused.
    async fn kept_answer(
        tx: &mut Tx,
        retry: Option<(&Slot<'_>, &Retry<'_>)>,
        now: i64,
    ) -> Result<Option<Changed>, HrError> {
        let Some((slot, retry)) = retry else {
            return Ok(None);
        };
        match idempotency::find(tx, slot, now - LIFETIME_SECS).await? {
            Some(kept) if kept.request_hash == retry.request_hash => Ok(Some(Changed::Replayed {
                body: kept.body,
                location: kept.location,
            })),
            Some(_) => Err(HrError::KeyReused),
            None => Ok(None),
        }
    }

    /// Keeps the answer of a change for the request's key, if it sent one, in the change's own
    /// transaction (with `location` for a hire).
    async fn keep_answer<T: serde::Serialize>(
        tx: &mut Tx,
        retry: Option<(&Slot<'_>, &Retry<'_>)>,
        answer: &T,
        location: Option<&str>,
        now: i64,
    ) -> Result<(), HrError> {
        let Some((slot, retry)) = retry else {
            return Ok(());
        };
        let body = serde_json::to_string(answer).map_err(|e| Error::Io(e.into()))?;
        let answer = Answer {
            request_hash: retry.request_hash,
            body: &body,
            location,
        };
        Ok(idempotency::keep(tx, slot, &answer, now).await?)
    }

    /// Commits a change; then, for a keyed one, purges the keys that no longer count
    /// (housekeeping: a failure only leaves them a while longer).
    async fn commit(&self, tx: Tx, keyed: bool, now: i64) -> Result<(), HrError> {
        tx.commit().await?;
        if keyed && let Err(error) = idempotency::purge(&self.db, now - LIFETIME_SECS).await {
            tracing::warn!(%error, "could not purge expired idempotency keys");
        }
        Ok(())
    }

    /// Ends a change of `emp_no`: the record as the transaction sees it and its tag, the answer
    /// kept for the key (with `location` for a hire), the commit, then housekeeping.
    async fn finish(
        &self,
        mut tx: Tx,
        retry: Option<(Slot<'_>, &Retry<'_>)>,
        emp_no: i32,
        (now, location): (i64, Option<&str>),
    ) -> Result<Changed, HrError> {
        let record = cards::record_in(&mut tx, &self.kept, emp_no)
            .await?
            .ok_or(HrError::NotFound)?;
        let etag = self
            .tags
            .tag(emp_no, &hr::current_rows(&mut tx, emp_no).await?);
        let keyed = retry.as_ref().map(|(slot, retry)| (slot, *retry));
        Self::keep_answer(&mut tx, keyed, &record, location, now).await?;
        self.commit(tx, retry.is_some(), now).await?;
        Ok(Changed::Now {
            record: Box::new(record),
            etag,
            created: location.is_some(),
        })
    }
}
