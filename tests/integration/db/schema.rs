//! Migrations applied to a database that already holds test_db (as loaded from its public dump).

use employees::db::{Db, MYSQL_MIGRATOR};
use sqlx::MySqlPool;

use crate::common::default_password;

/// test_db's own DDL from its dump (`employees.sql`), without our credential columns.
const TEST_DB_DDL: &str = "
CREATE TABLE employees (
    emp_no INT NOT NULL, birth_date DATE NOT NULL, first_name VARCHAR(14) NOT NULL,
    last_name VARCHAR(16) NOT NULL, gender ENUM ('M','F') NOT NULL, hire_date DATE NOT NULL,
    PRIMARY KEY (emp_no));
CREATE TABLE departments (
    dept_no CHAR(4) NOT NULL, dept_name VARCHAR(40) NOT NULL,
    PRIMARY KEY (dept_no), UNIQUE KEY (dept_name));
CREATE TABLE dept_manager (
   emp_no INT NOT NULL, dept_no CHAR(4) NOT NULL, from_date DATE NOT NULL, to_date DATE NOT NULL,
   FOREIGN KEY (emp_no) REFERENCES employees (emp_no) ON DELETE CASCADE,
   FOREIGN KEY (dept_no) REFERENCES departments (dept_no) ON DELETE CASCADE,
   PRIMARY KEY (emp_no,dept_no));
CREATE TABLE dept_emp (
    emp_no INT NOT NULL, dept_no CHAR(4) NOT NULL, from_date DATE NOT NULL, to_date DATE NOT NULL,
    FOREIGN KEY (emp_no) REFERENCES employees (emp_no) ON DELETE CASCADE,
    FOREIGN KEY (dept_no) REFERENCES departments (dept_no) ON DELETE CASCADE,
    PRIMARY KEY (emp_no,dept_no));
CREATE TABLE titles (
    emp_no INT NOT NULL, title VARCHAR(50) NOT NULL, from_date DATE NOT NULL, to_date DATE,
    FOREIGN KEY (emp_no) REFERENCES employees (emp_no) ON DELETE CASCADE,
    PRIMARY KEY (emp_no,title, from_date));
CREATE TABLE salaries (
    emp_no INT NOT NULL, salary INT NOT NULL, from_date DATE NOT NULL, to_date DATE NOT NULL,
    FOREIGN KEY (emp_no) REFERENCES employees (emp_no) ON DELETE CASCADE,
    PRIMARY KEY (emp_no, from_date));
INSERT INTO employees VALUES (10001,'1953-09-02','Georgi','Facello','M','1986-06-26'),
    (10198,'1953-06-14','Pranav','Furedi','M','1985-08-31');
INSERT INTO departments VALUES ('d005','Development'),('d001','Marketing');
INSERT INTO dept_emp VALUES (10001,'d005','1986-06-26','9999-01-01'),(10198,'d001','1985-08-31','9999-01-01');
INSERT INTO dept_manager VALUES (10001,'d005','1991-01-01','9999-01-01');
INSERT INTO titles VALUES (10001,'Senior Engineer','1986-06-26','9999-01-01');
INSERT INTO salaries VALUES (10001,60117,'1986-06-26','1987-06-26'),(10001,62102,'1987-06-26','9999-01-01');
";

async fn count(pool: &MySqlPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test(migrations = false)]
async fn migrations_keep_an_existing_test_db(pool: MySqlPool) {
    sqlx::raw_sql(TEST_DB_DDL).execute(&pool).await.unwrap();

    MYSQL_MIGRATOR
        .run(&pool)
        .await
        .expect("migrations apply over test_db");
    // Applying again is a no-op.
    MYSQL_MIGRATOR
        .run(&pool)
        .await
        .expect("migrations are recorded");

    assert_eq!(count(&pool, "SELECT COUNT(*) FROM employees").await, 2);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM salaries").await, 2);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM dept_emp").await, 2);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM dept_manager").await, 1);
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM titles").await, 1);
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(column_name AS CHAR) FROM information_schema.columns \
         WHERE table_schema = DATABASE() AND table_name = 'employees' ORDER BY ordinal_position",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        columns,
        [
            "emp_no",
            "birth_date",
            "first_name",
            "last_name",
            "gender",
            "hire_date",
            "email",
            "password",
            "email_custom"
        ]
    );
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM sessions").await, 0);
    // The first names, for the search, are those of the rows the database already held.
    assert_eq!(
        count(&pool, "SELECT COUNT(*) FROM first_names").await,
        count(&pool, "SELECT COUNT(DISTINCT first_name) FROM employees").await
    );
    assert!(count(&pool, "SELECT COUNT(*) FROM first_names").await > 0);
    // The figures of the departments are counted from the rows the database already held.
    assert_eq!(
        count(
            &pool,
            "SELECT CAST(SUM(headcount) AS SIGNED) FROM department_figures"
        )
        .await,
        count(
            &pool,
            "SELECT COUNT(*) FROM dept_emp WHERE to_date = '9999-01-01'"
        )
        .await
    );

    // Then the back-fill gives test_db's employees their logins, and the email is unique.
    let db = Db::MySql(pool.clone());
    let updated = employees::seeding::backfill::backfill_emails(&db, &default_password(), 10, true)
        .await
        .unwrap();
    assert_eq!(updated, 2);
    let email: String = sqlx::query_scalar("SELECT email FROM employees WHERE emp_no = 10198")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(email, "pranav.furedi.10198@gmail.com");
    // A back-filled email is test_db's default one, which the search finds through the names.
    let custom: i64 = count(
        &pool,
        "SELECT CAST(SUM(email_custom) AS SIGNED) FROM employees",
    )
    .await;
    assert_eq!(custom, 0);
    let duplicate = sqlx::query(
        "UPDATE employees SET email = 'pranav.furedi.10198@gmail.com' WHERE emp_no = 10001",
    )
    .execute(&pool)
    .await;
    assert!(duplicate.is_err(), "email is unique");
}

