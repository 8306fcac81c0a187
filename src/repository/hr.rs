//! HR changes' statements, all inside the caller's transaction: the lock that makes two changes of
//! one employee take turns, the current rows, closing and opening rows as test_db keeps them, and
//! the department figures that move with them.

use chrono::NaiveDate;

use crate::{
    db::{Db, Tx},
    dispatch,
    domain::hr::{CurrentRow, CurrentRows, Spell},
    repository::sessions,
};

/// Locks the employee's row until the transaction ends (a write, so that SQLite takes its write
/// lock here too, before anything is read): a second change of the same employee waits, then
/// reads what the first one committed. `false` when there is no such employee.
pub async fn lock_employee(tx: &mut Tx, emp_no: i32) -> sqlx::Result<bool> {
    let found: Option<i32> = dispatch!(&mut *tx, tx => {
        sqlx::query("UPDATE employees SET emp_no = emp_no WHERE emp_no = ?")
            .bind(emp_no)
            .execute(&mut **tx)
            .await?;
        sqlx::query_scalar("SELECT emp_no FROM employees WHERE emp_no = ?")
            .bind(emp_no)
            .fetch_optional(&mut **tx)
            .await?
    });
    Ok(found.is_some())
}

/// Whether the employee exists (no lock).
pub async fn employee_exists(tx: &mut Tx, emp_no: i32) -> sqlx::Result<bool> {
    let found: Option<i32> = dispatch!(&mut *tx, tx => {
        sqlx::query_scalar("SELECT emp_no FROM employees WHERE emp_no = ?")
            .bind(emp_no)
            .fetch_optional(&mut **tx)
            .await?
    });
    Ok(found.is_some())
}

#[derive(sqlx::FromRow)]
struct CurrentRowRow {
    kind: i64,
    value: String,
    from_date: NaiveDate,
}

const CURRENT_ROWS: &str = "\
SELECT 0 AS kind, dept_no AS value, from_date FROM dept_emp WHERE emp_no = ? AND to_date = '9999-01-01'
UNION ALL SELECT 1, title, from_date FROM titles WHERE emp_no = ? AND to_date = '9999-01-01'
UNION ALL SELECT 2, CAST(salary AS CHAR), from_date FROM salaries WHERE emp_no = ? AND to_date = '9999-01-01'
UNION ALL SELECT 3, dept_no, from_date FROM dept_manager WHERE emp_no = ? AND to_date = '9999-01-01'
ORDER BY 1, 3, 2";

/// The employee's current rows, in one round trip, inside a change's transaction.
pub async fn current_rows(tx: &mut Tx, emp_no: i32) -> sqlx::Result<CurrentRows> {
    let rows: Vec<CurrentRowRow> = dispatch!(&mut *tx, tx => {
        bind_four(sqlx::query_as(CURRENT_ROWS), emp_no).fetch_all(&mut **tx).await?
    });
    Ok(into_rows(rows))
}

/// The employee's current rows now (for `GET`'s `ETag`).
pub async fn current_rows_now(db: &Db, emp_no: i32) -> sqlx::Result<CurrentRows> {
    let rows: Vec<CurrentRowRow> = dispatch!(db, pool => {
        bind_four(sqlx::query_as(CURRENT_ROWS), emp_no).fetch_all(pool).await?
    });
    Ok(into_rows(rows))
}

fn bind_four<'q, DB, O>(
    query: sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments>,
    emp_no: i32,
) -> sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments>
where
    DB: sqlx::Database,
    i32: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    query.bind(emp_no).bind(emp_no).bind(emp_no).bind(emp_no)
}

fn into_rows(rows: Vec<CurrentRowRow>) -> CurrentRows {
    CurrentRows(
        rows.into_iter()
            .map(|row| CurrentRow {
                spell: match row.kind {
                    0 => Spell::Department,
                    1 => Spell::Title,
                    2 => Spell::Salary,
                    _ => Spell::Managing,
                },
                value: row.value,
                from_date: row.from_date,
            })
            .collect(),
    )
}

fn table(spell: Spell) -> &'static str {
    match spell {
        Spell::Department => "dept_emp",
        Spell::Title => "titles",
        Spell::Salary => "salaries",
        Spell::Managing => "dept_manager",
    }
}

/// Ends the employee's current rows of one table on `date`.
pub async fn close(tx: &mut Tx, spell: Spell, emp_no: i32, date: NaiveDate) -> sqlx::Result<()> {
    // Here rather than in each caller, so that no change can forget it.
    sessions::touch_profile(tx, emp_no).await?;
    let sql = format!(
        "UPDATE {} SET to_date = ? WHERE emp_no = ? AND to_date = '9999-01-01'",
        table(spell)
    );
    dispatch!(&mut *tx, tx => {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(date)
            .bind(emp_no)
            .execute(&mut **tx)
            .await
            .map(drop)
    })
}

/// Opens a current row from `date` on: a department (dept_emp), a title or a salary.
pub async fn open(
    tx: &mut Tx,
    spell: Spell,
    emp_no: i32,
    value: &str,
    date: NaiveDate,
) -> sqlx::Result<()> {
    sessions::touch_profile(tx, emp_no).await?;
    let sql = match spell {
        Spell::Department => {
            "INSERT INTO dept_emp (emp_no, dept_no, from_date, to_date) VALUES (?, ?, ?, '9999-01-01')"
        }
        Spell::Title => {
            "INSERT INTO titles (emp_no, title, from_date, to_date) VALUES (?, ?, ?, '9999-01-01')"
        }
        Spell::Salary => {
            "INSERT INTO salaries (emp_no, salary, from_date, to_date) VALUES (?, ?, ?, '9999-01-01')"
        }
        Spell::Managing => {
            "INSERT INTO dept_manager (emp_no, dept_no, from_date, to_date) VALUES (?, ?, ?, '9999-01-01')"
        }
    };
    dispatch!(&mut *tx, tx => {
        let query = sqlx::query(sql).bind(emp_no);
        let query = match spell {
            Spell::Salary => query.bind(value.parse::<i64>().unwrap_or_default()),
            _ => query.bind(value),
        };
        query.bind(date).execute(&mut **tx).await.map(drop)
    })
}

/// Whether the department exists.
pub async fn department_exists(tx: &mut Tx, dept_no: &str) -> sqlx::Result<bool> {
    let found: Option<String> = dispatch!(&mut *tx, tx => {
        sqlx::query_scalar("SELECT dept_no FROM departments WHERE dept_no = ?")
            .bind(dept_no)
            .fetch_optional(&mut **tx)
            .await?
    });
    Ok(found.is_some())
}

/// Moves a department's headcount and payroll by the given amounts (kept, not counted: see
/// `directory::figures`).
pub async fn adjust_figures(
    tx: &mut Tx,
    dept_no: &str,
    headcount: i64,
    payroll: i64,
) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => {
        sqlx::query(
            "UPDATE department_figures SET headcount = headcount + ?, payroll = payroll + ? WHERE dept_no = ?",
        )
        .bind(headcount)
        .bind(payroll)
        .bind(dept_no)
        .execute(&mut **tx)
        .await
        .map(drop)
    })
}
