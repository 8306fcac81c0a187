-- The directory's indexes (plans at test_db's scale in BENCHMARKS.md). MySQL 8 has no CREATE INDEX IF
-- NOT EXISTS (MariaDB has), so each is prepared only when information_schema says it is missing.
-- On MariaDB the dept_emp and dept_manager ones replace the foreign-key indexes on dept_no.

-- the directory's sort order: name searches and every filter walk it in order, and LIMIT stops the walk
SET @ddl = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX employees_name_ix ON employees (last_name, first_name, emp_no)',
    'DO 0')
  FROM information_schema.statistics
  WHERE table_schema = DATABASE() AND table_name = 'employees' AND index_name = 'employees_name_ix');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- first-name and "first last" prefixes
SET @ddl = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX employees_first_name_ix ON employees (first_name, last_name, emp_no)',
    'DO 0')
  FROM information_schema.statistics
  WHERE table_schema = DATABASE() AND table_name = 'employees' AND index_name = 'employees_first_name_ix');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- narrow hire-date ranges
SET @ddl = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX employees_hire_date_ix ON employees (hire_date)',
    'DO 0')
  FROM information_schema.statistics
  WHERE table_schema = DATABASE() AND table_name = 'employees' AND index_name = 'employees_hire_date_ix');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- a department's current staff
SET @ddl = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX dept_emp_dept_current_ix ON dept_emp (dept_no, to_date, emp_no)',
    'DO 0')
  FROM information_schema.statistics
  WHERE table_schema = DATABASE() AND table_name = 'dept_emp' AND index_name = 'dept_emp_dept_current_ix');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- the holders of a current title
SET @ddl = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX titles_title_current_ix ON titles (title, to_date, emp_no)',
    'DO 0')
  FROM information_schema.statistics
  WHERE table_schema = DATABASE() AND table_name = 'titles' AND index_name = 'titles_title_current_ix');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- a department's current manager
SET @ddl = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX dept_manager_dept_current_ix ON dept_manager (dept_no, to_date, from_date)',
    'DO 0')
  FROM information_schema.statistics
  WHERE table_schema = DATABASE() AND table_name = 'dept_manager' AND index_name = 'dept_manager_dept_current_ix');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
