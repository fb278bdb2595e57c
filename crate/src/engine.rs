//! The crawl loop. One future drives everything: it pops URLs from the [`Frontier`], parks
//! them per host until politeness allows ([`HostSlots`]), keeps at most `concurrency` fetches
//! in flight in a `FuturesUnordered` (asyncio's semaphore-bounded `gather`), and turns each
//! finished fetch into redirects, retries, or a [`Record`] plus new links. It never spawns,
//! never needs `Send`, and knows no runtime: tokio polls it on native, the JS event loop in
//! the browser.
//!
//! ```text
//! frontier --pop--> host queue --slot free & delay passed & robots ok--> in flight
//!     ^                 ^  ^                                                  |
//!     |                 |  +------ redirect hop / retry after backoff --------+
//!     +-- new links ----+--------- record + links <-- decode + extract <-------+
//! ```

use crate::cancel::CancelHandle;
use crate::clock::Clock;
use crate::decode::{decode_html, is_html};
use crate::events::{Counters, Event, Record, Stats};
use crate::extract::extract;
use crate::fetch::{ErrorKind, Fetch, FetchError, FetchRequest, FetchResponse};
use crate::frontier::{Frontier, MemoryFrontier, Pop, QueuedUrl, RobotsOutcome};
use crate::host_slots::{HostSlots, RobotsState};
use crate::robots::RobotsRules;
use crate::scope::ScopeRules;
use crate::spec::CompiledSpec;
use crate::url_norm::parse_link;
use futures::future::{self, Either, LocalBoxFuture};
use futures::stream::{FuturesUnordered, LocalBoxStream};
use futures::{FutureExt, StreamExt};
use serde_json::Value;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;
use url::Url;

/// How long in-flight requests may run on after a cancel before they are dropped.
const CANCEL_GRACE: Duration = Duration::from_secs(2);
/// Progress events are sent at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// A Retry-After longer than this is not waited for: the response is recorded instead.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// Redirects followed when fetching robots.txt (RFC 9309 asks for at least five).
const ROBOTS_REDIRECTS: u32 = 5;
const ACCEPT: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";

/// A configured crawl, ready to run.
pub struct Crawler<F: Frontier = MemoryFrontier> {
    spec: Rc<CompiledSpec>,
    fetcher: Rc<dyn Fetch>,
    clock: Rc<dyn Clock>,
    frontier: F,
    cancel: CancelHandle,
}

impl Crawler<MemoryFrontier> {
    pub fn new(spec: CompiledSpec, fetcher: Rc<dyn Fetch>, clock: Rc<dyn Clock>) -> Self {
        Crawler {
            spec: Rc::new(spec),
            fetcher,
            clock,
            frontier: MemoryFrontier::new(),
            cancel: CancelHandle::new(),
        }
    }
}

impl<F: Frontier + 'static> Crawler<F> {
    /// Uses another frontier store (persistent or shared).
    pub fn with_frontier<G: Frontier>(self, frontier: G) -> Crawler<G> {
        Crawler {
            spec: self.spec,
            fetcher: self.fetcher,
            clock: self.clock,
            frontier,
            cancel: self.cancel,
        }
    }

    /// A handle that stops the crawl when cancelled.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// Runs the crawl to the end, handing every event to `on_event`; returns the summary
    /// (also sent as the last event).
    pub async fn run(self, on_event: impl FnMut(Event)) -> Stats {
        Run::new(self, on_event).run().await
    }

    /// Runs the crawl as a stream of events that ends after [`Event::Finished`].
    pub fn into_stream(self) -> LocalBoxStream<'static, Event> {
        let (tx, rx) = futures::channel::mpsc::unbounded();
        let run = self.run(move |e| {
            let _ = tx.unbounded_send(e);
        });
        let driver = futures::stream::once(run).filter_map(|_| async { None });
        futures::stream::select(driver, rx).boxed_local()
    }
}

/// One URL being worked on, across its redirect hops and retries.
#[derive(Debug, Clone)]
struct Job {
    /// The URL of the current hop.
    url: Url,
    depth: u32,
    referer: Option<Rc<str>>,
    /// Hops so far, starting with the URL as queued (the record's `url`).
    chain: Vec<Url>,
    /// Retries made for the current hop.
    attempt: u32,
    started_ms: Option<f64>,
    slot: u32,
    /// Not to be started before this time (retry backoff).
    not_before: Duration,
    bytes: u64,
}

