-- Signing keys: see the MySQL migration of the same number.
CREATE TABLE IF NOT EXISTS signing_keys (
    kid TEXT NOT NULL PRIMARY KEY,
    alg TEXT NOT NULL,
    generation INTEGER NOT NULL,
    public_jwk TEXT NOT NULL,
    private_sealed TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    activates_at INTEGER NOT NULL,
    UNIQUE (alg, generation)
);
