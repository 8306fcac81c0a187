//! The directory search: sort keys (last name, first name, emp_no) of the matching employees,
//! one page at a time after a keyset position (no OFFSET: rows added meanwhile neither repeat nor
//! skip a row).
//!
//! Without `q`, one query walks `employees_name_ix` in order, checks each filter with a
//! primary-key look-up, and LIMIT stops the walk. With a name prefix, each way `q` can match is a
//! branch that reads its own index in sort order (a page at most), and the database merges the
//! branches: no branch sorts more than a page, nothing scans the table (BENCHMARKS.md has the
//! plans and counts at test_db's scale).

use sqlx::QueryBuilder;

use super::{CardRow, first_per_employee};
use crate::{
    db::Db,
    dispatch,
    domain::directory::{Needle, Record, Search, SortKey, Status},
};

/// First names matching a prefix up to which each gets its own branch (an index range in sort
/// order); beyond it one branch walks the name index instead.
const MAX_FIRST_NAMES: usize = 20;

/// A LIKE pattern for `text` taken literally (`!` escapes), with `%` appended for a prefix.
fn like(text: &str, prefix: bool) -> String {
    let mut pattern = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if matches!(c, '!' | '%' | '_') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    if prefix {
        pattern.push('%');
    }
    pattern
}

/// One way a name prefix can match. `|| ''` hides a column from the optimizer, so that the
/// branch walks the name index in order instead of reading (and sorting) a huge range.
///
/// Emails: a default one (`first.last.empno@gmail.com`, see `email_custom`) that starts with a
/// prefix without a dot has a first name that starts with it, which the first-name branches find;
/// with a dot, its first name is the part before it (`DefaultEmail`, in name order too). Only the
/// few other emails are read from the email index (`CustomEmail`) and sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Branch {
    LastName(String),
    FirstName(String),
    FirstNameWalk(String),
    FullName { first: String, last: String },
    DefaultEmail { first: String, email: String },
    CustomEmail(String),
}

/// What the probe found out about a prefix, in one round trip.
#[derive(sqlx::FromRow)]
struct ProbeRow {
    kind: i64,
    value: Option<String>,
}

