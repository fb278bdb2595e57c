//! silk arena: a deterministic synthetic web site on 127.0.0.1, for silk's end-to-end tests,
//! its benchmarks and the browser playground.
//!
//! The site is a small shop (`/`, product pages `/p/{i}`) generated from a seed, with the
//! things real sites do to crawlers: robots rules, redirects, dead links, equivalent URL
//! spellings, a crawler trap and a gallery of faults. It counts what a crawler did
//! (`/__stats`) and knows what a correct crawler must find (`/__pages`), so a test can check
//! a crawl against ground truth.
//!
//! Two more shapes, both off by default (the default arena is byte for byte the one above):
//!
//! - **Several origins** ([`ArenaConfig::origins`] = N): [`spawn`] listens on N ports of
//!   127.0.0.1 sharing one state; product `i` lives on origin `i % N` (everything else on
//!   origin 0) and links to a page of another origin are absolute URLs of its home origin,
//!   so per-host limits (a crawler's, the browser's 6 connections) multiply by N.
//!   `/__pages` then lists absolute home-origin URLs, and `/__stats` adds `origins`: each
//!   origin's requests and requests in flight (see `origins.rs`).
//! - **The films site** ([`ArenaConfig::site`] = [`Site::Films`]): the study notes' chart of
//!   250 films, `/` and `/chart/{1..10}` (25 films each) and `/film/{1..250}`, with the HTML
//!   and class names of the playground's demo site (see `films_pages.rs`).
//!
//! ```no_run
//! let handle = silk_arena::spawn(silk_arena::ArenaConfig::default())?;
//! println!("crawl {}/", handle.url());
//! let expected = handle.arena.expected_pages();
//! // ... crawl, then compare with `expected` and check handle.arena.stats() ...
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # URL map
//!
//! | Path | Response |
//! |---|---|
//! | `/` | home: links `/p/0..K`, `/private/1`, `/private/open`, with faults `/faults/` and `/calendar/2026/11` |
//! | `/p/{i}` | product page (title, h1, price, K related products in varied href forms) |
//! | `/r/{n}` | 301 to a product page (about one linked per 100 pages) |
//! | `/gone/{n}` | 404 HTML (about three linked per 100 pages) |
//! | `/robots.txt` | `*`: `Disallow: /private/`, `Allow: /private/open`; `badbot`: `Disallow: /` |
//! | `/private/open` | a normal page (allowed by the longer `Allow` rule) |
//! | `/private/*` | a page a polite crawler never fetches (counted as `disallowed_fetches`) |
//! | `/faults/` | the fault gallery (faults on): links every page below |
//! | `/faults/loop-a`, `/faults/loop-b` | 302 to each other: a redirect loop (only loop-a is linked) |
//! | `/faults/429` | first request (since start or reset): 429 + `Retry-After: 1`; then 200 |
//! | `/faults/503` | first two requests: 503; then 200 |
//! | `/faults/slow` | 200, `Content-Length` ~16 KB: 1 KiB at once, then 1 KiB every 500 ms (6 s) |
//! | `/faults/reset` | the connection is closed with no response ("empty reply") |
//! | `/faults/huge` | 200, 50 MiB, chunked (no `Content-Length`), generated on the fly |
//! | `/faults/gbk` | GBK bytes, `<meta charset="gbk">`, `Content-Type: text/html` |
//! | `/faults/gbk-header` | GBK bytes, no meta, `Content-Type: text/html; charset=GBK` |
//! | `/faults/malformed` | broken HTML that still has a title, an h1 and links to products |
//! | `/faults/refresh` | `<meta http-equiv="refresh" content="0; url=/faults/refreshed">` |
//! | `/faults/refreshed` | a normal page |
//! | `/faults/base` | `<base href="/p/">` and links `3`, `4` (meaning `/p/3`, `/p/4`) |
//! | `/faults/utf8-bom` | UTF-8 with a BOM, header says `charset=ISO-8859-1` |
//! | `/faults/not-html` | `application/json` with link-like strings (`/faults/json-link`, a 404) |
//! | `/meta/...` | with [`ArenaConfig::robots_meta`] only: robots meta tags, `X-Robots-Tag`, canonical links (see `robots_meta.rs`) |
//! | `/calendar/{y}/{m}` | the endless calendar trap (faults on; linked from `/`) |
//! | `/sitemap.xml`, `/sitemaps/...`, `/unlisted/{n}` | sitemaps (index, plain, gzip, text) and pages only they list; robots.txt names the index with `sitemaps` on (see `sitemaps.rs`) |
//! | `/login`, `/account/...`, `/cookies/echo` | session pages setting and checking cookies (not linked; see [`cookies`]) |
//! | `/zstd` | a page sent with `Content-Encoding: zstd`, or 406 without `Accept-Encoding: zstd` (not linked) |
//! | `/__stats`, `/__pages`, `/__fetched`, `/__config` | JSON: counters, expected pages, fetch counts, config |
//! | `/__reset` | zero the counters (GET or POST); answers the counters before the reset |
//! | `/__latency?ms=N` | change the latency (GET or POST), N from 0 to 10000 ([`MAX_LATENCY_MS`]) |
//! | `/__revision[?n=N]` | with validators on: the site's revision and what it changed; `n` sets it (see `validators.rs`) |
//!
//! With [`ArenaConfig::overload_limit`] N (`silk arena --overload N`), a site page request
//! arriving while N are being worked on gets `503` at once, counted in `overload_503s`.
//!
//! Every response has `Access-Control-Allow-Origin: *`, except the writes `/__reset` and
//! `/__latency`: they send no CORS headers and refuse requests a browser marks as coming
//! from another page (`Origin`, `Sec-Fetch-Site`) or a DNS-rebound `Host`, unless the arena
//! runs with [`ArenaConfig::test_control`] (see `control.rs`). `OPTIONS` answers 204.

mod arena;
mod body;
mod calendar;
mod config;
mod control;
pub mod cookies;
mod faults;
mod films;
mod films_pages;
mod origins;
mod overload;
mod pages;
mod prng;
mod reply;
mod robots_meta;
mod server;
mod site;
mod sitemaps;
mod stats;
mod validators;
pub mod zstd_page;

pub use arena::Arena;
pub use body::BoxBody;
pub use config::{ArenaConfig, Site, MAX_ORIGINS};
pub use control::MAX_LATENCY_MS;
pub use faults::{ConnectionDropped, RobotsFault};
pub use origins::OriginStats;
pub use server::{serve, serve_origin, serve_origins, spawn, ArenaHandle};
pub use sitemaps::BIG_SITEMAP_URLS;
pub use stats::ArenaStats;
pub use validators::RevisionChanges;
