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
    /// Origins (loopback ports) the site is spread over: 1 (the default) serves everything
    /// on `port`, as always. With N > 1, `spawn` also listens on N-1 more free ports of
    /// 127.0.0.1 sharing one state (latency, counters, pages); each page has a home origin
    /// and links to pages of other origins are absolute URLs (see `origins.rs`). At most
    /// [`MAX_ORIGINS`]; 0 counts as 1.
    pub origins: usize,
    /// Which site to serve: the shop (the default) or the films catalogue of the study notes.
    pub site: Site,
    /// Overload mode: a site page request arriving while this many are being worked on is
    /// answered 503 at once (see `overload.rs`); `None` (the default): no such limit.
    pub overload_limit: Option<usize>,
    /// `true`: the `/meta/...` pages with robots meta tags, `X-Robots-Tag` headers and
    /// canonical links exist (see `robots_meta.rs`); linked from nowhere else, so the rest
    /// of the site is unchanged. Off by default.
    pub robots_meta: bool,
    /// `true`: robots.txt names the sitemap index (`Sitemap: http://HOST/sitemap.xml`). The
    /// sitemap files are served either way (see `sitemaps.rs`); off by default, so
    /// robots.txt is unchanged.
    pub sitemaps: bool,
    /// `true`: `/`, `/private/open` and the product pages carry ETag and Last-Modified,
    /// answer 304 to matching conditional requests, and the site has revisions
    /// (`/__revision`; see `validators.rs`). `false` (the default): none of that.
    pub validators: bool,
}

/// Highest number of origins an arena serves (each is a listening port).
pub const MAX_ORIGINS: usize = 64;

/// The sites an arena can serve.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Site {
    /// The synthetic shop: home, product pages, redirects, dead links, robots rules, and
    /// with `faults` the fault gallery and the calendar trap.
    #[default]
    Shop,
    /// The study notes' 250-film chart: 10 chart pages of 25 films and 250 film pages, with
    /// the HTML shape of the playground's demo site (`films.rs`). `pages`, `links`,
    /// `body_kb` and `faults` do not apply.
    Films,
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
            origins: 1,
            site: Site::Shop,
            overload_limit: None,
            robots_meta: false,
            sitemaps: false,
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

    /// The number of origins actually served (`origins`, between 1 and [`MAX_ORIGINS`]).
    pub fn origin_count(&self) -> usize {
        self.origins.clamp(1, MAX_ORIGINS)
    }
}
