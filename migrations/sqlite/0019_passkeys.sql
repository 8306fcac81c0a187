-- Passkeys and WebAuthn ceremonies: see the MySQL migration of the same number.
CREATE TABLE IF NOT EXISTS passkeys (
    id             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    emp_no         INTEGER NOT NULL REFERENCES employees (emp_no) ON DELETE CASCADE,
    credential_id  TEXT NOT NULL UNIQUE,
    passkey        TEXT NOT NULL,
    name           TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER NULL
);
CREATE INDEX IF NOT EXISTS passkeys_emp_no_ix ON passkeys (emp_no);

CREATE TABLE IF NOT EXISTS webauthn_ceremonies (
    id             TEXT NOT NULL PRIMARY KEY,
    emp_no         INTEGER NULL,
    kind           TEXT NOT NULL,
    state          TEXT NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webauthn_ceremonies_expiry ON webauthn_ceremonies (expires_at);
