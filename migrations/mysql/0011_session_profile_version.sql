-- A session carries what an authenticated request needs beyond being live: the version of its
-- employee's profile. Every statement that changes what a profile shows (a department, a title,
-- a manager's appointment, a granted role) moves it in the same transaction, so an instance
-- serves a cached profile only while the one primary-key lookup of the session still reads the
-- version it was cached under.
SET @ddl = IF((SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()
               AND table_name = 'sessions' AND column_name = 'profile_version') = 0,
    'ALTER TABLE sessions ADD COLUMN profile_version BIGINT NOT NULL DEFAULT 0',
    'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
