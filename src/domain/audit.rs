//! The audit trail as the API shows it: entries, the actions they name, and a listing's filter.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Every action the trail records.
pub const ACTIONS: [&str; 16] = [
    "login.success",
    "login.failure",
    "employee.hire",
    "employee.title",
    "employee.department",
    "employee.salary",
    "employee.termination",
    "department.manager",
    "roles.change",
    "session.revoke",
    "mfa.enable",
    "mfa.disable",
    "mfa.recovery_code",
    "passkey.add",
    "passkey.remove",
    "password.reset",
];

/// One entry.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditEntry {
    #[schema(example = 42)]
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: DateTime<Utc>,
    /// Who acted (emp_no), or null (a failed login).
    #[schema(example = 500025)]
    pub actor: Option<i32>,
    #[schema(example = "employee.title")]
    pub action: String,
    /// Whom it was about (emp_no), or null.
    #[schema(example = 10198)]
    pub emp_no: Option<i32>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Before and after values.
    #[schema(value_type = Object)]
    pub details: Value,
}

/// What a listing keeps: every field that is set must match; `from` inclusive, `until` exclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub emp_no: Option<i32>,
    pub actor: Option<i32>,
    pub action: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub limit: u32,
}

impl AuditFilter {
    /// What a cursor is sealed for: a cursor of one listing does not open another.
    pub fn fingerprint(&self) -> String {
        format!(
            "audit|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
            self.emp_no, self.actor, self.action, self.from, self.until, self.limit
        )
    }
}
