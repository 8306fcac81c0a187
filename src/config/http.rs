//! The HTTP side: where `serve` listens, its timeouts and limits, proxies, cookies.

use std::{
    net::{IpAddr, SocketAddr},
    time::Duration,
};

use clap::{Args, builder::BoolishValueParser, value_parser};

use super::{ConfigError, ConnectionLimits, Limits};

/// `BIND_ADDR`, the request and connection limits, `TRUSTED_PROXIES`, `COOKIE_SECURE`.
#[derive(Args, Clone)]
pub struct Http {
    /// Address and port `serve` listens on.
    #[arg(
        long,
        env = "BIND_ADDR",
        global = true,
        default_value = "127.0.0.1:8000"
    )]
    pub bind_addr: SocketAddr,

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

    /// Mark the login cookie `Secure` (set it when served over HTTPS).
    #[arg(long, env = "COOKIE_SECURE", global = true, default_value_t = false,
          value_parser = BoolishValueParser::new(), action = clap::ArgAction::Set)]
    pub cookie_secure: bool,
}

impl Http {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
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
        Ok(())
    }

    pub fn limits(&self) -> Limits {
        Limits {
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            body_read_timeout: Duration::from_secs(self.body_read_timeout_secs),
            max_concurrent_requests: self.max_concurrent_requests as usize,
            max_concurrent_per_address: self.max_concurrent_requests_per_address as usize,
            max_header_bytes: self.max_header_bytes as usize,
        }
    }

    pub fn connection_limits(&self) -> ConnectionLimits {
        ConnectionLimits {
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
}
