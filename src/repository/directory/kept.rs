//! What a service keeps of the directory between requests — the plans of name prefixes, each
//! department's name and current manager — valid at one version of the directory
//! (`directory_version`, moved in the transaction of every change they depend on: hires, manager
//! appointments, seeding). Every statement that uses them also reads the version, so a value that
//! another instance's change made stale is noticed and read again: what is kept saves work, it
//! never decides an answer.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
};

use super::plan::Plan;
use crate::domain::directory::{DeptRef, PersonRef};

/// How many values one map keeps before it starts again (a plan is a few hundred bytes).
const MAX_ENTRIES: usize = 4096;

/// Values by key, all read at one version.
#[derive(Debug)]
pub struct Versioned<V> {
    inner: Mutex<(i64, HashMap<String, V>)>,
}

impl<V> Default for Versioned<V> {
    fn default() -> Self {
        Self {
            inner: Mutex::new((i64::MIN, HashMap::new())),
        }
    }
}

impl<V: Clone> Versioned<V> {
    /// The value of `key` and the version it was read at, if kept.
    pub fn get(&self, key: &str) -> Option<(V, i64)> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.1.get(key).map(|value| (value.clone(), inner.0))
    }

    /// The value of `key` if it was read at `version`.
    pub fn at(&self, key: &str, version: i64) -> Option<V> {
        self.get(key)
            .and_then(|(value, kept)| (kept == version).then_some(value))
    }

    /// Keeps values read at `version`. Values of another version are dropped first: the version
    /// only moves forward, so theirs are stale, or these are (and are noticed when used).
    pub fn keep(&self, values: impl IntoIterator<Item = (String, V)>, version: i64) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.0 != version {
            inner.1.clear();
            inner.0 = version;
        }
        for (key, value) in values {
            if inner.1.len() >= MAX_ENTRIES {
                inner.1.clear();
            }
            inner.1.insert(key, value);
        }
    }
}

/// A department as a card shows it, with its current manager, and its headcount as a search's
/// estimate of how many a department filter matches (`drive`; a transfer moves it without moving
/// the version, which costs a search time at worst, never its answer).
#[derive(Debug, Clone)]
pub struct DepartmentHead {
    pub department: DeptRef,
    pub manager: Option<PersonRef>,
    pub headcount: i64,
}

/// Everything kept, owned by the directory service (one per instance).
#[derive(Debug, Default)]
pub struct Kept {
    pub(super) plans: Versioned<Plan>,
    pub(super) departments: Versioned<DepartmentHead>,
}
