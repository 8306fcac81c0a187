//! The one error type. Its `IntoResponse` picks the status and the contract's JSON body, adds
//! `WWW-Authenticate` on 401 and 403, and hides internals: whatever is not the client's fault is logged
//! here and answered with a bare 500 (or 503 when the database is out of reach).

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
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
    Rejected { status: StatusCode, detail: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A password that cannot be set (empty, or longer than bcrypt reads).
    #[error("password {0}")]
    PasswordRule(#[from] crate::service::password::PasswordRuleError),
    #[error("password hashing: {0}")]
    Hash(#[from] bcrypt::BcryptError),
    #[error("seed data: {0}")]
    SeedData(#[from] csv::Error),
    #[error("background task: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("token: {0}")]
    Jwt(#[from] jsonwebtoken::errors::Error),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// The RFC 6749 §5.2 error codes that `POST /token` answers with (status 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OAuthCode {
    InvalidRequest,
    InvalidGrant,
    UnsupportedGrantType,
    InvalidScope,
}

/// An RFC 6749 §5.2 error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OAuthError {
    pub error: OAuthCode,
    #[schema(example = "Incorrect username or password")]
    pub error_description: String,
}

impl OAuthError {
    pub fn new(error: OAuthCode, description: impl Into<String>) -> Self {
        Self {
            error,
            error_description: description.into(),
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
    fn is_unavailable(&self) -> bool {
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

    pub fn status(&self) -> StatusCode {
        match self {
            Error::Unauthenticated | Error::InvalidToken => StatusCode::UNAUTHORIZED,
            Error::OAuth(_) | Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::InsufficientScope(_) => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::InvalidBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Error::TooManyAttempts { .. } | Error::TooManySearches => StatusCode::TOO_MANY_REQUESTS,
            Error::SearchTooSlow => StatusCode::SERVICE_UNAVAILABLE,
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Rejected { status, .. } => *status,
            Error::PasswordRule(_) => StatusCode::UNPROCESSABLE_ENTITY,
            _ if self.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

pub fn detail(status: StatusCode, detail: impl Into<String>) -> Response {
    (
        status,
        Json(Detail {
            detail: detail.into(),
        }),
    )
        .into_response()
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        match self {
            Error::Unauthenticated => {
                let mut response = detail(status, "Not authenticated");
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                response
            }
            Error::InvalidToken => {
                let mut response = detail(status, "Could not validate credentials");
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
                response
            }
            Error::InsufficientScope(scope) => {
                let mut response = detail(status, "Not enough permissions");
                let challenge = format!("Bearer error=\"insufficient_scope\", scope=\"{scope}\"");
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    response
                        .headers_mut()
                        .insert(header::WWW_AUTHENTICATE, value);
                }
                response
            }
            Error::NotFound => detail(status, "Not found"),
            Error::BadRequest(message) | Error::Conflict(message) => detail(status, message),
            Error::PreconditionFailed => detail(
                status,
                "The employee changed since the ETag given in If-Match: read it again",
            ),
            Error::InvalidBody(errors) => (
                status,
                Json(InvalidBodyDetail {
                    detail: "Invalid request body".to_owned(),
                    errors,
                }),
            )
                .into_response(),
            Error::OAuth(body) => {
                let mut response = (status, Json(body)).into_response();
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
            Error::TooManyAttempts { retry_after_secs } => {
                let mut response = detail(status, "Too many failed login attempts");
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after_secs.max(1)),
                );
                response
            }
            Error::TooManySearches => {
                let mut response = detail(
                    status,
                    "Too many of your searches are in progress: wait for one to finish",
                );
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(1));
                response
            }
            Error::SearchTooSlow => detail(
                status,
                "The search took too long: narrow it (a name, a department, a title) or try again later",
            ),
            Error::UnsupportedMediaType => detail(status, "Unsupported media type"),
            Error::PasswordRule(rule) => detail(status, format!("The password {rule}")),
            Error::Rejected {
                detail: message, ..
            } => detail(status, message),
            internal if status == StatusCode::SERVICE_UNAVAILABLE => {
                tracing::warn!(error = %internal, "database unavailable");
                detail(status, "Service temporarily unavailable")
            }
            internal => {
                tracing::error!(error = %internal, "internal error");
                detail(status, "Internal server error")
            }
        }
    }
}

impl From<OAuthError> for Error {
    fn from(error: OAuthError) -> Self {
        Error::OAuth(error)
    }
}

impl From<axum::Error> for Error {
    /// A body that could not be read: over the limit (413), or broken off (400).
    fn from(error: axum::Error) -> Self {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        while let Some(cause) = source {
            if cause.is::<http_body_util::LengthLimitError>() {
                return Error::Rejected {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    detail: "Request body too large".to_owned(),
                };
            }
            source = cause.source();
        }
        Error::Rejected {
            status: StatusCode::BAD_REQUEST,
            detail: "The request body could not be read".to_owned(),
        }
    }
}

impl From<axum::extract::rejection::BytesRejection> for Error {
    fn from(rejection: axum::extract::rejection::BytesRejection) -> Self {
        Error::Rejected {
            status: rejection.status(),
            detail: rejection.body_text(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{borrow::Cow, error::Error as StdError, fmt};

    use sqlx::error::{DatabaseError, ErrorKind};

    use super::*;

    /// A database error with a given code, as a server would report it.
    #[derive(Debug)]
    struct Coded(&'static str);

    impl fmt::Display for Coded {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "error {}", self.0)
        }
    }

    impl StdError for Coded {}

    impl DatabaseError for Coded {
        fn message(&self) -> &str {
            "from the server"
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            Some(Cow::Borrowed(self.0))
        }
        fn as_error(&self) -> &(dyn StdError + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn StdError + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn StdError + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> ErrorKind {
            ErrorKind::Other
        }
    }

    fn status_of(code: &'static str) -> StatusCode {
        Error::Database(sqlx::Error::Database(Box::new(Coded(code)))).status()
    }

    #[test]
    fn contention_and_unready_cluster_nodes_are_503_and_the_rest_500() {
        // Deadlock or certification conflict; lock wait; a Galera node not synced yet (1047,
        // SQLSTATE 08S01); SQLite busy.
        for code in ["40001", "1205", "08S01", "5"] {
            assert_eq!(status_of(code), StatusCode::SERVICE_UNAVAILABLE, "{code}");
        }
        assert_eq!(status_of("42000"), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
