//! The directory search: sort keys (last name, first name, emp_no) of the matching employees,
//! one page at a time after a keyset position (no OFFSET: rows added meanwhile neither repeat nor
//! skip a row).
//!
//! Without `q`, one query walks `employees_name_ix` in order, checks each filter with a
//! primary-key look-up, and LIMIT stops the walk. With a name prefix, each way `q` can match is a
//! branch that reads its own index in sort order (a page at most), and the database merges the
//! branches: no branch sorts more than a page, nothing scans the table (BENCHMARKS.md has the
//! plans and counts at test_db's scale). Which branches a prefix has is the probe's answer
//! (`plan`), kept by the service and checked against the version each page reads.

use sqlx::QueryBuilder;

use super::{
    cards::{CardRow, assemble},
    kept::Kept,
    plan::{self, Branch, Plan},
};
use crate::{
    db::Db,
    dispatch,
    domain::{
        TokenRef,
        directory::{Needle, Record, Search, SortKey, Status},
    },
};

/// With a token: a column that says whether its session is not live (ended, idle too long, past
/// its absolute end), so that a search checks its caller's token in its own statement (one round
/// trip, as `/users/me` does).
macro_rules! push_revoked {
    ($query:expr, $token:expr) => {{
        let token: Option<&TokenRef<'_>> = $token;
        if let Some(token) = token {
            $query
                .push(", CASE WHEN NOT EXISTS (SELECT 1 FROM sessions s WHERE s.sid = ")
                .push_bind(token.sid.to_owned())
                .push(" AND s.emp_no = ")
                .push_bind(token.emp_no)
                .push(" AND s.live_until > ")
                .push_bind(token.now)
                .push(") THEN 1 END AS revoked");
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
            query.push(concat!("SELECT ", super::cards::card_columns!()));
            push_revoked!(*query, $jti);
            query.push(concat!(
                " FROM employees e",
                super::cards::card_joins!(),
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
            Plan::Walk => {
                push_branch!(*query, None::<&Branch>, $search, $after, $fetch, true, $jti)
            }
            Plan::Branches(branches) if branches.len() == 1 => {
                push_branch!(
                    *query,
                    branches.first(),
                    $search,
                    $after,
                    $fetch,
                    true,
                    $jti
                )
            }
            Plan::Branches(branches) => {
                query.push(concat!("SELECT ", super::cards::card_columns!()));
                push_revoked!(*query, $jti);
                query.push(" FROM (");
                for (i, branch) in branches.iter().enumerate() {
                    if i > 0 {
                        query.push(" UNION ");
                    }
                    query.push("SELECT * FROM (");
                    push_branch!(
                        *query,
                        Some(branch),
                        $search,
                        $after,
                        $fetch,
                        false,
                        None::<&TokenRef<'_>>
                    );
                    query.push(format!(") b{i}"));
                }
                query
                    .push(" ORDER BY last_name, first_name, emp_no LIMIT ")
                    .push_bind($fetch as i64);
                query.push(concat!(
                    ") k JOIN employees e ON e.emp_no = k.emp_no",
                    super::cards::card_joins!(),
                    "ORDER BY k.last_name, k.first_name, k.emp_no, cd.from_date DESC"
                ));
            }
        }
    }};
}

/// Up to `fetch` employees matching `search` after `after`, in order, with their cards; and,
/// given a token id, whether any row says that token was revoked (an empty page says nothing).
///
/// A name prefix's plan comes from `kept` when it holds one, else from the probe. The page's
/// rows say which version of the directory they were read at: when it is not the plan's, or when a
/// kept plan found nothing, the plan is found out again and, if it changed, the page read again
/// (once: a second change meanwhile is a race that any two statements have).
pub async fn find(
    db: &Db,
    kept: &Kept,
    search: &Search,
    after: Option<&SortKey>,
    fetch: usize,
    token: Option<&TokenRef<'_>>,
) -> sqlx::Result<(Vec<Record>, bool)> {
    let Some(Needle::Prefix(prefix)) = &search.needle else {
        let (records, revoked, _) =
            page(db, kept, &Plan::Walk, search, after, fetch, token).await?;
        return Ok((records, revoked));
    };
    let (mut plan, mut version, mut was_kept) = match kept.plans.get(prefix) {
        Some((plan, version)) => (plan, version, true),
        None => {
            let (plan, version) = plan::probe(db, &kept.plans, prefix).await?;
            (plan, version, false)
        }
    };
    for attempt in 0..2 {
        if plan.branch_count() == 0 {
            break;
        }
        let (records, revoked, seen) = page(db, kept, &plan, search, after, fetch, token).await?;
        let stale = seen.map_or(was_kept, |seen| seen != version);
        if !stale || attempt == 1 {
            return Ok((records, revoked));
        }
        let (fresh, fresh_version) = plan::probe(db, &kept.plans, prefix).await?;
        if fresh == plan {
            // The names grew, but not where this prefix reads.
            return Ok((records, revoked));
        }
        (plan, version, was_kept) = (fresh, fresh_version, false);
    }
    Ok((Vec::new(), false))
}

/// One statement of `plan`: its records, whether the token was revoked, the directory's version
/// read (none on an empty page).
async fn page(
    db: &Db,
    kept: &Kept,
    plan: &Plan,
    search: &Search,
    after: Option<&SortKey>,
    fetch: usize,
    token: Option<&TokenRef<'_>>,
) -> sqlx::Result<(Vec<Record>, bool, Option<i64>)> {
    let rows: Vec<CardRow> = dispatch!(db, pool => {
        let mut query = QueryBuilder::new("");
        build_search!(query, plan, search, after, fetch, token);
        query.build_query_as().fetch_all(pool).await?
    });
    let revoked = rows.iter().any(CardRow::revoked);
    let version = rows.first().map(CardRow::directory_version);
    Ok((assemble(db, kept, rows).await?, revoked, version))
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
