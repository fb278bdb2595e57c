//! The engine against hostile or unlucky input it cannot control, checked against a real
//! arena: a robots.txt that fails, is huge or gets old; URLs a store hands back that were
//! started too often or are out of scope; redirects into denied or disallowed space; and
//! the order of the robots check and the store's host permit.
//!
//! The store here is [`Staged`]: a real `MemoryFrontier` that also hands out attempt counts
//! (as SQLite and Redis stores do), holds some URLs back until the test releases them (as a
//! shared queue does while other workers hold URLs), and logs saved robots.txt outcomes and
//! host permits. The clock is the platform clock plus a jump the test makes (24 hours pass
//! in a test this way, as they do for a long crawl).

#![cfg(not(target_arch = "wasm32"))]

use silk::{
    Clock, CrawlSpec, Crawler, ErrorKind, Event, Fetch, FetchError, FetchRequest, FetchResponse,
    Frontier, MemoryFrontier, PlatformClock, PlatformFetcher, Pop, QueuedUrl, Record,
    RobotsOutcome, Stats,
};
use silk_arena::{ArenaConfig, ArenaHandle, RobotsFault};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;
use url::Url;

fn arena(faults: bool) -> ArenaHandle {
    sized_arena(faults, 30)
}

fn sized_arena(faults: bool, pages: usize) -> ArenaHandle {
    silk_arena::spawn(ArenaConfig {
        port: 0,
        pages,
        faults,
        ..Default::default()
    })
    .expect("arena starts")
}

fn spec(arena: &ArenaHandle, seeds: &[&str]) -> CrawlSpec {
    CrawlSpec {
        seeds: seeds
            .iter()
            .map(|p| format!("{}{p}", arena.url()))
            .collect(),
        timeout_ms: 2_000,
        ..CrawlSpec::default()
    }
}

/// What the store saw.
#[derive(Default)]
struct Log {
    saved: Vec<RobotsOutcome>,
    permits: u64,
}

/// A real queue that hands out attempt counts, holds `late` URLs back until `release` is
/// set, and logs robots.txt saves and host permits.
struct Staged {
    inner: MemoryFrontier,
    attempts: HashMap<String, u32>,
    late: Vec<QueuedUrl>,
    release: Rc<Cell<bool>>,
    log: Rc<RefCell<Log>>,
}

impl Staged {
    fn new() -> Self {
        Staged {
            inner: MemoryFrontier::new(),
            attempts: HashMap::new(),
            late: Vec::new(),
            release: Rc::new(Cell::new(true)),
            log: Rc::default(),
        }
    }
}

impl Frontier for Staged {
    async fn add(&mut self, item: QueuedUrl) -> bool {
        self.inner.add(item).await
    }
    async fn mark_seen(&mut self, url: &Url, by: &Url) -> bool {
        self.inner.mark_seen(url, by).await
    }
    async fn pop(&mut self) -> Pop {
        if self.release.get() {
            for item in std::mem::take(&mut self.late) {
                self.inner.add(item).await;
            }
        }
        match self.inner.pop().await {
            Pop::Url(mut q) => {
                q.attempts = self.attempts.get(q.url.as_str()).copied().unwrap_or(0);
                Pop::Url(q)
            }
            _ if !self.late.is_empty() => Pop::Later(Duration::from_millis(10)),
            other => other,
        }
    }
    fn len(&self) -> usize {
        self.inner.len() + self.late.len()
    }
    async fn save_robots(&mut self, _origin: &str, outcome: &RobotsOutcome) {
        self.log.borrow_mut().saved.push(outcome.clone());
    }
    async fn host_permit(&mut self, _origin: &str, _gap: Duration) -> Result<(), Duration> {
        self.log.borrow_mut().permits += 1;
        Ok(())
    }
}

/// The platform clock, plus however far the test has moved it on.
#[derive(Clone, Default)]
struct JumpingClock {
    inner: PlatformClock,
    jumped: Rc<Cell<Duration>>,
}

impl Clock for JumpingClock {
    fn now(&self) -> Duration {
        self.inner.now() + self.jumped.get()
    }
    fn sleep(&self, d: Duration) -> futures::future::LocalBoxFuture<'static, ()> {
        self.inner.sleep(d)
    }
}

