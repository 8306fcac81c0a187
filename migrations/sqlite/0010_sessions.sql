-- Sessions, refresh tokens and shared failed-login budgets: see the MySQL migration of the same number.
CREATE TABLE IF NOT EXISTS sessions (
    sid           TEXT            NOT NULL PRIMARY KEY,
    emp_no        INTEGER         NOT NULL REFERENCES employees (emp_no) ON DELETE CASCADE,
    scope         TEXT            NOT NULL,
    started_at    INTEGER         NOT NULL,
    last_used_at  INTEGER         NOT NULL,
    expires_at    INTEGER         NOT NULL,
    live_until    INTEGER         NOT NULL,
    ended_at      INTEGER         NULL,
    ip            TEXT            NULL,
    user_agent    TEXT            NULL
);
CREATE INDEX IF NOT EXISTS sessions_emp_no_ix ON sessions (emp_no, live_until);
CREATE INDEX IF NOT EXISTS sessions_expires_at_ix ON sessions (expires_at);

CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash    TEXT            NOT NULL PRIMARY KEY,
    sid           TEXT            NOT NULL REFERENCES sessions (sid) ON DELETE CASCADE,
    issued_at     INTEGER         NOT NULL,
    spent_at      INTEGER         NULL
);
CREATE INDEX IF NOT EXISTS refresh_tokens_sid_ix ON refresh_tokens (sid);

CREATE TABLE IF NOT EXISTS login_budgets (
    bucket        TEXT            NOT NULL PRIMARY KEY,
    tokens        REAL            NOT NULL,
    updated_ms    INTEGER         NOT NULL,
    in_flight     INTEGER         NOT NULL,
    held_until_ms INTEGER         NOT NULL
);
CREATE INDEX IF NOT EXISTS login_budgets_updated_ix ON login_budgets (updated_ms);

CREATE TABLE IF NOT EXISTS login_trust (
    pair          TEXT            NOT NULL PRIMARY KEY,
    until         INTEGER         NOT NULL
);
CREATE INDEX IF NOT EXISTS login_trust_until_ix ON login_trust (until);

DROP TABLE IF EXISTS revoked_tokens;
ALTER TABLE employees DROP COLUMN tokens_not_before;
