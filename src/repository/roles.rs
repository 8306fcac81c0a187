//! Roles: the granted ones (`employee_roles`) and those that follow from test_db's rows.

use crate::{
    db::{Db, Tx},
    dispatch,
    domain::scope::Role,
    repository::sessions,
};

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
    Ok(roles_of(&names))
}

/// [`held`], inside a transaction that has locked the employee or the session: what a login or
/// a refresh grants is read after any termination or role change that committed before it.
pub async fn held_in(tx: &mut Tx, emp_no: i32) -> sqlx::Result<Vec<Role>> {
    let names: Vec<String> = dispatch!(&mut *tx, tx => {
        sqlx::query_scalar(HELD)
            .bind(emp_no)
            .bind(emp_no)
            .bind(emp_no)
            .fetch_all(&mut **tx)
            .await?
    });
    Ok(roles_of(&names))
}

fn roles_of(names: &[String]) -> Vec<Role> {
    let mut roles: Vec<Role> = names
        .iter()
        .filter_map(|name| match name.as_str() {
            "employee" => Some(Role::Employee),
            "manager" => Some(Role::Manager),
            other => Role::granted(other),
        })
        .collect();
    roles.sort_unstable();
    roles
}

/// The roles granted to the employee (`hr`, `admin`), inside the caller's transaction.
pub async fn granted(tx: &mut Tx, emp_no: i32) -> sqlx::Result<Vec<Role>> {
    let names: Vec<String> = dispatch!(&mut *tx, tx => {
        sqlx::query_scalar("SELECT role FROM employee_roles WHERE emp_no = ?")
            .bind(emp_no)
            .fetch_all(&mut **tx)
            .await?
    });
    let mut roles: Vec<Role> = names
        .iter()
        .filter_map(|name| Role::granted(name))
        .collect();
    roles.sort_unstable();
    Ok(roles)
}

/// Makes `roles` the employee's granted roles, inside the caller's transaction.
pub async fn replace(tx: &mut Tx, emp_no: i32, roles: &[Role]) -> sqlx::Result<()> {
    sessions::touch_profile(tx, emp_no).await?;
    dispatch!(&mut *tx, tx => {
        sqlx::query("DELETE FROM employee_roles WHERE emp_no = ?")
            .bind(emp_no)
            .execute(&mut **tx)
            .await?;
        for role in roles {
            sqlx::query("INSERT INTO employee_roles (emp_no, role) VALUES (?, ?)")
                .bind(emp_no)
                .bind(role.as_str())
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    })
}
