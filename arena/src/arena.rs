//! [`Arena`]: the site plus its counters, and the request router that serves it.
//!
//! `respond` is the whole server logic for one request, independent of sockets, so the
//! accept loop in `server.rs` stays a dozen lines and anyone embedding the arena in their own
//! hyper server can call it directly. Routing is a plain `match` on the path: the URL space
//! is small and fixed, and reading it top to bottom tells you what every URL does.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Frame;
use hyper::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ALLOW,
    HOST,
};
use hyper::{Method, Request, Response, StatusCode};

use crate::body::BoxBody;
use crate::calendar;
use crate::config::{ArenaConfig, Site as SiteKind};
use crate::control::{self, Caller, MAX_LATENCY_MS};
use crate::faults::{self, ConnectionDropped, FaultState};
use crate::films_pages;
use crate::origins::{OriginInFlight, Origins};
use crate::overload::Overload;
use crate::pages;
use crate::reply;
use crate::robots_meta;
use crate::site::{parse_index, Site};
use crate::sitemaps;
use crate::stats::{is_disallowed, ArenaStats, InFlight, Stats};
use crate::validators::{self, Revision, RevisionChanges};

/// A deterministic synthetic web site and its request counters.
///
/// Cheap to clone (one `Arc`); every clone serves the same site and shares the counters.
#[derive(Clone)]
pub struct Arena {
    inner: Arc<Inner>,
}

struct Inner {
    config: ArenaConfig,
    site: Site,
    stats: Arc<Stats>,
    faults: FaultState,
    latency_ms: AtomicU64,
    origins: Origins,
    overload: Overload,
    revision: Revision,
}

impl std::fmt::Debug for Arena {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Arena")
            .field("config", &self.inner.config)
            .field("latency_ms", &self.latency_ms())
            .finish_non_exhaustive()
    }
}

const ALLOWED_METHODS: &str = "GET, HEAD, OPTIONS";

impl Arena {
    /// Builds the arena for `config`, on one origin whatever `config.origins` says (its
    /// other ports are not known yet: [`crate::spawn`] binds them and calls
    /// [`Arena::with_origins`]). Nothing is precomputed: pages render on demand.
    pub fn new(config: ArenaConfig) -> Arena {
        Arena::with_origins(config, Vec::new())
    }

    /// Builds the arena for `config` served on the origins `urls` (`http://127.0.0.1:PORT`,
    /// origin 0 first; see `origins.rs`). Fewer than two URLs: a single-origin arena.
    /// Serve origin `i` with [`crate::serve_origin`]`(arena, listener, i)`.
    pub fn with_origins(config: ArenaConfig, urls: Vec<String>) -> Arena {
        let origins = Origins::new(urls);
        Arena {
            inner: Arc::new(Inner {
                site: Site::new(&config, origins.count()),
                stats: Arc::new(Stats::new()),
                faults: FaultState::default(),
                latency_ms: AtomicU64::new(config.latency_ms.min(MAX_LATENCY_MS)),
                overload: Overload::new(config.overload_limit),
                revision: Revision::default(),
                config,
                origins,
            }),
        }
    }

    /// The base URLs of the origins (origin 0 first) of a multi-origin arena; empty for a
    /// single-origin one (its URL is the one it is served on).
    pub fn origin_urls(&self) -> &[String] {
        self.inner.origins.urls()
    }

    /// The config this arena was built from (`latency_ms` as given at start; see
    /// [`Arena::latency_ms`] for the current value).
    pub fn config(&self) -> &ArenaConfig {
        &self.inner.config
    }

    /// A snapshot of the counters (the same JSON `GET /__stats` serves).
    pub fn stats(&self) -> ArenaStats {
        let mut stats = self.inner.stats.snapshot();
        stats.origins = self.inner.origins.snapshot();
        stats.overload_503s = self.inner.overload.refused();
        stats
    }

    /// Zeroes the counters and the 429/503 fault state, like `GET /__reset`.
    pub fn reset(&self) {
        self.inner.stats.reset();
        self.inner.faults.reset();
        self.inner.origins.reset();
        self.inner.overload.reset();
    }

