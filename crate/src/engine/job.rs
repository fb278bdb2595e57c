//! The engine's units of work and the small pieces they need: a [`Job`] (one URL across
//! its redirect hops and retries), what a finished future hands back ([`Done`]), why the
//! crawl loop woke up ([`Wake`]), and the fetch with the spec's timeout. Kept apart from the
//! loop so that the loop reads as scheduling only.

use super::robots_fetch::RobotsFetch;
use crate::clock::Clock;
use crate::fetch::{ErrorKind, Fetch, FetchError, FetchRequest, FetchResponse};
use crate::frontier::QueuedUrl;
use crate::handler::{Page, PageOutput};
use crate::robots_meta::PageDirectives;
use crate::validators::Validators;
use futures::future::{self, Either, LocalBoxFuture};
use futures::FutureExt;
use serde_json::Value;
use std::rc::Rc;
use std::time::Duration;
use url::Url;

/// One URL being worked on, across its redirect hops and retries.
#[derive(Debug, Clone)]
pub(super) struct Job {
    /// The URL of the current hop.
    pub(super) url: Url,
    pub(super) depth: u32,
    pub(super) referer: Option<Rc<str>>,
    /// Hops so far, starting with the URL as queued (the record's `url`).
    pub(super) chain: Vec<Url>,
    /// Retries made for the current hop.
    pub(super) attempt: u32,
    pub(super) started_ms: Option<f64>,
    pub(super) slot: u32,
    /// Not to be started before this time (retry backoff).
    pub(super) not_before: Duration,
    pub(super) bytes: u64,
    /// What the link to this page carried, for the page handler.
    pub(super) meta: Option<Rc<Value>>,
    /// Which extraction budgets the page reached (the record's `cut`).
    pub(super) cut: Option<String>,
    /// When the current attempt was sent (AutoThrottle's latency).
    pub(super) sent_at: Duration,
    /// The page's robots meta, `X-Robots-Tag` and canonical outcome (the record's keys).
    pub(super) directives: PageDirectives,
    /// The `<lastmod>` of the sitemap that listed the URL (the record's `lastmod`).
    pub(super) lastmod: Option<Rc<str>>,
    /// A sitemap file, not a page (see `engine/sitemaps.rs`).
    pub(super) sitemap: bool,
    /// Before the response: the previous pass's validators, sent as conditional headers on
    /// the first hop. After a 2xx response (when the store wants them): the response's.
    pub(super) validators: Option<Rc<Validators>>,
    /// The HTTP version of the last response (the record's `protocol`).
    pub(super) protocol: Option<&'static str>,
}

impl Job {
    /// The URL as queued: the record's `url`.
    pub(super) fn requested(&self) -> &Url {
        &self.chain[0]
    }

    pub(super) fn page(q: QueuedUrl) -> Job {
        Job {
            chain: vec![q.url.clone()],
            url: q.url,
            depth: q.depth,
            referer: q.referer,
            attempt: 0,
            started_ms: None,
            slot: 0,
            not_before: Duration::ZERO,
            bytes: 0,
            meta: q.meta,
            cut: None,
            sent_at: Duration::ZERO,
            directives: PageDirectives::default(),
            lastmod: q.lastmod,
            sitemap: q.sitemap,
            validators: q.validators,
            protocol: None,
        }
    }

    /// The validators the current request carries: only the URL as queued is asked
    /// conditionally (a redirect target is another resource).
    pub(super) fn conditional(&self) -> Option<&Validators> {
        (self.chain.len() == 1).then_some(self.validators.as_deref())?
    }
}

pub(super) enum Done {
    Page {
        slot: u32,
        result: Result<FetchResponse, FetchError>,
    },
    /// One try at a host's robots.txt (`attempt` 0 is the first) came to `fetched`.
    Robots {
        origin: Rc<str>,
        attempt: u32,
        fetched: RobotsFetch,
        requests: u64,
    },
    /// The page handler finished with the page in `slot` (or failed, panicked, timed out).
    Handled {
        slot: u32,
        page: Page,
        result: Result<PageOutput, String>,
    },
}

pub(super) enum Wake {
    Done(Done),
    Timer,
    Cancelled,
    /// The store made completed pages durable: their slots are free again.
    Durable,
}

/// `scheme://host[:port]` of `url`: borrowed from its serialization (which already has the
/// default port removed) unless credentials sit in between.
pub(super) fn origin_of(url: &Url) -> std::borrow::Cow<'_, str> {
    if url.username().is_empty() && url.password().is_none() {
        return std::borrow::Cow::Borrowed(&url[..url::Position::AfterPort]);
    }
    let mut s = String::with_capacity(32);
    s.push_str(url.scheme());
    s.push_str("://");
    s.push_str(url.host_str().unwrap_or(""));
    if let Some(p) = url.port() {
        s.push(':');
        s.push_str(&p.to_string());
    }
    std::borrow::Cow::Owned(s)
}

pub(super) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A small deterministic PRNG for jitter (no OS randomness needed on wasm).
pub(super) struct SplitMix(pub(super) u64);
impl SplitMix {
    pub(super) fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Fetches with the spec's timeout, enforced here so both platforms behave alike: when the
/// timer wins, the fetch future is dropped, which aborts the request.
pub(super) fn timed_fetch(
    fetcher: &dyn Fetch,
    clock: &dyn Clock,
    request: FetchRequest,
) -> LocalBoxFuture<'static, Result<FetchResponse, FetchError>> {
    let timeout = request.timeout;
    with_timeout(fetcher.fetch(request), clock, timeout)
}

/// `fetch`, or a [`ErrorKind::Timeout`] error once `timeout` has passed (dropping `fetch`).
pub(super) fn with_timeout(
    fetch: LocalBoxFuture<'static, Result<FetchResponse, FetchError>>,
    clock: &dyn Clock,
    timeout: Duration,
) -> LocalBoxFuture<'static, Result<FetchResponse, FetchError>> {
    let sleep = clock.sleep(timeout);
    async move {
        match future::select(fetch, sleep).await {
            Either::Left((result, _)) => result,
            Either::Right(_) => Err(FetchError::new(
                ErrorKind::Timeout,
                format!("no complete response within {} ms", timeout.as_millis()),
            )),
        }
    }
    .boxed_local()
}
