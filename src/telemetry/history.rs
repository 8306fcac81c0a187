//! The last hour, minute by minute, for `/status`: logins by outcome, latency by route (bucket
//! counts, merged into quantiles when the page asks), pool use. Per instance, in memory.

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use super::{LoginOutcome, PoolUse, metrics::LATENCY_BUCKETS};

/// Minutes kept.
pub const MINUTES: usize = 60;

/// Request counts per latency bucket: one per bound of [`LATENCY_BUCKETS`], then the overflow.
pub type Buckets = [u64; LATENCY_BUCKETS.len() + 1];

/// One minute of figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Minute {
    /// Minutes since the Unix epoch.
    pub at: u64,
    /// Indexed by [`LoginOutcome::index`].
    pub logins: [u64; LoginOutcome::ALL.len()],
    /// By route: `GET /users/me`.
    pub routes: HashMap<String, Buckets>,
    /// The most connections seen in use at once, and the pool's size.
    pub pool: PoolUse,
}

#[derive(Default)]
pub struct History(Mutex<VecDeque<Minute>>);

impl History {
    /// The entry of minute `at`, made (and the oldest dropped) when it is new.
    fn with_minute(&self, at: u64, change: impl FnOnce(&mut Minute)) {
        let mut minutes = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
        if minutes.back().is_none_or(|last| last.at < at) {
            minutes.push_back(Minute {
                at,
                ..Minute::default()
            });
            while minutes.len() > MINUTES {
                minutes.pop_front();
            }
        }
        // A clock that stepped back records into the newest minute.
        if let Some(minute) = minutes.back_mut() {
            change(minute);
        }
    }

    pub fn request(&self, at: u64, route: &str, seconds: f64) {
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.with_minute(at, |minute| {
            if let Some(counts) = minute.routes.get_mut(route) {
                counts[bucket] += 1;
            } else {
                let mut counts = [0; LATENCY_BUCKETS.len() + 1];
                counts[bucket] = 1;
                minute.routes.insert(route.to_owned(), counts);
            }
        });
    }

    pub fn login(&self, at: u64, outcome: LoginOutcome) {
        self.with_minute(at, |minute| minute.logins[outcome.index()] += 1);
    }

    pub fn pool(&self, at: u64, pool: PoolUse) {
        self.with_minute(at, |minute| {
            minute.pool.max = pool.max;
            minute.pool.idle = pool.idle;
            minute.pool.in_use = minute.pool.in_use.max(pool.in_use);
        });
    }

    /// The [`MINUTES`] minutes up to `now`, oldest first; a minute with nothing recorded is empty.
    pub fn last_hour(&self, now: u64) -> Vec<Minute> {
        let minutes = self.0.lock().unwrap_or_else(|poison| poison.into_inner());
        let first = now.saturating_sub(MINUTES as u64 - 1);
        (first..=now)
            .map(|at| {
                minutes
                    .iter()
                    .find(|minute| minute.at == at)
                    .cloned()
                    .unwrap_or(Minute {
                        at,
                        ..Minute::default()
                    })
            })
            .collect()
    }
}

/// The latency below which a share `q` of the requests counted fell, interpolated within its
/// bucket; `None` with no request, and the last bound for the overflow bucket.
pub fn quantile(buckets: &Buckets, q: f64) -> Option<f64> {
    let total: u64 = buckets.iter().sum();
    if total == 0 {
        return None;
    }
    let rank = q * total as f64;
    let mut below = 0u64;
    for (i, count) in buckets.iter().enumerate() {
        if *count > 0 && (below + count) as f64 >= rank {
            let Some(upper) = LATENCY_BUCKETS.get(i) else {
                return LATENCY_BUCKETS.last().copied();
            };
            let lower = if i == 0 { 0.0 } else { LATENCY_BUCKETS[i - 1] };
            let within = ((rank - below as f64) / *count as f64).clamp(0.0, 1.0);
            return Some(lower + (upper - lower) * within);
        }
        below += count;
    }
    LATENCY_BUCKETS.last().copied()
}

/// Sums bucket counts.
pub fn merge(into: &mut Buckets, from: &Buckets) {
    for (total, count) in into.iter_mut().zip(from) {
        *total += count;
    }
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
