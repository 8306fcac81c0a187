//! What the service tells its operators: the metrics listener and the log format.

use std::net::SocketAddr;

use clap::Args;

use super::LogFormat;

/// `METRICS_BIND_ADDR`, `LOG_FORMAT`.
#[derive(Args, Clone)]
pub struct Telemetry {
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
