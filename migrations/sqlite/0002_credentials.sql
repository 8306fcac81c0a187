-- Login credentials on employees, as on MySQL: nullable until seeded or back-filled, unique email.
ALTER TABLE employees ADD COLUMN email VARCHAR(255) NULL;
-- A bcrypt hash is always 60 characters.
ALTER TABLE employees ADD COLUMN password CHAR(60) NULL;
CREATE UNIQUE INDEX IF NOT EXISTS employees_email_uq ON employees (email);
