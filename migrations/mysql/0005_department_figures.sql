-- Headcount and payroll per department, kept with the changes that move them (seeding, HR
-- changes) instead of counted per request: see src/repository/directory/figures.rs. Filled here
-- for a database that already holds test_db.
CREATE TABLE IF NOT EXISTS department_figures (
    dept_no     CHAR(4)         NOT NULL,
    headcount   INT             NOT NULL,
    payroll     BIGINT          NOT NULL,
    PRIMARY KEY (dept_no),
    CONSTRAINT department_figures_dept FOREIGN KEY (dept_no) REFERENCES departments (dept_no) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

DELETE FROM department_figures;
INSERT INTO department_figures (dept_no, headcount, payroll)
SELECT d.dept_no,
       (SELECT COUNT(*) FROM dept_emp de
        WHERE de.dept_no = d.dept_no AND de.to_date = '9999-01-01'),
       (SELECT COALESCE(SUM(s.salary), 0) FROM dept_emp de
        JOIN salaries s ON s.emp_no = de.emp_no AND s.to_date = '9999-01-01'
        WHERE de.dept_no = d.dept_no AND de.to_date = '9999-01-01')
FROM departments d;
