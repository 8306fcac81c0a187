-- Registered OAuth clients (issue 25): the applications that log employees in through this
-- service. Lists (redirect URIs, scopes, grants) are space separated: none of their items may
-- hold a space, and one column keeps a client one row. A confidential client's secret is stored
-- as the SHA-256 of the random secret (hex); a public client has none.
CREATE TABLE IF NOT EXISTS oauth_clients (
    client_id                 VARCHAR(64)     NOT NULL,
    name                      VARCHAR(100)    NOT NULL,
    secret_hash               CHAR(64)        NULL,
    redirect_uris             TEXT            NOT NULL,
    post_logout_redirect_uris TEXT            NOT NULL,
    allowed_scopes            VARCHAR(255)    NOT NULL,
    grant_types               VARCHAR(255)    NOT NULL,
    consent                   BOOLEAN         NOT NULL DEFAULT FALSE,
    id_token_alg              VARCHAR(8)      NOT NULL DEFAULT 'ES256',
    created_at                BIGINT          NOT NULL,
    PRIMARY KEY (client_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The scopes an employee agreed to give a client (the consent page asks once per pair); gone
-- with the employee or the client.
CREATE TABLE IF NOT EXISTS oauth_consents (
    emp_no        INT             NOT NULL,
    client_id     VARCHAR(64)     NOT NULL,
    scope         VARCHAR(255)    NOT NULL,
    granted_at    BIGINT          NOT NULL,
    PRIMARY KEY (emp_no, client_id),
    KEY oauth_consents_client_ix (client_id),
    CONSTRAINT oauth_consents_emp_no_fk FOREIGN KEY (emp_no) REFERENCES employees (emp_no) ON DELETE CASCADE,
    CONSTRAINT oauth_consents_client_fk FOREIGN KEY (client_id) REFERENCES oauth_clients (client_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The client a session was started for (NULL: our own login page, Swagger UI's password flow, an
-- API client). Deleting a client ends its live sessions through the index. No foreign key: an
-- ended session keeps naming the client it was for after the client is gone.
SET @ddl = IF((SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()
               AND table_name = 'sessions' AND column_name = 'client_id') = 0,
    'ALTER TABLE sessions ADD COLUMN client_id VARCHAR(64) NULL,
                          ADD KEY sessions_client_ix (client_id, live_until)',
    'DO 0');
PREPARE stmt FROM @ddl;
EXECUTE stmt;
DEALLOCATE PREPARE stmt;
