//! `employees keys …`: the signing keys from the command line, through the same ring the
//! service signs with (`POST /admin/keys/rotate` does the same over HTTP).

use crate::{
    clock::Clock,
    config::{Config, ConfigError, KeysArgs, KeysCommand},
    db::Db,
    error::Error,
    service::keys::KeyRing,
    startup::wiring::key_policy,
};

/// Runs one `keys` subcommand; its answer goes to stdout, for scripts to read.
pub async fn run(config: &Config, db: Db, args: KeysArgs) -> Result<(), Error> {
    // The private parts are sealed with a key derived from JWT_SECRET: the service must be
    // able to open what this makes.
    let secret = config.auth.jwt_secret.as_deref().ok_or_else(|| {
        ConfigError::new("JWT_SECRET", "is required: signing keys are sealed with it")
    })?;
    let policy = key_policy(
        config.oidc.rotation(),
        config.oidc.jwks_max_age(),
        config.auth.token_lifetime(),
    );
    let ring = KeyRing::start(db, secret.as_bytes(), Clock::system(), policy).await?;
    match args.command {
        KeysCommand::Rotate => {
            for key in ring.rotate().await? {
                println!("{}\t{}\tsigns from {}", key.kid, key.alg, key.activates_at);
            }
        }
        KeysCommand::List => {
            for (key, status) in ring.statuses() {
                println!(
                    "{}\t{}\t{}\tpublished {}\tsigns from {}",
                    key.kid,
                    key.alg.name(),
                    status.name(),
                    key.created_at,
                    key.activates_at
                );
            }
        }
    }
    Ok(())
}
