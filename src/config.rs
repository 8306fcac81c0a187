//! Configuration: the command line and the environment (`.env` included), read once at start.
//!
//! Every option is also an environment variable (clap's `env`), so deployments use the variables
//! and `--help` documents both. A bad value stops the program with a message naming the variable.

use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use clap::{Args, Parser, Subcommand, ValueEnum, builder::BoolishValueParser, value_parser};

pub use crate::telemetry::LogFormat;

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

/// Settings shared by every subcommand.
#[derive(Args, Clone)]
pub struct Config {
    /// `mysql://user:password@host:3306/db` (MySQL or MariaDB) or `sqlite://path`.
    /// Unset: the embedded SQLite file SQLITE_FILE.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// The SQLite file used when DATABASE_URL is unset (created on first start).
    #[arg(
        long,
        env = "SQLITE_FILE",
        global = true,
        default_value = "employees.db"
    )]
    pub sqlite_file: PathBuf,

    /// `local` or `production`: only `local` accepts the placeholder JWT_SECRET of .env.example.
    #[arg(long, env = "ENVIRONMENT", global = true, value_enum, default_value_t = Environment::Production)]
    pub environment: Environment,

    /// HS256 signing key, at least 32 bytes. Required when DATABASE_URL is set; on the embedded
    /// default without one, `serve` makes a random key for that run.
    #[arg(long, env = "JWT_SECRET", global = true, hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Lifetime of an access token (and of the login cookie).
    #[arg(long, env = "ACCESS_TOKEN_EXPIRE_MINUTES", global = true, default_value_t = 30,
          value_parser = value_parser!(u32).range(1..=525_600))]
    pub access_token_expire_minutes: u32,

    /// A session ends after this many minutes without a refresh.
    #[arg(long, env = "SESSION_IDLE_MINUTES", global = true, default_value_t = 1440,
          value_parser = value_parser!(u32).range(1..=525_600))]
    pub session_idle_minutes: u32,

    /// A session ends this many days after its login, whatever happens.
    #[arg(long, env = "SESSION_MAX_DAYS", global = true, default_value_t = 7,
          value_parser = value_parser!(u32).range(1..=366))]
    pub session_max_days: u32,

    /// A spent refresh token presented again this soon (two tabs renewing at once) gets an access
    /// token instead of ending the session.
    #[arg(long, env = "REFRESH_REUSE_GRACE_SECONDS", global = true, default_value_t = 10,
          value_parser = value_parser!(u32).range(0..=300))]
    pub refresh_reuse_grace_seconds: u32,

    /// `iss` claim issued and required.
    #[arg(long, env = "JWT_ISSUER", global = true, default_value = "employees")]
    pub jwt_issuer: String,

    /// `aud` claim issued and required.
    #[arg(long, env = "JWT_AUDIENCE", global = true, default_value = "employees")]
    pub jwt_audience: String,

    /// Address and port `serve` listens on.
    #[arg(
        long,
        env = "BIND_ADDR",
        global = true,
        default_value = "127.0.0.1:8000"
    )]
    pub bind_addr: SocketAddr,

    /// Where `GET /metrics` (Prometheus) is served: a listener of its own, never the public port.
    /// `off` records and serves no metrics.
    #[arg(
        long,
        env = "METRICS_BIND_ADDR",
        global = true,
        default_value = "127.0.0.1:9000"
    )]
    pub metrics_bind_addr: MetricsAddress,

    /// `text` (lines for people) or `json` (one JSON object a line, the same fields).
    #[arg(long, env = "LOG_FORMAT", global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Failed logins allowed per client address and per account each minute.
    #[arg(long, env = "LOGIN_MAX_FAILURES_PER_MINUTE", global = true, default_value_t = 10,
          value_parser = value_parser!(u32).range(1..=1_000_000))]
    pub login_max_failures_per_minute: u32,

    /// Reverse proxies (comma-separated IP addresses) whose `X-Forwarded-For` names the client.
    /// From any other peer the header is ignored and the connection's address is the client.
    #[arg(long, env = "TRUSTED_PROXIES", global = true, value_delimiter = ',')]
    pub trusted_proxies: Vec<IpAddr>,

    /// Seconds a request may take before it is answered 503.
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", global = true, default_value_t = 10,
          value_parser = value_parser!(u64).range(1..=600))]
    pub request_timeout_secs: u64,

    /// Seconds a client has to send a request's body once its headers are in; then `408`.
    /// Shorter than REQUEST_TIMEOUT_SECS, so that a stalled body frees its slot first.
    #[arg(long, env = "BODY_READ_TIMEOUT_SECS", global = true, default_value_t = 5,
          value_parser = value_parser!(u64).range(1..=600))]
    pub body_read_timeout_secs: u64,

    /// Seconds a client has to send a request's headers, counted from the connection's start
    /// (first byte included) or from the previous response; then the connection is closed.
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECS", global = true, default_value_t = 10,
          value_parser = value_parser!(u64).range(1..=600))]
    pub header_read_timeout_secs: u64,

    /// Seconds a connection (HTTP/1 or HTTP/2) may pass with no byte read or written; then it
    /// is closed.
    #[arg(long, env = "IDLE_TIMEOUT_SECS", global = true, default_value_t = 30,
          value_parser = value_parser!(u64).range(1..=3_600))]
    pub idle_timeout_secs: u64,

    /// Open connections from one client address (an IPv6 /64); more are closed at once.
    #[arg(long, env = "MAX_CONNECTIONS_PER_ADDRESS", global = true, default_value_t = 256,
          value_parser = value_parser!(u32).range(1..=1_000_000))]
    pub max_connections_per_address: u32,

    /// Open connections in all; more are closed at once. Also kept below the open-files limit.
    #[arg(long, env = "MAX_CONNECTIONS", global = true, default_value_t = 20_000,
          value_parser = value_parser!(u32).range(1..=10_000_000))]
    pub max_connections: u32,

    /// One client address's share of MAX_CONCURRENT_REQUESTS; more from it are answered 429.
    #[arg(long, env = "MAX_CONCURRENT_REQUESTS_PER_ADDRESS", global = true, default_value_t = 64,
          value_parser = value_parser!(u32).range(1..=1_000_000))]
    pub max_concurrent_requests_per_address: u32,

    /// Requests handled at once; more are answered 503 at once rather than queued.
    #[arg(long, env = "MAX_CONCURRENT_REQUESTS", global = true, default_value_t = 512,
          value_parser = value_parser!(u32).range(1..=1_000_000))]
    pub max_concurrent_requests: u32,

    /// Largest total size of a request's headers, in bytes; more is answered 431.
    #[arg(long, env = "MAX_HEADER_BYTES", global = true, default_value_t = 16_384,
          value_parser = value_parser!(u32).range(1_024..=1_048_576))]
    pub max_header_bytes: u32,

    /// bcrypt cost for the hashes that seeding writes (4 to 31; each step doubles the work).
    #[arg(long, env = "BCRYPT_COST", global = true, default_value_t = 12,
          value_parser = value_parser!(u32).range(4..=31))]
    pub bcrypt_cost: u32,

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

    /// Most database connections in the pool.
    #[arg(long, env = "DB_MAX_CONNECTIONS", global = true, default_value_t = 10,
          value_parser = value_parser!(u32).range(1..=1_000))]
    pub db_max_connections: u32,

    /// One employee's directory searches running at once (all their sessions together); more
    /// wait up to SEARCH_WAIT_MS for a turn, then get 429. Keeps one caller from holding the pool.
    #[arg(long, env = "MAX_SEARCHES_PER_CALLER", global = true, default_value_t = 2,
          value_parser = value_parser!(u32).range(1..=1_000))]
    pub max_searches_per_caller: u32,

    /// Milliseconds a search beyond the caller's share waits for a turn before 429.
    #[arg(long, env = "SEARCH_WAIT_MS", global = true, default_value_t = 1_000,
          value_parser = value_parser!(u64).range(0..=60_000))]
    pub search_wait_ms: u64,

    /// Milliseconds one statement of a directory search may run on MySQL/MariaDB before the
    /// server stops it and the search answers 503 (0: no limit; SQLite has none).
    #[arg(long, env = "SEARCH_STATEMENT_TIMEOUT_MS", global = true, default_value_t = 2_000,
          value_parser = value_parser!(u64).range(0..=600_000))]
    pub search_statement_timeout_ms: u64,

    /// Seconds a request waits for a database connection before it gets 503.
    #[arg(long, env = "DB_ACQUIRE_TIMEOUT_SECS", global = true, default_value_t = 3,
          value_parser = value_parser!(u64).range(1..=300))]
    pub db_acquire_timeout_secs: u64,

    /// Seconds the program keeps retrying its first database connection at start.
    #[arg(long, env = "DB_CONNECT_RETRY_SECS", global = true, default_value_t = 30,
          value_parser = value_parser!(u64).range(0..=3_600))]
    pub db_connect_retry_secs: u64,

    /// Mark the login cookie `Secure` (set it when served over HTTPS).
    #[arg(long, env = "COOKIE_SECURE", global = true, default_value_t = false,
          value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub cookie_secure: bool,
}

