-- Whether an employee's email is other than test_db's default `first.last.empno@gmail.com`. A
-- default email's prefix is a name prefix (the directory search finds it through the name
-- indexes, in name order); only the few others need the email index, and this flag keeps them
-- apart. A virtual column: adding it rewrites nothing; the index below stores it.
SET @ddl = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE employees ADD COLUMN email_custom TINYINT AS (email <> LOWER(CONCAT(first_name, ''.'', last_name, ''.'', emp_no, ''@gmail.com''))) VIRTUAL',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'employees' AND column_name = 'email_custom');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

SET @ddl = (SELECT IF(COUNT(*) = 0,
    'CREATE INDEX employees_custom_email_ix ON employees (email_custom, email)',
    'DO 0')
  FROM information_schema.statistics
  WHERE table_schema = DATABASE() AND table_name = 'employees' AND index_name = 'employees_custom_email_ix');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
