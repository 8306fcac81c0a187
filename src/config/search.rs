//! Directory searches: one caller's share of them and the time limit of each statement.

use std::time::Duration;

use clap::{Args, value_parser};

use super::SearchLimits;

/// `MAX_SEARCHES_PER_CALLER`, `SEARCH_WAIT_MS`, `SEARCH_STATEMENT_TIMEOUT_MS`.
#[derive(Args, Clone)]
pub struct Search {
    /// One employee's directory searches running at once (all their sessions together); more
    /// wait up to SEARCH_WAIT_MS for a turn, then get 429. Keeps one caller from holding the pool.
    #[arg(long, env = "MAX_SEARCHES_PER_CALLER", global = true, default_value_t = 1,
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
}

impl Search {
    pub fn limits(&self) -> SearchLimits {
        let timeout = Duration::from_millis(self.search_statement_timeout_ms);
        SearchLimits {
            per_caller: self.max_searches_per_caller as usize,
            wait: Duration::from_millis(self.search_wait_ms),
            statement_timeout: (!timeout.is_zero()).then_some(timeout),
        }
    }
}
