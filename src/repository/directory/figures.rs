//! Departments with their figures. Headcount and payroll are kept in `department_figures`, not
//! counted per request: at test_db's scale a department has up to 61k current staff, and summing
//! their salaries on every `GET /departments` would read about 240k index entries. The figures are
//! recounted in the transaction of whatever moves them (seeding, the generator; HR changes) and
//! by the migration that made the table (for a database that already held test_db).

use crate::{
    db::{Db, Tx},
    dispatch,
    domain::directory::{DepartmentSummary, PersonRef},
};

const RECOUNT: [&str; 2] = [
    "DELETE FROM department_figures",
    "INSERT INTO department_figures (dept_no, headcount, payroll)
     SELECT d.dept_no,
            (SELECT COUNT(*) FROM dept_emp de
             WHERE de.dept_no = d.dept_no AND de.to_date = '9999-01-01'),
            (SELECT COALESCE(SUM(s.salary), 0) FROM dept_emp de
             JOIN salaries s ON s.emp_no = de.emp_no AND s.to_date = '9999-01-01'
             WHERE de.dept_no = d.dept_no AND de.to_date = '9999-01-01')
     FROM departments d",
];

/// Counts every department's current staff and payroll again, inside the caller's transaction.
pub async fn recount(tx: &mut Tx) -> sqlx::Result<()> {
    for statement in RECOUNT {
        dispatch!(&mut *tx, tx => sqlx::query(statement).execute(&mut **tx).await.map(drop)?);
    }
    Ok(())
}

macro_rules! departments_select {
    () => {
        "SELECT d.dept_no, d.dept_name, COALESCE(f.headcount, 0) AS headcount,
       COALESCE(f.payroll, 0) AS payroll,
       m.emp_no AS manager_emp_no, m.first_name AS manager_first_name,
       m.last_name AS manager_last_name, m.email AS manager_email
FROM departments d
LEFT JOIN department_figures f ON f.dept_no = d.dept_no
LEFT JOIN employees m ON m.emp_no = (
    SELECT dm.emp_no FROM dept_manager dm WHERE dm.dept_no = d.dept_no AND dm.to_date = '9999-01-01'
    ORDER BY dm.from_date DESC LIMIT 1) "
    };
}

#[derive(sqlx::FromRow)]
struct DepartmentRow {
    dept_no: String,
    dept_name: String,
    headcount: i64,
    payroll: i64,
    manager_emp_no: Option<i32>,
    manager_first_name: Option<String>,
    manager_last_name: Option<String>,
    manager_email: Option<String>,
}

/// A department as listed, with its payroll (the service decides who sees it).
pub struct DepartmentFigures {
    pub summary: DepartmentSummary,
    pub payroll: i64,
}

impl From<DepartmentRow> for DepartmentFigures {
    fn from(row: DepartmentRow) -> Self {
        let manager = PersonRef::from_columns(
            row.manager_emp_no,
            row.manager_first_name,
            row.manager_last_name,
            row.manager_email,
        );
        DepartmentFigures {
            summary: DepartmentSummary {
                dept_no: row.dept_no,
                dept_name: row.dept_name,
                manager,
                headcount: row.headcount,
                payroll: None,
            },
            payroll: row.payroll,
        }
    }
}

/// Every department, by dept_no.
pub async fn departments(db: &Db) -> sqlx::Result<Vec<DepartmentFigures>> {
    let sql = concat!(departments_select!(), "ORDER BY d.dept_no");
    let rows: Vec<DepartmentRow> =
        dispatch!(db, pool => sqlx::query_as(sql).fetch_all(pool).await?);
    Ok(rows.into_iter().map(DepartmentFigures::from).collect())
}

/// One department, inside the caller's transaction.
pub async fn department_in(tx: &mut Tx, dept_no: &str) -> sqlx::Result<Option<DepartmentFigures>> {
    let sql = concat!(departments_select!(), "WHERE d.dept_no = ?");
    let row: Option<DepartmentRow> = dispatch!(&mut *tx, tx => {
        sqlx::query_as(sql).bind(dept_no).fetch_optional(&mut **tx).await?
    });
    Ok(row.map(DepartmentFigures::from))
}

/// One department.
pub async fn department(db: &Db, dept_no: &str) -> sqlx::Result<Option<DepartmentFigures>> {
    let sql = concat!(departments_select!(), "WHERE d.dept_no = ?");
    let row: Option<DepartmentRow> = dispatch!(db, pool => {
        sqlx::query_as(sql).bind(dept_no).fetch_optional(pool).await?
    });
    Ok(row.map(DepartmentFigures::from))
}
