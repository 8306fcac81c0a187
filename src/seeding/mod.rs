//! Seeding: the accounts and sample rows of `seed/` (embedded in the binary), the test_db-scale
//! generator and the e-mail back-fill for an existing test_db.

pub mod backfill;
pub mod generator;

use std::collections::HashSet;

use serde::de::DeserializeOwned;

use crate::{
    db::Db,
    domain::{Dataset, Employee},
    error::Error,
    repository::seed as repo,
    service::password,
};

/// The password that seeding gives to accounts, hashed when (and only when) a row needs it.
#[derive(Clone)]
pub struct DefaultPassword {
    pub password: String,
    pub cost: u32,
}

impl DefaultPassword {
    /// Refuses a password that bcrypt would truncate (over 72 bytes), then hashes it.
    pub async fn hash(&self) -> Result<String, Error> {
        password::hash(self.password.clone().into(), self.cost).await
    }
}

fn parse<T: DeserializeOwned>(csv_text: &str) -> Result<Vec<T>, csv::Error> {
    csv::Reader::from_reader(csv_text.as_bytes())
        .deserialize()
        .collect()
}

/// The contents of `seed/`, parsed. The files are compiled in, so the binary seeds from anywhere.
pub fn seed_dataset() -> Result<Dataset, csv::Error> {
    let mut data = Dataset {
        departments: parse(include_str!("../../seed/departments.csv"))?,
        employees: parse(include_str!("../../seed/employees.csv"))?,
        dept_emp: parse(include_str!("../../seed/dept_emp.csv"))?,
        dept_manager: parse(include_str!("../../seed/dept_manager.csv"))?,
        titles: parse(include_str!("../../seed/titles.csv"))?,
        salaries: parse(include_str!("../../seed/salaries.csv"))?,
        roles: parse(include_str!("../../seed/roles.csv"))?,
    };
    for employee in &mut data.employees {
        employee.email = employee
            .email
            .as_deref()
            .map(crate::domain::normalize_email);
    }
    Ok(data)
}

/// What a seeding run changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedReport {
    /// Employees inserted (with their department, title and salary rows).
    pub employees_added: u64,
    /// Employees that existed without an email or password and were given the seed's.
    pub credentials_filled: u64,
    /// Rows inserted into all six tables.
    pub rows_added: u64,
}

/// Loads `seed/` in one transaction. Idempotent: employees that exist keep their rows (a test_db
/// employee only gains the email and password it lacked), so a second run changes nothing, and
/// the password is hashed only when some row needs it.
#[tracing::instrument(skip_all)]
pub async fn load_seed(
    db: &Db,
    default_password: &DefaultPassword,
    batch: usize,
) -> Result<SeedReport, Error> {
    let data = seed_dataset()?;
    let mut tx = db.begin().await?;
    let mut report = SeedReport {
        rows_added: repo::insert_missing_departments(&mut tx, &data.departments).await?,
        ..SeedReport::default()
    };

    let emp_nos: Vec<i32> = data.employees.iter().map(|e| e.emp_no).collect();
    let existing = repo::existing_employees(&mut tx, &emp_nos).await?;
    let (present, new): (Vec<&Employee>, Vec<&Employee>) = data
        .employees
        .iter()
        .partition(|e| existing.contains_key(&e.emp_no));
    let lacking: Vec<&Employee> = present
        .into_iter()
        .filter(|e| {
            existing
                .get(&e.emp_no)
                .is_some_and(|&(email, password)| !email || !password)
        })
        .collect();

    if !new.is_empty() || !lacking.is_empty() {
        let hash = default_password.hash().await?;
        for employee in &lacking {
            report.credentials_filled += repo::fill_missing_credentials(
                &mut tx,
                employee.emp_no,
                employee.email.as_deref(),
                &hash,
            )
            .await?;
        }
        let new: Vec<Employee> = new.into_iter().cloned().collect();
        report.employees_added = repo::insert_employees(&mut tx, &new, &hash, batch).await?;
        report.rows_added += report.employees_added;

        // Child rows only for the employees inserted now: an existing employee's history is theirs.
        let added: HashSet<i32> = new.iter().map(|e| e.emp_no).collect();
        let mine = |emp_no: &i32| added.contains(emp_no);
        let dept_emp: Vec<_> = data
            .dept_emp
            .into_iter()
            .filter(|r| mine(&r.emp_no))
            .collect();
        let managers: Vec<_> = data
            .dept_manager
            .into_iter()
            .filter(|r| mine(&r.emp_no))
            .collect();
        let titles: Vec<_> = data
            .titles
            .into_iter()
            .filter(|r| mine(&r.emp_no))
            .collect();
        let salaries: Vec<_> = data
            .salaries
            .into_iter()
            .filter(|r| mine(&r.emp_no))
            .collect();
        report.rows_added += repo::insert_assignments(&mut tx, &dept_emp, false, batch).await?;
        report.rows_added += repo::insert_assignments(&mut tx, &managers, true, batch).await?;
        report.rows_added += repo::insert_titles(&mut tx, &titles, batch).await?;
        report.rows_added += repo::insert_salaries(&mut tx, &salaries, batch).await?;
        // Roles too: a grant that an admin withdrew is not given back by the next seeding.
        let roles: Vec<_> = data.roles.into_iter().filter(|r| mine(&r.emp_no)).collect();
        report.rows_added += repo::insert_roles(&mut tx, &roles, batch).await?;
        // Headcount, payroll and the first names follow the rows just added.
        crate::repository::directory::refresh(&mut tx).await?;
    }
    tx.commit().await?;
    tracing::info!(
        employees_added = report.employees_added,
        credentials_filled = report.credentials_filled,
        rows_added = report.rows_added,
        "seed data loaded"
    );
    Ok(report)
}

/// A progress bar on a terminal (hidden when `quiet` or when stderr is not a terminal).
pub(crate) fn progress_bar(total: u64, quiet: bool, what: &str) -> indicatif::ProgressBar {
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(what.to_owned());
    bar
}
