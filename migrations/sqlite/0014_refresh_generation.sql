-- Refresh tokens by generation: see the MySQL migration of the same number.
ALTER TABLE sessions ADD COLUMN refresh_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN refresh_window_start INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN refresh_window_count INTEGER NOT NULL DEFAULT 0;
