-- Registered OAuth clients, consents and a session's client: see the MySQL migration of the same
-- number.
CREATE TABLE IF NOT EXISTS oauth_clients (
    client_id                 TEXT            NOT NULL PRIMARY KEY,
    name                      TEXT            NOT NULL,
    secret_hash               TEXT            NULL,
    redirect_uris             TEXT            NOT NULL,
    post_logout_redirect_uris TEXT            NOT NULL,
    allowed_scopes            TEXT            NOT NULL,
    grant_types               TEXT            NOT NULL,
    consent                   BOOLEAN         NOT NULL DEFAULT FALSE,
    id_token_alg              TEXT            NOT NULL DEFAULT 'ES256',
    created_at                INTEGER         NOT NULL
);

CREATE TABLE IF NOT EXISTS oauth_consents (
    emp_no        INTEGER         NOT NULL REFERENCES employees (emp_no) ON DELETE CASCADE,
    client_id     TEXT            NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    scope         TEXT            NOT NULL,
    granted_at    INTEGER         NOT NULL,
    PRIMARY KEY (emp_no, client_id)
);
CREATE INDEX IF NOT EXISTS oauth_consents_client_ix ON oauth_consents (client_id);

ALTER TABLE sessions ADD COLUMN client_id TEXT NULL;
CREATE INDEX IF NOT EXISTS sessions_client_ix ON sessions (client_id, live_until);
