-- Signing keys (issue 25): asymmetric keys shared by every instance. The public JWK is kept in
-- clear (it is published); the private key is sealed with an AEAD whose key derives from
-- JWT_SECRET. A key is published from `created_at`, signs from `activates_at` until the next
-- generation of its algorithm activates, and is removed once the last token it signed expired.
-- Rows are kept after removal (their private part wiped): the oldest `created_at` is when the
-- service stopped issuing HS256 tokens.
CREATE TABLE IF NOT EXISTS signing_keys (
    kid VARCHAR(64) NOT NULL PRIMARY KEY,
    alg VARCHAR(8) NOT NULL,
    generation INT NOT NULL,
    public_jwk TEXT NOT NULL,
    private_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    activates_at BIGINT NOT NULL,
    UNIQUE KEY signing_keys_generation (alg, generation)
) ENGINE=InnoDB;
