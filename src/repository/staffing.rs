//! Hires and manager appointments, inside the caller's transaction: the emp_no allocator, a new
//! employee's row, and a department's lock, members and managers.

use chrono::NaiveDate;

use crate::{db::Tx, dispatch, domain::hr::NewHire, repository::sessions};

/// The next emp_no: past every number given out and every employee (rows may be added by seeding
/// or by hand). The allocator's row is locked first and stays locked until the transaction ends,
/// so hires on every instance take turns, and a rolled-back hire gives its number back. The
/// highest emp_no is a plain read, after the lock: a locking one (a sub-query of the UPDATE)
/// would hold a gap lock on `employees` that the next hire's insert deadlocks on.
pub async fn allocate_emp_no(tx: &mut Tx) -> sqlx::Result<i32> {
    dispatch!(&mut *tx, tx => {
        sqlx::query("UPDATE emp_no_allocator SET last_emp_no = last_emp_no + 1 WHERE id = 1")
            .execute(&mut **tx)
            .await?;
        let (next, highest): (i32, i32) = sqlx::query_as(
            "SELECT a.last_emp_no, (SELECT COALESCE(MAX(e.emp_no), 0) FROM employees e) \
             FROM emp_no_allocator a WHERE a.id = 1",
        )
        .fetch_one(&mut **tx)
        .await?;
        if next > highest {
            return Ok(next);
        }
        sqlx::query("UPDATE emp_no_allocator SET last_emp_no = ? WHERE id = 1")
            .bind(highest + 1)
            .execute(&mut **tx)
            .await?;
        Ok(highest + 1)
    })
}

/// Whether an employee has this (normalised) email.
pub async fn email_taken(tx: &mut Tx, email: &str) -> sqlx::Result<bool> {
    let found: Option<i32> = dispatch!(&mut *tx, tx => {
        sqlx::query_scalar("SELECT emp_no FROM employees WHERE email = ?")
            .bind(email)
            .fetch_optional(&mut **tx)
            .await?
    });
    Ok(found.is_some())
}

/// Inserts a hired employee with their login.
pub async fn insert_employee(
    tx: &mut Tx,
    emp_no: i32,
    hire: &NewHire,
    email: &str,
    password_hash: &str,
) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => {
        sqlx::query(
            "INSERT INTO employees \
             (emp_no, birth_date, first_name, last_name, gender, hire_date, email, password) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(emp_no)
        .bind(hire.birth_date)
        .bind(&hire.first_name)
        .bind(&hire.last_name)
        .bind(&hire.gender)
        .bind(hire.hire_date)
        .bind(email)
        .bind(password_hash)
        .execute(&mut **tx)
        .await
        .map(drop)
    })
}

/// Locks the department's row until the transaction ends (two appointments take turns); `false`
/// when there is no such department.
pub async fn lock_department(tx: &mut Tx, dept_no: &str) -> sqlx::Result<bool> {
    let found: Option<String> = dispatch!(&mut *tx, tx => {
        sqlx::query("UPDATE departments SET dept_no = dept_no WHERE dept_no = ?")
            .bind(dept_no)
            .execute(&mut **tx)
            .await?;
        sqlx::query_scalar("SELECT dept_no FROM departments WHERE dept_no = ?")
            .bind(dept_no)
            .fetch_optional(&mut **tx)
            .await?
    });
    Ok(found.is_some())
}

/// Whether the employee is in the department now.
pub async fn is_current_member(tx: &mut Tx, emp_no: i32, dept_no: &str) -> sqlx::Result<bool> {
    let found: Option<i32> = dispatch!(&mut *tx, tx => {
        sqlx::query_scalar(
            "SELECT emp_no FROM dept_emp WHERE emp_no = ? AND dept_no = ? AND to_date = '9999-01-01'",
        )
        .bind(emp_no)
        .bind(dept_no)
        .fetch_optional(&mut **tx)
        .await?
    });
    Ok(found.is_some())
}

/// The department's current managers and the day each started.
pub async fn current_managers(tx: &mut Tx, dept_no: &str) -> sqlx::Result<Vec<(i32, NaiveDate)>> {
    dispatch!(&mut *tx, tx => {
        sqlx::query_as(
            "SELECT emp_no, from_date FROM dept_manager WHERE dept_no = ? AND to_date = '9999-01-01'",
        )
        .bind(dept_no)
        .fetch_all(&mut **tx)
        .await
    })
}

/// Ends the department's current manager rows on `date`.
pub async fn close_managers(tx: &mut Tx, dept_no: &str, date: NaiveDate) -> sqlx::Result<()> {
    sessions::touch_managers_of(tx, dept_no).await?;
    dispatch!(&mut *tx, tx => {
        sqlx::query("UPDATE dept_manager SET to_date = ? WHERE dept_no = ? AND to_date = '9999-01-01'")
            .bind(date)
            .bind(dept_no)
            .execute(&mut **tx)
            .await
            .map(drop)
    })
}
