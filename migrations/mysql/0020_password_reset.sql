-- Recovery by email (issue 26). A reset link's token is random and stored only as its SHA-256
-- (hex): whoever reads the table cannot use a link. A token works once (used_at) until
-- expires_at (unix seconds).
CREATE TABLE IF NOT EXISTS password_resets (
    token_hash CHAR(64) NOT NULL PRIMARY KEY,
    emp_no INT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NULL,
    KEY password_resets_emp_no (emp_no),
    KEY password_resets_expiry (expires_at)
) ENGINE=InnoDB;

-- Mail waiting to be sent, written in the transaction of what it tells about; the sender of
-- each instance claims rows (claimed_by, until claimed_until, unix seconds), sends them and
-- marks them sent, or counts a failed attempt and waits until next_attempt_at. A sent row keeps
-- no body (its link is spent as far as the outbox is concerned).
CREATE TABLE IF NOT EXISTS mail_outbox (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    recipient VARCHAR(255) NOT NULL,
    subject VARCHAR(255) NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts INT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_by VARCHAR(64) NULL,
    claimed_until BIGINT NOT NULL DEFAULT 0,
    sent_at BIGINT NULL,
    failed_at BIGINT NULL,
    last_error VARCHAR(255) NULL,
    KEY mail_outbox_due (sent_at, failed_at, next_attempt_at),
    KEY mail_outbox_claim (claimed_by)
) ENGINE=InnoDB;
