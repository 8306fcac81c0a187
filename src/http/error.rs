//! Every outcome a handler can meet, mapped to its status, headers and body, in one place: the
//! lower layers' [`Error`] and each service's own outcome. `401` and `403` carry
//! `WWW-Authenticate`; whatever is not the client's fault is logged here and answered with a bare
//! `500` (or `503` when the database is out of reach), never its text.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use secrecy::ExposeSecret;

use crate::{
    error::{Detail, Error, FieldError, InvalidBodyDetail, OAuthCode, OAuthError},
    service::{
        audit::AuditError,
        auth::{LoginError, PasswordChangeError},
        clients::ClientError,
        directory::DirectoryError,
        hr::HrError,
        mfa::MfaError,
        passkeys::PasskeyError,
        recovery::{ResetError, ResetRequestError},
        sessions::RefreshError,
    },
};

/// The status of an outcome.
pub fn status_of(error: &Error) -> StatusCode {
    match error {
        Error::Unauthenticated | Error::InvalidToken => StatusCode::UNAUTHORIZED,
        Error::OAuth(body) if body.error == OAuthCode::InvalidClient => StatusCode::UNAUTHORIZED,
        Error::OAuth(_) | Error::BadRequest(_) => StatusCode::BAD_REQUEST,
        Error::InsufficientScope(_) => StatusCode::FORBIDDEN,
        Error::NotFound => StatusCode::NOT_FOUND,
        Error::Conflict(_) => StatusCode::CONFLICT,
        Error::InvalidBody(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
        Error::TooManyAttempts { .. } | Error::TooManyRefreshes { .. } | Error::TooManySearches => {
            StatusCode::TOO_MANY_REQUESTS
        }
        Error::SearchTooSlow => StatusCode::SERVICE_UNAVAILABLE,
        Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Error::Rejected { status, .. } => {
            StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
        }
        Error::PasswordRule(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ if error.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
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
        let status = status_of(&self);
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
                let invalid_client = body.error == OAuthCode::InvalidClient;
                let mut response = (status, Json(body)).into_response();
                let headers = response.headers_mut();
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                if invalid_client {
                    // RFC 6749 §5.2: a 401 names the scheme the client may authenticate with.
                    headers.insert(
                        header::WWW_AUTHENTICATE,
                        HeaderValue::from_static("Basic realm=\"employees\""),
                    );
                }
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
            Error::TooManyRefreshes { retry_after_secs } => {
                let mut response = detail(status, "Too many refreshes of this session");
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
            } if status == StatusCode::FORBIDDEN => {
                // RFC 9470: the session is not strong enough (a second factor is needed).
                let mut response = detail(status, message);
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"insufficient_user_authentication\""),
                );
                response
            }
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

impl From<axum::Error> for Error {
    /// A body that could not be read: over the limit (413), or broken off (400).
    fn from(error: axum::Error) -> Self {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
        while let Some(cause) = source {
            if cause.is::<http_body_util::LengthLimitError>() {
                return Error::Rejected {
                    status: StatusCode::PAYLOAD_TOO_LARGE.as_u16(),
                    detail: "Request body too large".to_owned(),
                };
            }
            source = cause.source();
        }
        Error::Rejected {
            status: StatusCode::BAD_REQUEST.as_u16(),
            detail: "The request body could not be read".to_owned(),
        }
    }
}

impl From<axum::extract::rejection::BytesRejection> for Error {
    /// In our own words, as [`From<axum::Error>`] says them: axum's text names its internals
    /// ("Failed to buffer the request body: …").
    fn from(rejection: axum::extract::rejection::BytesRejection) -> Self {
        let status = rejection.status();
        let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "Request body too large"
        } else {
            "The request body could not be read"
        };
        Error::Rejected {
            status: status.as_u16(),
            detail: detail.to_owned(),
        }
    }
}

impl From<DirectoryError> for Error {
    fn from(error: DirectoryError) -> Self {
        match error {
            DirectoryError::NotFound => Error::NotFound,
            DirectoryError::NeedsScope(scope) => Error::InsufficientScope(scope),
            DirectoryError::BadCursor => {
                Error::BadRequest("cursor: not a cursor of this search".to_owned())
            }
            DirectoryError::Revoked => Error::InvalidToken,
            DirectoryError::Busy => Error::TooManySearches,
            DirectoryError::TooSlow => Error::SearchTooSlow,
            DirectoryError::Internal(error) => error,
        }
    }
}

impl From<RefreshError> for Error {
    fn from(error: RefreshError) -> Self {
        let (code, description) = match error {
            RefreshError::Invalid | RefreshError::Replayed => {
                (OAuthCode::InvalidGrant, "Invalid refresh token".to_owned())
            }
            RefreshError::UnknownScope(scope) => {
                (OAuthCode::InvalidScope, format!("Unknown scope: {scope}"))
            }
            RefreshError::Wider(scope) => (
                OAuthCode::InvalidScope,
                format!("Scope not granted to this session: {scope}"),
            ),
            RefreshError::TooFrequent { retry_after_secs } => {
                return Error::TooManyRefreshes { retry_after_secs };
            }
            RefreshError::Internal(error) => return error,
        };
        OAuthError::new(code, description).into()
    }
}

impl From<MfaError> for Error {
    fn from(error: MfaError) -> Self {
        match error {
            MfaError::AlreadyOn => {
                Error::Conflict("TOTP is already on: turn it off first to enrol again".into())
            }
            MfaError::NotOn => Error::Conflict("TOTP is not on".into()),
            MfaError::NotStarted => Error::Conflict(
                "No TOTP enrolment to confirm: start one (POST /users/me/mfa/totp) first".into(),
            ),
            MfaError::WrongCode => Error::BadRequest("Incorrect code".into()),
            MfaError::SecondFactorNeeded => Error::Rejected {
                status: 403,
                detail: "Sign in with your second factor (a code or a passkey) to change your \
                         second factors"
                    .into(),
            },
            MfaError::Throttled { retry_after_secs } => Error::TooManyAttempts { retry_after_secs },
            MfaError::Internal(error) => error,
        }
    }
}

impl From<LoginError> for Error {
    fn from(error: LoginError) -> Self {
        let (code, description) = match error {
            LoginError::Incorrect => (
                OAuthCode::InvalidGrant,
                "Incorrect username or password".into(),
            ),
            LoginError::Inactive => (OAuthCode::InvalidGrant, "Inactive user".into()),
            LoginError::UnknownScope(scope) => {
                (OAuthCode::InvalidScope, format!("Unknown scope: {scope}"))
            }
            LoginError::ScopeNotHeld(scope) => (
                OAuthCode::InvalidScope,
                format!("Scope not granted to this user: {scope}"),
            ),
            LoginError::Throttled { retry_after_secs } => {
                return Error::TooManyAttempts { retry_after_secs };
            }
            LoginError::SecondFactorRequired { mfa_token } => {
                let mut error = OAuthError::new(
                    OAuthCode::MfaRequired,
                    "A second factor is required: send a code with the mfa-otp grant",
                );
                error.mfa_token = Some(mfa_token.expose_secret().to_owned());
                return error.into();
            }
            LoginError::InvalidMfaToken => (
                OAuthCode::InvalidGrant,
                "Unknown, used or expired mfa_token: log in again".into(),
            ),
            LoginError::WrongCode => (OAuthCode::InvalidGrant, "Incorrect code".into()),
            LoginError::Internal(error) => return error,
        };
        OAuthError::new(code, description).into()
    }
}

impl From<PasskeyError> for Error {
    /// A ceremony or answer the client got wrong is `400` saying why; a passkey that names no
    /// employee here `401`; passkeys off (PUBLIC_URL an IP address) `409`.
    fn from(error: PasskeyError) -> Self {
        let rejected = |status: StatusCode, detail: &str| Error::Rejected {
            status: status.as_u16(),
            detail: detail.to_owned(),
        };
        match error {
            PasskeyError::Disabled => Error::Conflict(
                "Passkeys are off on this server: PUBLIC_URL must name a host name (such as \
                 http://localhost:8000), not an IP address"
                    .to_owned(),
            ),
            PasskeyError::UnknownCeremony => Error::BadRequest(
                "Unknown or used ceremony: each works once; start again".to_owned(),
            ),
            PasskeyError::Expired => {
                Error::BadRequest("The ceremony expired: start again".to_owned())
            }
            PasskeyError::Refused(why) => {
                Error::BadRequest(format!("The passkey's answer was refused: {why}"))
            }
            PasskeyError::UnknownCredential => rejected(
                StatusCode::UNAUTHORIZED,
                "This passkey is not registered here (removed?)",
            ),
            PasskeyError::Inactive => rejected(StatusCode::UNAUTHORIZED, "Inactive user"),
            PasskeyError::AlreadyRegistered => {
                Error::Conflict("This passkey is registered already".to_owned())
            }
            PasskeyError::BadName => Error::InvalidBody(vec![FieldError {
                field: "name".to_owned(),
                message: "must be 1 to 100 characters, none a control character".to_owned(),
            }]),
            PasskeyError::NotFound => Error::NotFound,
            PasskeyError::Throttled { retry_after_secs } => {
                Error::TooManyAttempts { retry_after_secs }
            }
            PasskeyError::NoPasskey => Error::Conflict(
                "You have no passkey: enter the code from your authenticator app".to_owned(),
            ),
            PasskeyError::Login(error) => error.into(),
            PasskeyError::Internal(error) => error,
        }
    }
}

/// The answer to a refused change; `date_field` names the body's date for `422`.
pub(crate) fn refusal(error: HrError, date_field: &str) -> Error {
    let field = |field: &str, message: &str| {
        Error::InvalidBody(vec![FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        }])
    };
    match error {
        HrError::NotFound => Error::NotFound,
        HrError::FutureDate => field(date_field, "must not be after today"),
        HrError::UnknownDepartment => field("dept_no", "no such department"),
        HrError::UnknownEmployee => field("emp_no", "no such employee"),
        HrError::NotMember => {
            Error::Conflict("The new manager must be a current member of the department".to_owned())
        }
        HrError::EmailTaken => Error::Conflict("Another employee has that email".to_owned()),
        HrError::NoDefaultEmail => field(
            "email",
            "is needed: no address can be made from these names",
        ),
        HrError::Former => Error::Conflict("The employee is a former employee".to_owned()),
        HrError::NotAfterCurrent(noun) => Error::Conflict(format!(
            "The date must be after the start of the current {noun}"
        )),
        HrError::Unchanged(noun) => Error::Conflict(format!("That is the current {noun} already")),
        HrError::KeyTaken => Error::Conflict(
            "test_db keeps one dept_emp and one dept_manager row per employee and department: \
             the employee was there before"
                .to_owned(),
        ),
        HrError::PreconditionFailed => Error::PreconditionFailed,
        HrError::KeyReused => field("Idempotency-Key", "was used before with another body"),
        HrError::Internal(error) => error,
    }
}

