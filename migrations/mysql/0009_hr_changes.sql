-- HR changes (src/service/hr.rs): the audit trail, the answers kept for Idempotency-Key retries,
-- the emp_no allocator, and the moment up to which an employee's tokens are refused.

-- Append-only: the service has no statement that updates or deletes a row, and the triggers
-- refuse one from anybody else too.
CREATE TABLE IF NOT EXISTS audit_log (
    id          BIGINT          NOT NULL AUTO_INCREMENT,
    at          DATETIME(6)     NOT NULL,
    actor       INT             NULL,
    action      VARCHAR(32)     NOT NULL,
    emp_no      INT             NULL,
    ip          VARCHAR(45)     NULL,
    user_agent  VARCHAR(512)    NULL,
    details     TEXT            NOT NULL,
    PRIMARY KEY (id),
    KEY audit_log_emp_no_ix (emp_no, id),
    KEY audit_log_actor_ix (actor, id),
    KEY audit_log_action_ix (action, id),
    KEY audit_log_at_ix (at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only';
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_log is append-only';

-- The first successful answer of a change per caller, endpoint and key, written in the change's
-- own transaction; older than 24 hours it no longer counts and is purged.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    actor           INT             NOT NULL,
    endpoint        VARCHAR(128)    NOT NULL,
    idem_key        VARCHAR(255)    NOT NULL,
    request_hash    CHAR(64)        NOT NULL,
    status          SMALLINT        NOT NULL,
    body            MEDIUMTEXT      NOT NULL,
    location        VARCHAR(255)    NULL,
    created_at      BIGINT          NOT NULL,
    PRIMARY KEY (actor, endpoint, idem_key),
    KEY idempotency_keys_created_ix (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The last emp_no given out: a hire takes the next one under this row's lock, so two hires on
-- any instance never pick the same number (MAX(emp_no) + 1 would race).
CREATE TABLE IF NOT EXISTS emp_no_allocator (
    id          TINYINT         NOT NULL,
    last_emp_no INT             NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT emp_no_allocator_one CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT IGNORE INTO emp_no_allocator (id, last_emp_no)
SELECT 1, COALESCE(MAX(emp_no), 0) FROM employees;

-- Tokens issued at or before this moment (unix seconds) are refused: a termination sets it.
SET @ddl = IF((SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()
               AND table_name = 'employees' AND column_name = 'tokens_not_before') = 0,
    'ALTER TABLE employees ADD COLUMN tokens_not_before BIGINT NULL',
    'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
