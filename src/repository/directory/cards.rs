//! Cards and records from their rows: the employee, their current department and title, and the
//! department's name and current manager from what the service keeps (`kept`).

use chrono::NaiveDate;

use super::kept::{DepartmentHead, Kept};
use crate::{
    db::{Db, Tx},
    dispatch,
    domain::directory::{Card, DeptRef, PersonRef, Record},
};

/// The columns of a card and record: the employee, their current department and title, and the
/// directory's version, at which the department's name and manager are taken from what the
/// service keeps (`kept`; nine departments, where joining them cost three look-ups a row). An
/// employee with two current dept_emp rows (test_db allows it) gives several rows, which the
/// statements order newest first; the first wins.
macro_rules! card_columns {
    () => {
        "e.emp_no, e.first_name, e.last_name, e.email, e.hire_date, e.birth_date, e.gender,
       cd.dept_no, ct.title,
       (SELECT v.version FROM directory_version v WHERE v.id = 1) AS directory_version"
    };
}
pub(crate) use card_columns;

/// The joins behind [`card_columns`], after `employees e`: primary-key look-ups. test_db has at
/// most one current title per employee; should there be two, the rows are deduplicated the same.
macro_rules! card_joins {
    () => {
        " LEFT JOIN dept_emp cd ON cd.emp_no = e.emp_no AND cd.to_date = '9999-01-01'
LEFT JOIN titles ct ON ct.emp_no = e.emp_no AND ct.to_date = '9999-01-01' "
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
    title: Option<String>,
    directory_version: i64,
    /// Set by a search that checks its caller's token (`search::find`).
    #[sqlx(default)]
    revoked: Option<i64>,
    /// Set by the look-up of one employee for a manager (`directory::visible_record`): the
    /// caller manages the employee's current department.
    #[sqlx(default)]
    managed: Option<i64>,
}

impl CardRow {
    pub(crate) fn managed(&self) -> bool {
        self.managed.is_some()
    }

    pub(crate) fn revoked(&self) -> bool {
        self.revoked.is_some()
    }

    pub(crate) fn directory_version(&self) -> i64 {
        self.directory_version
    }

    fn into_record(self, head: Option<DepartmentHead>) -> Record {
        let (department, manager) =
            head.map_or((None, None), |head| (Some(head.department), head.manager));
        Record {
            card: Card {
                emp_no: self.emp_no,
                first_name: self.first_name,
                last_name: self.last_name,
                email: self.email,
                active: self.dept_no.is_some(),
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

/// The records of `rows`, the first row of each employee (the newest current department), with
/// their departments' names and managers at the rows' version: from `kept`, read again when
/// `kept` holds another version.
pub(crate) async fn assemble(
    db: &Db,
    kept: &Kept,
    rows: Vec<CardRow>,
) -> sqlx::Result<Vec<Record>> {
    let firsts = firsts(rows);
    if !heads_known(kept, &firsts) {
        let rows: Vec<HeadRow> = dispatch!(db, pool => {
            sqlx::query_as(HEADS).fetch_all(pool).await?
        });
        keep_heads(kept, rows);
    }
    Ok(build(kept, firsts))
}

fn firsts(rows: Vec<CardRow>) -> Vec<CardRow> {
    let mut firsts: Vec<CardRow> = Vec::with_capacity(rows.len());
    for row in rows {
        if firsts.last().is_none_or(|last| last.emp_no != row.emp_no) {
            firsts.push(row);
        }
    }
    firsts
}

/// Whether `kept` holds, at the rows' version, the department of every row.
fn heads_known(kept: &Kept, firsts: &[CardRow]) -> bool {
    let Some(version) = firsts.first().map(CardRow::directory_version) else {
        return true;
    };
    firsts.iter().all(|row| {
        row.dept_no
            .as_deref()
            .is_none_or(|dept_no| kept.departments.at(dept_no, version).is_some())
    })
}

fn build(kept: &Kept, firsts: Vec<CardRow>) -> Vec<Record> {
    firsts
        .into_iter()
        .map(|row| {
            let head = row
                .dept_no
                .as_deref()
                .and_then(|dept_no| kept.departments.get(dept_no))
                .map(|(head, _)| head);
            row.into_record(head)
        })
        .collect()
}

/// An employee's full record as the caller's transaction sees it (a change's answer, kept with it
/// for `Idempotency-Key` retries).
pub async fn record_in(tx: &mut Tx, kept: &Kept, emp_no: i32) -> sqlx::Result<Option<Record>> {
    const RECORD: &str = concat!(
        "SELECT ",
        card_columns!(),
        " FROM employees e",
        card_joins!(),
        "WHERE e.emp_no = ? ORDER BY cd.from_date DESC"
    );
    let rows: Vec<CardRow> = dispatch!(&mut *tx, tx => {
        sqlx::query_as(RECORD).bind(emp_no).fetch_all(&mut **tx).await?
    });
    let firsts = firsts(rows);
    // On the transaction's own connection: a second one from the pool, while this one holds
    // its locks, could wait for connections that wait for those locks.
    if !heads_known(kept, &firsts) {
        let rows: Vec<HeadRow> = dispatch!(&mut *tx, tx => {
            sqlx::query_as(HEADS).fetch_all(&mut **tx).await?
        });
        keep_heads(kept, rows);
    }
    Ok(build(kept, firsts).into_iter().next())
}

#[derive(sqlx::FromRow)]
struct HeadRow {
    dept_no: String,
    dept_name: String,
    manager_emp_no: Option<i32>,
    manager_first_name: Option<String>,
    manager_last_name: Option<String>,
    manager_email: Option<String>,
    headcount: i64,
    directory_version: i64,
}

/// Every department with its current manager (the newest, should there be two), its headcount,
/// and the directory's version they were read at.
const HEADS: &str = "SELECT d.dept_no, d.dept_name, m.emp_no AS manager_emp_no,
        m.first_name AS manager_first_name, m.last_name AS manager_last_name,
        m.email AS manager_email, COALESCE(f.headcount, 0) AS headcount,
        (SELECT v.version FROM directory_version v WHERE v.id = 1) AS directory_version
 FROM departments d
 LEFT JOIN dept_manager dm ON dm.dept_no = d.dept_no AND dm.to_date = '9999-01-01'
 LEFT JOIN employees m ON m.emp_no = dm.emp_no
 LEFT JOIN department_figures f ON f.dept_no = d.dept_no
 ORDER BY d.dept_no, dm.from_date DESC";

/// Keeps the heads of [`HEADS`]' rows at the version they were read at.
fn keep_heads(kept: &Kept, rows: Vec<HeadRow>) {
    let version = rows.first().map_or(0, |row| row.directory_version);
    let mut heads: Vec<(String, DepartmentHead)> = Vec::with_capacity(rows.len());
    for row in rows {
        if heads
            .last()
            .is_some_and(|(dept_no, _)| *dept_no == row.dept_no)
        {
            continue;
        }
        let manager = PersonRef::from_columns(
            row.manager_emp_no,
            row.manager_first_name,
            row.manager_last_name,
            row.manager_email,
        );
        let department = DeptRef {
            dept_no: row.dept_no.clone(),
            dept_name: row.dept_name,
        };
        heads.push((
            row.dept_no,
            DepartmentHead {
                department,
                manager,
                headcount: row.headcount,
            },
        ));
    }
    kept.departments.keep(heads, version);
}
