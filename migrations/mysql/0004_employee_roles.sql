-- Granted roles. `employee` and `manager` are test_db's own facts (a current dept_emp or
-- dept_manager row) and are never stored; only `hr` and `admin` are granted.
CREATE TABLE IF NOT EXISTS employee_roles (
    emp_no      INT             NOT NULL,
    role        VARCHAR(16)     NOT NULL,
    PRIMARY KEY (emp_no, role),
    CONSTRAINT employee_roles_emp FOREIGN KEY (emp_no) REFERENCES employees (emp_no) ON DELETE CASCADE,
    CONSTRAINT employee_roles_granted CHECK (role IN ('hr', 'admin'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
