-- Granted roles (`hr`, `admin`); `employee` and `manager` follow from dept_emp and dept_manager.
CREATE TABLE IF NOT EXISTS employee_roles (
    emp_no      INTEGER         NOT NULL REFERENCES employees (emp_no) ON DELETE CASCADE,
    role        VARCHAR(16)     NOT NULL CHECK (role IN ('hr', 'admin')),
    PRIMARY KEY (emp_no, role)
);