/// Runs a crawl on `store`; `on_record` sees each record as it comes.
async fn run(
    spec: CrawlSpec,
    fetcher: Rc<dyn Fetch>,
    clock: JumpingClock,
    store: Staged,
    mut on_record: impl FnMut(&Record),
) -> (HashMap<String, Record>, Stats) {
    let crawler = Crawler::new(spec.compile().expect("valid spec"), fetcher, Rc::new(clock))
        .with_frontier(store);
    let mut records = HashMap::new();
    let stats = crawler
        .run(|e| {
            if let Event::Record(r) = e {
                on_record(&r);
                let path = r.url.splitn(4, '/').nth(3).unwrap_or("").to_string();
                assert!(
                    records.insert(format!("/{path}"), r).is_none(),
                    "recorded twice"
                );
            }
        })
        .await;
    (records, stats)
}

fn platform() -> Rc<dyn Fetch> {
    Rc::new(PlatformFetcher::new(&CrawlSpec::default()).expect("client"))
}

fn kind(r: &Record) -> Option<ErrorKind> {
    r.error.as_ref().map(|e| e.kind)
}

#[tokio::test]
async fn a_failing_robots_txt_is_retried_while_its_urls_wait() {
    for fault in [RobotsFault::ResetFirst(2), RobotsFault::UnavailableFirst(2)] {
        let arena = arena(false);
        arena.arena.set_robots_fault(fault);
        let store = Staged::new();
        let log = store.log.clone();
        let (records, stats) = run(
            spec(&arena, &["/"]),
            platform(),
            JumpingClock::default(),
            store,
            |_| {},
        )
        .await;
        let arena_stats = arena.arena.stats();
        assert_eq!(
            arena_stats.robots_requests, 3,
            "{fault:?}: two failures, then the file"
        );
        assert_eq!(arena_stats.disallowed_fetches, 0, "{fault:?}");
        assert!(stats.retries >= 2, "{fault:?}: {stats:?}");
        assert_eq!(
            records["/p/7"].status,
            Some(200),
            "{fault:?}: pages waited, then ran"
        );
        assert_eq!(
            kind(&records["/private/1"]),
            Some(ErrorKind::Robots),
            "{fault:?}"
        );
        let saved = &log.borrow().saved;
        assert_eq!(
            saved.len(),
            1,
            "{fault:?}: only the file that was read is saved"
        );
        assert_eq!(saved[0].status, 200, "{fault:?}");
    }
}

/// Seeds `/p/0`, holds `/p/1` back; once `/p/0` is recorded, jumps the clock by `jump` and
/// releases `/p/1`. Returns both records, the robots.txt requests and the saved outcomes.
async fn later_url_after(
    jump: Duration,
    fault: RobotsFault,
) -> (HashMap<String, Record>, u64, Vec<RobotsOutcome>) {
    let arena = arena(false);
    arena.arena.set_robots_fault(fault);
    let mut spec = spec(&arena, &["/p/0"]);
    spec.max_depth = Some(0);
    let mut store = Staged::new();
    let late = Url::parse(&format!("{}/p/1", arena.url())).unwrap();
    store.late.push(QueuedUrl::new(late, 0, None));
    store.release.set(false);
    let release = store.release.clone();
    let log = store.log.clone();
    let clock = JumpingClock::default();
    let jumped = clock.jumped.clone();
    let (records, _) = run(spec, platform(), clock, store, |r| {
        if r.url.ends_with("/p/0") {
            jumped.set(jump);
            release.set(true);
        }
    })
    .await;
    let saved = log.borrow().saved.clone();
    (records, arena.arena.stats().robots_requests, saved)
}

#[tokio::test]
async fn an_unreachable_robots_txt_is_not_saved_and_is_asked_again_later() {
    let (records, robots_requests, saved) =
        later_url_after(Duration::from_secs(61), RobotsFault::ResetFirst(3)).await;
    let first = &records["/p/0"];
    assert_eq!(kind(first), Some(ErrorKind::Robots), "{first:?}");
    let message = &first.error.as_ref().unwrap().message;
    assert!(
        message.contains("could not be fetched") && message.contains("3 tries"),
        "{message}"
    );
    assert_eq!(
        records["/p/1"].status,
        Some(200),
        "robots.txt was asked again a minute later"
    );
    assert_eq!(
        robots_requests, 4,
        "three tries, then one more after the wait"
    );
    assert!(
        saved.iter().all(|o| !o.is_temporary()) && saved.len() == 1,
        "an unreachable verdict is never saved: {saved:?}"
    );

    // Within the wait the verdict holds, without asking the host again.
    let (records, robots_requests, saved) =
        later_url_after(Duration::from_secs(30), RobotsFault::ResetFirst(3)).await;
    assert_eq!(kind(&records["/p/1"]), Some(ErrorKind::Robots));
    assert_eq!(robots_requests, 3);
    assert!(saved.is_empty(), "{saved:?}");
}