/// METRICS_BIND_ADDR: an address, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsAddress {
    Off,
    At(SocketAddr),
}

impl std::str::FromStr for MetricsAddress {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, String> {
        match value.trim() {
            "off" => Ok(MetricsAddress::Off),
            address => address
                .parse()
                .map(MetricsAddress::At)
                .map_err(|_| "must be an address and port (127.0.0.1:9000) or off".to_owned()),
        }
    }
}

/// A configuration value that cannot be used, named by its environment variable.
#[derive(Debug, thiserror::Error)]
#[error("{var} {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(var: &'static str, message: impl Into<String>) -> Self {
        Self {
            var,
            message: message.into(),
        }
    }
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A URL given in DATABASE_URL.
    Url(String),
    /// The zero-setup default: an SQLite file created on first start.
    EmbeddedSqlite(PathBuf),
}

impl Config {
    /// Checks the values that clap cannot check alone. Called once at start by every subcommand.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.database()?;
        if self.body_read_timeout_secs >= self.request_timeout_secs {
            return Err(ConfigError::new(
                "BODY_READ_TIMEOUT_SECS",
                "must be shorter than REQUEST_TIMEOUT_SECS",
            ));
        }
        if self.idle_timeout_secs <= self.request_timeout_secs {
            return Err(ConfigError::new(
                "IDLE_TIMEOUT_SECS",
                "must be longer than REQUEST_TIMEOUT_SECS",
            ));
        }
        if let MetricsAddress::At(metrics) = self.metrics_bind_addr
            && metrics.port() == self.bind_addr.port()
            && (metrics.ip() == self.bind_addr.ip()
                || metrics.ip().is_unspecified()
                || self.bind_addr.ip().is_unspecified())
        {
            return Err(ConfigError::new(
                "METRICS_BIND_ADDR",
                "must differ from BIND_ADDR: metrics are never served on the public port",
            ));
        }
        crate::service::password::check_new(&self.seed_password)
            .map_err(|rule| ConfigError::new("SEED_PASSWORD", rule.to_string()))?;
        if let Some(secret) = &self.jwt_secret {
            if secret.len() < MIN_SECRET_BYTES {
                return Err(ConfigError::new(
                    "JWT_SECRET",
                    format!("must be at least {MIN_SECRET_BYTES} bytes long"),
                ));
            }
            if self.uses_placeholder_secret() && self.environment != Environment::Local {
                return Err(ConfigError::new(
                    "JWT_SECRET",
                    "is the placeholder of .env.example: set a real secret (openssl rand -hex 32), \
                     or ENVIRONMENT=local on a development machine",
                ));
            }
        }
        Ok(())
    }

    pub fn database(&self) -> Result<DatabaseTarget, ConfigError> {
        match self.database_url.as_deref().map(str::trim) {
            None | Some("") => Ok(DatabaseTarget::EmbeddedSqlite(self.sqlite_file.clone())),
            Some(url)
                if ["mysql://", "mariadb://", "sqlite:"]
                    .iter()
                    .any(|scheme| url.starts_with(scheme)) =>
            {
                Ok(DatabaseTarget::Url(url.to_owned()))
            }
            Some(_) => Err(ConfigError::new(
                "DATABASE_URL",
                "must start with mysql://, mariadb:// or sqlite:",
            )),
        }
    }

    /// The signing key for `serve`: JWT_SECRET, or on the embedded default a random one per run.
    /// The bool says whether the key was made up (its tokens die with the process).
    pub fn jwt_secret_for_serve(&self) -> Result<(Vec<u8>, bool), ConfigError> {
        match (&self.jwt_secret, self.database()?) {
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

    /// Whether JWT_SECRET is `.env.example`'s well-known placeholder.
    pub fn uses_placeholder_secret(&self) -> bool {
        self.jwt_secret
            .as_deref()
            .is_some_and(|secret| secret.contains(PLACEHOLDER_SECRET_MARK))
    }

    pub fn seed_on_start(&self) -> bool {
        self.seed_on_start.unwrap_or(matches!(
            self.database(),
            Ok(DatabaseTarget::EmbeddedSqlite(_))
        ))
    }

    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_secs(self.db_acquire_timeout_secs)
    }

    pub fn limits(&self) -> crate::state::Limits {
        crate::state::Limits {
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            body_read_timeout: Duration::from_secs(self.body_read_timeout_secs),
            max_concurrent_requests: self.max_concurrent_requests as usize,
            max_concurrent_per_address: self.max_concurrent_requests_per_address as usize,
            max_header_bytes: self.max_header_bytes as usize,
        }
    }

    pub fn connection_limits(&self) -> crate::server::ConnectionLimits {
        crate::server::ConnectionLimits {
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs),
            max_per_address: self.max_connections_per_address as usize,
            max_connections: self.max_connections as usize,
            trusted_proxies: self
                .trusted_proxies
                .iter()
                .map(IpAddr::to_canonical)
                .collect(),
            max_header_bytes: self.max_header_bytes,
            // A client that never reads (a zero flow-control window) keeps each stream's answer in
            // memory: few streams per connection bound that; browsers need no more.
            max_streams: self.max_concurrent_requests_per_address.min(16),
        }
    }

    pub fn search_limits(&self) -> crate::service::search_limits::SearchLimits {
        let timeout = Duration::from_millis(self.search_statement_timeout_ms);
        crate::service::search_limits::SearchLimits {
            per_caller: self.max_searches_per_caller as usize,
            wait: Duration::from_millis(self.search_wait_ms),
            statement_timeout: crate::repository::directory::timeout::StatementTimeout(
                (!timeout.is_zero()).then_some(timeout),
            ),
        }
    }

    pub fn token_lifetime(&self) -> Duration {
        Duration::from_secs(u64::from(self.access_token_expire_minutes) * 60)
    }

    pub fn session_policy(&self) -> crate::service::sessions::SessionPolicy {
        crate::service::sessions::SessionPolicy {
            idle: Duration::from_secs(u64::from(self.session_idle_minutes) * 60),
            max: Duration::from_secs(u64::from(self.session_max_days) * 24 * 3600),
            reuse_grace: Duration::from_secs(u64::from(self.refresh_reuse_grace_seconds)),
        }
    }
}
