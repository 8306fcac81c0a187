-- The directory's indexes, as on MySQL (plans at test_db's scale in BENCHMARKS.md).
-- the directory's sort order: name searches and every filter walk it in order, and LIMIT stops the walk
CREATE INDEX IF NOT EXISTS employees_name_ix ON employees (last_name, first_name, emp_no);
-- first-name and "first last" prefixes
CREATE INDEX IF NOT EXISTS employees_first_name_ix ON employees (first_name, last_name, emp_no);
-- narrow hire-date ranges
CREATE INDEX IF NOT EXISTS employees_hire_date_ix ON employees (hire_date);
-- a department's current staff
CREATE INDEX IF NOT EXISTS dept_emp_dept_current_ix ON dept_emp (dept_no, to_date, emp_no);
-- the holders of a current title
CREATE INDEX IF NOT EXISTS titles_title_current_ix ON titles (title, to_date, emp_no);
-- a department's current manager
CREATE INDEX IF NOT EXISTS dept_manager_dept_current_ix ON dept_manager (dept_no, to_date, from_date);
