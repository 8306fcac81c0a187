//! What the service tells the people who run it: the log (text, or one JSON object a line) and
//! the metrics (Prometheus text on its own listener, and the last hour for `/status`).

pub mod history;
pub mod metrics;
mod series;

use tracing_subscriber::{EnvFilter, fmt::MakeWriter};

pub use crate::config::LogFormat;

/// The subscriber the binary installs; tests install the same one with a writer of their own.
/// In JSON every line carries the list of its spans, so a request's id is on each line of it.
pub fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
    ansi: bool,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.with_ansi(ansi).finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(true)
                .finish(),
        ),
    }
}

/// What a `POST /token` with the password grant ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    Success,
    /// Unknown email or wrong password (the same answer, the same bcrypt work).
    WrongCredentials,
    /// A former employee.
    Inactive,
    /// Refused by the failed-login budget before any password was judged.
    Throttled,
    /// A request that could not be a login: a bad grant, an unknown or withheld scope.
    InvalidRequest,
    /// The service failed (database unavailable, say).
    Error,
    /// A right password; the second factor is asked for.
    MfaRequired,
}

impl LoginOutcome {
    pub const ALL: [LoginOutcome; 7] = [
        LoginOutcome::Success,
        LoginOutcome::WrongCredentials,
        LoginOutcome::Inactive,
        LoginOutcome::Throttled,
        LoginOutcome::InvalidRequest,
        LoginOutcome::Error,
        LoginOutcome::MfaRequired,
    ];

    pub fn label(self) -> &'static str {
        match self {
            LoginOutcome::Success => "success",
            LoginOutcome::WrongCredentials => "wrong_credentials",
            LoginOutcome::Inactive => "inactive",
            LoginOutcome::Throttled => "throttled",
            LoginOutcome::InvalidRequest => "invalid_request",
            LoginOutcome::Error => "error",
            LoginOutcome::MfaRequired => "mfa_required",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// The hashing work on the blocking pool at one moment (a metric and a `/status` figure).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Load {
    pub queued: usize,
    pub running: usize,
}

/// The database pool at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolUse {
    pub in_use: u32,
    pub idle: u32,
    pub max: u32,
}
