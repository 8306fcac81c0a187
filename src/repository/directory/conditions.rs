//! The conditions of a search's page statement (macros, since `QueryBuilder` is typed by its
//! database): its caller's token, a name prefix's branch, and the filters, keyset position and
//! order that every way of reading a page shares (`statement` puts them together).

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
pub(super) use push_revoked;

/// ` AND` the condition of one way a name prefix can match. `|| ''` hides a column from the
/// optimizer, so that the walk branch reads the name index in order instead of reading (and
/// sorting) a huge range.
macro_rules! push_match {
    ($query:expr, $branch:expr) => {{
        let query = &mut $query;
        match $branch {
            Branch::LastName(pattern) => {
                query
                    .push(" AND e.last_name LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '!'");
            }
            Branch::FirstName(name) => {
                query.push(" AND e.first_name = ").push_bind(name.clone());
            }
            Branch::FirstNameWalk(pattern) => {
                query
                    .push(" AND (e.first_name || '') LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '!'");
            }
            Branch::FullName { first, last } => {
                query
                    .push(" AND e.first_name = ")
                    .push_bind(first.clone())
                    .push(" AND e.last_name LIKE ")
                    .push_bind(last.clone())
                    .push(" ESCAPE '!'");
            }
            Branch::DefaultEmail { first, email } => {
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
            Branch::CustomEmail(pattern) => {
                query
                    .push(" AND e.email_custom = 1 AND e.email LIKE ")
                    .push_bind(pattern.clone())
                    .push(" ESCAPE '!'");
            }
        }
    }};
}
pub(super) use push_match;

/// The search's conditions other than the name's and the driver's own, the keyset position, the
/// order and LIMIT.
///
/// `direct`: the statement selects the cards itself, and the status filter uses the joined
/// current department (`cd`); otherwise it selects sort keys, and checks them with look-ups.
/// Filters are scalar sub-queries, not EXISTS: MariaDB turns EXISTS into a semi-join that drives
/// from dept_emp and sorts a whole department (387k rows read at full scale); a scalar sub-query
/// is a primary-key look-up per row, and LIMIT stops a walk. (`cd.dept_no = ?` would do the same
/// as the semi-join, so the department stays a look-up even when `direct`.)
macro_rules! push_rest {
    ($query:expr, $search:expr, $driver:expr, $after:expr, $fetch:expr, $direct:expr) => {{
        let query = &mut $query;
        let search: &Search = $search;
        let driver: &Driver = $driver;
        let direct: bool = $direct;
        if let Some(Needle::EmpNo(emp_no)) = &search.needle {
            query.push(" AND e.emp_no = ").push_bind(*emp_no);
        }
        if let Some(dept_no) = &search.department
            && *driver != Driver::Department
        {
            query
                .push(
                    " AND (SELECT de.dept_no FROM dept_emp de WHERE de.emp_no = e.emp_no \
                     AND de.to_date = '9999-01-01' AND de.dept_no = ",
                )
                .push_bind(dept_no.clone())
                .push(" LIMIT 1) IS NOT NULL");
        }
        if let Some(title) = &search.title
            && *driver != Driver::Title
        {
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
            Status::Current if search.department.is_some() => {}
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
pub(super) use push_rest;
