-- The second factor (issue 26): TOTP (RFC 6238) secrets sealed at rest, their last used step (a
-- step once used is refused again on every instance), hashed one-time recovery codes, and the
-- logins waiting for their second step (the `mfa_token`, stored by SHA-256 hash, 5 minutes,
-- once). Sessions and authorization codes record how the employee authenticated (RFC 8176 `amr`).
CREATE TABLE IF NOT EXISTS mfa_totp (
    emp_no        INT             NOT NULL PRIMARY KEY,
    secret_sealed VARCHAR(255)    NOT NULL,
    created_at    BIGINT          NOT NULL,
    confirmed_at  BIGINT          NULL,
    last_step     BIGINT          NULL,
    CONSTRAINT mfa_totp_emp_no_fk FOREIGN KEY (emp_no) REFERENCES employees (emp_no) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS mfa_recovery_codes (
    emp_no        INT             NOT NULL,
    code_hash     CHAR(64)        NOT NULL,
    used_at       BIGINT          NULL,
    PRIMARY KEY (emp_no, code_hash),
    CONSTRAINT mfa_recovery_codes_emp_no_fk FOREIGN KEY (emp_no) REFERENCES employees (emp_no) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS mfa_pending (
    token_hash    CHAR(64)        NOT NULL PRIMARY KEY,
    emp_no        INT             NOT NULL,
    scope         VARCHAR(255)    NOT NULL,
    password_mark CHAR(64)        NOT NULL,
    device_id     VARCHAR(64)     NOT NULL,
    expires_at    BIGINT          NOT NULL,
    used_at       BIGINT          NULL,
    KEY mfa_pending_expiry (expires_at),
    CONSTRAINT mfa_pending_emp_no_fk FOREIGN KEY (emp_no) REFERENCES employees (emp_no) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

SET @ddl = IF((SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()
               AND table_name = 'sessions' AND column_name = 'amr') = 0,
    'ALTER TABLE sessions ADD COLUMN amr VARCHAR(32) NOT NULL DEFAULT ''pwd''',
    'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;

SET @ddl = IF((SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()
               AND table_name = 'authorization_codes' AND column_name = 'amr') = 0,
    'ALTER TABLE authorization_codes ADD COLUMN amr VARCHAR(32) NOT NULL DEFAULT ''pwd''',
    'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
