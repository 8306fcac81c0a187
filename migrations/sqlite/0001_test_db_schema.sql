-- test_db's tables for SQLite: same columns, keys and foreign keys; dates are ISO-8601 TEXT (what
-- sqlx writes for a chrono NaiveDate) and the gender ENUM becomes a CHECK.
CREATE TABLE IF NOT EXISTS employees (
    emp_no      INTEGER         NOT NULL PRIMARY KEY,
    birth_date  TEXT            NOT NULL,
    first_name  VARCHAR(14)     NOT NULL,
    last_name   VARCHAR(16)     NOT NULL,
    gender      TEXT            NOT NULL CHECK (gender IN ('M', 'F')),
    hire_date   TEXT            NOT NULL
);

CREATE TABLE IF NOT EXISTS departments (
    dept_no     CHAR(4)         NOT NULL PRIMARY KEY,
    dept_name   VARCHAR(40)     NOT NULL UNIQUE
);

CREATE TABLE IF NOT EXISTS dept_manager (
   emp_no       INTEGER         NOT NULL REFERENCES employees (emp_no) ON DELETE CASCADE,
   dept_no      CHAR(4)         NOT NULL REFERENCES departments (dept_no) ON DELETE CASCADE,
   from_date    TEXT            NOT NULL,
   to_date      TEXT            NOT NULL,
   PRIMARY KEY (emp_no, dept_no)
);

CREATE TABLE IF NOT EXISTS dept_emp (
    emp_no      INTEGER         NOT NULL REFERENCES employees (emp_no) ON DELETE CASCADE,
    dept_no     CHAR(4)         NOT NULL REFERENCES departments (dept_no) ON DELETE CASCADE,
    from_date   TEXT            NOT NULL,
    to_date     TEXT            NOT NULL,
    PRIMARY KEY (emp_no, dept_no)
);

CREATE TABLE IF NOT EXISTS titles (
    emp_no      INTEGER         NOT NULL REFERENCES employees (emp_no) ON DELETE CASCADE,
    title       VARCHAR(50)     NOT NULL,
    from_date   TEXT            NOT NULL,
    to_date     TEXT,
    PRIMARY KEY (emp_no, title, from_date)
);

CREATE TABLE IF NOT EXISTS salaries (
    emp_no      INTEGER         NOT NULL REFERENCES employees (emp_no) ON DELETE CASCADE,
    salary      INTEGER         NOT NULL,
    from_date   TEXT            NOT NULL,
    to_date     TEXT            NOT NULL,
    PRIMARY KEY (emp_no, from_date)
);
