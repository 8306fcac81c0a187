//! Bulk writes for the seeders: batched multi-row INSERTs inside the caller's transaction, and
//! the credential back-fill for an existing test_db.

use std::collections::HashMap;

use crate::{
    db::{Db, Tx},
    dispatch,
    domain::{Department, DeptAssignment, Employee, RoleGrant, Salary, Title},
};

/// The most bound parameters in one statement: SQLite's default limit is 32,766 (MySQL's 65,535).
const MAX_PARAMS: usize = 32_000;

/// Inserts `$rows` in multi-row statements of at most `$batch` rows (fewer when the columns would
/// pass [`MAX_PARAMS`]); `$push` binds one row's columns in order.
macro_rules! insert_rows {
    ($tx:expr, $head:expr, $columns:expr, $rows:expr, $batch:expr, |$b:ident, $r:ident| $push:expr) => {{
        let per_statement = ($batch).clamp(1, MAX_PARAMS / $columns);
        let mut inserted = 0u64;
        for chunk in $rows.chunks(per_statement) {
            inserted += dispatch!(&mut *$tx, tx => {
                let mut query = sqlx::QueryBuilder::new($head);
                query.push_values(chunk, |mut $b, $r| $push);
                query.build().execute(&mut **tx).await?.rows_affected()
            });
        }
        Ok::<u64, sqlx::Error>(inserted)
    }};
}

/// Adds the departments that are missing (by `dept_no`); existing ones are left as they are.
pub async fn insert_missing_departments(
    tx: &mut Tx,
    departments: &[Department],
) -> sqlx::Result<u64> {
    let head = match tx {
        Tx::MySql(_) => "INSERT IGNORE INTO departments (dept_no, dept_name) ",
        Tx::Sqlite(_) => "INSERT OR IGNORE INTO departments (dept_no, dept_name) ",
    };
    insert_rows!(tx, head, 2, departments, 1_000, |b, d| {
        b.push_bind(&d.dept_no).push_bind(&d.dept_name);
    })
}

/// What the database already holds of some employees: emp_no → (has an email, has a password).
pub async fn existing_employees(
    tx: &mut Tx,
    emp_nos: &[i32],
) -> sqlx::Result<HashMap<i32, (bool, bool)>> {
    let mut found = HashMap::new();
    for chunk in emp_nos.chunks(MAX_PARAMS) {
        let rows: Vec<(i32, i64, i64)> = dispatch!(&mut *tx, tx => {
            let mut query = sqlx::QueryBuilder::new(
                "SELECT emp_no, \
                 CASE WHEN email IS NULL THEN 0 ELSE 1 END, \
                 CASE WHEN password IS NULL THEN 0 ELSE 1 END \
                 FROM employees WHERE emp_no IN (",
            );
            let mut list = query.separated(", ");
            for emp_no in chunk {
                list.push_bind(*emp_no);
            }
            query.push(")");
            query.build_query_as().fetch_all(&mut **tx).await?
        });
        found.extend(
            rows.into_iter()
                .map(|(emp_no, email, password)| (emp_no, (email != 0, password != 0))),
        );
    }
    Ok(found)
}

/// Inserts employees, every one with the same password hash (hashed once per run).
pub async fn insert_employees(
    tx: &mut Tx,
    employees: &[Employee],
    password_hash: &str,
    batch: usize,
) -> sqlx::Result<u64> {
    insert_rows!(
        tx,
        "INSERT INTO employees (emp_no, birth_date, first_name, last_name, gender, hire_date, email, password) ",
        8,
        employees,
        batch,
        |b, e| {
            b.push_bind(e.emp_no)
                .push_bind(e.birth_date)
                .push_bind(&e.first_name)
                .push_bind(&e.last_name)
                .push_bind(&e.gender)
                .push_bind(e.hire_date)
                .push_bind(&e.email)
                .push_bind(password_hash);
        }
    )
}

/// Gives an existing employee the email and password hash they lack; what they have is kept.
pub async fn fill_missing_credentials(
    tx: &mut Tx,
    emp_no: i32,
    email: Option<&str>,
    password_hash: &str,
) -> sqlx::Result<u64> {
    let done = dispatch!(tx, tx => {
        sqlx::query(
            "UPDATE employees SET email = COALESCE(email, ?), password = COALESCE(password, ?) \
             WHERE emp_no = ? AND (email IS NULL OR password IS NULL)",
        )
        .bind(email)
        .bind(password_hash)
        .bind(emp_no)
        .execute(&mut **tx)
        .await?
        .rows_affected()
    });
    Ok(done)
}

