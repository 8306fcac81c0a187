//! A hire: a new employee with their first department, title and salary.

use chrono::Utc;
use serde_json::json;

use super::{Changed, HireRequest, HrError, HrService};
use crate::{
    domain::{default_email, hr::Spell, is_email, normalize_email},
    repository::{
        audit::{self, Entry},
        directory::names,
        hr, staffing,
    },
    retry::{Idempotent, retry},
    service::password,
};

impl HrService {
    /// [`Self::hire_once`], run again if the database aborted it to resolve a conflict.
    pub async fn hire(&self, request: &HireRequest<'_>) -> Result<Changed, HrError> {
        retry("hire", Idempotent::No, || self.hire_once(request)).await
    }

    /// Hires an employee in one transaction: the next emp_no under the allocator's lock (then a
    /// kept answer for the same key is replayed), the employee with a hash of the password (made before
    /// the transaction, on the blocking pool), their department, title and salary from the hire
    /// date on, the figures, the first names, and the audit entry.
    #[tracing::instrument(skip_all, fields(actor = request.actor.emp_no))]
    async fn hire_once(&self, request: &HireRequest<'_>) -> Result<Changed, HrError> {
        let hire = &request.hire;
        if hire.hire_date > Utc::now().date_naive() {
            return Err(HrError::FutureDate);
        }
        // Names may hold what no address can (`J. R.` gives `j..r.`): such a hire needs an email
        // of its own. (The emp_no's digits, known later, never change the answer.)
        if hire.email.is_none() && !is_email(&default_email(&hire.first_name, &hire.last_name, 1)) {
            return Err(HrError::NoDefaultEmail);
        }
        let hash = password::hash(request.password.clone(), self.bcrypt_cost).await?;
        let now = Utc::now().timestamp();
        let mut tx = self.db.begin().await?;
        // The next emp_no, under the allocator's row lock: hires take turns from here (a replay
        // rolls the number back).
        let emp_no = staffing::allocate_emp_no(&mut tx).await?;
        let slot = request.retry.map(|retry| retry.slot(request.actor.emp_no));
        let retry = slot.as_ref().zip(request.retry.as_ref());
        if let Some(kept) = Self::kept_answer(&mut tx, retry, now).await? {
            return Ok(kept);
        }
        if !hr::department_exists(&mut tx, &hire.dept_no).await? {
            return Err(HrError::UnknownDepartment);
        }
        let email = match &hire.email {
            Some(email) => normalize_email(email),
            None => default_email(&hire.first_name, &hire.last_name, emp_no),
        };
        if staffing::email_taken(&mut tx, &email).await? {
            return Err(HrError::EmailTaken);
        }
        staffing::insert_employee(&mut tx, emp_no, hire, &email, &hash).await?;
        let date = hire.hire_date;
        hr::open(&mut tx, Spell::Department, emp_no, &hire.dept_no, date).await?;
        hr::open(&mut tx, Spell::Title, emp_no, &hire.title, date).await?;
        hr::open(
            &mut tx,
            Spell::Salary,
            emp_no,
            &hire.salary.to_string(),
            date,
        )
        .await?;
        hr::adjust_figures(&mut tx, &hire.dept_no, 1, i64::from(hire.salary)).await?;
        names::add(&mut tx, &hire.first_name).await?;
        let entry = Entry {
            actor: Some(request.actor.emp_no),
            action: "employee.hire",
            emp_no: Some(emp_no),
            ip: request.actor.ip.map(|ip| ip.to_string()),
            user_agent: request.actor.user_agent,
            details: json!({"after": {
                "first_name": hire.first_name, "last_name": hire.last_name, "gender": hire.gender,
                "birth_date": hire.birth_date, "hire_date": hire.hire_date, "dept_no": hire.dept_no,
                "title": hire.title, "salary": hire.salary, "email": email,
            }}),
        };
        audit::record(&mut tx, &entry).await?;
        let location = format!("/employees/{emp_no}");
        let retry = slot.zip(request.retry.as_ref());
        self.finish(tx, retry, emp_no, (now, Some(&location))).await
    }
}