#[tokio::test]
async fn robots_txt_is_fetched_again_after_24_hours() {
    let day = Duration::from_secs(24 * 3600);
    let (records, robots_requests, saved) =
        later_url_after(day - Duration::from_secs(60), RobotsFault::None).await;
    assert_eq!(records["/p/1"].status, Some(200));
    assert_eq!((robots_requests, saved.len()), (1, 1), "fresh for 24 h");

    let (records, robots_requests, saved) =
        later_url_after(day + Duration::from_secs(1), RobotsFault::None).await;
    assert_eq!(records["/p/1"].status, Some(200));
    assert_eq!(
        (robots_requests, saved.len()),
        (2, 2),
        "asked and saved again after 24 h"
    );
}

#[tokio::test]
async fn a_huge_robots_txt_is_parsed_up_to_500_kib() {
    let arena = arena(false);
    arena.arena.set_robots_fault(RobotsFault::Huge);
    // A page limit well under the file's 600 KiB: robots.txt has its own limit.
    let mut spec = spec(&arena, &["/"]);
    spec.max_body_bytes = 64 * 1024;
    let store = Staged::new();
    let log = store.log.clone();
    let (records, _) = run(spec, platform(), JumpingClock::default(), store, |_| {}).await;
    assert_eq!(
        records["/p/7"].status,
        Some(200),
        "the rule after 500 KiB is not read"
    );
    assert_eq!(
        kind(&records["/private/1"]),
        Some(ErrorKind::Robots),
        "the first rules are"
    );
    let saved = &log.borrow().saved;
    assert_eq!(saved.len(), 1);
    assert!(
        saved[0].body.len() <= 500 * 1024,
        "{} bytes kept",
        saved[0].body.len()
    );
    assert!(saved[0].body.contains("Disallow: /private/"));
    assert!(
        !saved[0].body.contains("Disallow: /p/"),
        "only what was parsed is kept"
    );
}

#[tokio::test]
async fn urls_started_too_often_are_recorded_without_fetching() {
    let arena = arena(false);
    let mut spec = spec(&arena, &["/p/0", "/p/1", "/p/2"]);
    spec.max_depth = Some(0);
    let mut store = Staged::new();
    store.attempts.insert(format!("{}/p/0", arena.url()), 3);
    store.attempts.insert(format!("{}/p/1", arena.url()), 2);
    let (records, stats) = run(spec, platform(), JumpingClock::default(), store, |_| {}).await;
    let poisoned = &records["/p/0"];
    assert_eq!(
        kind(poisoned),
        Some(ErrorKind::TooManyAttempts),
        "{poisoned:?}"
    );
    assert!(poisoned
        .error
        .as_ref()
        .unwrap()
        .message
        .contains("started 3 times"));
    assert_eq!(poisoned.status, None);
    assert_eq!(
        records["/p/1"].status,
        Some(200),
        "under max_attempts: fetched"
    );
    assert_eq!(records["/p/2"].status, Some(200));
    assert_eq!(stats.pages, 3);
    let fetched = arena.arena.fetched();
    assert!(!fetched.contains_key("/p/0"), "{fetched:?}");
    assert_eq!(fetched.get("/p/1"), Some(&1));
}

#[tokio::test]
async fn urls_popped_out_of_scope_are_recorded_not_fetched() {
    let arena = arena(false);
    let mut spec = spec(&arena, &["/"]);
    spec.deny = vec!["/p/1$".into()];
    spec.max_depth = Some(1);
    let mut store = Staged::new();
    // What an older spec or another writer left in the queue.
    for (url, depth) in [
        ("http://evil.invalid/x".to_string(), 1),
        (format!("{}/p/1", arena.url()), 1),
        (format!("{}/p/2", arena.url()), 5),
        (format!("{}/p/3", arena.url()), 1),
    ] {
        store
            .add(QueuedUrl::new(Url::parse(&url).unwrap(), depth, None))
            .await;
    }
    let (records, _) = run(spec, platform(), JumpingClock::default(), store, |_| {}).await;
    for path in ["/x", "/p/1", "/p/2"] {
        let r = records
            .values()
            .find(|r| r.url.ends_with(path))
            .unwrap_or_else(|| panic!("{path} recorded"));
        assert_eq!(kind(r), Some(ErrorKind::Other), "{r:?}");
        assert!(
            r.error.as_ref().unwrap().message.contains("out of scope"),
            "{r:?}"
        );
    }
    assert_eq!(records["/p/3"].status, Some(200));
    let fetched = arena.arena.fetched();
    assert!(
        !fetched.contains_key("/p/1") && !fetched.contains_key("/p/2"),
        "{fetched:?}"
    );
}

