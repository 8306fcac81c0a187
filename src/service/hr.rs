//! HR changes: each is one transaction that locks the employee (a second change of the same
//! employee waits, then sees the first), checks the rules against the current rows, closes and
//! opens rows exactly as test_db keeps its history, moves the department figures, and writes its
//! audit entry. Handlers parse and answer; this decides.

use std::net::IpAddr;

use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};

use crate::{
    db::Db,
    domain::hr::{Change, CurrentRows, Spell},
    error::Error,
    repository::{
        audit::{self, Entry},
        directory::names,
        hr,
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

pub struct HrService {
    db: Db,
}

impl HrService {
    /// The one constructor.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Applies `change` to `emp_no` from `date` on, in one transaction.
    #[tracing::instrument(skip(self, actor), fields(actor = actor.emp_no))]
    pub async fn change(
        &self,
        actor: &Actor<'_>,
        emp_no: i32,
        change: &Change,
        date: NaiveDate,
    ) -> Result<(), HrError> {
        if date > Utc::now().date_naive() {
            return Err(HrError::FutureDate);
        }
        let mut tx = self.db.begin().await?;
        if !hr::lock_employee(&mut tx, emp_no).await? {
            return Err(HrError::NotFound);
        }
        let rows = hr::current_rows(&mut tx, emp_no).await?;
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
        let entry = Entry {
            actor: Some(actor.emp_no),
            action: change.action(),
            emp_no: Some(emp_no),
            ip: actor.ip.map(|ip| ip.to_string()),
            user_agent: actor.user_agent,
            details: details(change, date, &rows),
        };
        audit::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(())
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
