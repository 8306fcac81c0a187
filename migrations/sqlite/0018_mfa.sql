-- The second factor: see the MySQL migration of the same number.
CREATE TABLE IF NOT EXISTS mfa_totp (
    emp_no        INTEGER         NOT NULL PRIMARY KEY REFERENCES employees (emp_no) ON DELETE CASCADE,
    secret_sealed TEXT            NOT NULL,
    created_at    INTEGER         NOT NULL,
    confirmed_at  INTEGER         NULL,
    last_step     INTEGER         NULL
);

CREATE TABLE IF NOT EXISTS mfa_recovery_codes (
    emp_no        INTEGER         NOT NULL REFERENCES employees (emp_no) ON DELETE CASCADE,
    code_hash     TEXT            NOT NULL,
    used_at       INTEGER         NULL,
    PRIMARY KEY (emp_no, code_hash)
);

CREATE TABLE IF NOT EXISTS mfa_pending (
    token_hash    TEXT            NOT NULL PRIMARY KEY,
    emp_no        INTEGER         NOT NULL REFERENCES employees (emp_no) ON DELETE CASCADE,
    scope         TEXT            NOT NULL,
    password_mark TEXT            NOT NULL,
    device_id     TEXT            NOT NULL,
    expires_at    INTEGER         NOT NULL,
    used_at       INTEGER         NULL
);
CREATE INDEX IF NOT EXISTS mfa_pending_expiry ON mfa_pending (expires_at);

ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
ALTER TABLE authorization_codes ADD COLUMN amr TEXT NOT NULL DEFAULT 'pwd';