/// Inserts `dept_emp` (or, with `managers`, `dept_manager`) rows.
pub async fn insert_assignments(
    tx: &mut Tx,
    rows: &[DeptAssignment],
    managers: bool,
    batch: usize,
) -> sqlx::Result<u64> {
    let head = if managers {
        "INSERT INTO dept_manager (emp_no, dept_no, from_date, to_date) "
    } else {
        "INSERT INTO dept_emp (emp_no, dept_no, from_date, to_date) "
    };
    insert_rows!(tx, head, 4, rows, batch, |b, r| {
        b.push_bind(r.emp_no)
            .push_bind(&r.dept_no)
            .push_bind(r.from_date)
            .push_bind(r.to_date);
    })
}

pub async fn insert_titles(tx: &mut Tx, rows: &[Title], batch: usize) -> sqlx::Result<u64> {
    insert_rows!(
        tx,
        "INSERT INTO titles (emp_no, title, from_date, to_date) ",
        4,
        rows,
        batch,
        |b, r| {
            b.push_bind(r.emp_no)
                .push_bind(&r.title)
                .push_bind(r.from_date)
                .push_bind(r.to_date);
        }
    )
}

pub async fn insert_salaries(tx: &mut Tx, rows: &[Salary], batch: usize) -> sqlx::Result<u64> {
    insert_rows!(
        tx,
        "INSERT INTO salaries (emp_no, salary, from_date, to_date) ",
        4,
        rows,
        batch,
        |b, r| {
            b.push_bind(r.emp_no)
                .push_bind(r.salary)
                .push_bind(r.from_date)
                .push_bind(r.to_date);
        }
    )
}

pub async fn insert_roles(tx: &mut Tx, rows: &[RoleGrant], batch: usize) -> sqlx::Result<u64> {
    insert_rows!(
        tx,
        "INSERT INTO employee_roles (emp_no, role) ",
        2,
        rows,
        batch,
        |b, r| {
            b.push_bind(r.emp_no).push_bind(&r.role);
        }
    )
}

/// The dept_manager rows of one department, oldest first.
pub async fn managers_of(tx: &mut Tx, dept_no: &str) -> sqlx::Result<Vec<DeptAssignment>> {
    let rows: Vec<(i32, String, chrono::NaiveDate, chrono::NaiveDate)> = dispatch!(tx, tx => {
        sqlx::query_as(
            "SELECT emp_no, dept_no, from_date, to_date FROM dept_manager \
             WHERE dept_no = ? ORDER BY from_date",
        )
        .bind(dept_no)
        .fetch_all(&mut **tx)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|(emp_no, dept_no, from_date, to_date)| DeptAssignment {
            emp_no,
            dept_no,
            from_date,
            to_date,
        })
        .collect())
}

/// Whether an employee row exists.
pub async fn employee_exists(db: &Db, emp_no: i32) -> sqlx::Result<bool> {
    let found: Option<i32> = dispatch!(db, pool => {
        sqlx::query_scalar("SELECT emp_no FROM employees WHERE emp_no = ?")
            .bind(emp_no)
            .fetch_optional(pool)
            .await?
    });
    Ok(found.is_some())
}

/// Lowest and highest emp_no of the employees that have no email yet.
pub async fn emp_no_range_without_email(db: &Db) -> sqlx::Result<Option<(i32, i32)>> {
    let (low, high): (Option<i32>, Option<i32>) = dispatch!(db, pool => {
        sqlx::query_as("SELECT MIN(emp_no), MAX(emp_no) FROM employees WHERE email IS NULL")
            .fetch_one(pool)
            .await?
    });
    Ok(low.zip(high))
}

/// Back-fills `firstname.lastname.EMPNO@gmail.com` (as [`crate::domain::default_email`] spells
/// it) and the password hash for employees in `[low, high)` that have no email. One statement on
/// a primary-key range, so the rows never travel to the client.
pub async fn backfill_credentials(
    db: &Db,
    low: i32,
    high: i32,
    password_hash: &str,
) -> sqlx::Result<u64> {
    let done = dispatch!(db, pool => {
        sqlx::query(
            "UPDATE employees \
             SET email = LOWER(REPLACE(first_name, ' ', '') || '.' || REPLACE(last_name, ' ', '') \
                               || '.' || emp_no || '@gmail.com'), \
                 password = COALESCE(password, ?) \
             WHERE emp_no >= ? AND emp_no < ? AND email IS NULL",
        )
        .bind(password_hash)
        .bind(low)
        .bind(high)
        .execute(pool)
        .await?
        .rows_affected()
    });
    Ok(done)
}

/// Row counts of the six test_db tables, in the order employees, departments, dept_emp,
/// dept_manager, titles, salaries.
pub async fn table_counts(db: &Db) -> sqlx::Result<[i64; 6]> {
    let mut counts = [0; 6];
    for (count, table) in counts.iter_mut().zip([
        "employees",
        "departments",
        "dept_emp",
        "dept_manager",
        "titles",
        "salaries",
    ]) {
        // Table names come from the fixed list above, never from input.
        let sql = format!("SELECT COUNT(*) FROM {table}");
        *count = dispatch!(db, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_one(pool).await?);
    }
    Ok(counts)
}
