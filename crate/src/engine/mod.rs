//! The crawl loop. One future drives everything: it pops URLs from the [`Frontier`], parks
//! them per host until politeness allows ([`HostSlots`]), keeps at most `concurrency` fetches
//! in flight in a `FuturesUnordered` (asyncio's semaphore-bounded `gather`), and turns each
//! finished fetch into redirects, retries, or a [`Record`](crate::events::Record) plus new
//! links. It never spawns, never needs `Send`, and knows no runtime: tokio polls it on
//! native, the JS event loop in the browser.
//!
//! ```text
//! frontier --pop--> host queue --slot free & delay passed & robots ok--> in flight
//!     ^                 ^  ^                                                  |
//!     |                 |  +------ redirect hop / retry after backoff --------+
//!     +-- new links ----+--------- record + links <-- decode + extract <-------+
//! ```
//!
//! A URL popped from the store is checked again before it is parked (a resumed state or a
//! shared queue may hold URLs an older spec or another writer put there): one the scope,
//! allow/deny or depth limit does not admit, and one started `max_attempts` times before
//! without a record, is recorded (`other`, `too_many_attempts`) without being fetched.
//! robots.txt is checked before the store is asked for a host permit, so a disallowed URL
//! never holds one.
//!
//! This module is the loop and its scheduling (pop, park, permit, start, wake); [`job`]
//! holds the units of work, [`robots_fetch`] gets each host's robots.txt,
//! [`page_outcome`] turns a finished fetch into a retry, a redirect hop or a record, and
//! [`sitemaps`] queues sitemap files and turns a fetched one into the pages it lists.

mod handled;
mod job;
mod not_modified;
mod page_directives;
mod page_outcome;
mod robots_fetch;
mod sitemaps;

use self::job::{ms, origin_of, timed_fetch, Done, Job, SplitMix, Wake};
use crate::cancel::CancelHandle;
use crate::clock::Clock;
use crate::events::{Counters, Event, Stats};
use crate::fetch::{ErrorKind, Fetch, FetchError, FetchRequest};
use crate::frontier::{Frontier, MemoryFrontier, Pop, QueuedUrl};
use crate::handler::PageHandler;
use crate::host_slots::{HostSlots, RobotsState};
use crate::robots::RobotsRules;
use crate::scope::ScopeRules;
use crate::spec::CompiledSpec;
use crate::throttle::Signal;
use crate::url_norm::parse_link;
use futures::future::{self, LocalBoxFuture};
use futures::stream::{FuturesUnordered, LocalBoxStream};
use futures::{FutureExt, Sink, SinkExt, StreamExt};
use serde_json::Value;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;
use url::Url;

/// How long in-flight requests may run on after a cancel before they are dropped.
const CANCEL_GRACE: Duration = Duration::from_secs(2);
/// Progress events are sent at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
const ACCEPT: &str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8";
/// AutoThrottle's per-host limits are reported for at most this many hosts (the busiest).
const HOSTS_SHOWN: usize = 20;

/// Where a crawl's items go: any `futures::Sink` of JSON values, its error made text.
pub type ItemSink = Pin<Box<dyn Sink<Value, Error = String>>>;

/// A configured crawl, ready to run.
pub struct Crawler<F: Frontier = MemoryFrontier> {
    spec: Rc<CompiledSpec>,
    fetcher: Rc<dyn Fetch>,
    clock: Rc<dyn Clock>,
    frontier: F,
    cancel: CancelHandle,
    handler: Option<Rc<dyn PageHandler>>,
    items: Option<ItemSink>,
}

impl Crawler<MemoryFrontier> {
    pub fn new(spec: CompiledSpec, fetcher: Rc<dyn Fetch>, clock: Rc<dyn Clock>) -> Self {
        Crawler {
            spec: Rc::new(spec),
            fetcher,
            clock,
            frontier: MemoryFrontier::new(),
            cancel: CancelHandle::new(),
            handler: None,
            items: None,
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
            handler: self.handler,
            items: self.items,
        }
    }

    /// Runs `handler` on every fetched HTML page (status below 400): see [`crate::handler`].
    pub fn with_handler(mut self, handler: impl PageHandler + 'static) -> Self {
        self.handler = Some(Rc::new(handler));
        self
    }

