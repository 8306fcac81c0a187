//! The text of a search's page statement, for either backend (macros, since `QueryBuilder` is
//! typed by its database): what it reads first (the name index, a prefix's branches, or a
//! selective filter's own index, see `drive`), then the conditions of `conditions`. The macros
//! are expanded in `search`, which brings the types and macros they name into scope.

/// One walk of the name index (`None`) or one branch of a name prefix, in index order: its cards
/// (`direct`, `$select` starting the statement) or its sort keys for a UNION.
macro_rules! push_branch {
    ($query:expr, $select:expr, $branch:expr, $search:expr, $after:expr, $fetch:expr, $direct:expr, $token:expr) => {{
        let query = &mut $query;
        let direct: bool = $direct;
        if direct {
            query
                .push($select)
                .push(concat!(" ", super::cards::card_columns!()));
            push_revoked!(*query, $token);
            query.push(concat!(
                " FROM employees e",
                super::cards::card_joins!(),
                "WHERE 1 = 1"
            ));
        } else {
            query.push("SELECT e.last_name, e.first_name, e.emp_no FROM employees e WHERE 1 = 1");
        }
        if let Some(branch) = $branch {
            push_match!(*query, branch);
        }
        push_rest!(*query, $search, &Driver::Names, $after, $fetch, direct);
    }};
}
pub(super) use push_branch;

/// The sort keys of a page read from a selective filter's own index: its range whole, the join
/// order forced (MariaDB's `STRAIGHT_JOIN`, SQLite's `CROSS JOIN`; a hire-date range names its
/// index), so that no optimizer prefers walking the name index to avoid a sort of at most
/// `drive::DRIVE_AT_MOST` rows. A name prefix is any of its branches' conditions.
macro_rules! push_driven {
    ($query:expr, $mysql:expr, $driver:expr, $plan:expr, $search:expr, $after:expr, $fetch:expr) => {{
        let query = &mut $query;
        let search: &Search = $search;
        let driver: &Driver = $driver;
        let join = if $mysql {
            " STRAIGHT_JOIN "
        } else {
            " CROSS JOIN "
        };
        query.push("SELECT e.last_name, e.first_name, e.emp_no FROM ");
        match (driver, &search.department, &search.title) {
            (Driver::Department, Some(dept_no), _) => {
                query
                    .push("dept_emp f")
                    .push(join)
                    .push("employees e ON e.emp_no = f.emp_no WHERE f.dept_no = ")
                    .push_bind(dept_no.clone())
                    .push(" AND f.to_date = '9999-01-01'");
            }
            (Driver::Title, _, Some(title)) => {
                query
                    .push("titles f")
                    .push(join)
                    .push("employees e ON e.emp_no = f.emp_no WHERE f.title = ")
                    .push_bind(title.clone())
                    .push(" AND f.to_date = '9999-01-01'");
            }
            _ => {
                query.push(if $mysql {
                    "employees e FORCE INDEX (employees_hire_date_ix) WHERE 1 = 1"
                } else {
                    "employees e INDEXED BY employees_hire_date_ix WHERE 1 = 1"
                });
            }
        }
        if let Plan::Branches(branches) = $plan {
            query.push(" AND (");
            for (i, branch) in branches.iter().enumerate() {
                query.push(if i == 0 { "(1 = 1" } else { " OR (1 = 1" });
                push_match!(*query, branch);
                query.push(")");
            }
            query.push(")");
        }
        push_rest!(*query, search, driver, $after, $fetch, false);
    }};
}
pub(super) use push_driven;

/// The statement of a search. Read from the name index, one walk or one branch selects its cards
/// directly, in index order, and LIMIT stops it (an employee with two current rows takes two of
/// the rows fetched: the page is one shorter, never wrong). Several branches are merged by a
/// UNION of their sort keys, and a driven read selects its sort keys; then the page's cards are
/// joined (look-ups for at most a page of rows).
macro_rules! build_search {
    ($query:expr, $mysql:expr, $select:expr, $plan:expr, $driver:expr, $search:expr, $after:expr, $fetch:expr, $token:expr) => {{
        let query = &mut $query;
        let plan: &Plan = $plan;
        let driver: &Driver = $driver;
        let single = match plan {
            Plan::Walk => Some(None),
            Plan::Branches(branches) if branches.len() == 1 => Some(branches.first()),
            Plan::Branches(_) => None,
        };
        match single {
            Some(branch) if *driver == Driver::Names => {
                push_branch!(
                    *query, $select, branch, $search, $after, $fetch, true, $token
                )
            }
            _ => {
                query
                    .push($select)
                    .push(concat!(" ", super::cards::card_columns!()));
                push_revoked!(*query, $token);
                query.push(" FROM (");
                match (driver, plan) {
                    (Driver::Names, Plan::Branches(branches)) => {
                        for (i, branch) in branches.iter().enumerate() {
                            if i > 0 {
                                query.push(" UNION ");
                            }
                            query.push("SELECT * FROM (");
                            push_branch!(
                                *query,
                                "SELECT",
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
                    }
                    _ => push_driven!(*query, $mysql, driver, plan, $search, $after, $fetch),
                }
                query.push(concat!(
                    ") k JOIN employees e ON e.emp_no = k.emp_no",
                    super::cards::card_joins!(),
                    "ORDER BY k.last_name, k.first_name, k.emp_no, cd.from_date DESC"
                ));
            }
        }
    }};
}
pub(super) use build_search;
