//! How a search reads: a walk of the name index, or the branches of a name prefix, which one
//! probe statement finds out (which first names the prefix starts, whether any last name or
//! custom email does); the service keeps what it found out (`kept`).

use sqlx::QueryBuilder;

use super::{kept::Versioned, timeout::StatementTimeout};
use crate::{
    db::Db,
    dispatch,
    domain::directory::{Needle, Search},
};

/// First names matching a prefix up to which each gets its own branch (an index range in sort
/// order); beyond it one branch walks the name index instead.
const MAX_FIRST_NAMES: usize = 20;

/// A LIKE pattern for `text` taken literally (`!` escapes), with `%` appended for a prefix.
pub(super) fn like(text: &str, prefix: bool) -> String {
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

/// One way a name prefix can match (its condition: `statement::push_match`).
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

/// The branches of a name prefix — which first names it starts, and which stored first names the
/// parts before a space or an email's first dot are — and the names' version they hold for.
async fn branches(
    db: &Db,
    prefix: &str,
    timeout: StatementTimeout,
) -> sqlx::Result<(Vec<Branch>, i64)> {
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
    let (before, select) = timeout.head(db);
    let rows: Vec<ProbeRow> = dispatch!(db, pool => {
        // The first names from their own small table (`names`): a range of a few rows.
        let mut query = QueryBuilder::new(before);
        query
            .push(format!("{select} 1 AS kind, n.first_name AS value FROM first_names n WHERE n.first_name LIKE "))
            .push_bind(like(prefix, true))
            .push(" ESCAPE '!' UNION ALL SELECT 10, CAST(COUNT(*) AS CHAR) FROM (SELECT 1 AS one FROM employees e WHERE e.last_name LIKE ")
            .push_bind(like(prefix, true))
            .push(" ESCAPE '!' LIMIT 1) l UNION ALL SELECT 11, CAST(COUNT(*) AS CHAR) FROM (SELECT 1 AS one FROM employees e WHERE e.email_custom = 1 AND e.email LIKE ")
            .push_bind(like(prefix, true))
            .push(" ESCAPE '!' LIMIT 1) c UNION ALL SELECT 12, CAST(version AS CHAR) FROM directory_version WHERE id = 1");
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
    let version = rows
        .iter()
        .find(|row| row.kind == 12)
        .and_then(|row| row.value.as_deref()?.parse().ok())
        .unwrap_or_default();
    Ok((branches, version))
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

/// The plan of `search`, found out now (the plan test reads it).
pub async fn plan(db: &Db, search: &Search) -> sqlx::Result<Plan> {
    match &search.needle {
        Some(Needle::Prefix(prefix)) => Ok(Plan::Branches(
            branches(db, prefix, StatementTimeout::default()).await?.0,
        )),
        _ => Ok(Plan::Walk),
    }
}

/// The plan of a name prefix and the directory's version it holds for, found out by the probe;
/// kept in `known` when something can match (nothing matching is not kept: its page statement never
/// runs, so nothing would check it).
pub(super) async fn probe(
    db: &Db,
    known: &Versioned<Plan>,
    prefix: &str,
    timeout: StatementTimeout,
) -> sqlx::Result<(Plan, i64)> {
    let (branches, version) = branches(db, prefix, timeout).await?;
    let plan = Plan::Branches(branches);
    if plan.branch_count() > 0 {
        known.keep([(prefix.to_owned(), plan.clone())], version);
    }
    Ok((plan, version))
}

#[cfg(test)]
mod tests {
    #[test]
    fn wildcards_are_literal() {
        assert_eq!(super::like("a%b_c!", true), "a!%b!_c!!%");
        assert_eq!(super::like("a b", false), "a b");
    }
}
