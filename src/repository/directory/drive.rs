//! Which index a filtered search reads first. From the name index (a walk, or a name prefix's
//! branches) each filter is checked per row and LIMIT stops the read after a page: cheap when the
//! filters match many, a walk of all 300k entries when they match almost nobody (a title held by
//! nine, a department that does not exist). So a filter that matches at most [`DRIVE_AT_MOST`]
//! rows drives the search instead: its own index range is read whole, every other condition is
//! checked per row, and at most that many rows are sorted. Either way a page costs at most about
//! `DRIVE_AT_MOST` rows, or `page × employees ÷ DRIVE_AT_MOST` walked.
//!
//! How many a filter matches: a department's headcount from what the service keeps (an unknown
//! department is looked up by its key, never searched for), and a title's current holders and a
//! hire-date range's employees counted in their own indexes up to the bound, in one statement.
//! Nothing matching answers the search at once. Both ways of reading give the same rows: a count
//! that went stale since only costs time, never a wrong answer.
//!
//! Not bounded: two filters that each match many while matching few together (a department and a
//! title that rarely meet) still walk; the statement time limit and the per-caller share of
//! searches bound what that costs others.

use sqlx::QueryBuilder;

use super::{kept::Kept, timeout::StatementTimeout};
use crate::{
    db::Db,
    dispatch,
    domain::directory::{Needle, Search},
};

/// The most rows a filter may match to drive a search. Above it the name index is walked, which
/// then finds a page within about `21 × 300k ÷ 2,000 ≈ 3,000` rows at test_db's scale.
pub const DRIVE_AT_MOST: i64 = 2_000;

/// What a search reads first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// The name index or a prefix's branches, in sort order.
    Names,
    /// The current staff of the department (`dept_emp_dept_current_ix`).
    Department,
    /// The current holders of the title (`titles_title_current_ix`).
    Title,
    /// The employees hired in the range (`employees_hire_date_ix`).
    HireDate,
    /// Nothing: a filter matches nobody, so the page is empty without a read.
    Nothing,
}

/// The driver of `search`, from what it filters on.
pub async fn choose(
    db: &Db,
    kept: &Kept,
    search: &Search,
    timeout: StatementTimeout,
) -> sqlx::Result<Driver> {
    // An emp_no is a primary-key look-up whatever else is asked.
    if matches!(search.needle, Some(Needle::EmpNo(_))) {
        return Ok(Driver::Names);
    }
    let mut sizes: Vec<(Driver, i64)> = Vec::new();
    if let Some(dept_no) = &search.department {
        match headcount(db, kept, dept_no).await? {
            Some(headcount) => sizes.push((Driver::Department, headcount)),
            None => return Ok(Driver::Nothing),
        }
    }
    let hired = search.hired_from.is_some() || search.hired_to.is_some();
    if search.title.is_some() || hired {
        for (driver, count) in counts(db, search, timeout).await? {
            if count == 0 {
                return Ok(Driver::Nothing);
            }
            sizes.push((driver, count));
        }
    }
    Ok(sizes
        .into_iter()
        .min_by_key(|(_, size)| *size)
        .filter(|(_, size)| *size <= DRIVE_AT_MOST)
        .map_or(Driver::Names, |(driver, _)| driver))
}

/// A department's current headcount: kept with its name (nine departments), else read by its key;
/// `None` when there is no such department.
async fn headcount(db: &Db, kept: &Kept, dept_no: &str) -> sqlx::Result<Option<i64>> {
    if let Some((head, _)) = kept.departments.get(dept_no) {
        return Ok(Some(head.headcount));
    }
    dispatch!(db, pool => {
        sqlx::query_scalar(
            "SELECT COALESCE(f.headcount, 0) FROM departments d
             LEFT JOIN department_figures f ON f.dept_no = d.dept_no WHERE d.dept_no = ?",
        )
        .bind(dept_no)
        .fetch_optional(pool)
        .await
    })
}

#[derive(sqlx::FromRow)]
struct CountRow {
    kind: i64,
    n: i64,
}

/// How many current holders the title has and how many employees the hire-date range holds, each
/// counted in its own index up to one more than [`DRIVE_AT_MOST`].
async fn counts(
    db: &Db,
    search: &Search,
    timeout: StatementTimeout,
) -> sqlx::Result<Vec<(Driver, i64)>> {
    let (before, select) = timeout.head(db);
    let hire_index = match db {
        Db::MySql(_) => "FORCE INDEX (employees_hire_date_ix)",
        Db::Sqlite(_) => "INDEXED BY employees_hire_date_ix",
    };
    let rows: Vec<CountRow> = dispatch!(db, pool => {
        let mut query = QueryBuilder::new(before);
        let mut first = true;
        let mut part = |query: &mut QueryBuilder<_>, kind: i64| {
            if first {
                query.push(format!("{select} {kind} AS kind, COUNT(*) AS n FROM (SELECT 1 AS one FROM "));
            } else {
                query.push(format!(" UNION ALL SELECT {kind}, COUNT(*) FROM (SELECT 1 AS one FROM "));
            }
            first = false;
        };
        if let Some(title) = &search.title {
            part(&mut query, 1);
            query
                .push("titles t WHERE t.title = ")
                .push_bind(title.clone())
                .push(" AND t.to_date = '9999-01-01' LIMIT ")
                .push_bind(DRIVE_AT_MOST + 1)
                .push(") c1");
        }
        if search.hired_from.is_some() || search.hired_to.is_some() {
            part(&mut query, 2);
            query.push(format!("employees e {hire_index} WHERE 1 = 1"));
            if let Some(from) = search.hired_from {
                query.push(" AND e.hire_date >= ").push_bind(from);
            }
            if let Some(to) = search.hired_to {
                query.push(" AND e.hire_date <= ").push_bind(to);
            }
            query.push(" LIMIT ").push_bind(DRIVE_AT_MOST + 1).push(") c2");
        }
        query.build_query_as().fetch_all(pool).await?
    });
    Ok(rows
        .into_iter()
        .map(|row| {
            let driver = if row.kind == 1 {
                Driver::Title
            } else {
                Driver::HireDate
            };
            (driver, row.n)
        })
        .collect())
}