/// The branches of a name prefix: which first names it starts, and which stored first names the
/// parts before a space or an email's first dot are.
async fn branches(db: &Db, prefix: &str) -> sqlx::Result<Vec<Branch>> {
    let mut exact: Vec<(&str, Option<&str>)> = prefix
        .match_indices(' ')
        .map(|(i, _)| (&prefix[..i], Some(&prefix[i + 1..])))
        .filter(|(first, last)| !first.is_empty() && last.is_some_and(|l| !l.is_empty()))
        .take(3)
        .collect();
    let email_first = prefix
        .split_once('.')
        .map(|(first, _)| first)
        .filter(|first| !first.is_empty() && !first.contains('@'));
    if let Some(first) = email_first {
        exact.push((first, None));
    }
    let equals = match db {
        Db::MySql(_) => "e.first_name = ",
        Db::Sqlite(_) => "e.first_name COLLATE NOCASE = ",
    };
    let rows: Vec<ProbeRow> = dispatch!(db, pool => {
        let mut query = QueryBuilder::new(
            "SELECT 1 AS kind, first_name AS value FROM (SELECT DISTINCT e.first_name FROM employees e \
             WHERE e.first_name LIKE ",
        );
        // MariaDB skips from name to name through the index (a look-up per distinct first name).
        // Re-executing the cached statement, it sometimes reads the range row by row instead:
        // every row of the names matched, 6k at full scale for a common name (plans.rs).
        query
            .push_bind(like(prefix, true))
            .push(" ESCAPE '!') f UNION ALL SELECT 10, CAST(COUNT(*) AS CHAR) FROM (SELECT 1 AS one FROM employees e WHERE e.last_name LIKE ")
            .push_bind(like(prefix, true))
            .push(" ESCAPE '!' LIMIT 1) l UNION ALL SELECT 11, CAST(COUNT(*) AS CHAR) FROM (SELECT 1 AS one FROM employees e WHERE e.email_custom = 1 AND e.email LIKE ")
            .push_bind(like(prefix, true))
            .push(" ESCAPE '!' LIMIT 1) c");
        for (i, (first, _)) in exact.iter().enumerate() {
            // Equality, case-insensitive on both (MariaDB's collation; NOCASE on SQLite): a LIKE
            // without a wildcard, or DISTINCT, can make MariaDB skip through every first name.
            // One row: the stored spelling (test_db spells each first name one way).
            query
                .push(format!(" UNION ALL SELECT {}, first_name FROM (SELECT e.first_name FROM employees e WHERE {equals}", 2 + i))
                .push_bind((*first).to_owned())
                .push(format!(" LIMIT 1) s{i}"));
        }
        query.build_query_as().fetch_all(pool).await?
    });
    // Branches that the probe found empty are left out: most prefixes need one, which then runs
    // without a UNION.
    let found = |kind: i64| {
        rows.iter()
            .any(|row| row.kind == kind && row.value.as_deref().is_some_and(|v| v != "0"))
    };
    let mut branches = Vec::new();
    if found(10) {
        branches.push(Branch::LastName(like(prefix, true)));
    }
    if found(11) {
        branches.push(Branch::CustomEmail(like(prefix, true)));
    }
    let first_names: Vec<String> = rows
        .iter()
        .filter(|row| row.kind == 1)
        .filter_map(|row| row.value.clone())
        .collect();
    if first_names.len() > MAX_FIRST_NAMES {
        branches.push(Branch::FirstNameWalk(like(prefix, true)));
    } else {
        branches.extend(first_names.into_iter().map(Branch::FirstName));
    }
    for row in rows.iter().filter(|row| (2..10).contains(&row.kind)) {
        let (Some(first), Some((_, last))) = (&row.value, exact.get(row.kind as usize - 2)) else {
            continue;
        };
        branches.push(match last {
            Some(last) => Branch::FullName {
                first: first.clone(),
                last: like(last, true),
            },
            None => Branch::DefaultEmail {
                first: first.clone(),
                email: like(prefix, true),
            },
        });
    }
    Ok(branches)
}

/// With a token id: a column that says whether that token was revoked, so that a search checks
/// its caller's token in its own statement (one round trip, as `/users/me` does).
macro_rules! push_revoked {
    ($query:expr, $jti:expr) => {{
        let jti: Option<&str> = $jti;
        if let Some(jti) = jti {
            $query
                .push(", (SELECT 1 FROM revoked_tokens r WHERE r.jti = ")
                .push_bind(jti.to_owned())
                .push(") AS revoked");
        }
    }};
}

