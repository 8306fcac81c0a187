//! The one error type of the lower layers and its wire bodies. It knows no HTTP framework:
//! `http::error` maps every variant (and every service's outcome) to a status and an answer.

use serde::Serialize;
use utoipa::ToSchema;

use crate::config::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No token was presented.
    #[error("not authenticated")]
    Unauthenticated,
    /// A token was presented and is bad, expired, tampered with or revoked.
    #[error("invalid token")]
    InvalidToken,
    /// `POST /token` refused the request (RFC 6749 §5.2).
    #[error("oauth error: {0:?}")]
    OAuth(OAuthError),
    /// The token is valid but lacks the scope the endpoint needs (RFC 6750 §3.1).
    #[error("insufficient scope: {0} needed")]
    InsufficientScope(crate::domain::scope::Scope),
    /// Unknown, or not visible to the caller (the two look alike).
    #[error("not found")]
    NotFound,
    /// A query parameter that cannot be used; the detail names it.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A change that the current data does not allow; the detail says why.
    #[error("conflict: {0}")]
    Conflict(String),
    /// `If-Match` named no current tag (RFC 9110 §13.1.1).
    #[error("precondition failed")]
    PreconditionFailed,
    /// A JSON body with missing or malformed fields, each named.
    #[error("invalid body")]
    InvalidBody(Vec<FieldError>),
    #[error("too many failed login attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    /// One session rotated its refresh token too often this minute.
    #[error("too many refreshes")]
    TooManyRefreshes { retry_after_secs: u64 },
    /// The caller already has their share of searches in flight (`service::search_limits`).
    #[error("too many searches in flight")]
    TooManySearches,
    /// A search's statement ran past its time limit: the database stopped it.
    #[error("search took too long")]
    SearchTooSlow,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// A framework extractor refused the request (body too large, unreadable query, ...).
    #[error("rejected: {status} {detail}")]
    Rejected { status: u16, detail: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A password that cannot be set (empty, or longer than bcrypt reads).
    #[error("password {0}")]
    PasswordRule(#[from] crate::domain::password::PasswordRuleError),
    #[error("password hashing: {0}")]
    Hash(#[from] bcrypt::BcryptError),
    #[error("seed data: {0}")]
    SeedData(#[from] csv::Error),
    #[error("background task: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("token: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
    /// Something of ours that cannot go on (key material that does not parse, ...): a `500`.
    #[error("internal: {0}")]
    Internal(String),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A listening address that cannot be bound: named with its variable, at start.
    #[error(
        "{variable}={address} cannot be listened on ({source}); another process (another \
         instance?) may hold it: give each instance its own {variable}"
    )]
    Bind {
        variable: &'static str,
        address: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// The RFC 6749 §5.2 error codes that `POST /token` answers with (status 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OAuthCode {
    InvalidRequest,
    InvalidGrant,
    UnsupportedGrantType,
    InvalidScope,
    /// Client authentication failed (status 401).
    InvalidClient,
    /// The client may not use this grant.
    UnauthorizedClient,
    /// The password was right; a second factor is needed (`mfa_token` then the `mfa-otp` grant).
    MfaRequired,
}

/// An RFC 6749 §5.2 error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OAuthError {
    pub error: OAuthCode,
    #[schema(example = "Incorrect username or password")]
    pub error_description: String,
    /// With `mfa_required`: the token of the pending login (5 minutes, once), for the `mfa-otp`
    /// grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_token: Option<String>,
}

impl OAuthError {
    pub fn new(error: OAuthCode, description: impl Into<String>) -> Self {
        Self {
            error,
            error_description: description.into(),
            mfa_token: None,
        }
    }
}

/// One field of a refused JSON body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    #[schema(example = "from_date")]
    pub field: String,
    #[schema(example = "an ISO date (YYYY-MM-DD) is needed")]
    pub message: String,
}

/// `422`: `{"detail": "Invalid request body", "errors": [...]}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvalidBodyDetail {
    #[schema(example = "Invalid request body")]
    pub detail: String,
    pub errors: Vec<FieldError>,
}

/// `{"detail": "..."}`, the body of every error outside `POST /token`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Detail {
    #[schema(example = "Not authenticated")]
    pub detail: String,
}

impl Error {
    /// Whether the database could not be reached (503) rather than failing a query (500).
    pub fn is_unavailable(&self) -> bool {
        match self {
            Error::Database(
                sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::WorkerCrashed,
            ) => true,
            // Contention, not a bug: SQLite busy/locked (5, 6); MySQL lock wait timeout (1205),
            // deadlock or a Galera certification conflict (1213, SQLSTATE 40001, which is what
            // sqlx reports as its code), too many connections (1040), a Galera node that is not
            // synced yet (1047, SQLSTATE 08S01).
            Error::Database(sqlx::Error::Database(error)) => matches!(
                error.code().as_deref(),
                Some("5" | "6" | "517" | "262" | "1205" | "1213" | "1040" | "40001" | "08S01")
            ),
            _ => false,
        }
    }
}

impl From<OAuthError> for Error {
    fn from(error: OAuthError) -> Self {
        Error::OAuth(error)
    }
}
