//! Credential and profile look-ups.

use crate::{
    db::{Db, Tx},
    dispatch,
    domain::{Account, Credentials, Profile, TokenRef, normalize_email, scope::Role},
};

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    emp_no: i32,
    email: Option<String>,
    password: Option<String>,
    active: i64,
}

const CREDENTIALS: &str = "\
SELECT e.emp_no, e.email, e.password,
       CASE WHEN EXISTS (SELECT 1 FROM dept_emp de
                         WHERE de.emp_no = e.emp_no AND de.to_date = '9999-01-01')
            THEN 1 ELSE 0 END AS active
FROM employees e
WHERE e.email = ?";

/// Finds the login data for an email as submitted: it is trimmed and lower-cased here, so that
/// MySQL (case-insensitive collation) and SQLite (binary) compare alike.
pub async fn find_credentials(db: &Db, email: &str) -> sqlx::Result<Option<Credentials>> {
    let email = normalize_email(email);
    let row: Option<CredentialsRow> = dispatch!(db, pool => {
        sqlx::query_as(CREDENTIALS).bind(&email).fetch_optional(pool).await?
    });
    // MySQL's default collation also ignores accents (`béhai@…` = `behai@…`); SQLite compares
    // bytes. The stored address must be the submitted one exactly, on both.
    let row = row.filter(|row| row.email.as_deref() == Some(email.as_str()));
    Ok(row.map(|row| Credentials {
        emp_no: row.emp_no,
        password_hash: row.password,
        active: row.active != 0,
    }))
}

// Current department and title are the newest rows whose to_date is the 9999-01-01 marker; the
// primary keys (emp_no, ...) make both sub-queries index look-ups.
macro_rules! profile_columns {
    () => {
        "e.emp_no, e.email, e.first_name, e.last_name, e.gender, e.birth_date, e.hire_date,
       (SELECT d.dept_name FROM dept_emp de JOIN departments d ON d.dept_no = de.dept_no
        WHERE de.emp_no = e.emp_no AND de.to_date = '9999-01-01'
        ORDER BY de.from_date DESC LIMIT 1) AS department,
       (SELECT t.title FROM titles t
        WHERE t.emp_no = e.emp_no AND t.to_date = '9999-01-01'
        ORDER BY t.from_date DESC LIMIT 1) AS title"
    };
}

const PROFILE: &str = concat!(
    "SELECT ",
    profile_columns!(),
    " FROM employees e WHERE e.emp_no = ?"
);

// The profile, the roles and the token's session in one round trip: what an authenticated page
// needs when its profile is not cached. The session's profile version is read by the same
// statement (one consistent read), so a cached copy is never filed under a newer version than
// its data. GROUP_CONCAT is spelt alike on both backends (comma separated).
const PROFILE_UNLESS_REVOKED: &str = concat!(
    "SELECT ",
    profile_columns!(),
    ", CASE WHEN EXISTS (SELECT 1 FROM dept_manager m
                         WHERE m.emp_no = e.emp_no AND m.to_date = '9999-01-01') THEN 1 ELSE 0 END AS manager,
       (SELECT GROUP_CONCAT(g.role) FROM employee_roles g WHERE g.emp_no = e.emp_no) AS granted,
       (SELECT s.profile_version FROM sessions s
        WHERE s.sid = ? AND s.emp_no = e.emp_no AND s.live_until > ?) AS profile_version",
    " FROM employees e WHERE e.emp_no = ?"
);

#[derive(sqlx::FromRow)]
struct AccountRow {
    #[sqlx(flatten)]
    profile: Profile,
    manager: i64,
    granted: Option<String>,
    /// `NULL` unless the token's session is live.
    profile_version: Option<i64>,
}

impl AccountRow {
    fn into_account(self) -> Account {
        let mut roles = Vec::new();
        // A current department makes an employee; a former one holds no role.
        if self.profile.department.is_some() {
            roles.push(Role::Employee);
            if self.manager != 0 {
                roles.push(Role::Manager);
            }
            roles.extend(
                self.granted
                    .iter()
                    .flat_map(|g| g.split(','))
                    .filter_map(Role::granted),
            );
        }
        roles.sort_unstable();
        roles.dedup();
        Account {
            profile: self.profile,
            roles,
        }
    }
}