    /// How many times each path+query was fetched (page requests only), like `/__fetched`.
    /// Handy to check that a crawler fetched nothing outside [`Arena::expected_pages`].
    pub fn fetched(&self) -> BTreeMap<String, u64> {
        self.inner.stats.fetched()
    }

    /// Changes the delay added before each site response, effective for the next request.
    /// Clamped to [`MAX_LATENCY_MS`] (10 s).
    pub fn set_latency_ms(&self, ms: u64) {
        self.inner.latency_ms.store(ms.min(MAX_LATENCY_MS), Relaxed);
    }

    /// Makes `/robots.txt` misbehave from the next request on (see [`faults::RobotsFault`]).
    pub fn set_robots_fault(&self, fault: faults::RobotsFault) {
        self.inner.faults.set_robots(fault);
    }

    /// The current delay added before each site response.
    pub fn latency_ms(&self) -> u64 {
        self.inner.latency_ms.load(Relaxed)
    }

    /// Moves the site to revision `n` (with validators on: see `validators.rs`), like
    /// `GET /__revision?n=N`.
    pub fn set_revision(&self, n: u64) {
        self.inner.revision.set(n);
    }

    /// The current revision and the paths it changed, removed and added since revision 1.
    pub fn revision_changes(&self) -> RevisionChanges {
        validators::changes(&self.inner.site, self.inner.revision.get())
    }

    /// The paths a correct crawler records when it starts at `/` with default settings
    /// (robots.txt obeyed, redirects followed, no page or depth limit), each exactly once,
    /// sorted. This is what `GET /__pages` serves. It contains:
    ///
    /// - `/`, `/private/open` and every product page `/p/{i}`;
    /// - every linked redirect `/r/{n}` (the record of the URL requested, whose final URL is
    ///   a product page; that product page is listed on its own too, as every product page is
    ///   also linked directly);
    /// - every linked dead link `/gone/{n}` (recorded with status 404);
    /// - with faults on: `/faults/` and every page it links, including the start of the
    ///   redirect loop (`/faults/loop-a`, recorded as a redirect-loop error; its other end
    ///   `/faults/loop-b` is deliberately not linked, so a crawler must walk the loop to
    ///   notice it), `/faults/refresh` and `/faults/refreshed` (also
    ///   linked directly), and the pages that end in an error (`/faults/reset`, possibly
    ///   `/faults/slow` or `/faults/huge` under tight timeouts or size limits).
    ///
    /// It excludes `/robots.txt`, the robots-disallowed `/private/*` pages, the control
    /// endpoints `/__*`, and the calendar trap `/calendar/...` (endless by design: how many
    /// of its pages a crawler records depends on its depth and page limits; filter paths
    /// starting with `/calendar/` before comparing).
    ///
    /// The films site (`Site::Films`) lists `/`, `/chart/2` to `/chart/10` and `/film/1` to
    /// `/film/250`. With several origins every entry is the absolute URL on the page's home
    /// origin (`http://127.0.0.1:PORT/p/3`) instead of a path.
    pub fn expected_pages(&self) -> Vec<String> {
        let inner = &*self.inner;
        match inner.config.site {
            SiteKind::Films => films_pages::expected_pages(&inner.origins),
            SiteKind::Shop => inner.site.expected_pages(&inner.origins),
        }
    }

    /// Serves one request. Never fails, except for `/faults/reset`, which returns
    /// [`ConnectionDropped`] so hyper closes the connection without answering.
    ///
    /// The request body is ignored, so any body type works (`hyper::body::Incoming` when
    /// called from a hyper service).
    pub async fn respond<B>(
        &self,
        req: Request<B>,
    ) -> Result<Response<BoxBody>, ConnectionDropped> {
        self.respond_on(0, req).await
    }

