-- The version of the session's employee's profile: see the MySQL migration of the same number.
ALTER TABLE sessions ADD COLUMN profile_version INTEGER NOT NULL DEFAULT 0;