    /// Sends every item the handler yields into `sink`, waiting for it to accept each
    /// page's items before going on (backpressure), and closes it when the crawl ends. If
    /// the sink fails, the crawl stops as if cancelled and [`Stats::store_error`] says why.
    pub fn items_into<S>(mut self, sink: S) -> Self
    where
        S: Sink<Value> + 'static,
        S::Error: std::fmt::Display,
    {
        self.items = Some(Box::pin(sink.sink_map_err(|e| e.to_string())));
        self
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

/// What robots.txt says about starting a parked job now.
enum RobotsGate {
    Go,
    /// Disallowed: the job is recorded with this error.
    Refuse(FetchError),
    /// The host's rules expired: fetched again while the job waits.
    Expired,
}

/// What to do with the final URL of a platform-followed redirect chain.
pub(super) enum FinalUrl {
    /// The response is the page's.
    Use,
    /// Out of scope or seen: record the response as it is.
    Record,
    /// Fetch it again as a hop, through robots.txt.
    Refetch,
}

struct Run<F: Frontier, E: FnMut(Event)> {
    spec: Rc<CompiledSpec>,
    fetcher: Rc<dyn Fetch>,
    clock: Rc<dyn Clock>,
    frontier: F,
    cancel: CancelHandle,
    emit: E,
    handler: Option<Rc<dyn PageHandler>>,
    items: Option<ItemSink>,
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
    /// Hosts whose robots.txt is to be fetched, with whether the store may have it (not
    /// when it expired here).
    robots_wanted: Vec<(Rc<str>, bool)>,
    /// robots.txt tries waiting out a backoff: when, which host, which try.
    robots_delayed: Vec<(Duration, Rc<str>, u32)>,
    /// A shared frontier said "later": no popping before this time.
    pop_again_at: Option<Duration>,
    sitemaps: sitemaps::SitemapState,
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
            )
            .with_autothrottle(c.spec.spec.autothrottle),
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
            robots_delayed: Vec::new(),
            pop_again_at: None,
            sitemaps: sitemaps::SitemapState::default(),
            spec: c.spec,
            fetcher: c.fetcher,
            clock: c.clock,
            frontier: c.frontier,
            cancel: c.cancel,
            handler: c.handler,
            items: c.items,
            emit,
        }
    }

    fn now_ms(&self) -> f64 {
        ms(self.clock.now().saturating_sub(self.t0))
    }

    async fn run(mut self) -> Stats {
        for seed in self.spec.seeds.clone() {
            let url = parse_link(&seed, seed.as_str()).unwrap_or(seed);
            self.frontier.add(QueuedUrl::new(url, 0, None)).await;
        }
        self.queue_spec_sitemaps().await;
        self.pages_started = self.frontier.pages_done();
        loop {
            if self.grace_until.is_none() && self.cancel.is_cancelled() {
                self.begin_cancel();
            }
            if self.grace_until.is_none() && self.stats.store_error.is_none() {
                if let Some(why) = self.frontier.failure() {
                    self.fail_store(why);
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

    /// Stops the crawl because where its output goes (the store, the item sink) failed.
    fn fail_store(&mut self, why: String) {
        self.stats.store_error.get_or_insert(why);
        if self.grace_until.is_none() {
            self.begin_cancel();
        }
    }

    /// Stops starting requests; those in flight get [`CANCEL_GRACE`] to finish.
    fn begin_cancel(&mut self) {
        self.grace_until = Some(self.clock.now() + CANCEL_GRACE);
        self.stats.cancelled = true;
    }

    /// Whether a redirect target is to be used by `job`: admitted like a link at the job's
    /// depth (scope, allow/deny, depth; see [`ScopeRules::admits_redirect`]) and not seen
    /// before (it is claimed now, so no other job fetches it).
    async fn claim_target(&mut self, target: &Url, job: &Job) -> bool {
        let admitted = match job.sitemap {
            true => self.scope.admits_sitemap(target),
            false => self.scope.admits_redirect(target, job.depth),
        };
        admitted && self.frontier.mark_seen(target, job.requested()).await
    }

    /// The URL a platform-followed redirect chain ended on (the browser): used as fetched
    /// if it is claimed and its host's robots.txt is known and allows it; recorded as a
    /// redirect if it is not claimed; otherwise fetched again from there, as a hop, so it
    /// waits for its host's robots.txt and is recorded as a `robots` error if disallowed.
    pub(super) async fn claim_final_url(&mut self, target: &Url, job: &Job) -> FinalUrl {
        if !self.claim_target(target, job).await {
            return FinalUrl::Record;
        }
        if !self.spec.spec.robots {
            return FinalUrl::Use;
        }
        let now = self.clock.now();
        let host = self.hosts.get_mut(&origin_of(target));
        match &host.robots {
            RobotsState::Ready(rules)
                if host.robots_expires.is_none_or(|at| now < at)
                    && rules.is_allowed_url(target) =>
            {
                FinalUrl::Use
            }
            _ => FinalUrl::Refetch,
        }
    }

    /// Queues `job` again as a hop to its current URL (see [`Run::claim_final_url`]).
    pub(super) fn refetch_hop(&mut self, mut job: Job) {
        job.chain.push(job.url.clone());
        job.attempt = 0;
        self.park(job, true);
    }

    /// Whether robots.txt lets `url` start now on `origin` (whose rules are known, or it
    /// would not be handed out): go, refuse (the record's error), or wait because the rules
    /// expired and are being fetched again.
    fn robots_gate(&mut self, origin: &Rc<str>, url: &Url, now: Duration) -> RobotsGate {
        let host = self.hosts.get_mut(origin);
        if host.robots_expires.is_some_and(|at| now >= at) {
            return RobotsGate::Expired;
        }
        let RobotsState::Ready(rules) = &host.robots else {
            return RobotsGate::Go;
        };
        if rules.is_allowed_url(url) {
            return RobotsGate::Go;
        }
        let message = match &host.robots_note {
            Some(note) => format!(
                "{note}; RFC 9309 then means everything on {origin} is disallowed for now (robots.txt is asked again later; robots off ignores it)"
            ),
            None => {
                let path = &url[url::Position::BeforePath..url::Position::AfterQuery];
                format!("robots.txt of {origin} disallows {path} (robots off ignores it)")
            }
        };
        RobotsGate::Refuse(FetchError::new(ErrorKind::Robots, message))
    }

    /// Why a URL popped from the store is recorded instead of fetched, if it is.
    fn refuse_popped(&self, q: &QueuedUrl) -> Option<FetchError> {
        let admitted = match q.sitemap {
            true => self.scope.admits_sitemap(&q.url),
            false => self.scope.admits_popped(&q.url, q.depth),
        };
        if !admitted {
            return Some(FetchError::new(
                ErrorKind::Other,
                format!(
                    "out of scope: the store handed out a URL at depth {} that this crawl's scope, allow/deny or max_depth does not admit (queued by an older spec or another writer); recorded, not fetched",
                    q.depth
                ),
            ));
        }
        let max = self.spec.spec.max_attempts;
        if max > 0 && q.attempts >= max {
            return Some(FetchError::new(
                ErrorKind::TooManyAttempts,
                format!(
                    "started {} times without finishing: recorded instead of tried again; raise max_attempts to retry",
                    q.attempts
                ),
            ));
        }
        None
    }

    fn is_finished(&self) -> bool {
        if self.grace_until.is_some() {
            return self.in_flight.is_empty();
        }
        self.in_flight.is_empty()
            && self.delayed.is_empty()
            && self.robots_wanted.is_empty()
            && self.robots_delayed.is_empty()
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
            self.robots_delayed.iter().map(|(at, _, _)| *at).min(),
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
        let now = self.clock.now();
        self.robots_retries_due(now);
        self.ask_robots().await;
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
                match self.robots_gate(&origin, &job.url, now) {
                    RobotsGate::Go => {}
                    RobotsGate::Expired => {
                        self.refetch_robots(&origin);
                        self.hosts.park(&origin, job, true);
                        self.ask_robots().await;
                        continue;
                    }
                    RobotsGate::Refuse(err) => {
                        self.emit_record(job, None, Vec::new(), Some(err), Vec::new())
                            .await;
                        continue;
                    }
                }
                let gap = self.next_gap(&origin);
                match self.frontier.host_permit(&origin, gap).await {
                    Ok(()) => self.start(&origin, job, now, gap).await,
                    Err(wait) => self.hosts.defer(&origin, job, now.saturating_add(wait)),
                }
                continue;
            }
            if self.page_limit_reached()
                || self.pop_again_at.is_some()
                // Jobs waiting out a retry backoff are held too: with them counted, a
                // crawler holds at most `concurrency + lookahead` URLs of a shared store.
                || self.hosts.parked_total() + self.delayed.len() >= lookahead
            {
                break;
            }
            match self.frontier.pop().await {
                Pop::Url(queued) => {
                    self.pages_started += 1;
                    match self.refuse_popped(&queued) {
                        Some(err) => {
                            let job = Job::page(queued);
                            self.emit_record(job, None, Vec::new(), Some(err), Vec::new())
                                .await;
                        }
                        None => {
                            self.park(Job::page(queued), false);
                            self.ask_robots().await;
                        }
                    }
                }
                Pop::Later(wait) => {
                    self.pop_again_at = Some(now.saturating_add(wait));
                    break;
                }
                Pop::Empty => break,
            }
        }
    }

    /// The delay the next request to `origin` imposes on the one after it (jittered).
    fn next_gap(&mut self, origin: &str) -> Duration {
        let delay = self.hosts.get_mut(origin).gap();
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
                self.robots_wanted.push((Rc::from(origin.as_str()), true));
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
            // Saturating: on wasm32 a limit over 4 GiB must not wrap into a small one.
            max_body_bytes: usize::try_from(s.max_body_bytes).unwrap_or(usize::MAX),
            timeout: Duration::from_millis(s.timeout_ms),
        }
    }

    /// Starts `job`'s request: robots.txt allowed it and the store gave a host permit.
    async fn start(&mut self, origin: &Rc<str>, mut job: Job, now: Duration, gap: Duration) {
        self.hosts.started(origin, now, gap);
        let slot = self
            .free_slots
            .pop()
            .expect("a free slot whenever in_flight < concurrency");
        if job.started_ms.is_none() {
            self.frontier.started(job.requested()).await;
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
        job.sent_at = now;
        let mut request = self.request_for(&job.url, job.referer.as_deref());
        if let Some(v) = job.conditional() {
            request.headers.extend(v.conditional_headers());
        }
        let fetch = match job.sitemap {
            true => self.sitemap_fetch(request),
            false => timed_fetch(&*self.fetcher, &*self.clock, request),
        };
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
                attempt,
                fetched,
                requests,
            } => {
                self.stats.requests += requests;
                self.robots_done(origin, attempt, fetched).await;
            }
            Done::Page { slot, result } => {
                let job = self.slots[slot as usize]
                    .take()
                    .expect("a finished slot carries a job");
                self.free_slots.push(slot);
                let origin = origin_of(&job.url);
                self.hosts.finished(&origin);
                if self.spec.spec.autothrottle {
                    let signal = Signal::of_result(&result);
                    self.hosts
                        .observe(&origin, job.sent_at, self.clock.now(), signal);
                }
                self.frontier.host_release(&origin).await;
                self.page_done(job, result).await;
            }
            Done::Handled { slot, page, result } => {
                let job = self.slots[slot as usize]
                    .take()
                    .expect("a slot running a handler carries its job");
                self.free_slots.push(slot);
                self.handled(job, page, result).await;
            }
        }
    }

    fn counters(&self) -> Counters {
        Counters {
            done: self.stats.pages,
            queued: (self.frontier.len() + self.hosts.parked_total() + self.delayed.len()) as u64,
            in_flight: self.in_flight.len() as u64,
            errors: self.stats.errors,
            bytes: self.stats.bytes,
            elapsed_ms: self.now_ms(),
            host_limits: self
                .hosts
                .throttles(HOSTS_SHOWN)
                .iter()
                .map(|h| h.now())
                .collect(),
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
        self.close_items().await;
        self.maybe_progress(true);
        let mut stats = std::mem::take(&mut self.stats);
        stats.queued_remaining = self.frontier.len() as u64 + never_started;
        stats.host_limits = self
            .hosts
            .throttles(HOSTS_SHOWN)
            .iter()
            .map(|h| h.summary())
            .collect();
        stats.recrawl = self.frontier.recrawl_counts();
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