    /// Serves one request that arrived on origin `origin` (0-based; see
    /// [`Arena::with_origins`]), counted in that origin's stats. Pages are the same on
    /// every origin.
    pub async fn respond_on<B>(
        &self,
        origin: usize,
        req: Request<B>,
    ) -> Result<Response<BoxBody>, ConnectionDropped> {
        let inner = &*self.inner;
        let stats = &inner.stats;
        stats.request();
        inner.origins.request(origin);
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let path_and_query = req
            .uri()
            .path_and_query()
            .map_or_else(|| path.clone(), |pq| pq.as_str().to_string());
        let host = host_of(&req);
        let headers = faults::RequestHeaders::of(&req);
        let caller = Caller::of(req.headers());
        let conditional = validators::Conditional::of(&req, &inner.config);
        drop(req);

        // Writes get CORS only on a test rig (see `control.rs`).
        let cors = !control::is_write(&path) || inner.config.test_control;
        if method == Method::OPTIONS {
            return Ok(if cors {
                with_cors(preflight())
            } else {
                reply::empty(StatusCode::NO_CONTENT)
            });
        }
        if path.starts_with("/__") {
            if !cors {
                if let Err(why) = caller.may_write() {
                    return Ok(reply::bytes(
                        StatusCode::FORBIDDEN,
                        reply::TEXT_UTF8,
                        format!("{why}\n"),
                    ));
                }
                return Ok(self.control(&method, &path, &path_and_query));
            }
            return Ok(with_cors(self.control(&method, &path, &path_and_query)));
        }
        if method != Method::GET && method != Method::HEAD {
            stats.status(StatusCode::METHOD_NOT_ALLOWED.as_u16());
            let mut resp = reply::empty(StatusCode::METHOD_NOT_ALLOWED);
            resp.headers_mut()
                .insert(ALLOW, HeaderValue::from_static(ALLOWED_METHODS));
            return Ok(with_cors(resp));
        }

        let (in_flight, origin_in_flight, admitted) = if path == "/robots.txt" {
            stats.robots();
            (None, None, None)
        } else {
            match inner.overload.admit() {
                Ok(admitted) => (
                    Some(stats.page(&path, &path_and_query)),
                    inner.origins.page(origin),
                    admitted,
                ),
                Err(busy) => {
                    stats.status(StatusCode::SERVICE_UNAVAILABLE.as_u16());
                    return Ok(with_cors(busy.response()));
                }
            }
        };
        let latency = self.latency_ms();
        if latency > 0 && self.delays(&path) {
            precise_sleep(Duration::from_millis(latency)).await;
        }
        let revision = inner.revision.get();
        let resp = match validators::respond(
            &inner.site,
            &inner.config,
            revision,
            &path,
            host.as_deref(),
            &conditional,
            &inner.origins,
        ) {
            Some(resp) => resp,
            None => self.route(&path, host.as_deref(), &headers)?,
        };
        drop(admitted);
        stats.status(resp.status().as_u16());
        Ok(with_cors(metered(
            resp,
            Arc::clone(stats),
            (in_flight, origin_in_flight),
        )))
    }

    /// Whether the latency applies to `path`: every site path of the shop; chart and film
    /// pages only on the films site.
    fn delays(&self, path: &str) -> bool {
        match self.inner.config.site {
            SiteKind::Shop => true,
            SiteKind::Films => films_pages::delayed(path),
        }
    }

