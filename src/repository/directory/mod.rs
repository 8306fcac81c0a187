//! The directory's reads: cards and records by emp_no, history, salaries, departments with their
//! figures. The search that pages through cards is in [`search`]. Every statement here is a
//! primary-key or index look-up (see BENCHMARKS.md for the plans at test_db's scale).

pub mod figures;
pub mod search;

use chrono::NaiveDate;

use crate::{
    db::Db,
    dispatch,
    domain::directory::{
        Card, DepartmentSpell, DeptRef, ManagerSpell, PersonRef, Record, SalarySpell, TitleSpell,
    },
};

/// The columns of a card and record: the employee, their current department and title, and that
/// department's current manager. An employee with two current dept_emp rows, or a department with
/// two current managers (test_db allows both), gives several rows, which the statements order newest
/// first; the first wins. (Joins and a title look-up without ORDER BY: a sub-query per
/// row that sorts, as a first version had, cost a third of a search's time at full scale.)
macro_rules! card_columns {
    () => {
        "e.emp_no, e.first_name, e.last_name, e.email, e.hire_date, e.birth_date, e.gender,
       cd.dept_no, d.dept_name,
       (SELECT t.title FROM titles t WHERE t.emp_no = e.emp_no AND t.to_date = '9999-01-01'
        LIMIT 1) AS title,
       m.emp_no AS manager_emp_no, m.first_name AS manager_first_name,
       m.last_name AS manager_last_name, m.email AS manager_email"
    };
}
pub(crate) use card_columns;

/// The joins behind [`card_columns`], after `employees e`: primary-key and index look-ups.
/// test_db has at most one current title per employee; should there be two, either is shown.
macro_rules! card_joins {
    () => {
        " LEFT JOIN dept_emp cd ON cd.emp_no = e.emp_no AND cd.to_date = '9999-01-01'
LEFT JOIN departments d ON d.dept_no = cd.dept_no
LEFT JOIN dept_manager dm ON dm.dept_no = cd.dept_no AND dm.to_date = '9999-01-01'
LEFT JOIN employees m ON m.emp_no = dm.emp_no "
    };
}
pub(crate) use card_joins;

#[derive(sqlx::FromRow)]
pub(crate) struct CardRow {
    emp_no: i32,
    first_name: String,
    last_name: String,
    email: Option<String>,
    hire_date: NaiveDate,
    birth_date: NaiveDate,
    gender: String,
    dept_no: Option<String>,
    dept_name: Option<String>,
    title: Option<String>,
    manager_emp_no: Option<i32>,
    manager_first_name: Option<String>,
    manager_last_name: Option<String>,
    manager_email: Option<String>,
    /// Set by a search that checks its caller's token (`search::find`).
    #[sqlx(default)]
    revoked: Option<i64>,
}

impl CardRow {
    pub(crate) fn revoked(&self) -> bool {
        self.revoked.is_some()
    }

    fn into_record(self) -> Record {
        let department = self
            .dept_no
            .zip(self.dept_name)
            .map(|(dept_no, dept_name)| DeptRef { dept_no, dept_name });
        let manager = PersonRef::from_columns(
            self.manager_emp_no,
            self.manager_first_name,
            self.manager_last_name,
            self.manager_email,
        );
        Record {
            card: Card {
                emp_no: self.emp_no,
                first_name: self.first_name,
                last_name: self.last_name,
                email: self.email,
                active: department.is_some(),
                department,
                title: self.title,
                manager,
                hire_date: self.hire_date,
            },
            birth_date: self.birth_date,
            gender: self.gender,
        }
    }
}

/// Keeps the first row of each employee (the newest current department).
pub(crate) fn first_per_employee(rows: Vec<CardRow>) -> Vec<Record> {
    let mut records: Vec<Record> = Vec::with_capacity(rows.len());
    for row in rows {
        if records
            .last()
            .is_none_or(|last| last.card.emp_no != row.emp_no)
        {
            records.push(row.into_record());
        }
    }
    records
}

