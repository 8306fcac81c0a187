-- Login credentials on employees. MySQL 8 has no ADD COLUMN IF NOT EXISTS (MariaDB has), so each
-- change is prepared only when information_schema says it is missing: the same file then applies to
-- a fresh schema, to a loaded test_db dump, and on both servers.
SET @ddl = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE employees ADD COLUMN email VARCHAR(255) NULL',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'employees' AND column_name = 'email');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

-- A bcrypt hash is always 60 characters ($2b$12$ + 53).
SET @ddl = (SELECT IF(COUNT(*) = 0,
    'ALTER TABLE employees ADD COLUMN password CHAR(60) NULL',
    'DO 0')
  FROM information_schema.columns
  WHERE table_schema = DATABASE() AND table_name = 'employees' AND column_name = 'password');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

SET @ddl = (SELECT IF(COUNT(*) = 0,
    'CREATE UNIQUE INDEX employees_email_uq ON employees (email)',
    'DO 0')
  FROM information_schema.statistics
  WHERE table_schema = DATABASE() AND table_name = 'employees' AND index_name = 'employees_email_uq');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