    /// The site proper: every path that is not a control endpoint.
    fn route(
        &self,
        path: &str,
        host: Option<&str>,
        headers: &faults::RequestHeaders,
    ) -> Result<Response<BoxBody>, ConnectionDropped> {
        let inner = &*self.inner;
        let site = &inner.site;
        let ok = |body: String| Ok(reply::html(StatusCode::OK, body));
        let not_found = || Ok(reply::html(StatusCode::NOT_FOUND, pages::not_found(path)));
        let origins = &inner.origins;

        if inner.config.site == SiteKind::Films {
            return Ok(self.route_films(path));
        }
        if path == "/" {
            return ok(pages::home(site, origins));
        }
        if path == "/robots.txt" {
            if let Some(resp) = faults::robots(&inner.faults) {
                return resp;
            }
            let mut robots = pages::robots_txt(inner.config.crawl_delay_s);
            if inner.config.sitemaps {
                robots.push_str(&sitemaps::robots_line(host));
            }
            return Ok(reply::bytes(StatusCode::OK, reply::TEXT_UTF8, robots));
        }
        if path == "/private/open" {
            return ok(pages::private_open());
        }
        if let Some(rest) = path.strip_prefix("/p/") {
            return match parse_index(rest) {
                Some(i) if i < site.pages() => {
                    ok(pages::product(site, i, host, inner.config.body_kb, origins))
                }
                _ => not_found(),
            };
        }
        if let Some(rest) = path.strip_prefix("/r/") {
            return match parse_index(rest).and_then(|r| site.redirect_target(r)) {
                Some(target) => {
                    let location = format!("/p/{target}");
                    inner.stats.redirected_to(&location);
                    // Several origins: to the target's home origin, whichever served `/r/`.
                    let home = origins.urls().get(origins.spread(target));
                    let location = home.map_or(location, |url| format!("{url}/p/{target}"));
                    Ok(reply::redirect(StatusCode::MOVED_PERMANENTLY, &location))
                }
                None => not_found(),
            };
        }
        if let Some(resp) = crate::cookies::respond(path, headers) {
            return Ok(resp);
        }
        if path == "/zstd" {
            return Ok(crate::zstd_page::respond(headers));
        }
        if path.starts_with("/gone/") {
            return Ok(reply::html(StatusCode::NOT_FOUND, pages::gone(path)));
        }
        if is_disallowed(path) {
            let next = parse_index(&path["/private/".len()..]).map(|n| n + 1);
            return ok(pages::private_page(path, next));
        }
        if inner.config.robots_meta && path.starts_with(robots_meta::PREFIX) {
            return Ok(robots_meta::respond(path));
        }
        if let Some(resp) = sitemaps::respond(path, host) {
            return Ok(resp);
        }
        if site.faults() {
            if path.starts_with(faults::INDEX) {
                return faults::respond(path, site, &inner.faults, host, headers)
                    .unwrap_or_else(not_found);
            }
            if let Some(rest) = path.strip_prefix("/calendar/") {
                return match calendar::parse(rest) {
                    Some((year, month)) => ok(calendar::page(year, month)),
                    None => not_found(),
                };
            }
        }
        not_found()
    }

    /// The films site (`films_pages.rs`): chart pages, film pages, robots.txt, 404s.
    fn route_films(&self, path: &str) -> Response<BoxBody> {
        let inner = &*self.inner;
        if path == "/robots.txt" {
            return reply::bytes(StatusCode::OK, reply::TEXT_UTF8, films_pages::ROBOTS_TXT);
        }
        match films_pages::page(inner.config.seed, path, &inner.origins) {
            Some(body) => reply::html(StatusCode::OK, body),
            None => reply::html(StatusCode::NOT_FOUND, pages::not_found(path)),
        }
    }

