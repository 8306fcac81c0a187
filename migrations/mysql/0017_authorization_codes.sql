-- Authorization codes (issue 25, OIDC Core §3.1.2): single-use, bound to their client,
-- redirect URI and PKCE challenge, valid for 60 seconds. Stored by SHA-256 hash; a redeemed
-- code keeps its row (and the session its tokens went to), so a second use ends that session.
CREATE TABLE IF NOT EXISTS authorization_codes (
    code_hash CHAR(64) NOT NULL PRIMARY KEY,
    client_id VARCHAR(64) NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge VARCHAR(128) NOT NULL,
    emp_no INT NOT NULL,
    scope VARCHAR(255) NOT NULL,
    nonce VARCHAR(512) NULL,
    auth_time BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    redeemed_at BIGINT NULL,
    session_sid VARCHAR(64) NULL,
    KEY authorization_codes_expiry (expires_at)
) ENGINE=InnoDB;