/// Before dept_no was made canonical at the edge, MariaDB stored a manager appointed through
/// `/departments/D001/manager` as `D001`; the migration gives such rows test_db's spelling. And
/// idempotency keys are compared byte for byte.
#[sqlx::test(migrations = false)]
async fn migrations_make_keys_exact(pool: MySqlPool) {
    sqlx::raw_sql(TEST_DB_DDL).execute(&pool).await.unwrap();
    sqlx::query("INSERT INTO dept_manager VALUES (10198, 'D001', '1999-01-01', '9999-01-01')")
        .execute(&pool)
        .await
        .unwrap();
    MYSQL_MIGRATOR.run(&pool).await.expect("migrations apply");
    let stored: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT CAST(dept_no AS BINARY) FROM dept_manager ORDER BY emp_no")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(stored, [b"d005".to_vec(), b"d001".to_vec()]);
    let insert = "INSERT INTO idempotency_keys \
        (actor, endpoint, idem_key, request_hash, status, body, created_at) \
        VALUES (1, 'POST /employees', ?, '', 201, '{}', 0)";
    for key in ["Key-A", "key-a"] {
        sqlx::query(insert)
            .bind(key)
            .execute(&pool)
            .await
            .expect("keys differing in case are two keys");
    }
}

#[sqlx::test(migrations = false)]
async fn migrations_create_the_schema_on_an_empty_database(pool: MySqlPool) {
    MYSQL_MIGRATOR.run(&pool).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(table_name AS CHAR) FROM information_schema.tables \
         WHERE table_schema = DATABASE() AND table_name <> '_sqlx_migrations' ORDER BY table_name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        tables,
        [
            "audit_log",
            "authorization_codes",
            "departments",
            "department_figures",
            "dept_emp",
            "dept_manager",
            "directory_version",
            "employees",
            "employee_roles",
            "emp_no_allocator",
            "first_names",
            "idempotency_keys",
            "login_budgets",
            "login_trust",
            "mail_outbox",
            "mfa_pending",
            "mfa_recovery_codes",
            "mfa_totp",
            "oauth_clients",
            "oauth_consents",
            "passkeys",
            "password_resets",
            "refresh_tokens",
            "salaries",
            "sessions",
            "signing_keys",
            "titles",
            "webauthn_ceremonies"
        ]
    );
    let fks: i64 = count(
        &pool,
        "SELECT COUNT(*) FROM information_schema.referential_constraints WHERE constraint_schema = DATABASE()",
    )
    .await;
    assert_eq!(
        fks, 16,
        "test_db's six foreign keys, roles', figures', sessions', refresh tokens', the two of \
         consents (employee, client), the second factor's three (TOTP, recovery codes, \
         pending logins) and passkeys'"
    );
}

/// A Galera cluster (`wsrep_mode=REQUIRED_PRIMARY_KEY,STRICT_REPLICATION`) replicates InnoDB
/// tables with a primary key only: every table the migrations make is one.
#[sqlx::test(migrations = false)]
async fn every_table_is_innodb_with_a_primary_key(pool: MySqlPool) {
    MYSQL_MIGRATOR.run(&pool).await.unwrap();
    let unfit: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(t.table_name AS CHAR) FROM information_schema.tables t \
         WHERE t.table_schema = DATABASE() AND t.table_type = 'BASE TABLE' \
           AND (t.engine <> 'InnoDB' OR NOT EXISTS ( \
                SELECT 1 FROM information_schema.table_constraints c \
                WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name \
                  AND c.constraint_type = 'PRIMARY KEY'))",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(unfit.is_empty(), "{unfit:?}");
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(tables > 15, "the check saw the tables: {tables}");
}
