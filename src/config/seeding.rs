//! Seeding: the password seeded accounts get, and whether `serve` seeds at start.

use clap::{Args, builder::BoolishValueParser};

/// `SEED_PASSWORD`, `SEED_ON_START`.
#[derive(Args, Clone)]
pub struct Seeding {
    /// The password that seeding gives to seeded and back-filled accounts.
    #[arg(
        long,
        env = "SEED_PASSWORD",
        global = true,
        default_value = "password",
        hide_env_values = true
    )]
    pub seed_password: String,

    /// Load the seed/ data when `serve` starts (idempotent: only what is missing is added).
    /// Default: true on the embedded SQLite file, false otherwise.
    #[arg(long, env = "SEED_ON_START", global = true, value_parser = BoolishValueParser::new())]
    pub seed_on_start: Option<bool>,
}
