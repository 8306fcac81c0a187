//! The changes of one employee: title, department, salary, termination.

use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};

use super::{ChangeRequest, Changed, HrError, HrService};
use crate::{
    domain::{
        hr::{Change, CurrentRows, Spell},
        scope::Role,
    },
    repository::{
        audit::{self, Entry},
        directory::names,
        hr, roles, sessions,
    },
    retry::{Idempotent, retry},
};

impl HrService {
    /// [`Self::change_once`], run again if the database aborted it to resolve a conflict.
    pub async fn change(&self, request: &ChangeRequest<'_>) -> Result<Changed, HrError> {
        retry("hr change", Idempotent::No, || self.change_once(request)).await
    }

    /// Applies a change in one transaction: the employee's lock, then a kept answer for the same
    /// key (replayed), `If-Match`, the rules, the rows, the figures, the audit entry, and the
    /// answer kept for the key.
    #[tracing::instrument(skip_all, fields(actor = request.actor.emp_no, emp_no = request.emp_no))]
    async fn change_once(&self, request: &ChangeRequest<'_>) -> Result<Changed, HrError> {
        let (emp_no, change, date) = (request.emp_no, &request.change, request.date);
        if date > Utc::now().date_naive() {
            return Err(HrError::FutureDate);
        }
        let now = Utc::now().timestamp();
        // Sessions a termination ends, counted once the change is committed.
        let mut ended = 0;
        let mut revoked_roles = Vec::new();
        let mut tx = self.db.begin().await?;
        if !hr::lock_employee(&mut tx, emp_no).await? {
            return Err(HrError::NotFound);
        }
        let slot = request.retry.map(|retry| retry.slot(request.actor.emp_no));
        let retry = slot.as_ref().zip(request.retry.as_ref());
        if let Some(kept) = Self::kept_answer(&mut tx, retry, now).await? {
            return Ok(kept);
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
                let mut moves = vec![(dept_no.as_str(), 1, salary)];
                if let Some(old) = &department {
                    moves.push((old.as_str(), -1, -salary));
                }
                // In dept_no order: two transfers in opposite directions lock the two figures
                // rows in the same order, so neither waits for the other forever.
                moves.sort_by_key(|(dept_no, _, _)| *dept_no);
                for (dept_no, headcount, payroll) in moves {
                    hr::adjust_figures(&mut tx, dept_no, headcount, payroll).await?;
                }
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
                ended = sessions::end_all(&mut tx, emp_no, None, Utc::now().timestamp()).await?;
                // Granted roles end with the employment; the audit entry keeps them.
                revoked_roles = roles::granted(&mut tx, emp_no).await?;
                if !revoked_roles.is_empty() {
                    roles::replace(&mut tx, emp_no, &[]).await?;
                }
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
            details: details(change, date, &rows, &revoked_roles),
        };
        audit::record(&mut tx, &entry).await?;
        let retry = slot.zip(request.retry.as_ref());
        let answer = self.finish(tx, retry, emp_no, (now, None)).await?;
        self.metrics.sessions_revoked("termination", ended);
        Ok(answer)
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
fn details(change: &Change, date: NaiveDate, rows: &CurrentRows, roles: &[Role]) -> Value {
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
            "roles": roles.iter().map(|role| role.as_str()).collect::<Vec<_>>(),
        }, "after": {"active": false, "roles": []}}),
    }
}