impl Job {
    /// The URL as queued: the record's `url`.
    fn requested(&self) -> &Url {
        &self.chain[0]
    }

    fn page(q: QueuedUrl) -> Job {
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
        }
    }
}

enum Done {
    Page {
        slot: u32,
        result: Result<FetchResponse, FetchError>,
    },
    Robots {
        origin: Rc<str>,
        outcome: RobotsOutcome,
        requests: u64,
    },
}

enum Wake {
    Done(Done),
    Timer,
    Cancelled,
    /// The store made completed pages durable: their slots are free again.
    Durable,
}

/// `scheme://host[:port]` of `url`: borrowed from its serialization (which already has the
/// default port removed) unless credentials sit in between.
fn origin_of(url: &Url) -> std::borrow::Cow<'_, str> {
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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A small deterministic PRNG for jitter (no OS randomness needed on wasm).
struct SplitMix(u64);
impl SplitMix {
    fn next_f64(&mut self) -> f64 {
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
fn timed_fetch(
    fetcher: &dyn Fetch,
    clock: &dyn Clock,
    request: FetchRequest,
) -> LocalBoxFuture<'static, Result<FetchResponse, FetchError>> {
    let timeout = request.timeout;
    let fetch = fetcher.fetch(request);
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

struct Run<F: Frontier, E: FnMut(Event)> {
    spec: Rc<CompiledSpec>,
    fetcher: Rc<dyn Fetch>,
    clock: Rc<dyn Clock>,
    frontier: F,
    cancel: CancelHandle,
    emit: E,
    scope: ScopeRules,
    hosts: HostSlots<Job>,
    in_flight: FuturesUnordered<LocalBoxFuture<'static, Done>>,
    /// The job carried by each busy concurrency slot.
    slots: Vec<Option<Job>>,
    free_slots: Vec<u32>,
    /// Jobs waiting out a retry backoff.
    delayed: Vec<Job>,
    pages_started: u64,
    stats: Stats,
    t0: Duration,
    last_progress: Duration,
    rng: SplitMix,
    product_token: String,
    timer: Option<(Duration, LocalBoxFuture<'static, ()>)>,
    grace_until: Option<Duration>,
    /// Hosts whose robots.txt is to be looked up in the store or fetched.
    robots_wanted: Vec<Rc<str>>,
    /// A shared frontier said "later": no popping before this time.
    pop_again_at: Option<Duration>,
}

impl<F: Frontier, E: FnMut(Event)> Run<F, E> {
    fn new(c: Crawler<F>, emit: E) -> Self {
        let concurrency = c.spec.spec.concurrency;
        let t0 = c.clock.now();
        let product_token = c
            .spec
            .spec
            .user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or("silk")
            .to_string();
        Run {
            scope: ScopeRules::new(&c.spec),
            hosts: HostSlots::new(
                c.spec.spec.per_host,
                Duration::from_millis(c.spec.spec.delay_ms),
            ),
            in_flight: FuturesUnordered::new(),
            slots: (0..concurrency).map(|_| None).collect(),
            free_slots: (0..concurrency).rev().collect(),
            delayed: Vec::new(),
            pages_started: 0,
            stats: Stats::default(),
            t0,
            last_progress: t0,
            rng: SplitMix(t0.as_nanos() as u64 ^ 0x5111_C0DE),
            product_token,
            timer: None,
            grace_until: None,
            robots_wanted: Vec::new(),
            pop_again_at: None,
            spec: c.spec,
            fetcher: c.fetcher,
            clock: c.clock,
            frontier: c.frontier,
            cancel: c.cancel,
            emit,
        }
    }

    fn now_ms(&self) -> f64 {
        ms(self.clock.now().saturating_sub(self.t0))
    }

    async fn run(mut self) -> Stats {
        for seed in self.spec.seeds.clone() {
            let url = parse_link(&seed, seed.as_str()).unwrap_or(seed);
            self.frontier
                .add(QueuedUrl {
                    url,
                    depth: 0,
                    referer: None,
                })
                .await;
        }
        self.pages_started = self.frontier.pages_done();
        loop {
            if self.grace_until.is_none() && self.cancel.is_cancelled() {
                self.begin_cancel();
            }
            if self.grace_until.is_none() && self.stats.store_error.is_none() {
                if let Some(why) = self.frontier.failure() {
                    self.stats.store_error = Some(why);
                    self.begin_cancel();
                }
            }
            if self.grace_until.is_none() {
                self.fill().await;
            }
            if self.is_finished() {
                break;
            }
            match self.next_wake().await {
                Wake::Done(done) => self.handle(done).await,
                Wake::Timer => {
                    if self.grace_until.is_some_and(|g| self.clock.now() >= g) {
                        break;
                    }
                }
                Wake::Cancelled => self.begin_cancel(),
                Wake::Durable => {}
            }
            self.maybe_progress(false);
        }
        self.finish().await
    }

    /// Stops starting requests; those in flight get [`CANCEL_GRACE`] to finish.
    fn begin_cancel(&mut self) {
        self.grace_until = Some(self.clock.now() + CANCEL_GRACE);
        self.stats.cancelled = true;
    }

    /// Whether a redirect target is to be used by `job`: in scope and not seen before (it
    /// is claimed now, so no other job fetches it).
    async fn claim_target(&mut self, target: &Url, job: &Job) -> bool {
        self.scope.host_in_scope(target) && self.frontier.mark_seen(target, job.requested()).await
    }

    fn is_finished(&self) -> bool {
        if self.grace_until.is_some() {
            return self.in_flight.is_empty();
        }
        self.in_flight.is_empty()
            && self.delayed.is_empty()
            && self.robots_wanted.is_empty()
            && self.hosts.parked_total() == 0
            && ((self.frontier.is_empty() && self.pop_again_at.is_none())
                || self.page_limit_reached())
    }

    fn page_limit_reached(&self) -> bool {
        self.spec
            .spec
            .max_pages
            .is_some_and(|max| self.pages_started >= max)
    }

    /// Waits for a fetch to finish, a timer (delay, backoff, grace), a cancel, or the store
    /// to make a completed page durable (which frees its slot).
    async fn next_wake(&mut self) -> Wake {
        let now = self.clock.now();
        let wanted = [
            self.hosts.next_wake(),
            self.delayed.iter().map(|j| j.not_before).min(),
            self.grace_until,
            self.pop_again_at,
        ]
        .into_iter()
        .flatten()
        .min();
        match (wanted, &self.timer) {
            (Some(at), Some((current, _))) if *current == at => {}
            (Some(at), _) => {
                self.timer = Some((at, self.clock.sleep(at.saturating_sub(now))));
            }
            (None, _) => self.timer = None,
        }
        let watch_cancel = self.grace_until.is_none();
        let cancel = self.cancel.clone();
        let in_flight = &mut self.in_flight;
        let timer = &mut self.timer;
        let frontier = &mut self.frontier;
        let mut durable = std::pin::pin!(async {
            if frontier.uncommitted() > 0 && frontier.failure().is_none() {
                frontier.flush().await;
            } else {
                future::pending::<()>().await;
            }
        });
        future::poll_fn(|cx| {
            if watch_cancel && cancel.poll_cancelled(cx).is_ready() {
                return Poll::Ready(Wake::Cancelled);
            }
            if let Poll::Ready(Some(done)) = in_flight.poll_next_unpin(cx) {
                return Poll::Ready(Wake::Done(done));
            }
            if let Some((_, t)) = timer {
                if t.poll_unpin(cx).is_ready() {
                    *timer = None;
                    return Poll::Ready(Wake::Timer);
                }
            }
            if durable.poll_unpin(cx).is_ready() {
                return Poll::Ready(Wake::Durable);
            }
            Poll::Pending
        })
        .await
    }

    /// Starts as many requests as the limits allow.
    async fn fill(&mut self) {
        let concurrency = self.spec.spec.concurrency as usize;
        self.ask_robots().await;
        let now = self.clock.now();
        if !self.delayed.is_empty() {
            let (due, waiting): (Vec<Job>, Vec<Job>) = std::mem::take(&mut self.delayed)
                .into_iter()
                .partition(|j| j.not_before <= now);
            self.delayed = waiting;
            for job in due {
                self.park(job, true);
            }
        }
        if self.pop_again_at.is_some_and(|at| now >= at) {
            self.pop_again_at = None;
        }
        let lookahead = self.frontier.lookahead();
        // A completed page keeps its slot until the store has made it durable; `next_wake`
        // wakes the engine when it has.
        while self.in_flight.len() + self.frontier.uncommitted() < concurrency {
            if let Some((origin, job)) = self.hosts.take_ready(now) {
                let gap = self.next_gap(&origin);
                match self.frontier.host_permit(&origin, gap).await {
                    Ok(()) => self.start(&origin, job, now, gap).await,
                    Err(wait) => self.hosts.defer(&origin, job, now + wait),
                }
                continue;
            }
            if self.page_limit_reached()
                || self.pop_again_at.is_some()
                || self.hosts.parked_total() >= lookahead
            {
                break;
            }
            match self.frontier.pop().await {
                Pop::Url(queued) => {
                    self.pages_started += 1;
                    self.park(Job::page(queued), false);
                    self.ask_robots().await;
                }
                Pop::Later(wait) => {
                    self.pop_again_at = Some(now + wait);
                    break;
                }
                Pop::Empty => break,
            }
        }
    }

    /// Looks up the robots.txt of hosts met for the first time in the store, or starts
    /// fetching it.
    async fn ask_robots(&mut self) {
        for origin in std::mem::take(&mut self.robots_wanted) {
            match self.frontier.robots(&origin).await {
                Some(outcome) => self.apply_robots(&origin, outcome),
                None => {
                    let task = self.robots_task(origin);
                    self.in_flight.push(task);
                }
            }
        }
    }

    /// The delay the next request to `origin` imposes on the one after it (jittered).
    fn next_gap(&mut self, origin: &str) -> Duration {
        let delay = self.hosts.get_mut(origin).delay;
        let jitter = self.spec.spec.jitter;
        if jitter > 0.0 && !delay.is_zero() {
            delay.mul_f64(1.0 - jitter + 2.0 * jitter * self.rng.next_f64())
        } else {
            delay
        }
    }

    /// Puts a job in its host's queue, asking for the host's robots.txt first if needed.
    fn park(&mut self, job: Job, front: bool) {
        let origin = origin_of(&job.url).into_owned();
        let robots_on = self.spec.spec.robots;
        let host = self.hosts.get_mut(&origin);
        if let RobotsState::Unknown = host.robots {
            if robots_on {
                host.robots = RobotsState::Fetching;
                self.robots_wanted.push(Rc::from(origin.as_str()));
            } else {
                host.robots = RobotsState::Ready(Rc::new(RobotsRules::allow_all()));
            }
        }
        self.hosts.park(&origin, job, front);
    }

    fn request_for(&self, url: &Url, referer: Option<&str>) -> FetchRequest {
        let s = &self.spec.spec;
        let mut headers = Vec::with_capacity(3 + s.headers.len());
        headers.push(("user-agent".to_string(), s.user_agent.clone()));
        headers.push(("accept".to_string(), ACCEPT.to_string()));
        if let Some(r) = referer {
            headers.push(("referer".to_string(), r.to_string()));
        }
        for (k, v) in &s.headers {
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
            headers.push((k.to_ascii_lowercase(), v.clone()));
        }
        FetchRequest {
            url: url.clone(),
            headers,
            max_body_bytes: s.max_body_bytes as usize,
            timeout: Duration::from_millis(s.timeout_ms),
        }
    }

    /// Fetches `origin/robots.txt`, following a few redirects, and turns the outcome into
    /// rules per RFC 9309 (4xx: allow all; 5xx, 429 or unreachable: disallow all).
    fn robots_task(&self, origin: Rc<str>) -> LocalBoxFuture<'static, Done> {
        let mut request = self.request_for(
            &Url::parse(&format!("{origin}/robots.txt")).expect("an origin is a valid base"),
            None,
        );
        let fetcher = self.fetcher.clone();
        let clock = self.clock.clone();
        async move {
            let mut requests = 0u64;
            let outcome = loop {
                requests += 1;
                match timed_fetch(&*fetcher, &*clock, request.clone()).await {
                    Ok(resp) if (300..400).contains(&resp.status) => {
                        match resp
                            .header("location")
                            .and_then(|l| parse_link(&request.url, l))
                        {
                            Some(next) if requests <= ROBOTS_REDIRECTS as u64 => request.url = next,
                            // RFC 9309 2.3.1.2: too many redirects means unavailable (allow).
                            _ => break RobotsOutcome::unavailable(),
                        }
                    }
                    Ok(resp) => {
                        let readable = (200..300).contains(&resp.status)
                            || (400..500).contains(&resp.status) && resp.status != 429;
                        break RobotsOutcome {
                            status: resp.status,
                            body: String::from_utf8_lossy(&resp.body).into_owned(),
                            note: (!readable)
                                .then(|| format!("robots.txt answered HTTP {}", resp.status)),
                        };
                    }
                    // A browser that may not read robots.txt (no CORS) would otherwise block
                    // the whole site; let each page fail with its own, honest error instead.
                    Err(e) if matches!(e.kind, ErrorKind::Cors | ErrorKind::MixedContent) => {
                        break RobotsOutcome::unavailable()
                    }
                    Err(e) => {
                        break RobotsOutcome::unreachable(format!(
                            "robots.txt could not be fetched ({e})"
                        ))
                    }
                }
            };
            Done::Robots {
                origin,
                outcome,
                requests,
            }
        }
        .boxed_local()
    }

    /// Turns a host's robots.txt outcome into its rules, robots note and Crawl-delay.
    fn apply_robots(&mut self, origin: &str, outcome: RobotsOutcome) {
        let rules =
            RobotsRules::for_response(outcome.status, outcome.body.as_bytes(), &self.product_token);
        let host = self.hosts.get_mut(origin);
        host.robots_note = outcome.note.map(Rc::from);
        if let Some(secs) = rules.crawl_delay() {
            let cd = Duration::from_secs_f64(secs.clamp(0.0, 3600.0));
            host.delay = host.delay.max(cd);
        }
        host.robots = RobotsState::Ready(Rc::new(rules));
    }

    async fn start(&mut self, origin: &Rc<str>, mut job: Job, now: Duration, gap: Duration) {
        let rules = match &self.hosts.get_mut(origin).robots {
            RobotsState::Ready(r) => r.clone(),
            _ => Rc::new(RobotsRules::allow_all()),
        };
        if !rules.is_allowed_url(&job.url) {
            let path = &job.url[url::Position::BeforePath..url::Position::AfterQuery];
            let started = job.started_ms.unwrap_or_else(|| self.now_ms());
            job.started_ms = Some(started);
            let host = self.hosts.get_mut(origin);
            let message = match &host.robots_note {
                Some(note) => format!(
                    "{note}; RFC 9309 then means everything on {origin} is disallowed (robots off ignores it)"
                ),
                None => format!("robots.txt of {origin} disallows {path} (robots off ignores it)"),
            };
            let err = FetchError::new(ErrorKind::Robots, message);
            self.frontier.host_release(origin).await;
            return self
                .emit_record(job, None, Vec::new(), Some(err), Vec::new())
                .await;
        }
        self.hosts.started(origin, now, gap);
        let slot = self
            .free_slots
            .pop()
            .expect("a free slot whenever in_flight < concurrency");
        if job.started_ms.is_none() {
            let started_ms = ms(now.saturating_sub(self.t0));
            job.started_ms = Some(started_ms);
            job.slot = slot;
            (self.emit)(Event::RequestStarted {
                url: job.requested().to_string(),
                depth: job.depth,
                slot,
                started_ms,
            });
        }
        self.stats.requests += 1;
        let request = self.request_for(&job.url, job.referer.as_deref());
        let fetch = timed_fetch(&*self.fetcher, &*self.clock, request);
        self.slots[slot as usize] = Some(job);
        self.in_flight.push(
            async move {
                Done::Page {
                    slot,
                    result: fetch.await,
                }
            }
            .boxed_local(),
        );
    }

    async fn handle(&mut self, done: Done) {
        match done {
            Done::Robots {
                origin,
                outcome,
                requests,
            } => {
                self.stats.requests += requests;
                self.frontier.save_robots(&origin, &outcome).await;
                self.apply_robots(&origin, outcome);
            }
            Done::Page { slot, result } => {
                let job = self.slots[slot as usize]
                    .take()
                    .expect("a finished slot carries a job");
                self.free_slots.push(slot);
                let origin = origin_of(&job.url);
                self.hosts.finished(&origin);
                self.frontier.host_release(&origin).await;
                self.page_done(job, result).await;
            }
        }
    }

    async fn page_done(&mut self, mut job: Job, result: Result<FetchResponse, FetchError>) {
        let retries = self.spec.spec.retries;
        let resp = match result {
            Err(e) if e.kind.is_transient() && job.attempt < retries => {
                let wait = self.backoff(job.attempt);
                return self.retry(job, wait);
            }
            Err(e) => {
                return self
                    .emit_record(job, None, Vec::new(), Some(e), Vec::new())
                    .await
            }
            Ok(resp) => resp,
        };
        job.bytes += resp.body.len() as u64;
        if let Some(final_url) = resp.url.as_ref().filter(|u| **u != job.url) {
            // The platform followed redirects itself (the browser): the target is fetched
            // already, but a page seen before or out of scope is recorded, not used again.
            if let Some(norm) = parse_link(final_url, final_url.as_str()) {
                let use_it = self.claim_target(&norm, &job).await;
                job.url = norm;
                if !use_it {
                    return self
                        .emit_record(job, Some(resp.status), Vec::new(), None, Vec::new())
                        .await;
                }
            }
        }
        let status = resp.status;
        if (300..400).contains(&status) && status != 304 {
            return self.redirect(job, resp).await;
        }
        if (status == 429 || status == 408 || (500..600).contains(&status)) && job.attempt < retries
        {
            match self.retry_after(&resp) {
                Some(wait) if wait > MAX_RETRY_AFTER => {}
                Some(wait) => return self.retry(job, wait),
                None => {
                    let wait = self.backoff(job.attempt);
                    return self.retry(job, wait);
                }
            }
        }
        self.page_fetched(job, resp).await;
    }

    fn backoff(&mut self, attempt: u32) -> Duration {
        let base = Duration::from_millis(500) * 2u32.saturating_pow(attempt.min(10));
        base.mul_f64(0.5 + self.rng.next_f64())
    }

    /// Retry-After as seconds, or as an HTTP date relative to the response's Date header
    /// (so no wall clock is needed, which wasm lacks).
    fn retry_after(&self, resp: &FetchResponse) -> Option<Duration> {
        let value = resp.header("retry-after")?.trim();
        if let Ok(secs) = value.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        let at = httpdate::parse_http_date(value).ok()?;
        let date = httpdate::parse_http_date(resp.header("date")?).ok()?;
        Some(at.duration_since(date).unwrap_or(Duration::ZERO))
    }

    fn retry(&mut self, mut job: Job, wait: Duration) {
        job.attempt += 1;
        job.not_before = self.clock.now() + wait;
        self.stats.retries += 1;
        self.delayed.push(job);
    }

    async fn redirect(&mut self, mut job: Job, resp: FetchResponse) {
        let target = resp
            .header("location")
            .and_then(|l| parse_link(&job.url, l));
        let Some(target) = target else {
            let err = FetchError::new(
                ErrorKind::Http,
                format!("HTTP {} without a usable Location header", resp.status),
            );
            return self
                .emit_record(job, Some(resp.status), Vec::new(), Some(err), Vec::new())
                .await;
        };
        if job.chain.contains(&target) {
            let path: Vec<&str> = job.chain.iter().map(Url::as_str).collect();
            let err = FetchError::new(
                ErrorKind::RedirectLoop,
                format!("redirect loop: {} -> {}", path.join(" -> "), target),
            );
            job.url = target;
            return self
                .emit_record(job, Some(resp.status), Vec::new(), Some(err), Vec::new())
                .await;
        }
        if job.chain.len() > self.spec.spec.max_redirects as usize {
            let err = FetchError::new(
                ErrorKind::TooManyRedirects,
                format!("more than {} redirects", self.spec.spec.max_redirects),
            );
            job.url = target;
            return self
                .emit_record(job, Some(resp.status), Vec::new(), Some(err), Vec::new())
                .await;
        }
        let follow = self.claim_target(&target, &job).await;
        job.url = target;
        if !follow {
            // Out of scope, or fetched on its own: record the redirect as it is.
            return self
                .emit_record(job, Some(resp.status), Vec::new(), None, Vec::new())
                .await;
        }
        job.chain.push(job.url.clone());
        job.attempt = 0;
        self.park(job, true);
    }

    async fn page_fetched(&mut self, job: Job, resp: FetchResponse) {
        let status = resp.status;
        if status >= 400 {
            let err = FetchError::new(ErrorKind::Http, format!("HTTP {status}"));
            return self
                .emit_record(job, Some(status), Vec::new(), Some(err), Vec::new())
                .await;
        }
        let content_type = resp.header("content-type");
        if !is_html(content_type, &resp.body) {
            return self
                .emit_record(job, Some(status), Vec::new(), None, Vec::new())
                .await;
        }
        let want_links = self.spec.spec.max_depth.is_none_or(|m| job.depth < m);
        let content = {
            let (text, _) = decode_html(content_type, &resp.body);
            extract(&text, &job.url, &self.spec, want_links)
        };
        let referer: Rc<str> = Rc::from(job.url.as_str());
        let next_depth = job.depth + 1;
        let mut links = Vec::new();
        for link in content.links.into_iter().chain(content.refresh) {
            if self.scope.admits(&link, next_depth) {
                links.push(QueuedUrl {
                    url: link,
                    depth: next_depth,
                    referer: Some(referer.clone()),
                });
            } else {
                self.stats.links_filtered += 1;
            }
        }
        self.emit_record(job, Some(status), content.fields, None, links)
            .await;
    }

    /// Hands a job's record and the links found on its page to the frontier as one step,
    /// then reports the record.
    async fn emit_record(
        &mut self,
        job: Job,
        status: Option<u16>,
        fields: Vec<(String, Value)>,
        error: Option<FetchError>,
        links: Vec<QueuedUrl>,
    ) {
        let record = self.build_record(job, status, fields, error);
        if self.frontier.complete(&record, links).await {
            self.report(record);
        }
    }

    fn build_record(
        &self,
        job: Job,
        status: Option<u16>,
        mut fields: Vec<(String, Value)>,
        error: Option<FetchError>,
    ) -> Record {
        if fields.is_empty() {
            fields = self.null_fields();
        }
        let started_ms = job.started_ms.unwrap_or_else(|| self.now_ms());
        Record {
            final_url: (status.is_some() || job.url != *job.requested())
                .then(|| job.url.to_string()),
            url: job.requested().to_string(),
            status,
            depth: job.depth,
            referer: job.referer.as_deref().map(String::from),
            bytes: job.bytes,
            elapsed_ms: (self.now_ms() - started_ms).max(0.0),
            fields,
            error,
            started_ms,
            slot: job.slot,
        }
    }

    fn report(&mut self, record: Record) {
        self.stats.count(&record);
        (self.emit)(Event::Record(record));
        self.maybe_progress(false);
    }

    fn null_fields(&self) -> Vec<(String, Value)> {
        self.spec
            .fields
            .iter()
            .map(|f| (f.name.clone(), Value::Null))
            .collect()
    }

    fn counters(&self) -> Counters {
        Counters {
            done: self.stats.pages,
            queued: (self.frontier.len() + self.hosts.parked_total() + self.delayed.len()) as u64,
            in_flight: self.in_flight.len() as u64,
            errors: self.stats.errors,
            bytes: self.stats.bytes,
            elapsed_ms: self.now_ms(),
        }
    }

    fn maybe_progress(&mut self, force: bool) {
        let now = self.clock.now();
        if force || now.saturating_sub(self.last_progress) >= PROGRESS_EVERY {
            self.last_progress = now;
            let c = self.counters();
            (self.emit)(Event::Progress(c));
        }
    }

    async fn finish(mut self) -> Stats {
        // Whatever was started and is still held ends as an aborted record; the frontier
        // takes every held URL back, so a resumed or shared crawl fetches it later.
        self.in_flight.clear();
        let mut unfinished: Vec<Job> = self.slots.iter_mut().filter_map(Option::take).collect();
        unfinished.extend(std::mem::take(&mut self.delayed));
        let mut never_started = 0u64;
        for job in self.hosts.drain_parked() {
            if job.started_ms.is_some() {
                unfinished.push(job);
            } else {
                never_started += 1;
                self.frontier.abandon(job.requested()).await;
            }
        }
        for job in unfinished {
            self.frontier.abandon(job.requested()).await;
            let err = FetchError::new(ErrorKind::Aborted, "crawl cancelled while in flight");
            let record = self.build_record(job, None, Vec::new(), Some(err));
            self.report(record);
        }
        let drained = !self.stats.cancelled && self.frontier.is_empty();
        self.frontier.close(drained).await;
        self.maybe_progress(true);
        let mut stats = std::mem::take(&mut self.stats);
        stats.queued_remaining = self.frontier.len() as u64 + never_started;
        stats.elapsed_ms = self.now_ms();
        stats.pages_per_sec = if stats.elapsed_ms > 0.0 {
            stats.pages as f64 / (stats.elapsed_ms / 1000.0)
        } else {
            0.0
        };
        (self.emit)(Event::Finished(stats.clone()));
        stats
    }
}
