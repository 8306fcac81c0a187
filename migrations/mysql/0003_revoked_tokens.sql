-- Tokens ended by POST /logout. Kept in the database, not in memory, so that every instance sharing
-- the database refuses them; rows can be purged once expires_at (unix seconds) has passed.
CREATE TABLE IF NOT EXISTS revoked_tokens (
    jti         CHAR(36)        NOT NULL,
    expires_at  BIGINT          NOT NULL,
    PRIMARY KEY (jti),
    KEY revoked_tokens_expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
