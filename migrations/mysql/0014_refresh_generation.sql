-- Refresh tokens by generation (issue 23): a session's refresh token is its sid and a
-- generation, sealed with an HMAC, so that rotating one writes no row and every token the
-- session ever had is still recognised (a spent one presented again ends the session). The
-- window columns bound how often one session may rotate. Rows of `refresh_tokens` issued
-- before this migration keep working until spent; none is written after it.
SET @ddl = IF((SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()
               AND table_name = 'sessions' AND column_name = 'refresh_generation') = 0,
    'ALTER TABLE sessions ADD COLUMN refresh_generation BIGINT NOT NULL DEFAULT 0,
                          ADD COLUMN refresh_window_start BIGINT NOT NULL DEFAULT 0,
                          ADD COLUMN refresh_window_count BIGINT NOT NULL DEFAULT 0',
    'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