impl From<AuditError> for Error {
    fn from(error: AuditError) -> Self {
        match error {
            AuditError::BadCursor => {
                Error::BadRequest("cursor: not a cursor of this listing".to_owned())
            }
            AuditError::Internal(error) => error,
        }
    }
}

impl From<ClientError> for Error {
    /// A rule of registration is `422` naming the field; an unknown client `404`.
    fn from(error: ClientError) -> Self {
        match error {
            ClientError::Invalid(rule) => Error::InvalidBody(vec![FieldError {
                field: rule.field().to_owned(),
                message: rule.to_string(),
            }]),
            ClientError::NotFound => Error::NotFound,
            ClientError::Internal(error) => error,
        }
    }
}

impl From<PasswordChangeError> for Error {
    fn from(error: PasswordChangeError) -> Self {
        match error {
            PasswordChangeError::WrongPassword => {
                Error::BadRequest("The current password is incorrect".to_owned())
            }
            PasswordChangeError::Throttled { retry_after_secs } => {
                Error::TooManyAttempts { retry_after_secs }
            }
            PasswordChangeError::Internal(error) => error,
        }
    }
}

impl From<ResetError> for Error {
    /// A link that cannot be used is `400`, saying why.
    fn from(error: ResetError) -> Self {
        match error {
            ResetError::Internal(error) => error,
            refused => Error::BadRequest(reset_refusal(&refused).to_owned()),
        }
    }
}

