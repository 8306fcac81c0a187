//! Login sessions as stored: one per password login, kept alive by refreshes.

use std::net::IpAddr;

/// Where a request came from, for the session list and the audit trail.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl Origin {
    pub fn ip_text(&self) -> Option<String> {
        self.ip.map(|ip| ip.to_string())
    }
}

/// A `sessions` row. Times are unix seconds.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub sid: String,
    pub emp_no: i32,
    /// The scopes granted at login, space separated.
    pub scope: String,
    pub started_at: i64,
    pub last_used_at: i64,
    pub expires_at: i64,
    /// The idle end or the absolute end, whichever is first; 0 once ended.
    pub live_until: i64,
    pub ended_at: Option<i64>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The registered client the session was started for (code flow); `None` for our own
    /// password logins.
    pub client_id: Option<String>,
    /// How the employee authenticated (RFC 8176, stored space separated: see [`crate::domain::amr::Amr`]).
    pub amr: String,
}

impl Session {
    pub fn is_live(&self, now: i64) -> bool {
        self.live_until > now
    }
}

/// A `refresh_tokens` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefreshToken {
    pub sid: String,
    pub issued_at: i64,
    pub spent_at: Option<i64>,
}
