//! The policy value types built from the configuration: what the layers above are given
//! (request and connection limits, session lifetimes, the log format), defined here so that
//! configuration depends on nothing above it.

use std::{net::IpAddr, time::Duration};

use clap::ValueEnum;

/// Limits on every request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub request_timeout: Duration,
    /// Shorter than the request timeout: a client that declares a body and does not send it
    /// gets `408` and frees its slot before the request timeout would.
    pub body_read_timeout: Duration,
    pub max_concurrent_requests: usize,
    /// One client address's share of `max_concurrent_requests`.
    pub max_concurrent_per_address: usize,
    pub max_header_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(5),
            max_concurrent_requests: 512,
            max_concurrent_per_address: 64,
            max_header_bytes: 16_384,
        }
    }
}

/// Limits on every connection.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// From the connection's start (first byte included), or the end of a response, to the end
    /// of the next request's headers.
    pub header_read_timeout: Duration,
    /// With no byte read or written for this long, a connection is closed.
    pub idle_timeout: Duration,
    pub max_per_address: usize,
    pub max_connections: usize,
    /// Reverse proxies carry many clients: the per-address cap does not apply to them.
    pub trusted_proxies: Vec<IpAddr>,
    /// Most header bytes of an HTTP/2 request (HTTP/1's are bounded by hyper's buffer).
    pub max_header_bytes: u32,
    /// Most streams at once on one HTTP/2 connection.
    pub max_streams: u32,
}

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Without a refresh for this long, a session ends.
    pub idle: Duration,
    /// A session ends this long after its login, whatever happens.
    pub max: Duration,
    /// A spent refresh token presented again this soon after it was spent gets an access token
    /// (no new refresh token) instead of ending the session.
    pub reuse_grace: Duration,
    /// Rotations a session may make in a minute: a bound on the writes one stolen or looping
    /// refresh token can cause.
    pub refreshes_per_minute: u32,
    /// Live sessions an employee may hold; a login past it ends the oldest.
    pub sessions_per_employee: u32,
}

/// The limits on directory searches (`config::Search`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchLimits {
    /// A caller's searches at once (`MAX_SEARCHES_PER_CALLER`).
    pub per_caller: usize,
    /// How long a caller's search beyond that waits for a turn before `429`.
    pub wait: Duration,
    /// How long one statement of a search may run before `503` (MySQL/MariaDB; `None`: no limit).
    pub statement_timeout: Option<Duration>,
}

impl Default for SearchLimits {
    /// One search at a time per caller (a tenth of the default pool, and at most one core of the
    /// database's: keyset paging is sequential, and a browser runs one search per page), the
    /// next waiting up to a second; two seconds a statement, a hundred times what the shapes of
    /// the plan test take at test_db's scale.
    fn default() -> Self {
        Self {
            per_caller: 1,
            wait: Duration::from_secs(1),
            statement_timeout: Some(Duration::from_secs(2)),
        }
    }
}

/// How log lines are written (`LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LogFormat {
    /// Lines for people: time, level, the spans (request id, method, route), the message.
    #[default]
    Text,
    /// One JSON object a line with the same fields, for log collectors.
    Json,
}
