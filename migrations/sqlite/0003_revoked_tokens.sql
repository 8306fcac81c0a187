-- Tokens ended by POST /logout, kept in the database so that every instance refuses them.
CREATE TABLE IF NOT EXISTS revoked_tokens (
    jti         CHAR(36)        NOT NULL PRIMARY KEY,
    expires_at  INTEGER         NOT NULL
);
CREATE INDEX IF NOT EXISTS revoked_tokens_expires_at ON revoked_tokens (expires_at);
