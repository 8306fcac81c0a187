-- Password reset tokens and the mail outbox: see the MySQL migration of the same number.
CREATE TABLE IF NOT EXISTS password_resets (
    token_hash TEXT NOT NULL PRIMARY KEY,
    emp_no INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER NULL
);
CREATE INDEX IF NOT EXISTS password_resets_emp_no ON password_resets (emp_no);
CREATE INDEX IF NOT EXISTS password_resets_expiry ON password_resets (expires_at);

CREATE TABLE IF NOT EXISTS mail_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_by TEXT NULL,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    sent_at INTEGER NULL,
    failed_at INTEGER NULL,
    last_error TEXT NULL
);
CREATE INDEX IF NOT EXISTS mail_outbox_due ON mail_outbox (sent_at, failed_at, next_attempt_at);
CREATE INDEX IF NOT EXISTS mail_outbox_claim ON mail_outbox (claimed_by);