/// Full records of the given employees, in the order given; unknown numbers are left out.
pub async fn records(db: &Db, emp_nos: &[i32]) -> sqlx::Result<Vec<Record>> {
    if emp_nos.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; emp_nos.len()].join(", ");
    let sql = format!(
        "SELECT {} FROM employees e {} WHERE e.emp_no IN ({placeholders}) \
         ORDER BY e.emp_no, cd.from_date DESC, dm.from_date DESC",
        card_columns!(),
        card_joins!()
    );
    let rows: Vec<CardRow> = dispatch!(db, pool => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for emp_no in emp_nos {
            query = query.bind(*emp_no);
        }
        query.fetch_all(pool).await?
    });
    let mut records = first_per_employee(rows);
    records.sort_by_key(|r| emp_nos.iter().position(|n| *n == r.card.emp_no));
    Ok(records)
}

// Whether `viewer` currently manages a department that `target` currently belongs to.
const MANAGES: &str = "\
SELECT 1 FROM dept_manager dm
JOIN dept_emp de ON de.dept_no = dm.dept_no AND de.emp_no = ? AND de.to_date = '9999-01-01'
WHERE dm.emp_no = ? AND dm.to_date = '9999-01-01' LIMIT 1";

/// Whether `manager` currently manages a department that `emp_no` is currently in.
pub async fn manages(db: &Db, manager: i32, emp_no: i32) -> sqlx::Result<bool> {
    let found: Option<i32> = dispatch!(db, pool => {
        sqlx::query_scalar(MANAGES).bind(emp_no).bind(manager).fetch_optional(pool).await?
    });
    Ok(found.is_some())
}

/// The departments `emp_no` currently manages.
pub async fn managed_departments(db: &Db, emp_no: i32) -> sqlx::Result<Vec<String>> {
    dispatch!(db, pool => {
        sqlx::query_scalar(
            "SELECT dept_no FROM dept_manager WHERE emp_no = ? AND to_date = '9999-01-01'",
        )
        .bind(emp_no)
        .fetch_all(pool)
        .await
    })
}

/// An employee's departments and titles, newest first.
pub async fn history(
    db: &Db,
    emp_no: i32,
) -> sqlx::Result<(Vec<DepartmentSpell>, Vec<TitleSpell>)> {
    dispatch!(db, pool => {
        let departments = sqlx::query_as(
            "SELECT de.dept_no, d.dept_name, de.from_date, de.to_date FROM dept_emp de
             JOIN departments d ON d.dept_no = de.dept_no
             WHERE de.emp_no = ? ORDER BY de.from_date DESC, de.to_date DESC",
        )
        .bind(emp_no)
        .fetch_all(pool)
        .await?;
        let titles = sqlx::query_as(
            "SELECT title, from_date, to_date FROM titles
             WHERE emp_no = ? ORDER BY from_date DESC, title",
        )
        .bind(emp_no)
        .fetch_all(pool)
        .await?;
        Ok((departments, titles))
    })
}

/// An employee's salaries, newest first.
pub async fn salaries(db: &Db, emp_no: i32) -> sqlx::Result<Vec<SalarySpell>> {
    dispatch!(db, pool => {
        sqlx::query_as(
            "SELECT salary, from_date, to_date FROM salaries WHERE emp_no = ? ORDER BY from_date DESC",
        )
        .bind(emp_no)
        .fetch_all(pool)
        .await
    })
}

/// A department's managers, newest first.
pub async fn managers(db: &Db, dept_no: &str) -> sqlx::Result<Vec<ManagerSpell>> {
    dispatch!(db, pool => {
        sqlx::query_as(
            "SELECT dm.emp_no, e.first_name, e.last_name, dm.from_date, dm.to_date
             FROM dept_manager dm JOIN employees e ON e.emp_no = dm.emp_no
             WHERE dm.dept_no = ? ORDER BY dm.from_date DESC, dm.to_date DESC",
        )
        .bind(dept_no)
        .fetch_all(pool)
        .await
    })
}
