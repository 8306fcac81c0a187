//! The directory search: sort keys (last name, first name, emp_no) of the matching employees,
//! one page at a time after a keyset position (no OFFSET: rows added meanwhile neither repeat nor
//! skip a row).
//!
//! Without `q`, one query walks `employees_name_ix` in order, checks each filter with a
//! primary-key look-up, and LIMIT stops the walk. With a name prefix, each way `q` can match is a
//! branch that reads its own index in sort order (a page at most), and the database merges the
//! branches: no branch sorts more than a page, nothing scans the table (BENCHMARKS.md has the
//! plans and counts at test_db's scale). Which branches a prefix has is the probe's answer
//! (`plan`), kept by the service and checked against the version each page reads. A filter that
//! matches few rows is read first instead, from its own index (`drive`), and one that matches
//! nobody answers without a page statement.

use sqlx::QueryBuilder;

use super::{
    cards::{CardRow, assemble},
    conditions::{push_match, push_rest, push_revoked},
    drive::{self, Driver},
    kept::Kept,
    plan::{self, Branch, Plan},
    statement::{build_search, push_branch, push_driven},
    timeout::StatementTimeout,
};
use crate::{
    db::Db,
    dispatch,
    domain::{
        TokenRef,
        directory::{Needle, Record, Search, SortKey, Status},
    },
};

/// Where a search reads: the database, what the service keeps, each statement's time limit.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub db: &'a Db,
    pub kept: &'a Kept,
    pub timeout: StatementTimeout,
}

/// Which page of a search: after which row, how many rows, and the caller's token to check.
#[derive(Clone, Copy)]
pub struct Page<'a> {
    pub after: Option<&'a SortKey>,
    pub fetch: usize,
    pub token: Option<&'a TokenRef<'a>>,
}

/// Up to `fetch` employees matching `search` after `after`, in order, with their cards; and,
/// given a token, whether any row says that token's session is not live (an empty page says
/// nothing). What the search reads first is chosen by `drive`.
pub async fn find(
    source: Source<'_>,
    search: &Search,
    page: Page<'_>,
) -> sqlx::Result<(Vec<Record>, bool)> {
    let driver = drive::choose(source.db, source.kept, search, source.timeout).await?;
    find_by(source, search, driver, page).await
}

/// [`find`], reading first what `driver` says (the plan test and the equivalence test pick it).
///
/// A name prefix's plan comes from `kept` when it holds one, else from the probe. The page's
/// rows say which version of the directory they were read at: when it is not the plan's, or when a
/// kept plan found nothing, the plan is found out again and, if it changed, the page read again
/// (once: a second change meanwhile is a race that any two statements have).
pub async fn find_by(
    source: Source<'_>,
    search: &Search,
    driver: Driver,
    page: Page<'_>,
) -> sqlx::Result<(Vec<Record>, bool)> {
    if driver == Driver::Nothing {
        return Ok((Vec::new(), false));
    }
    let Some(Needle::Prefix(prefix)) = &search.needle else {
        let (records, revoked, _) = read(source, &Plan::Walk, driver, search, page).await?;
        return Ok((records, revoked));
    };
    let kept = source.kept;
    let (mut plan, mut version, mut was_kept) = match kept.plans.get(prefix) {
        Some((plan, version)) => (plan, version, true),
        None => {
            let (plan, version) =
                plan::probe(source.db, &kept.plans, prefix, source.timeout).await?;
            (plan, version, false)
        }
    };
    for attempt in 0..2 {
        if plan.branch_count() == 0 {
            break;
        }
        let (records, revoked, seen) = read(source, &plan, driver, search, page).await?;
        let stale = seen.map_or(was_kept, |seen| seen != version);
        if !stale || attempt == 1 {
            return Ok((records, revoked));
        }
        let (fresh, fresh_version) =
            plan::probe(source.db, &kept.plans, prefix, source.timeout).await?;
        if fresh == plan {
            // The names grew, but not where this prefix reads.
            return Ok((records, revoked));
        }
        (plan, version, was_kept) = (fresh, fresh_version, false);
    }
    Ok((Vec::new(), false))
}

/// One statement of `plan` read from `driver`: its records, whether the token was revoked, the
/// directory's version read (none on an empty page).
async fn read(
    source: Source<'_>,
    plan: &Plan,
    driver: Driver,
    search: &Search,
    page: Page<'_>,
) -> sqlx::Result<(Vec<Record>, bool, Option<i64>)> {
    let db = source.db;
    let mysql = matches!(db, Db::MySql(_));
    let (before, select) = source.timeout.head(db);
    let (after, fetch, token) = (page.after, page.fetch, page.token);
    let rows: Vec<CardRow> = dispatch!(db, pool => {
        let mut query = QueryBuilder::new(before);
        build_search!(query, mysql, select.as_str(), plan, &driver, search, after, fetch, token);
        query.build_query_as().fetch_all(pool).await?
    });
    let revoked = rows.iter().any(CardRow::revoked);
    let version = rows.first().map(CardRow::directory_version);
    Ok((assemble(db, source.kept, rows).await?, revoked, version))
}

/// `EXPLAIN` of the page statement [`find`] runs, on MySQL/MariaDB (the plan test reads it); none
/// when the search reads nothing.
pub async fn explain(
    pool: &sqlx::MySqlPool,
    kept: &Kept,
    plan: &Plan,
    search: &Search,
    after: Option<&SortKey>,
    fetch: usize,
) -> sqlx::Result<Vec<sqlx::mysql::MySqlRow>> {
    let db = Db::MySql(pool.clone());
    let driver = drive::choose(&db, kept, search, StatementTimeout::default()).await?;
    if *plan == Plan::Branches(Vec::new()) || driver == Driver::Nothing {
        return Ok(Vec::new());
    }
    let mut query = QueryBuilder::<sqlx::MySql>::new("EXPLAIN ");
    build_search!(
        query, true, "SELECT", plan, &driver, search, after, fetch, None
    );
    query.build().fetch_all(pool).await
}
