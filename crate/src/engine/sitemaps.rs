//! Sitemaps in the crawl loop: where sitemap files come from (the spec's `sitemap_urls`, the
//! `Sitemap:` lines of each start host's robots.txt, the entries of a sitemap index), and
//! what a fetched one becomes (the pages it lists, queued like links, and its own record).
//!
//! A sitemap file is a queued URL like a page ([`QueuedUrl::sitemap`]), so it goes through
//! the same path: the seen-set (a sitemap named twice is read once), robots.txt for its own
//! URL, per-host politeness, retries, redirects, and the store (`--state`, Redis), which
//! keeps the flag so a resumed crawl still reads it as a sitemap. Its record is marked
//! `"sitemap": true`; a failed one keeps its error kind, one that is not a sitemap (or is
//! broken) is `invalid_sitemap`, and one past a cap says so in `cut`.
//!
//! Choices:
//! - Pages listed in a sitemap are depth 1 (one hop from the start, as if the start page
//!   linked them), however deep the index that led there; they pass scope, allow/deny and
//!   the depth limit like links, keep the sitemap's `<lastmod>`, and have the sitemap as
//!   their referer. A sitemap file itself only needs the host scope; its depth is how deep
//!   in indexes it was found (0 for the spec's and robots.txt's).
//! - Caps: [`MAX_SITEMAP_DEPTH`] levels of indexes, [`MAX_SITEMAP_FILES`] files per run, and
//!   per file the spec's `sitemap_max_urls` (50,000) and 50 MiB uncompressed
//!   ([`crate::sitemap`]). A sitemap body is read up to 50 MiB whatever `max_body_bytes`.
//! - Memory: the parser hands out one entry at a time from a streaming decoder, and each
//!   becomes one queue entry at once; the file's entries then go to the frontier with its
//!   record in one step (a `--state` store commits both or neither). The peak is the body
//!   plus at most `sitemap_max_urls` queue entries, never the URL list twice.

use super::job::{with_timeout, Job};
use super::Run;
use crate::events::Event;
use crate::fetch::{ErrorKind, FetchError, FetchRequest, FetchResponse};
use crate::frontier::{Frontier, QueuedUrl};
use crate::robots::RobotsRules;
use crate::sitemap::{self, Kind, Limits};
use crate::url_norm::parse_link;
use futures::future::LocalBoxFuture;
use std::rc::Rc;
use url::Url;

/// How deep sitemap indexes are followed: an index (depth 0) lists sitemaps (depth 1); an
/// index listed in an index (which the protocol does not allow, but sites do) is followed
/// once more (depth 2); the entries of an index at depth 2 are not.
pub const MAX_SITEMAP_DEPTH: u32 = 2;
/// Sitemap files queued in one run at most (about 50 million pages at 50,000 each).
pub const MAX_SITEMAP_FILES: u32 = 1_000;
/// The depth of a page listed in a sitemap.
const LISTED_PAGE_DEPTH: u32 = 1;
/// What a sitemap request accepts.
const ACCEPT_SITEMAP: &str =
    "application/xml,text/xml;q=0.9,application/gzip;q=0.8,text/plain;q=0.7,*/*;q=0.5";

/// The loop's sitemap bookkeeping.
#[derive(Default)]
pub(super) struct SitemapState {
    /// `Sitemap:` URLs read in robots.txt, to be queued.
    found: Vec<Url>,
    /// Sitemap files queued in this run (counted toward [`MAX_SITEMAP_FILES`]).
    queued: u32,
}

impl<F: Frontier, E: FnMut(Event)> Run<F, E> {
    /// Queues the spec's sitemap files, like start URLs.
    pub(super) async fn queue_spec_sitemaps(&mut self) {
        for url in self.spec.sitemap_urls.clone() {
            let url = parse_link(&url, url.as_str()).unwrap_or(url);
            self.queue_sitemap(url).await;
        }
    }

    /// Notes the `Sitemap:` lines of `origin`'s robots.txt, if the spec reads them and
    /// `origin` is a start URL's. Queued by [`Run::queue_robots_sitemaps`] (this is called
    /// where nothing can be awaited); a robots.txt read again later names them again, and
    /// the seen-set ignores them then.
    pub(super) fn sitemaps_in_robots(&mut self, origin: &str, rules: &RobotsRules) {
        if !self.spec.spec.sitemaps || rules.sitemaps().is_empty() {
            return;
        }
        if !self
            .spec
            .seeds
            .iter()
            .any(|seed| super::job::origin_of(seed) == origin)
        {
            return;
        }
        let Ok(base) = Url::parse(&format!("{origin}/robots.txt")) else {
            return;
        };
        for line in rules.sitemaps() {
            match parse_link(&base, line) {
                Some(url) => self.sitemaps.found.push(url),
                None => self.stats.links_filtered += 1,
            }
        }
    }

