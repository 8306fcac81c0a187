-- Whether an employee's email is other than test_db's default `first.last.empno@gmail.com`: see
-- the MySQL migration of the same number.
ALTER TABLE employees ADD COLUMN email_custom INTEGER
    GENERATED ALWAYS AS (email <> lower(first_name || '.' || last_name || '.' || emp_no || '@gmail.com')) VIRTUAL;
CREATE INDEX IF NOT EXISTS employees_custom_email_ix ON employees (email_custom, email);
