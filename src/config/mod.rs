//! Configuration: the command line and the environment (`.env` included), read once at start.
//!
//! Every option is also an environment variable (clap's `env`), so deployments use the variables
//! and `--help` documents both. A bad value stops the program with a message naming the variable.

use clap::{Args, Parser, Subcommand, ValueEnum, value_parser};

mod auth;
mod clients;
mod database;
mod http;
mod keys;
mod mfa;
mod oidc;
mod policy;
mod search;
mod seeding;
mod telemetry;

pub use auth::Auth;
pub use clients::{ClientAddArgs, ClientsArgs, ClientsCommand};
pub use database::{Database, DatabaseTarget};
pub use http::Http;
pub use keys::{KeysArgs, KeysCommand};
pub use mfa::{Mfa, MfaPolicy};
pub use oidc::Oidc;
pub use policy::{ConnectionLimits, Limits, LogFormat, SearchLimits, SessionPolicy};
pub use search::Search;
pub use seeding::Seeding;
pub use telemetry::{MetricsAddress, Telemetry};

/// The shortest `JWT_SECRET` accepted: HS256 wants a key at least as long as its 256-bit output.
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Parser)]
#[command(
    name = "employees",
    version,
    about = "Employees database backend with one OAuth2 password-grant login"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum Command {
    /// Apply pending migrations, seed if configured, and serve HTTP (the default).
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Load the seed/ data (idempotent), generate test_db-scale data, or back-fill emails.
    Seed(SeedArgs),
    /// Register, list or remove the OAuth clients that log employees in through this service.
    Clients(ClientsArgs),
    /// Rotate or list the signing keys (JWT_SECRET required: it seals them).
    Keys(KeysArgs),
}

#[derive(Args, Debug, Clone)]
pub struct SeedArgs {
    /// Generate employees at test_db's scale (after loading seed/); deterministic per --rng-seed.
    #[arg(long, conflicts_with = "backfill_emails")]
    pub generate: bool,
    /// With --generate: how many employees the database holds at the end, seed/ accounts included.
    #[arg(long, default_value_t = 300_024, requires = "generate")]
    pub employees: u32,
    /// With --generate: the random seed; the same number always gives the same rows.
    #[arg(long, default_value_t = 1, requires = "generate")]
    pub rng_seed: u64,
    /// For an existing test_db: give every employee without an email
    /// `firstname.lastname.EMPNO@gmail.com` and the hash of SEED_PASSWORD.
    #[arg(long)]
    pub backfill_emails: bool,
    /// Rows per batched INSERT or UPDATE.
    #[arg(long, env = "SEED_BATCH_SIZE", default_value_t = 4_000, value_parser = value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,
    /// No progress bar (progress is still logged).
    #[arg(long)]
    pub quiet: bool,
}

/// Where the service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    /// A developer's machine or the compose stack: the placeholder secret is accepted, with a
    /// warning at every start.
    Local,
    Production,
}

/// What `.env.example` ships as JWT_SECRET: known to everyone, so refused outside `local`.
pub const PLACEHOLDER_SECRET_MARK: &str = "changethis";

/// Settings shared by every subcommand, by concern (the variables keep their names).
#[derive(Args, Clone)]
pub struct Config {
    /// `local` or `production`: only `local` accepts the placeholder JWT_SECRET of .env.example.
    #[arg(long, env = "ENVIRONMENT", global = true, value_enum, default_value_t = Environment::Production)]
    pub environment: Environment,

    #[command(flatten)]
    pub database: Database,
    #[command(flatten)]
    pub auth: Auth,
    #[command(flatten)]
    pub http: Http,
    #[command(flatten)]
    pub oidc: Oidc,
    #[command(flatten)]
    pub mfa: Mfa,
    #[command(flatten)]
    pub search: Search,
    #[command(flatten)]
    pub seeding: Seeding,
    #[command(flatten)]
    pub telemetry: Telemetry,
}

/// A configuration value that cannot be used, named by its environment variable.
#[derive(Debug, thiserror::Error)]
#[error("{var} {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

impl ConfigError {
    pub(crate) fn new(var: &'static str, message: impl Into<String>) -> Self {
        Self {
            var,
            message: message.into(),
        }
    }
}

impl Config {
    /// Checks the values that clap cannot check alone. Called once at start by every subcommand.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.database()?;
        self.http.validate()?;
        self.oidc.validate()?;
        self.mfa.validate()?;
        let (bind, metrics) = (self.http.bind_addr, self.telemetry.metrics_bind_addr);
        if let MetricsAddress::At(metrics) = metrics
            && metrics.port() == bind.port()
            && (metrics.ip() == bind.ip()
                || metrics.ip().is_unspecified()
                || bind.ip().is_unspecified())
        {
            return Err(ConfigError::new(
                "METRICS_BIND_ADDR",
                "must differ from BIND_ADDR: metrics are never served on the public port",
            ));
        }
        crate::domain::password::check_new(&self.seeding.seed_password)
            .map_err(|rule| ConfigError::new("SEED_PASSWORD", rule.to_string()))?;
        self.auth.validate(self.environment)
    }

    pub fn database(&self) -> Result<DatabaseTarget, ConfigError> {
        self.database.target()
    }

    /// The signing key for `serve`: JWT_SECRET, or on the embedded default a random one per run.
    /// The bool says whether the key was made up (its tokens die with the process).
    pub fn jwt_secret_for_serve(&self) -> Result<(Vec<u8>, bool), ConfigError> {
        match (&self.auth.jwt_secret, self.database()?) {
            (Some(secret), _) => Ok((secret.as_bytes().to_vec(), false)),
            (None, DatabaseTarget::EmbeddedSqlite(_)) => {
                use rand::Rng;
                let mut key = vec![0u8; 64];
                rand::rng().fill_bytes(&mut key);
                Ok((key, true))
            }
            (None, DatabaseTarget::Url(_)) => Err(ConfigError::new(
                "JWT_SECRET",
                "is required when DATABASE_URL is set",
            )),
        }
    }

    pub fn seed_on_start(&self) -> bool {
        self.seeding.seed_on_start.unwrap_or(matches!(
            self.database(),
            Ok(DatabaseTarget::EmbeddedSqlite(_))
        ))
    }
}
