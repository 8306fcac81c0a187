//! The service's notion of now, in unix seconds: the system clock, shifted by an offset that
//! tests move forward to reach a session's idle or absolute expiry without sleeping.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

/// Cheap to clone; clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// Unix seconds.
    pub fn now(&self) -> i64 {
        chrono::Utc::now().timestamp() + self.offset_secs.load(Ordering::Relaxed)
    }

    /// Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.offset_secs.load(Ordering::Relaxed) * 1000
    }

    /// Moves this clock (and its clones) forward; for tests.
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }
}
