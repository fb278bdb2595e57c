//! The knobs of an arena: how big the site is, how slow, which seed, whether faults exist.
//!
//! One plain struct so the `silk arena` CLI can map flags onto it one to one and tests can
//! write `ArenaConfig { pages: 20, ..Default::default() }`. Everything about the site is a
//! pure function of this struct (plus the `Host` header for absolute links), which is what
//! makes the arena deterministic.

use serde::{Deserialize, Serialize};

/// How to build and serve an arena. `Default` is the site the end-to-end tests crawl.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ArenaConfig {
    /// TCP port to bind on 127.0.0.1; 0 picks any free port (see [`crate::ArenaHandle::addr`]).
    pub port: u16,
    /// Number of product pages `/p/0 .. /p/{pages-1}` (at least 1 is served).
    pub pages: usize,
    /// Links from each product page to other product pages (at least 1: the chain link
    /// `i -> i+1` that makes every page reachable). The home page links the first `links`.
    pub links: usize,
    /// Delay added before every site response (not `/__*` control endpoints). Adjustable
    /// later with [`crate::Arena::set_latency_ms`] or `GET /__latency?ms=N`. At most
    /// [`crate::MAX_LATENCY_MS`] (10 s) is applied.
    pub latency_ms: u64,
    /// Approximate size of a product page body in KiB (padding text fills the gap).
    pub body_kb: usize,
    /// Seed of the page graph, prices and texts: same seed, same bytes.
    pub seed: u64,
    /// `true`: the fault pages (`/faults/...`) and the calendar trap exist and are linked.
    /// `false`: a clean site for benchmarks (products, robots, redirects, dead links only).
    pub faults: bool,
    /// A `Crawl-delay` (seconds) in robots.txt's `*` group, to test that crawlers honour it.
    pub crawl_delay_s: Option<f64>,
    /// `true`: the write endpoints `/__reset` and `/__latency` answer browser pages of any
    /// origin, with CORS headers (a test rig that resets the arena from a browser). `false`
    /// (the default): they refuse cross-origin browser requests and send no CORS headers.
    pub test_control: bool,
    /// `true`: `/`, `/private/open` and the product pages carry ETag and Last-Modified,
    /// answer 304 to matching conditional requests, and the site has revisions
    /// (`/__revision`; see `validators.rs`). `false` (the default): none of that.
    pub validators: bool,
}

impl Default for ArenaConfig {
    fn default() -> Self {
        ArenaConfig {
            port: 0,
            pages: 300,
            links: 10,
            latency_ms: 0,
            body_kb: 15,
            seed: 1,
            faults: true,
            crawl_delay_s: None,
            test_control: false,
            validators: false,
        }
    }
}

impl ArenaConfig {
    /// The number of product pages actually served (`pages`, but never 0).
    pub fn page_count(&self) -> usize {
        self.pages.max(1)
    }

    /// The number of product links per product page actually rendered (`links`, but never 0).
    pub fn link_count(&self) -> usize {
        self.links.max(1)
    }
}
