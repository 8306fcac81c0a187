//! Roles: the granted ones (`employee_roles`) and those that follow from test_db's rows.

use crate::{db::Db, dispatch, domain::scope::Role};

// UNION (not UNION ALL) folds an employee's several current rows into one role; each branch is a
// primary-key prefix look-up.
const HELD: &str = "\
SELECT 'employee' AS role FROM dept_emp WHERE emp_no = ? AND to_date = '9999-01-01'
UNION SELECT 'manager' FROM dept_manager WHERE emp_no = ? AND to_date = '9999-01-01'
UNION SELECT role FROM employee_roles WHERE emp_no = ?";

/// Every role the employee holds now, in [`Role`]'s order.
pub async fn held(db: &Db, emp_no: i32) -> sqlx::Result<Vec<Role>> {
    let names: Vec<String> = dispatch!(db, pool => {
        sqlx::query_scalar(HELD).bind(emp_no).bind(emp_no).bind(emp_no).fetch_all(pool).await?
    });
    let mut roles: Vec<Role> = names
        .iter()
        .filter_map(|name| match name.as_str() {
            "employee" => Some(Role::Employee),
            "manager" => Some(Role::Manager),
            other => Role::granted(other),
        })
        .collect();
    roles.sort_unstable();
    Ok(roles)
}
