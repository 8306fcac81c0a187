-- Login sessions (one per password login), their refresh tokens, and the failed-login budgets that
-- every instance shares. Times are unix seconds (milliseconds where named), read against the
-- service's clock, so that both backends compare them alike.
CREATE TABLE IF NOT EXISTS sessions (
    sid           CHAR(32)        NOT NULL,
    emp_no        INT             NOT NULL,
    -- The scopes granted at login: a refresh may narrow them, never widen them.
    scope         VARCHAR(255)    NOT NULL,
    started_at    BIGINT          NOT NULL,
    last_used_at  BIGINT          NOT NULL,
    -- The absolute end (SESSION_MAX_DAYS after login).
    expires_at    BIGINT          NOT NULL,
    -- The earlier of the idle end (SESSION_IDLE_MINUTES after the last refresh) and expires_at;
    -- 0 once ended. Every authenticated request compares it with now in its own statement.
    live_until    BIGINT          NOT NULL,
    ended_at      BIGINT          NULL,
    ip            VARCHAR(45)     NULL,
    user_agent    VARCHAR(255)    NULL,
    PRIMARY KEY (sid),
    KEY sessions_emp_no_ix (emp_no, live_until),
    KEY sessions_expires_at_ix (expires_at),
    CONSTRAINT sessions_emp_no_fk FOREIGN KEY (emp_no) REFERENCES employees (emp_no) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Refresh tokens, stored as the SHA-256 of the random token (hex). One unspent row per session;
-- spent rows stay while the session lives, so that a replay is recognised.
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash    CHAR(64)        NOT NULL,
    sid           CHAR(32)        NOT NULL,
    issued_at     BIGINT          NOT NULL,
    spent_at      BIGINT          NULL,
    PRIMARY KEY (token_hash),
    KEY refresh_tokens_sid_ix (sid),
    CONSTRAINT refresh_tokens_sid_fk FOREIGN KEY (sid) REFERENCES sessions (sid) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Failed-login budgets: a token bucket per key (an address's network, an account, a device),
-- keyed by the SHA-256 of the key so that no email is stored here. in_flight counts reservations
-- not settled yet; they stop holding the budget at held_until_ms (an instance that died mid-login).
CREATE TABLE IF NOT EXISTS login_budgets (
    bucket        CHAR(64)        NOT NULL,
    tokens        DOUBLE          NOT NULL,
    updated_ms    BIGINT          NOT NULL,
    in_flight     INT             NOT NULL,
    held_until_ms BIGINT          NOT NULL,
    PRIMARY KEY (bucket),
    KEY login_budgets_updated_ix (updated_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- (network, account) pairs that logged in, keyed by their SHA-256: such an address spends only
-- its own budget for that account.
CREATE TABLE IF NOT EXISTS login_trust (
    pair          CHAR(64)        NOT NULL,
    until         BIGINT          NOT NULL,
    PRIMARY KEY (pair),
    KEY login_trust_until_ix (until)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Sessions replace the per-token revocation list and the per-employee cut-off.
DROP TABLE IF EXISTS revoked_tokens;
SET @ddl = IF((SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()
               AND table_name = 'employees' AND column_name = 'tokens_not_before') = 1,
    'ALTER TABLE employees DROP COLUMN tokens_not_before',
    'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
