-- HR changes: see the MySQL migration of the same number.
CREATE TABLE IF NOT EXISTS audit_log (
    id          INTEGER         NOT NULL PRIMARY KEY AUTOINCREMENT,
    at          TEXT            NOT NULL,
    actor       INTEGER         NULL,
    action      TEXT            NOT NULL,
    emp_no      INTEGER         NULL,
    ip          TEXT            NULL,
    user_agent  TEXT            NULL,
    details     TEXT            NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_emp_no_ix ON audit_log (emp_no, id);
CREATE INDEX IF NOT EXISTS audit_log_actor_ix ON audit_log (actor, id);
CREATE INDEX IF NOT EXISTS audit_log_action_ix ON audit_log (action, id);
CREATE INDEX IF NOT EXISTS audit_log_at_ix ON audit_log (at, id);

CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE IF NOT EXISTS idempotency_keys (
    actor           INTEGER         NOT NULL,
    endpoint        TEXT            NOT NULL,
    idem_key        TEXT            NOT NULL,
    request_hash    TEXT            NOT NULL,
    status          INTEGER         NOT NULL,
    body            TEXT            NOT NULL,
    location        TEXT            NULL,
    created_at      INTEGER         NOT NULL,
    PRIMARY KEY (actor, endpoint, idem_key)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_created_ix ON idempotency_keys (created_at);

CREATE TABLE IF NOT EXISTS emp_no_allocator (
    id          INTEGER         NOT NULL PRIMARY KEY CHECK (id = 1),
    last_emp_no INTEGER         NOT NULL
);
INSERT OR IGNORE INTO emp_no_allocator (id, last_emp_no)
SELECT 1, COALESCE(MAX(emp_no), 0) FROM employees;

ALTER TABLE employees ADD COLUMN tokens_not_before INTEGER NULL;
