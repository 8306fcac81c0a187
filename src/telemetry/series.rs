//! The handles of the request series (a counter and a histogram per route template, method and
//! status), registered once each: a request then costs a read lock and two atomic updates, not
//! label strings built and looked up in the recorder. Routes are templates and methods and
//! statuses a bounded set, so the map stays small.

use std::{
    collections::HashMap,
    sync::{Arc, PoisonError, RwLock},
};

use metrics::{Counter, Histogram};

/// One series' handles, and its key in the `/status` history.
pub(super) struct Series {
    pub counter: Counter,
    pub histogram: Histogram,
    pub history_key: Box<str>,
}

type ByMethodStatus = HashMap<(&'static str, u16), Arc<Series>>;

/// Series by route template, then by method and status.
#[derive(Default)]
pub(super) struct SeriesCache(RwLock<HashMap<Box<str>, ByMethodStatus>>);

impl SeriesCache {
    /// The series of a request, registered by `register` the first time it is seen.
    pub(super) fn get_or_register(
        &self,
        route: &str,
        method: &'static str,
        status: u16,
        register: impl FnOnce() -> Series,
    ) -> Arc<Series> {
        let found = self
            .0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(route)
            .and_then(|by| by.get(&(method, status)))
            .cloned();
        if let Some(series) = found {
            return series;
        }
        let mut all = self.0.write().unwrap_or_else(PoisonError::into_inner);
        all.entry(route.into())
            .or_default()
            .entry((method, status))
            .or_insert_with(|| Arc::new(register()))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn series(key: &str) -> Series {
        Series {
            counter: Counter::noop(),
            histogram: Histogram::noop(),
            history_key: key.into(),
        }
    }

    #[test]
    fn each_series_is_registered_once() {
        let cache = SeriesCache::default();
        let registered = Cell::new(0);
        for _ in 0..3 {
            for (route, method, status) in [("/users/me", "GET", 200), ("/users/me", "GET", 401)] {
                let found = cache.get_or_register(route, method, status, || {
                    registered.set(registered.get() + 1);
                    series(&format!("{method} {route} {status}"))
                });
                assert_eq!(&*found.history_key, format!("{method} {route} {status}"));
            }
        }
        assert_eq!(registered.get(), 2);
        let other = cache.get_or_register("/token", "POST", 200, || series("POST /token"));
        assert_eq!(&*other.history_key, "POST /token");
    }
}
