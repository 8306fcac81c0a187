//! The directory's reads: cards and records by emp_no, history, salaries, departments with their
//! figures. The search that pages through cards is in [`search`]. Every statement here is a
//! primary-key or index look-up (see BENCHMARKS.md for the plans at test_db's scale).

pub mod cards;
mod conditions;
pub mod drive;
pub mod figures;
pub mod kept;
pub mod names;
pub mod plan;
pub mod search;
mod statement;
pub mod timeout;

use self::{
    cards::{CardRow, assemble, card_columns, card_joins},
    kept::Kept,
};
use crate::{
    db::{Db, Tx},
    dispatch,
    domain::directory::{DepartmentSpell, ManagerSpell, Reach, Record, SalarySpell, TitleSpell},
};

/// Brings what the directory keeps beside test_db's tables (department figures, first names) up
/// to date with the rows added in the caller's transaction (seeding, the generator).
pub async fn refresh(tx: &mut Tx) -> sqlx::Result<()> {
    figures::recount(tx).await?;
    names::refresh(tx).await
}

/// Full records of the given employees, in the order given; unknown numbers are left out.
pub async fn records(db: &Db, kept: &Kept, emp_nos: &[i32]) -> sqlx::Result<Vec<Record>> {
    if emp_nos.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = vec!["?"; emp_nos.len()].join(", ");
    let sql = format!(
        "SELECT {} FROM employees e {} WHERE e.emp_no IN ({placeholders}) \
         ORDER BY e.emp_no, cd.from_date DESC",
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
    let mut records = assemble(db, kept, rows).await?;
    records.sort_by_key(|r| emp_nos.iter().position(|n| *n == r.card.emp_no));
    Ok(records)
}

/// One employee's record, if `reach` includes them, and whether `reach.manager` currently
/// manages a department they are currently in; in one statement whose text and work are the same
/// for an employee outside `reach` as for one that does not exist (no row either way).
const VISIBLE_RECORD: &str = concat!(
    "SELECT ",
    card_columns!(),
    ", (SELECT 1 FROM dept_manager dm
    JOIN dept_emp de ON de.dept_no = dm.dept_no AND de.emp_no = e.emp_no
        AND de.to_date = '9999-01-01'
    WHERE dm.emp_no = ? AND dm.to_date = '9999-01-01' LIMIT 1) AS managed
 FROM employees e",
    card_joins!(),
    "WHERE e.emp_no = ? AND (? OR e.emp_no = ? OR (? AND cd.dept_no IS NOT NULL))
 ORDER BY cd.from_date DESC"
);

/// The record of `emp_no` if `reach` includes them, and whether `reach.manager` manages them now.
/// `None` both when there is no such employee and when `reach` leaves them out.
pub async fn visible_record(
    db: &Db,
    kept: &Kept,
    reach: &Reach,
    emp_no: i32,
) -> sqlx::Result<Option<(Record, bool)>> {
    let rows: Vec<CardRow> = dispatch!(db, pool => {
        sqlx::query_as(VISIBLE_RECORD)
            .bind(reach.manager)
            .bind(emp_no)
            .bind(reach.everyone)
            .bind(reach.own)
            .bind(reach.current)
            .fetch_all(pool)
            .await?
    });
    let managed = rows.first().is_some_and(CardRow::managed);
    Ok(assemble(db, kept, rows)
        .await?
        .pop()
        .map(|record| (record, managed)))
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

const MANAGERS: &str = "SELECT dm.emp_no, e.first_name, e.last_name, dm.from_date, dm.to_date
FROM dept_manager dm JOIN employees e ON e.emp_no = dm.emp_no
WHERE dm.dept_no = ? ORDER BY dm.from_date DESC, dm.to_date DESC";

/// A department's managers, newest first.
pub async fn managers(db: &Db, dept_no: &str) -> sqlx::Result<Vec<ManagerSpell>> {
    dispatch!(db, pool => sqlx::query_as(MANAGERS).bind(dept_no).fetch_all(pool).await)
}

/// A department's managers, newest first, inside the caller's transaction.
pub async fn managers_in(tx: &mut Tx, dept_no: &str) -> sqlx::Result<Vec<ManagerSpell>> {
    dispatch!(&mut *tx, tx => sqlx::query_as(MANAGERS).bind(dept_no).fetch_all(&mut **tx).await)
}