    /// Queues the sitemap files found in robots.txt since the last call.
    pub(super) async fn queue_robots_sitemaps(&mut self) {
        if self.sitemaps.found.is_empty() {
            return;
        }
        for url in std::mem::take(&mut self.sitemaps.found) {
            self.queue_sitemap(url).await;
        }
    }

    async fn queue_sitemap(&mut self, url: Url) {
        if !self.scope.admits_sitemap(&url) || self.sitemaps.queued >= MAX_SITEMAP_FILES {
            self.stats.links_filtered += 1;
            return;
        }
        let mut item = QueuedUrl::new(url, 0, None);
        item.sitemap = true;
        if self.frontier.add(item).await {
            self.sitemaps.queued += 1;
        }
    }

    /// The fetch of a sitemap file: its own Accept header and body limit (the protocol's
    /// 50 MiB, whatever the pages' limit), and a longer body is read up to that limit
    /// rather than failed, so that its first 50 MiB are used and the record says it was cut.
    pub(super) fn sitemap_fetch(
        &self,
        mut request: FetchRequest,
    ) -> LocalBoxFuture<'static, Result<FetchResponse, FetchError>> {
        for (name, value) in &mut request.headers {
            if name == "accept" {
                *value = ACCEPT_SITEMAP.to_string();
            }
        }
        request.max_body_bytes = usize::try_from(sitemap::MAX_BYTES + 1).unwrap_or(usize::MAX);
        let timeout = request.timeout;
        with_timeout(self.fetcher.fetch_prefix(request), &*self.clock, timeout)
    }

    /// A sitemap file was fetched (status below 400): its entries are queued (pages, or
    /// more sitemaps for an index) and it gets its record.
    pub(super) async fn sitemap_fetched(&mut self, mut job: Job, resp: FetchResponse) {
        let limits = Limits {
            max_urls: self.spec.spec.sitemap_max_urls as usize,
            max_bytes: sitemap::MAX_BYTES,
        };
        let referer: Rc<str> = Rc::from(job.url.as_str());
        let child_depth = job.depth + 1;
        let mut links = Vec::new();
        let (mut filtered, mut too_deep, mut too_many) = (0u64, 0u64, 0u64);
        let scope = &self.scope;
        let state = &mut self.sitemaps;
        let base = &job.url;
        let summary = sitemap::read(&resp.body, &limits, |kind, entry| {
            let Some(url) = parse_link(base, entry.loc) else {
                filtered += 1;
                return;
            };
            let lastmod = entry.lastmod.map(Rc::from);
            match kind {
                Kind::Index if child_depth > MAX_SITEMAP_DEPTH => too_deep += 1,
                Kind::Index if !scope.admits_sitemap(&url) => filtered += 1,
                Kind::Index if state.queued >= MAX_SITEMAP_FILES => too_many += 1,
                Kind::Index => {
                    state.queued += 1;
                    let mut item = QueuedUrl::new(url, child_depth, Some(referer.clone()));
                    item.sitemap = true;
                    item.lastmod = lastmod;
                    links.push(item);
                }
                Kind::UrlSet | Kind::Text if scope.admits(&url, LISTED_PAGE_DEPTH) => {
                    let mut item = QueuedUrl::new(url, LISTED_PAGE_DEPTH, Some(referer.clone()));
                    item.lastmod = lastmod;
                    links.push(item);
                }
                Kind::UrlSet | Kind::Text => filtered += 1,
            }
        });
        self.stats.links_filtered += filtered + summary.skipped as u64;
        let mut cut = Vec::new();
        if let Some(c) = summary.cut {
            cut.push(c.describe(&limits));
        }
        if too_deep > 0 {
            cut.push(format!(
                "{too_deep} sitemaps not read: indexes nested deeper than {MAX_SITEMAP_DEPTH} levels"
            ));
        }
        if too_many > 0 {
            cut.push(format!(
                "{too_many} sitemaps not read: more than {MAX_SITEMAP_FILES} sitemap files in one crawl"
            ));
        }
        if !cut.is_empty() {
            job.cut = Some(cut.join("; "));
        }
        let error = summary.error.map(|why| {
            let read = match summary.entries {
                0 => String::new(),
                n => format!(" ({n} entries read before it were kept)"),
            };
            FetchError::new(ErrorKind::InvalidSitemap, format!("{why}{read}"))
        });
        self.emit_record(job, Some(resp.status), Vec::new(), error, links)
            .await;
    }
}
