//! Several origins for one arena: which origin is each page's home, how a page links a page
//! of another origin, and the per-origin counters that prove per-host politeness.
//!
//! A browser opens at most 6 connections per host:port and a polite crawler limits its
//! requests per host, so a site on one origin caps every concurrent crawl at that per-host
//! limit. Spreading the pages over N loopback ports (all sharing one [`crate::Arena`]:
//! latency, counters, pages) multiplies the cap by N, as a crawl across real hosts does.
//!
//! Each page has one home origin (shop: `/p/{i}` on origin `i % N`, everything else on
//! origin 0; films: see `films.rs`). A link to a page whose home is another origin is the
//! absolute URL of that origin; a same-origin link keeps its usual form. A page requested
//! on another origin than its home is still served (its links are computed from its home),
//! so the arena never answers 404 for a wrong port; a correct crawler never asks, since no
//! link points there. With one origin (the default) nothing here runs: no counters, no
//! prefixes, the pages' bytes are those of a single-origin arena.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The counters of one origin in `/__stats` (`origins`, only with more than one origin).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginStats {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub url: String,
    /// Every request this origin received (pages, `/robots.txt`, `/__*`, `OPTIONS`).
    pub requests: u64,
    /// Page requests (everything but `/robots.txt`, `/__*` and `OPTIONS`).
    pub page_requests: u64,
    /// Page requests being served on this origin right now.
    pub in_flight: u64,
    /// The largest `in_flight` seen on this origin: a crawler limited to P requests per
    /// host keeps it at most P.
    pub max_in_flight: u64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    page_requests: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
}

/// Holds one page request in flight on one origin; dropped when its body is done.
pub(crate) struct OriginInFlight(Arc<Counters>);

impl Drop for OriginInFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Relaxed);
    }
}

/// The origins of one arena: their URLs and counters. Empty (one origin, no counting) for a
/// single-origin arena.
pub(crate) struct Origins {
    urls: Vec<String>,
    counters: Vec<Arc<Counters>>,
}

impl Origins {
    /// One origin: no URLs to link to, nothing counted.
    pub(crate) fn single() -> Origins {
        Origins {
            urls: Vec::new(),
            counters: Vec::new(),
        }
    }

    /// `urls` are the origins' base URLs (`http://127.0.0.1:PORT`); fewer than two means a
    /// single-origin arena.
    pub(crate) fn new(urls: Vec<String>) -> Origins {
        if urls.len() < 2 {
            return Origins::single();
        }
        let counters = urls.iter().map(|_| Arc::default()).collect();
        Origins { urls, counters }
    }

    /// The number of origins (1 for a single-origin arena).
    pub(crate) fn count(&self) -> usize {
        self.urls.len().max(1)
    }

    /// Whether pages are spread over several origins.
    pub(crate) fn many(&self) -> bool {
        self.urls.len() > 1
    }

    /// The base URLs, origin 0 first (empty for a single-origin arena).
    pub(crate) fn urls(&self) -> &[String] {
        &self.urls
    }

    /// What to put before a root-relative path to link from a page whose home is `from` to
    /// a page whose home is `to`: `""` on the same origin, else `http://127.0.0.1:PORT`.
    pub(crate) fn prefix(&self, from: usize, to: usize) -> &str {
        if from == to {
            return "";
        }
        self.urls.get(to).map_or("", String::as_str)
    }

    /// The home origin of the `n`-th page of a sequence spread round-robin (0-based).
    pub(crate) fn spread(&self, n: usize) -> usize {
        n % self.count()
    }

    /// Counts a request arriving on `origin` (nothing for a single-origin arena).
    pub(crate) fn request(&self, origin: usize) {
        if let Some(c) = self.counters.get(origin) {
            c.requests.fetch_add(1, Relaxed);
        }
    }

    /// Counts a page request on `origin` and holds it in flight until the guard drops.
    pub(crate) fn page(&self, origin: usize) -> Option<OriginInFlight> {
        let c = self.counters.get(origin)?;
        c.page_requests.fetch_add(1, Relaxed);
        let now = c.in_flight.fetch_add(1, Relaxed) + 1;
        c.max_in_flight.fetch_max(now, Relaxed);
        Some(OriginInFlight(Arc::clone(c)))
    }

    /// The counters of every origin (empty for a single-origin arena).
    pub(crate) fn snapshot(&self) -> Vec<OriginStats> {
        self.urls
            .iter()
            .zip(&self.counters)
            .map(|(url, c)| OriginStats {
                url: url.clone(),
                requests: c.requests.load(Relaxed),
                page_requests: c.page_requests.load(Relaxed),
                in_flight: c.in_flight.load(Relaxed),
                max_in_flight: c.max_in_flight.load(Relaxed),
            })
            .collect()
    }

    /// Zeroes the counters; `max_in_flight` restarts from the requests still in flight.
    pub(crate) fn reset(&self) {
        for c in &self.counters {
            c.requests.store(0, Relaxed);
            c.page_requests.store(0, Relaxed);
            c.max_in_flight.store(c.in_flight.load(Relaxed), Relaxed);
        }
    }

    /// `path` as listed in `/__pages`: the path itself with one origin, the absolute URL on
    /// its home origin `home` with several.
    pub(crate) fn listed(&self, home: usize, path: &str) -> String {
        match self.urls.get(home).filter(|_| self.many()) {
            Some(url) => format!("{url}{path}"),
            None => path.to_string(),
        }
    }
}

/// Four origins, `http://127.0.0.1:9000` to `:9003`, for unit tests of the modules that
/// spread pages over origins.
#[cfg(test)]
pub(crate) fn four() -> Origins {
    Origins::new(
        (0..4)
            .map(|i| format!("http://127.0.0.1:{}", 9000 + i))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_origin_counts_nothing_and_prefixes_nothing() {
        let one = Origins::new(vec!["http://127.0.0.1:1".into()]);
        assert!(!one.many());
        assert_eq!(one.count(), 1);
        assert_eq!(one.prefix(0, 3), "");
        assert!(one.page(0).is_none());
        assert!(one.snapshot().is_empty());
        assert_eq!(one.listed(0, "/p/1"), "/p/1");
    }

    #[test]
    fn prefixes_and_listing_name_the_home_origin() {
        let o = four();
        assert_eq!(o.prefix(1, 1), "");
        assert_eq!(o.prefix(1, 2), "http://127.0.0.1:9002");
        assert_eq!(o.spread(6), 2);
        assert_eq!(o.listed(3, "/p/3"), "http://127.0.0.1:9003/p/3");
    }

    #[test]
    fn per_origin_in_flight_and_reset() {
        let o = four();
        o.request(1);
        let a = o.page(1);
        let b = o.page(1);
        let c = o.page(2);
        drop(a);
        let s = o.snapshot();
        assert_eq!((s[1].requests, s[1].page_requests), (1, 2));
        assert_eq!((s[1].in_flight, s[1].max_in_flight), (1, 2));
        assert_eq!(s[2].max_in_flight, 1);
        drop((b, c));
        o.reset();
        let s = o.snapshot();
        assert_eq!(
            (s[1].requests, s[1].max_in_flight, s[1].in_flight),
            (0, 0, 0)
        );
        assert!(o.page(9).is_none(), "an unknown origin counts nothing");
    }
}
