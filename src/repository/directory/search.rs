//! The directory search: sort keys (last name, first name, emp_no) of the matching employees,
//! one page at a time after a keyset position (no OFFSET: rows added meanwhile neither repeat nor
//! skip a row).

use sqlx::QueryBuilder;

use crate::{
    db::Db,
    dispatch,
    domain::directory::{Needle, Search, SortKey, Status},
};

#[derive(sqlx::FromRow)]
struct KeyRow {
    last_name: String,
    first_name: String,
    emp_no: i32,
}

/// A LIKE pattern matching values that start with `prefix`, which is taken literally (`!` escapes).
fn prefix_pattern(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '!' | '%' | '_') {
            pattern.push('!');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Appends the WHERE, ORDER BY and LIMIT of a search to `query`.
macro_rules! push_search {
    ($query:expr, $search:expr, $after:expr, $fetch:expr) => {{
        let query = &mut $query;
        let search: &Search = $search;
        match &search.needle {
            Some(Needle::EmpNo(emp_no)) => {
                query.push(" AND e.emp_no = ").push_bind(*emp_no);
            }
            Some(Needle::Prefix(prefix)) => {
                let pattern = prefix_pattern(prefix);
                query
                    .push(" AND (e.last_name LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '!' OR e.first_name LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '!' OR (e.first_name || ' ' || e.last_name) LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '!' OR e.email LIKE ")
                    .push_bind(pattern)
                    .push(" ESCAPE '!')");
            }
            None => {}
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
                .push(")))) ");
        }
        query
            .push(" ORDER BY e.last_name, e.first_name, e.emp_no LIMIT ")
            .push_bind($fetch as i64);
    }};
}

/// Sort keys of up to `fetch` employees matching `search`, after `after`, in order.
pub async fn find(
    db: &Db,
    search: &Search,
    after: Option<&SortKey>,
    fetch: usize,
) -> sqlx::Result<Vec<SortKey>> {
    const HEAD: &str = "SELECT e.last_name, e.first_name, e.emp_no FROM employees e WHERE 1 = 1";
    let rows: Vec<KeyRow> = dispatch!(db, pool => {
        let mut query = QueryBuilder::new(HEAD);
        push_search!(query, search, after, fetch);
        query.build_query_as().fetch_all(pool).await?
    });
    Ok(rows
        .into_iter()
        .map(|row| SortKey {
            last_name: row.last_name,
            first_name: row.first_name,
            emp_no: row.emp_no,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn wildcards_are_literal() {
        assert_eq!(super::prefix_pattern("a%b_c!"), "a!%b!_c!!%");
    }
}