/// The words that say why a reset link cannot be used (the page shows them too).
pub fn reset_refusal(error: &ResetError) -> &'static str {
    match error {
        ResetError::Used => "This password reset link was used already: ask for a new one.",
        ResetError::Expired => "This password reset link has expired: ask for a new one.",
        ResetError::Unknown | ResetError::Internal(_) => {
            "This password reset link is unknown: check that it was copied whole, or ask for a new one."
        }
    }
}

/// The words of a reset request refused for its address's limit.
pub const RESET_REQUESTS_THROTTLED: &str =
    "Too many password reset requests from this address: try again later.";

impl IntoResponse for ResetRequestError {
    /// The address's limit is `429` with `Retry-After`.
    fn into_response(self) -> Response {
        match self {
            ResetRequestError::Throttled { retry_after_secs } => {
                let mut response = detail(StatusCode::TOO_MANY_REQUESTS, RESET_REQUESTS_THROTTLED);
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after_secs.max(1)),
                );
                response
            }
            ResetRequestError::Internal(error) => error.into_response(),
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

    fn status_of_code(code: &'static str) -> StatusCode {
        status_of(&Error::Database(sqlx::Error::Database(Box::new(Coded(
            code,
        )))))
    }

    #[test]
    fn contention_and_unready_cluster_nodes_are_503_and_the_rest_500() {
        // Deadlock or certification conflict; lock wait; a Galera node not synced yet (1047,
        // SQLSTATE 08S01); SQLite busy.
        for code in ["40001", "1205", "08S01", "5"] {
            assert_eq!(
                status_of_code(code),
                StatusCode::SERVICE_UNAVAILABLE,
                "{code}"
            );
        }
        assert_eq!(status_of_code("42000"), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
