//! The in-process copy of the profiles behind live sessions, so that an authenticated request
//! costs one primary-key lookup: the session's row, which says whether it is live and which
//! version of its employee's profile is current.
//!
//! Why it cannot serve stale or foreign data:
//! - An entry is filed under the session id, and holds the employee number and the profile
//!   version it was read with; it is served only to a token of that session and employee whose
//!   session row, read in this request, has that same version.
//! - The version and the profile come from one statement (one consistent read), so an entry's
//!   data is never older than its version.
//! - Every statement that changes what a profile shows moves the version of the employee's
//!   sessions in its own transaction (`repository::sessions::touch_profile`): once it commits,
//!   the next request on any instance reads the new version and misses.
//! - Versions only grow. A slow request that files an older entry after a newer one costs the
//!   next request a miss, never a wrong answer.

use std::sync::Arc;

use quick_cache::sync::Cache;

use crate::domain::Account;

/// Sessions whose profile is kept: ~400 bytes each, so at most a few MB. Past it the least
/// useful entries go (S3-FIFO): a miss costs one more query, not a wrong answer.
pub const CAPACITY: usize = 10_000;

#[derive(Debug)]
struct Entry {
    emp_no: i32,
    version: i64,
    account: Account,
}

/// Profiles by session id, each with the employee and version it was read for.
pub struct ProfileCache {
    entries: Cache<String, Arc<Entry>>,
}

impl ProfileCache {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Cache::new(capacity.max(1)),
        }
    }

    /// The session's profile, if it was read for this employee at this version.
    pub fn get(&self, sid: &str, emp_no: i32, version: i64) -> Option<Account> {
        self.entries
            .get(sid)
            .filter(|entry| entry.emp_no == emp_no && entry.version == version)
            .map(|entry| entry.account.clone())
    }

    /// Files a profile read (with its version) by the statement that checked the session.
    pub fn put(&self, sid: &str, emp_no: i32, version: i64, account: Account) {
        let entry = Entry {
            emp_no,
            version,
            account,
        };
        self.entries.insert(sid.to_owned(), Arc::new(entry));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::{Profile, scope::Role};

    fn account(emp_no: i32, department: &str) -> Account {
        let day = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        Account {
            profile: Profile {
                emp_no,
                email: Some(format!("{emp_no}@example.com")),
                first_name: "A".into(),
                last_name: "B".into(),
                gender: "F".into(),
                birth_date: day,
                hire_date: day,
                department: Some(department.into()),
                title: None,
            },
            roles: vec![Role::Employee],
        }
    }

    #[test]
    fn serves_only_the_session_employee_and_version_it_was_read_for() {
        let cache = ProfileCache::new(16);
        cache.put("s1", 10001, 3, account(10001, "Sales"));
        let hit = cache
            .get("s1", 10001, 3)
            .expect("the same session, employee and version");
        assert_eq!(hit.profile.emp_no, 10001);
        assert_eq!(hit.profile.department.as_deref(), Some("Sales"));
        assert!(
            cache.get("s1", 10002, 3).is_none(),
            "another employee's token"
        );
        assert!(cache.get("s1", 10001, 4).is_none(), "a newer version");
        assert!(cache.get("s1", 10001, 2).is_none(), "an older version");
        assert!(cache.get("s2", 10001, 3).is_none(), "another session");
    }

    #[test]
    fn a_newer_read_replaces_the_entry_and_capacity_bounds_it() {
        let cache = ProfileCache::new(16);
        cache.put("s1", 10001, 3, account(10001, "Sales"));
        cache.put("s1", 10001, 4, account(10001, "Finance"));
        assert!(cache.get("s1", 10001, 3).is_none());
        let hit = cache.get("s1", 10001, 4).unwrap();
        assert_eq!(hit.profile.department.as_deref(), Some("Finance"));
        for n in 0..1000 {
            cache.put(&format!("s{n}"), n, 0, account(n, "Sales"));
        }
        assert!(cache.len() <= 32, "{} entries", cache.len());
    }
}
