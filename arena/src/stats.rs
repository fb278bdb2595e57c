//! Request counters: what a crawler did to the arena, read back by tests and benchmarks.
//!
//! The hot path is a handful of relaxed atomics plus one short `Mutex<HashMap>` update per
//! page request (the per-path fetch counts that make `distinct_pages` and
//! `duplicate_fetches` exact). That is cheap next to rendering a page, even at tens of
//! thousands of requests per second.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::faults;
use crate::origins::OriginStats;

/// A snapshot of the counters, as served by `GET /__stats` (same field names).
///
/// Everything counts from the arena's start or the last `/__reset`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArenaStats {
    /// Every request, including `/robots.txt`, `OPTIONS` and the `/__*` endpoints.
    pub requests: u64,
    /// `GET`/`HEAD` requests to site pages: everything except `/robots.txt` and `/__*`
    /// (unknown paths that answer 404 count too).
    pub page_requests: u64,
    /// Distinct path+query strings among the page requests.
    pub distinct_pages: u64,
    /// Page requests for a path+query already fetched, excluding `/faults/*` paths (those
    /// count in `fault_retries`). One extra fetch of a page is forgiven per redirect the
    /// arena served towards it (`/r/3` -> `/p/17` then a direct link to `/p/17` is two
    /// fetches of `/p/17` from a correct crawler). A correct crawler keeps this at 0.
    pub duplicate_fetches: u64,
    /// Repeated fetches of `/faults/*` paths: retries after 429/503 (expected), after a
    /// reset or timeout, and the revisits a redirect loop causes.
    pub fault_retries: u64,
    /// Requests for `/robots.txt`.
    pub robots_requests: u64,
    /// Fetches of paths robots.txt disallows for every agent (`/private/*` except
    /// `/private/open*`). A polite crawler keeps this at 0.
    pub disallowed_fetches: u64,
    /// Page requests being served right now (from arrival until the body is fully sent).
    pub in_flight: u64,
    /// The largest `in_flight` seen: the crawler's effective concurrency against the arena.
    pub max_in_flight: u64,
    /// Responses by status code (`"200": n`), for everything except `/__*` endpoints and
    /// `OPTIONS` preflights.
    pub by_status: BTreeMap<String, u64>,
    /// Body bytes handed to the connection, for everything except `/__*` endpoints.
    pub bytes_sent: u64,
    /// Milliseconds since the arena started or was last reset.
    pub elapsed_ms: u64,
    /// With several origins (`ArenaConfig::origins` > 1), each origin's counters, origin 0
    /// first; empty (and left out of the JSON) with one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<OriginStats>,
    /// 503s answered by the overload mode (see `overload.rs`); such requests are not page
    /// requests.
    #[serde(default)]
    pub overload_503s: u64,
}

#[derive(Default)]
struct PathCount {
    fetches: u64,
    redirects_in: u64,
}

/// The live counters behind [`ArenaStats`].
pub(crate) struct Stats {
    requests: AtomicU64,
    page_requests: AtomicU64,
    distinct_pages: AtomicU64,
    duplicate_fetches: AtomicU64,
    fault_retries: AtomicU64,
    robots_requests: AtomicU64,
    disallowed_fetches: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    bytes_sent: AtomicU64,
    by_status: Vec<AtomicU64>,
    paths: Mutex<HashMap<String, PathCount>>,
    since: Mutex<Instant>,
}

/// Holds one page request "in flight"; dropped when its response body is done or dropped.
pub(crate) struct InFlight(Arc<Stats>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Relaxed);
    }
}

/// Paths robots.txt disallows for `*` (longest match: `Allow: /private/open` wins).
pub(crate) fn is_disallowed(path: &str) -> bool {
    path.starts_with("/private/") && !path.starts_with("/private/open")
}

impl Stats {
    pub(crate) fn new() -> Stats {
        Stats {
            requests: AtomicU64::new(0),
            page_requests: AtomicU64::new(0),
            distinct_pages: AtomicU64::new(0),
            duplicate_fetches: AtomicU64::new(0),
            fault_retries: AtomicU64::new(0),
            robots_requests: AtomicU64::new(0),
            disallowed_fetches: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
            max_in_flight: AtomicU64::new(0),
            bytes_sent: AtomicU64::new(0),
            by_status: (0..1000).map(|_| AtomicU64::new(0)).collect(),
            paths: Mutex::new(HashMap::new()),
            since: Mutex::new(Instant::now()),
        }
    }

    pub(crate) fn request(&self) {
        self.requests.fetch_add(1, Relaxed);
    }

    pub(crate) fn robots(&self) {
        self.robots_requests.fetch_add(1, Relaxed);
    }

