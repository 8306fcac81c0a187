-- Passkeys (issue 26, WebAuthn Level 3): an employee's registered credentials, each the
-- serialized webauthn-rs `Passkey` (public key, counter, flags: no secret), updated after every
-- use so that a cloned authenticator's stale counter is refused. `credential_id` is its id in
-- base64url (case matters: a binary collation; at most 1023 bytes, WebAuthn's limit).
CREATE TABLE IF NOT EXISTS passkeys (
    id             BIGINT          NOT NULL AUTO_INCREMENT,
    emp_no         INT             NOT NULL,
    credential_id  VARCHAR(1400)   CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    passkey        TEXT            NOT NULL,
    name           VARCHAR(100)    NOT NULL,
    created_at     BIGINT          NOT NULL,
    last_used_at   BIGINT          NULL,
    PRIMARY KEY (id),
    UNIQUE KEY passkeys_credential_ux (credential_id),
    KEY passkeys_emp_no_ix (emp_no),
    CONSTRAINT passkeys_emp_no_fk FOREIGN KEY (emp_no) REFERENCES employees (emp_no) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- WebAuthn ceremonies in progress (registration, sign-in, second factor): the server's half of
-- the challenge, kept here so that any instance finishes what another started. `id` is random
-- and is the handle the client holds; a ceremony is claimed by the DELETE that finishes it, so
-- it is used once even when two instances race.
CREATE TABLE IF NOT EXISTS webauthn_ceremonies (
    id             CHAR(32)        NOT NULL,
    emp_no         INT             NULL,
    kind           VARCHAR(16)     NOT NULL,
    state          TEXT            NOT NULL,
    expires_at     BIGINT          NOT NULL,
    PRIMARY KEY (id),
    KEY webauthn_ceremonies_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
