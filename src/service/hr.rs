//! HR changes: each is one transaction that locks the employee (a second change of the same
//! employee waits, then sees the first), checks the rules against the current rows, closes and
//! opens rows exactly as test_db keeps its history, moves the department figures, and writes its
//! audit entry. Handlers parse and answer; this decides.

use std::net::IpAddr;

use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};

use super::etag::EtagKey;
use crate::{
    db::Db,
    domain::{
        directory::Record,
        hr::{Change, CurrentRows, Spell},
    },
    error::Error,
    repository::{
        audit::{self, Entry},
        directory::{cards, kept::Kept, names},
        hr,
        idempotency::{self, LIFETIME_SECS, Slot},
    },
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
    /// `If-Match` names no current tag of the employee.
    #[error("precondition failed")]
    PreconditionFailed,
    /// The `Idempotency-Key` was used with another body.
    #[error("idempotency key reused")]
    KeyReused,
    #[error(transparent)]
    Internal(#[from] Error),
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

/// What a change did.
#[derive(Debug)]
pub enum Changed {
    /// Applied now: the record as it is after the change, and its tag.
    Now { record: Box<Record>, etag: String },
    /// A retry of an earlier change with the same key and body: that change's answer, again.
    Replayed { body: String },
}

pub struct HrService {
    db: Db,
    tags: EtagKey,
    /// Departments' heads for the records the changes answer with.
    kept: Kept,
}

impl HrService {
    /// The one constructor: tags are sealed with a key derived from the token secret.
    pub fn new(db: Db, secret: &[u8]) -> Self {
        Self {
            db,
            tags: EtagKey::derive(secret),
            kept: Kept::default(),
        }
    }

    /// The employee's tag now (`ETag` of `GET /employees/{emp_no}`).
    pub async fn etag(&self, emp_no: i32) -> Result<String, Error> {
        let rows = hr::current_rows_now(&self.db, emp_no).await?;
        Ok(self.tags.tag(emp_no, &rows))
    }

    /// Applies a change in one transaction: the employee's lock, then a kept answer for the same
    /// key (replayed), `If-Match`, the rules, the rows, the figures, the audit entry, and the
    /// answer kept for the key.
    #[tracing::instrument(skip_all, fields(actor = request.actor.emp_no, emp_no = request.emp_no))]
    pub async fn change(&self, request: &ChangeRequest<'_>) -> Result<Changed, HrError> {
        let (emp_no, change, date) = (request.emp_no, &request.change, request.date);
        if date > Utc::now().date_naive() {
            return Err(HrError::FutureDate);
        }
        let now = Utc::now().timestamp();
        let mut tx = self.db.begin().await?;
        if !hr::lock_employee(&mut tx, emp_no).await? {
            return Err(HrError::NotFound);
        }
        let slot = request.retry.map(|retry| Slot {
            actor: request.actor.emp_no,
            endpoint: retry.endpoint,
            key: retry.key,
        });
        if let (Some(slot), Some(retry)) = (&slot, &request.retry)
            && let Some(kept) = idempotency::find(&mut tx, slot, now - LIFETIME_SECS).await?
        {
            return match kept.request_hash == retry.request_hash {
                true => Ok(Changed::Replayed { body: kept.body }),
                false => Err(HrError::KeyReused),
            };
        }
        let rows = hr::current_rows(&mut tx, emp_no).await?;
        if let Some(passes) = request.if_match
            && !passes(&self.tags.tag(emp_no, &rows))
        {
            return Err(HrError::PreconditionFailed);
        }
        let closing = check(change, date, &rows)?;
        if let Change::Department(dept_no) = change
            && !hr::department_exists(&mut tx, dept_no).await?
        {
            return Err(HrError::UnknownDepartment);
        }
        for spell in closing {
            hr::close(&mut tx, *spell, emp_no, date).await?;
        }
        let department = rows.value(Spell::Department).map(str::to_owned);
        let salary: i64 = rows
            .value(Spell::Salary)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        match change {
            Change::Title(title) => hr::open(&mut tx, Spell::Title, emp_no, title, date).await?,
            Change::Department(dept_no) => {
                hr::open(&mut tx, Spell::Department, emp_no, dept_no, date).await?;
                if let Some(old) = &department {
                    hr::adjust_figures(&mut tx, old, -1, -salary).await?;
                }
                hr::adjust_figures(&mut tx, dept_no, 1, salary).await?;
            }
            Change::Salary(new) => {
                hr::open(&mut tx, Spell::Salary, emp_no, &new.to_string(), date).await?;
                if let Some(dept_no) = &department {
                    hr::adjust_figures(&mut tx, dept_no, 0, i64::from(*new) - salary).await?;
                }
            }
            Change::Termination => {
                if let Some(dept_no) = &department {
                    hr::adjust_figures(&mut tx, dept_no, -1, -salary).await?;
                }
                hr::refuse_tokens(&mut tx, emp_no, Utc::now().timestamp()).await?;
                if rows.of(Spell::Managing).next().is_some() {
                    // Cards show a department's manager from what each instance keeps.
                    names::bump(&mut tx).await?;
                }
            }
        }
        let actor = &request.actor;
        let entry = Entry {
            actor: Some(actor.emp_no),
            action: change.action(),
            emp_no: Some(emp_no),
            ip: actor.ip.map(|ip| ip.to_string()),
            user_agent: actor.user_agent,
            details: details(change, date, &rows),
        };
        audit::record(&mut tx, &entry).await?;
        let record = cards::record_in(&mut tx, &self.db, &self.kept, emp_no)
            .await?
            .ok_or(HrError::NotFound)?;
        let etag = self
            .tags
            .tag(emp_no, &hr::current_rows(&mut tx, emp_no).await?);
        if let (Some(slot), Some(retry)) = (&slot, &request.retry) {
            let body = serde_json::to_string(&record).map_err(|e| Error::Io(e.into()))?;
            idempotency::keep(&mut tx, slot, retry.request_hash, &body, now).await?;
        }
        tx.commit().await?;
        if slot.is_some()
            && let Err(error) = idempotency::purge(&self.db, now - LIFETIME_SECS).await
        {
            tracing::warn!(%error, "could not purge expired idempotency keys");
        }
        Ok(Changed::Now {
            record: Box::new(record),
            etag,
        })
    }
}

/// The rules of a change against the current rows; the tables whose current rows it closes.
fn check(
    change: &Change,
    date: NaiveDate,
    rows: &CurrentRows,
) -> Result<&'static [Spell], HrError> {
    if rows.is_former() {
        return Err(HrError::Former);
    }
    let closing: &'static [Spell] = match change {
        Change::Title(_) => &[Spell::Title],
        Change::Department(_) => &[Spell::Department],
        Change::Salary(_) => &[Spell::Salary],
        Change::Termination => &[
            Spell::Department,
            Spell::Title,
            Spell::Salary,
            Spell::Managing,
        ],
    };
    for spell in closing {
        // Strictly after: a row closed on the day it started would be a spell of no length, and
        // the second of two changes on one day would silently replace the first.
        if rows.of(*spell).any(|row| date <= row.from_date) {
            return Err(HrError::NotAfterCurrent(spell.noun()));
        }
    }
    let unchanged = match change {
        Change::Title(title) => rows.value(Spell::Title) == Some(title.as_str()),
        Change::Department(dept_no) => rows.value(Spell::Department) == Some(dept_no.as_str()),
        Change::Salary(salary) => rows.value(Spell::Salary) == Some(salary.to_string().as_str()),
        Change::Termination => false,
    };
    if unchanged {
        return Err(HrError::Unchanged(closing[0].noun()));
    }
    Ok(closing)
}

/// The audit entry's before and after values.
fn details(change: &Change, date: NaiveDate, rows: &CurrentRows) -> Value {
    let before = |spell: Spell| rows.value(spell).map(str::to_owned);
    match change {
        Change::Title(title) => {
            json!({"date": date, "before": {"title": before(Spell::Title)}, "after": {"title": title}})
        }
        Change::Department(dept_no) => {
            json!({"date": date, "before": {"dept_no": before(Spell::Department)}, "after": {"dept_no": dept_no}})
        }
        Change::Salary(salary) => {
            json!({"date": date, "before": {"salary": before(Spell::Salary).and_then(|s| s.parse::<i64>().ok())}, "after": {"salary": salary}})
        }
        Change::Termination => json!({"date": date, "before": {
            "dept_no": before(Spell::Department),
            "title": before(Spell::Title),
            "managing": rows.of(Spell::Managing).map(|row| row.value.clone()).collect::<Vec<_>>(),
        }, "after": {"active": false}}),
    }
}