#[tokio::test]
async fn redirect_targets_obey_allow_and_deny() {
    let arena = sized_arena(false, 300);
    // Deny where the arena's redirects /r/N go: links there are filtered, so only a
    // followed redirect could fetch them.
    let fetcher = PlatformFetcher::new(&CrawlSpec::default()).expect("client");
    let mut deny = Vec::new();
    for n in 0.. {
        let resp = fetcher
            .fetch(FetchRequest {
                url: Url::parse(&format!("{}/r/{n}", arena.url())).unwrap(),
                headers: Vec::new(),
                max_body_bytes: 1 << 20,
                timeout: Duration::from_secs(5),
            })
            .await
            .expect("arena answers");
        match resp.header("location") {
            Some(target) => deny.push(format!("{target}$")),
            None => break,
        }
    }
    assert!(!deny.is_empty(), "the arena has redirects");
    let mut spec = spec(&arena, &["/"]);
    spec.deny = deny.clone();
    let deny: Vec<regex_lite::Regex> = deny
        .iter()
        .map(|d| regex_lite::Regex::new(d).unwrap())
        .collect();
    let denied = |u: &str| deny.iter().any(|d| d.is_match(u));
    let (records, _) = run(
        spec,
        platform(),
        JumpingClock::default(),
        Staged::new(),
        |_| {},
    )
    .await;
    let redirects: Vec<&Record> = records.values().filter(|r| r.url.contains("/r/")).collect();
    assert!(!redirects.is_empty(), "the crawl meets redirects");
    for r in redirects {
        assert!(r.final_url.as_deref().is_some_and(&denied), "{r:?}");
        assert_eq!(
            r.status,
            Some(301),
            "recorded as the redirect, not followed: {r:?}"
        );
    }
    let fetched = arena.arena.fetched();
    let fetched_denied: Vec<_> = fetched.keys().filter(|p| denied(p)).collect();
    assert!(
        fetched_denied.is_empty(),
        "denied pages fetched: {fetched_denied:?}"
    );
}

#[tokio::test]
async fn robots_is_checked_before_asking_for_a_host_permit() {
    let arena = arena(false);
    let store = Staged::new();
    let log = store.log.clone();
    let (records, _) = run(
        spec(&arena, &["/"]),
        platform(),
        JumpingClock::default(),
        store,
        |_| {},
    )
    .await;
    assert!(records.values().any(|r| kind(r) == Some(ErrorKind::Robots)));
    let page_requests = arena.arena.stats().page_requests;
    assert_eq!(
        log.borrow().permits,
        page_requests,
        "one permit per request, none for disallowed URLs"
    );
}

/// The native fetcher, following redirects itself and saying where it ended, as a
/// browser's `fetch()` does.
struct FollowingFetcher(PlatformFetcher);

impl Fetch for FollowingFetcher {
    fn fetch(
        &self,
        mut request: FetchRequest,
    ) -> futures::future::LocalBoxFuture<'static, Result<FetchResponse, FetchError>> {
        let inner = self.0.clone();
        Box::pin(async move {
            for _ in 0..10 {
                let mut resp = inner.fetch(request.clone()).await?;
                match resp.header("location") {
                    Some(l) if (300..400).contains(&resp.status) => {
                        request.url = request.url.join(l).expect("a valid Location");
                    }
                    _ => {
                        resp.url = Some(request.url);
                        return Ok(resp);
                    }
                }
            }
            Err(FetchError::new(ErrorKind::TooManyRedirects, "10 hops"))
        })
    }
}

#[tokio::test]
async fn a_platform_followed_redirect_ends_on_a_url_robots_txt_allows() {
    let arena = arena(true);
    let spec = spec(&arena, &["/faults/to-private"]);
    let fetcher = Rc::new(FollowingFetcher(
        PlatformFetcher::new(&CrawlSpec::default()).expect("client"),
    ));
    let (records, _) = run(
        spec,
        fetcher,
        JumpingClock::default(),
        Staged::new(),
        |_| {},
    )
    .await;
    let r = &records["/faults/to-private"];
    assert_eq!(kind(r), Some(ErrorKind::Robots), "{r:?}");
    assert!(
        r.final_url
            .as_deref()
            .is_some_and(|u| u.ends_with("/private/7")),
        "{r:?}"
    );
    assert_eq!(
        records.len(),
        1,
        "nothing on the disallowed page is followed: {records:?}"
    );
}