/// Loads an employee's profile and roles for a token, with its session's profile version: `None`
/// when the employee does not exist or the token's session is not live (ended, idle too long,
/// past its absolute end).
pub async fn find_account_unless_revoked(
    db: &Db,
    token: &TokenRef<'_>,
) -> sqlx::Result<Option<(i64, Account)>> {
    let row: Option<AccountRow> = dispatch!(db, pool => {
        sqlx::query_as(PROFILE_UNLESS_REVOKED)
            .bind(token.sid)
            .bind(token.now)
            .bind(token.emp_no)
            .fetch_optional(pool)
            .await?
    });
    Ok(row.and_then(|row| Some((row.profile_version?, row.into_account()))))
}

/// Loads an employee with their current department and title.
pub async fn find_profile(db: &Db, emp_no: i32) -> sqlx::Result<Option<Profile>> {
    dispatch!(db, pool => sqlx::query_as(PROFILE).bind(emp_no).fetch_optional(pool).await)
}

/// Replaces an employee's password hash with a re-hash of the same password, unless it changed
/// meanwhile (a newer password is never overwritten by an older one's re-hash).
pub async fn replace_password_hash(db: &Db, emp_no: i32, old: &str, new: &str) -> sqlx::Result<()> {
    dispatch!(db, pool => {
        sqlx::query("UPDATE employees SET password = ? WHERE emp_no = ? AND password = ?")
            .bind(new)
            .bind(emp_no)
            .bind(old)
            .execute(pool)
            .await
            .map(drop)
    })
}

/// An employee's login email and password hash, by emp_no (the password change).
pub async fn login_of(
    db: &Db,
    emp_no: i32,
) -> sqlx::Result<Option<(Option<String>, Option<String>)>> {
    dispatch!(db, pool => {
        sqlx::query_as("SELECT email, password FROM employees WHERE emp_no = ?")
            .bind(emp_no)
            .fetch_optional(pool)
            .await
    })
}

/// Sets a new password hash, in the caller's transaction.
pub async fn set_password_hash(tx: &mut Tx, emp_no: i32, hash: &str) -> sqlx::Result<()> {
    dispatch!(&mut *tx, tx => {
        sqlx::query("UPDATE employees SET password = ? WHERE emp_no = ?")
            .bind(hash)
            .bind(emp_no)
            .execute(&mut **tx)
            .await
            .map(drop)
    })
}

/// Locks the employee's row for a login's transaction (the lock a termination, a role change
/// and a password change take first) and reads, after any of them that committed meanwhile,
/// the password hash and whether the employee is still active. MySQL reads with a locking read,
/// which sees the newest committed rows whatever the transaction read before.
pub async fn lock_for_login(
    tx: &mut Tx,
    emp_no: i32,
) -> sqlx::Result<Option<(Option<String>, bool)>> {
    macro_rules! state {
        () => {
            "SELECT e.password, CASE WHEN EXISTS (SELECT 1 FROM dept_emp de \
             WHERE de.emp_no = e.emp_no AND de.to_date = '9999-01-01') THEN 1 ELSE 0 END \
             FROM employees e WHERE e.emp_no = ?"
        };
    }
    let row: Option<(Option<String>, i64)> = match tx {
        Tx::MySql(tx) => {
            sqlx::query("UPDATE employees SET emp_no = emp_no WHERE emp_no = ?")
                .bind(emp_no)
                .execute(&mut **tx)
                .await?;
            sqlx::query_as(concat!(state!(), " LOCK IN SHARE MODE"))
                .bind(emp_no)
                .fetch_optional(&mut **tx)
                .await?
        }
        Tx::Sqlite(tx) => {
            // A write first: SQLite takes its one write lock here, as the changes do.
            sqlx::query("UPDATE employees SET emp_no = emp_no WHERE emp_no = ?")
                .bind(emp_no)
                .execute(&mut **tx)
                .await?;
            sqlx::query_as(state!())
                .bind(emp_no)
                .fetch_optional(&mut **tx)
                .await?
        }
    };
    Ok(row.map(|(hash, active)| (hash, active != 0)))
}

/// The emp_no of the current manager of the employee's current department (the latest
/// appointed, if a department has two); `None` for a former employee or a department without.
pub async fn manager_of(db: &Db, emp_no: i32) -> sqlx::Result<Option<i32>> {
    dispatch!(db, pool => {
        sqlx::query_scalar(
            "SELECT dm.emp_no FROM dept_emp de JOIN dept_manager dm ON dm.dept_no = de.dept_no \
             AND dm.to_date = '9999-01-01' WHERE de.emp_no = ? AND de.to_date = '9999-01-01' \
             ORDER BY dm.from_date DESC, dm.emp_no LIMIT 1",
        )
        .bind(emp_no)
        .fetch_optional(pool)
        .await
    })
}