    /// Records a page request for `path_and_query` and marks it in flight.
    pub(crate) fn page(self: &Arc<Self>, path: &str, path_and_query: &str) -> InFlight {
        self.page_requests.fetch_add(1, Relaxed);
        if is_disallowed(path) {
            self.disallowed_fetches.fetch_add(1, Relaxed);
        }
        {
            let mut paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
            let count = match paths.get_mut(path_and_query) {
                Some(count) => count,
                None => paths.entry(path_and_query.to_string()).or_default(),
            };
            count.fetches += 1;
            if count.fetches == 1 {
                self.distinct_pages.fetch_add(1, Relaxed);
            } else if faults::is_fault_path(path) {
                self.fault_retries.fetch_add(1, Relaxed);
            } else if count.fetches > 1 + count.redirects_in {
                self.duplicate_fetches.fetch_add(1, Relaxed);
            }
        }
        let now = self.in_flight.fetch_add(1, Relaxed) + 1;
        self.max_in_flight.fetch_max(now, Relaxed);
        InFlight(Arc::clone(self))
    }

    /// Notes that a redirect pointing at `target` was served (see `duplicate_fetches`).
    pub(crate) fn redirected_to(&self, target: &str) {
        let mut paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        paths.entry(target.to_string()).or_default().redirects_in += 1;
    }

    pub(crate) fn status(&self, code: u16) {
        if let Some(slot) = self.by_status.get(usize::from(code)) {
            slot.fetch_add(1, Relaxed);
        }
    }

    pub(crate) fn sent(&self, n: usize) {
        self.bytes_sent.fetch_add(n as u64, Relaxed);
    }

    pub(crate) fn snapshot(&self) -> ArenaStats {
        let by_status = self
            .by_status
            .iter()
            .enumerate()
            .filter_map(|(code, n)| {
                let n = n.load(Relaxed);
                (n > 0).then(|| (code.to_string(), n))
            })
            .collect();
        let since = *self.since.lock().unwrap_or_else(|e| e.into_inner());
        ArenaStats {
            requests: self.requests.load(Relaxed),
            page_requests: self.page_requests.load(Relaxed),
            distinct_pages: self.distinct_pages.load(Relaxed),
            duplicate_fetches: self.duplicate_fetches.load(Relaxed),
            fault_retries: self.fault_retries.load(Relaxed),
            robots_requests: self.robots_requests.load(Relaxed),
            disallowed_fetches: self.disallowed_fetches.load(Relaxed),
            in_flight: self.in_flight.load(Relaxed),
            max_in_flight: self.max_in_flight.load(Relaxed),
            by_status,
            bytes_sent: self.bytes_sent.load(Relaxed),
            elapsed_ms: u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX),
            origins: Vec::new(),
            overload_503s: 0,
        }
    }

    /// How many times each path+query was fetched (page requests only).
    pub(crate) fn fetched(&self) -> BTreeMap<String, u64> {
        let paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        paths
            .iter()
            .filter(|(_, c)| c.fetches > 0)
            .map(|(p, c)| (p.clone(), c.fetches))
            .collect()
    }

    /// Zeroes every counter. `in_flight` is a gauge, not a counter: it keeps its value
    /// (requests still running will decrement it) and `max_in_flight` restarts from it.
    pub(crate) fn reset(&self) {
        for counter in [
            &self.requests,
            &self.page_requests,
            &self.distinct_pages,
            &self.duplicate_fetches,
            &self.fault_retries,
            &self.robots_requests,
            &self.disallowed_fetches,
            &self.bytes_sent,
        ] {
            counter.store(0, Relaxed);
        }
        for slot in &self.by_status {
            slot.store(0, Relaxed);
        }
        self.max_in_flight
            .store(self.in_flight.load(Relaxed), Relaxed);
        self.paths.lock().unwrap_or_else(|e| e.into_inner()).clear();
        *self.since.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_retries_and_redirect_allowance() {
        let stats = Arc::new(Stats::new());
        drop(stats.page("/p/1", "/p/1"));
        drop(stats.page("/p/1", "/p/1"));
        drop(stats.page("/faults/503", "/faults/503"));
        drop(stats.page("/faults/503", "/faults/503"));
        stats.redirected_to("/p/2");
        drop(stats.page("/p/2", "/p/2"));
        drop(stats.page("/p/2", "/p/2"));
        drop(stats.page("/private/3", "/private/3"));
        drop(stats.page("/private/open", "/private/open"));
        let s = stats.snapshot();
        assert_eq!(s.page_requests, 8);
        assert_eq!(s.distinct_pages, 5);
        assert_eq!(s.duplicate_fetches, 1);
        assert_eq!(s.fault_retries, 1);
        assert_eq!(s.disallowed_fetches, 1);
        assert_eq!(s.in_flight, 0);
        assert_eq!(s.max_in_flight, 1);
        assert_eq!(stats.fetched()["/p/2"], 2);
        stats.reset();
        assert_eq!(stats.snapshot().page_requests, 0);
        assert!(stats.fetched().is_empty());
    }

    #[test]
    fn in_flight_tracks_guards() {
        let stats = Arc::new(Stats::new());
        let a = stats.page("/p/1", "/p/1");
        let b = stats.page("/p/2", "/p/2");
        assert_eq!(stats.snapshot().in_flight, 2);
        drop(a);
        drop(b);
        let s = stats.snapshot();
        assert_eq!((s.in_flight, s.max_in_flight), (0, 2));
    }
}
