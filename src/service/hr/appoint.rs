//! A manager appointment: the department's current manager rows end on the date and the new
//! manager's starts; the new manager must be a current member of the department.

use chrono::{NaiveDate, Utc};
use serde_json::json;

use super::{Actor, Changed, HrError, HrService, Retry};
use crate::{
    domain::{
        directory::{DepartmentDetail, DepartmentSummary},
        hr::Spell,
    },
    repository::{
        audit::{self, Entry},
        directory::{self as directory_repo, figures, names},
        hr, staffing,
    },
    retry::{Idempotent, retry},
};

/// An appointment as the handler read it.
pub struct AppointRequest<'a> {
    pub actor: Actor<'a>,
    pub dept_no: &'a str,
    pub emp_no: i32,
    pub from_date: NaiveDate,
    pub retry: Option<Retry<'a>>,
}

/// What an appointment did.
#[derive(Debug)]
pub enum Appointed {
    /// The department as `GET /departments/{dept_no}` shows it to HR now.
    Now(Box<DepartmentDetail>),
    /// A retry with the same key and body: the first answer again.
    Replayed { body: String },
}

impl HrService {
    /// [`Self::appoint_once`], run again if the database aborted it to resolve a conflict.
    pub async fn appoint(&self, request: &AppointRequest<'_>) -> Result<Appointed, HrError> {
        retry("appointment", Idempotent::No, || self.appoint_once(request)).await
    }

    /// Appoints a department's manager in one transaction: the department's lock, a kept answer
    /// for the same key, the rules, the rows, the directory's version (cards show managers from
    /// what each instance keeps), the audit entry, and the answer kept for the key.
    #[tracing::instrument(skip_all, fields(actor = request.actor.emp_no, dept_no = request.dept_no))]
    async fn appoint_once(&self, request: &AppointRequest<'_>) -> Result<Appointed, HrError> {
        let (dept_no, emp_no, date) = (request.dept_no, request.emp_no, request.from_date);
        if date > Utc::now().date_naive() {
            return Err(HrError::FutureDate);
        }
        let now = Utc::now().timestamp();
        let mut tx = self.db.begin().await?;
        if !staffing::lock_department(&mut tx, dept_no).await? {
            return Err(HrError::NotFound);
        }
        let slot = request.retry.map(|retry| retry.slot(request.actor.emp_no));
        let retry = slot.as_ref().zip(request.retry.as_ref());
        if let Some(Changed::Replayed { body, .. }) = Self::kept_answer(&mut tx, retry, now).await?
        {
            return Ok(Appointed::Replayed { body });
        }
        if !hr::employee_exists(&mut tx, emp_no).await? {
            return Err(HrError::UnknownEmployee);
        }
        if !staffing::is_current_member(&mut tx, emp_no, dept_no).await? {
            return Err(HrError::NotMember);
        }
        let current = staffing::current_managers(&mut tx, dept_no).await?;
        if current.iter().any(|(manager, _)| *manager == emp_no) {
            return Err(HrError::Unchanged(Spell::Managing.noun()));
        }
        if current.iter().any(|(_, from)| date <= *from) {
            return Err(HrError::NotAfterCurrent(Spell::Managing.noun()));
        }
        staffing::close_managers(&mut tx, dept_no, date).await?;
        hr::open(&mut tx, Spell::Managing, emp_no, dept_no, date).await?;
        names::bump(&mut tx).await?;
        let before: Vec<i32> = current.iter().map(|(manager, _)| *manager).collect();
        let entry = Entry {
            actor: Some(request.actor.emp_no),
            action: "department.manager",
            emp_no: Some(emp_no),
            ip: request.actor.ip.map(|ip| ip.to_string()),
            user_agent: request.actor.user_agent,
            details: json!({"dept_no": dept_no, "date": date,
                "before": {"managers": before}, "after": {"manager": emp_no}}),
        };
        audit::record(&mut tx, &entry).await?;
        let figures = figures::department_in(&mut tx, dept_no)
            .await?
            .ok_or(HrError::NotFound)?;
        let detail = DepartmentDetail {
            // The caller has `hr`: the payroll is theirs to see.
            summary: DepartmentSummary {
                payroll: Some(figures.payroll),
                ..figures.summary
            },
            managers: directory_repo::managers_in(&mut tx, dept_no).await?,
        };
        Self::keep_answer(&mut tx, retry, &detail, None, now).await?;
        self.commit(tx, retry.is_some(), now).await?;
        Ok(Appointed::Now(Box::new(detail)))
    }
}