    /// `/__*`: read the counters, the expected pages, reset, adjust latency. Never delayed,
    /// not counted as page requests.
    fn control(&self, method: &Method, path: &str, path_and_query: &str) -> Response<BoxBody> {
        let writes = control::is_write(path);
        let allowed = *method == Method::GET
            || *method == Method::HEAD
            || (writes && *method == Method::POST);
        if !allowed {
            let mut resp = reply::empty(StatusCode::METHOD_NOT_ALLOWED);
            let allow = if writes {
                "GET, HEAD, POST, OPTIONS"
            } else {
                ALLOWED_METHODS
            };
            resp.headers_mut()
                .insert(ALLOW, HeaderValue::from_static(allow));
            return resp;
        }
        match path {
            "/__stats" => reply::json(&self.stats()),
            "/__pages" => reply::json(&self.expected_pages()),
            "/__fetched" => reply::json(&self.fetched()),
            "/__revision" => {
                let query = path_and_query.split_once('?').map_or("", |(_, q)| q);
                let n = query.split('&').find_map(|kv| kv.strip_prefix("n="));
                match n.map(str::parse::<u64>) {
                    Some(Ok(n)) if (1..=1000).contains(&n) => self.set_revision(n),
                    Some(_) => {
                        return reply::bytes(
                            StatusCode::BAD_REQUEST,
                            reply::TEXT_UTF8,
                            "usage: /__revision?n=N with N a whole number from 1 to 1000\n",
                        )
                    }
                    None => {}
                }
                reply::json(&self.revision_changes())
            }
            "/__config" => {
                let mut config = self.inner.config.clone();
                config.latency_ms = self.latency_ms();
                reply::json(&config)
            }
            "/__reset" => {
                let before = self.stats();
                self.reset();
                reply::json(&before)
            }
            "/__latency" => {
                let query = path_and_query.split_once('?').map_or("", |(_, q)| q);
                let ms = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("ms="))
                    .map(str::parse::<u64>);
                match ms {
                    Some(Ok(ms)) if ms <= MAX_LATENCY_MS => self.set_latency_ms(ms),
                    Some(_) => {
                        return reply::bytes(
                            StatusCode::BAD_REQUEST,
                            reply::TEXT_UTF8,
                            format!("usage: /__latency?ms=N with N a whole number of milliseconds from 0 to {MAX_LATENCY_MS}\n"),
                        )
                    }
                    None => {}
                }
                reply::json(&serde_json::json!({ "latency_ms": self.latency_ms() }))
            }
            _ => reply::html(StatusCode::NOT_FOUND, pages::not_found(path)),
        }
    }
}

/// The authority the client addressed (absolute-form URI or `Host`), if it is plain enough
/// to echo into absolute links (`127.0.0.1:PORT`, names, IPv6 literals).
fn host_of<B>(req: &Request<B>) -> Option<String> {
    let raw = match req.uri().authority() {
        Some(authority) => authority.as_str(),
        None => req.headers().get(HOST)?.to_str().ok()?,
    };
    let plain = !raw.is_empty()
        && raw.len() <= 255
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b':' | b'-' | b'[' | b']'));
    plain.then(|| raw.to_string())
}

/// Counts the body's bytes into `bytes_sent` and keeps the request in flight until the
/// body is finished (or dropped, e.g. for `HEAD` or when the client goes away).
fn metered(
    resp: Response<BoxBody>,
    stats: Arc<Stats>,
    in_flight: (Option<InFlight>, Option<OriginInFlight>),
) -> Response<BoxBody> {
    resp.map(|body| {
        body.map_frame(move |frame: Frame<Bytes>| {
            let _in_flight = &in_flight;
            if let Some(data) = frame.data_ref() {
                stats.sent(data.len());
            }
            frame
        })
        .boxed()
    })
}

/// `Access-Control-Allow-Origin: *` on everything: the browser playground fetches the arena
/// cross-origin and must be able to read statuses and headers such as `Retry-After`.
fn with_cors(mut resp: Response<BoxBody>) -> Response<BoxBody> {
    let headers = resp.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("*"));
    resp
}

/// The answer to a CORS preflight, for any path.
fn preflight() -> Response<BoxBody> {
    let mut resp = reply::empty(StatusCode::NO_CONTENT);
    let headers = resp.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("*"));
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, POST, OPTIONS"),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    resp
}

/// Waits `d` to within about 0.1 ms. tokio's timer fires on 1 ms ticks after the deadline,
/// so a 50 ms sleep under load takes 51-52 ms, and a benchmark's "ideal" (concurrency /
/// latency) would be measured against a slower site than it names. A blocking-pool thread
/// sleeps precisely.
async fn precise_sleep(d: Duration) {
    let until = std::time::Instant::now() + d;
    let _ = tokio::task::spawn_blocking(move || {
        let now = std::time::Instant::now();
        if until > now {
            std::thread::sleep(until - now);
        }
    })
    .await;
}
