//! What wraps every request: limits and timeouts, request ids, the browser's renewal, metrics.

pub mod limits;
pub mod metrics;
pub mod renewal;
pub mod request_id;
