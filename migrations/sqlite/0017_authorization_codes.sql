-- Authorization codes: see the MySQL migration of the same number.
CREATE TABLE IF NOT EXISTS authorization_codes (
    code_hash TEXT NOT NULL PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    emp_no INTEGER NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT NULL,
    auth_time INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    redeemed_at INTEGER NULL,
    session_sid TEXT NULL
);
CREATE INDEX IF NOT EXISTS authorization_codes_expiry ON authorization_codes (expires_at);