/// Appends one branch: its own condition, the search's filters, the keyset position, its order.
///
/// `direct`: the statement selects the cards itself, and the status filter uses the joined
/// current department (`cd`); otherwise it selects sort keys for a UNION, and checks them with
/// look-ups. (The department stays a look-up either way: `cd.dept_no = ?` lets MariaDB drive
/// from dept_emp and sort a whole department, 387k rows read at full scale.)
macro_rules! push_branch {
    ($query:expr, $branch:expr, $search:expr, $after:expr, $fetch:expr, $direct:expr, $jti:expr) => {{
        let query = &mut $query;
        let search: &Search = $search;
        let direct: bool = $direct;
        if direct {
            query.push(concat!("SELECT ", super::card_columns!()));
            push_revoked!(*query, $jti);
            query.push(concat!(
                " FROM employees e",
                super::card_joins!(),
                "WHERE 1 = 1"
            ));
        } else {
            query.push("SELECT e.last_name, e.first_name, e.emp_no FROM employees e WHERE 1 = 1");
        }
        let filtered_by_department = search.department.is_some();
        match $branch {
            None => {}
            Some(Branch::LastName(pattern)) => {
                query
                    .push(" AND e.last_name LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '!'");
            }
            Some(Branch::FirstName(name)) => {
                query.push(" AND e.first_name = ").push_bind(name.clone());
            }
            Some(Branch::FirstNameWalk(pattern)) => {
                query
                    .push(" AND (e.first_name || '') LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '!'");
            }
            Some(Branch::FullName { first, last }) => {
                query
                    .push(" AND e.first_name = ")
                    .push_bind(first.clone())
                    .push(" AND e.last_name LIKE ")
                    .push_bind(last.clone())
                    .push(" ESCAPE '!'");
            }
            Some(Branch::DefaultEmail { first, email }) => {
                // `first.last…`: the last name starts with what follows the dot, up to the next
                // dot or `@` (the email itself is still compared whole).
                let after_dot = email.split_once('.').map_or("", |(_, rest)| rest);
                let last: String = after_dot
                    .chars()
                    .take_while(|c| !matches!(c, '.' | '@' | '%'))
                    .collect();
                query.push(" AND e.first_name = ").push_bind(first.clone());
                if !last.is_empty() && !last.contains('!') {
                    query
                        .push(" AND e.last_name LIKE ")
                        .push_bind(format!("{last}%"))
                        .push(" ESCAPE '!'");
                }
                query
                    .push(" AND e.email LIKE ")
                    .push_bind(email.clone())
                    .push(" ESCAPE '!'");
            }
            Some(Branch::CustomEmail(pattern)) => {
                query
                    .push(" AND e.email_custom = 1 AND e.email LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '!'");
            }
        }
        if let Some(Needle::EmpNo(emp_no)) = &search.needle {
            query.push(" AND e.emp_no = ").push_bind(*emp_no);
        }
        // Filters are scalar sub-queries, not EXISTS: MariaDB turns EXISTS into a semi-join that
        // drives from dept_emp and sorts a whole department; a scalar sub-query is checked per row
        // (a primary-key look-up) while the name index is walked in order, and LIMIT stops it.
        if let Some(dept_no) = &search.department {
            query
                .push(
                    " AND (SELECT de.dept_no FROM dept_emp de WHERE de.emp_no = e.emp_no \
                     AND de.to_date = '9999-01-01' AND de.dept_no = ",
                )
                .push_bind(dept_no.clone())
                .push(" LIMIT 1) IS NOT NULL");
        }
        if let Some(title) = &search.title {
            query
                .push(
                    " AND (SELECT t.title FROM titles t WHERE t.emp_no = e.emp_no \
                     AND t.to_date = '9999-01-01' AND t.title = ",
                )
                .push_bind(title.clone())
                .push(" LIMIT 1) IS NOT NULL");
        }
        if let Some(from) = search.hired_from {
            query.push(" AND e.hire_date >= ").push_bind(from);
        }
        if let Some(to) = search.hired_to {
            query.push(" AND e.hire_date <= ").push_bind(to);
        }
        const CURRENT: &str = " AND (SELECT c.dept_no FROM dept_emp c WHERE c.emp_no = e.emp_no \
                               AND c.to_date = '9999-01-01' LIMIT 1)";
        match search.status {
            // A current department is a current employee: no second look-up.
            Status::Current if filtered_by_department => {}
            Status::Current if direct => {
                query.push(" AND cd.dept_no IS NOT NULL");
            }
            Status::Former if direct => {
                query.push(" AND cd.dept_no IS NULL");
            }
            Status::Current => {
                query.push(CURRENT).push(" IS NOT NULL");
            }
            Status::Former => {
                query.push(CURRENT).push(" IS NULL");
            }
            Status::All => {}
        }
        if let Some(after) = $after {
            let after: &SortKey = after;
            // Spelt out rather than as a row comparison, which MariaDB does not turn into a range.
            query
                .push(" AND (e.last_name > ")
                .push_bind(after.last_name.clone())
                .push(" OR (e.last_name = ")
                .push_bind(after.last_name.clone())
                .push(" AND (e.first_name > ")
                .push_bind(after.first_name.clone())
                .push(" OR (e.first_name = ")
                .push_bind(after.first_name.clone())
                .push(" AND e.emp_no > ")
                .push_bind(after.emp_no)
                .push("))))");
        }
        query
            .push(" ORDER BY e.last_name, e.first_name, e.emp_no LIMIT ")
            .push_bind($fetch as i64);
    }};
}

/// The statement of a search. One walk or one branch selects its cards directly, in index order,
/// and LIMIT stops it (an employee with two current rows takes two of the rows fetched: the page
/// is one shorter, never wrong). Several branches are merged by a UNION of their sort keys, then
/// the page's cards are joined (look-ups for at most a page of rows).
macro_rules! build_search {
    ($query:expr, $plan:expr, $search:expr, $after:expr, $fetch:expr, $jti:expr) => {{
        let query = &mut $query;
        match $plan {
            Plan::Walk => push_branch!(*query, None::<&Branch>, $search, $after, $fetch, true, $jti),
            Plan::Branches(branches) if branches.len() == 1 => {
                push_branch!(*query, branches.first(), $search, $after, $fetch, true, $jti)
            }
            Plan::Branches(branches) => {
                query.push(concat!("SELECT ", super::card_columns!()));
                push_revoked!(*query, $jti);
                query.push(" FROM (");
                for (i, branch) in branches.iter().enumerate() {
                    if i > 0 {
                        query.push(" UNION ");
                    }
                    query.push("SELECT * FROM (");
                    push_branch!(*query, Some(branch), $search, $after, $fetch, false, None::<&str>);
                    query.push(format!(") b{i}"));
                }
                query
                    .push(" ORDER BY last_name, first_name, emp_no LIMIT ")
                    .push_bind($fetch as i64);
                query.push(concat!(
                    ") k JOIN employees e ON e.emp_no = k.emp_no",
                    super::card_joins!(),
                    "ORDER BY k.last_name, k.first_name, k.emp_no, cd.from_date DESC, dm.from_date DESC"
                ));
            }
        }
    }};
}

/// How a search reads: one walk of the name index, or the branches of a name prefix (none when
/// the probe found that nothing can match).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    Walk,
    Branches(Vec<Branch>),
}

impl Plan {
    pub fn branch_count(&self) -> usize {
        match self {
            Plan::Walk => 0,
            Plan::Branches(branches) => branches.len(),
        }
    }
}

/// The plan of `search`.
pub async fn plan(db: &Db, search: &Search) -> sqlx::Result<Plan> {
    match &search.needle {
        Some(Needle::Prefix(prefix)) => Ok(Plan::Branches(branches(db, prefix).await?)),
        _ => Ok(Plan::Walk),
    }
}

/// Up to `fetch` employees matching `search` after `after`, in order, with their cards; and,
/// given a token id, whether any row says that token was revoked (an empty page says nothing).
pub async fn find(
    db: &Db,
    search: &Search,
    after: Option<&SortKey>,
    fetch: usize,
    jti: Option<&str>,
) -> sqlx::Result<(Vec<Record>, bool)> {
    let plan = plan(db, search).await?;
    if plan == Plan::Branches(Vec::new()) {
        return Ok((Vec::new(), false));
    }
    let rows: Vec<CardRow> = dispatch!(db, pool => {
        let mut query = QueryBuilder::new("");
        build_search!(query, &plan, search, after, fetch, jti);
        query.build_query_as().fetch_all(pool).await?
    });
    let revoked = rows.iter().any(CardRow::revoked);
    Ok((first_per_employee(rows), revoked))
}

/// `EXPLAIN` of the statement [`find`] runs, on MySQL/MariaDB (the plan test reads it).
pub async fn explain(
    pool: &sqlx::MySqlPool,
    plan: &Plan,
    search: &Search,
    after: Option<&SortKey>,
    fetch: usize,
) -> sqlx::Result<Vec<sqlx::mysql::MySqlRow>> {
    if *plan == Plan::Branches(Vec::new()) {
        return Ok(Vec::new());
    }
    let mut query = QueryBuilder::<sqlx::MySql>::new("EXPLAIN ");
    build_search!(query, plan, search, after, fetch, None);
    query.build().fetch_all(pool).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn wildcards_are_literal() {
        assert_eq!(super::like("a%b_c!", true), "a!%b!_c!!%");
        assert_eq!(super::like("a b", false), "a b");
    }
}
