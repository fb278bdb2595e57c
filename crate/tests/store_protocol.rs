//! The engine's side of the [`Frontier`] store protocol, checked against a real arena by a
//! store that enforces the rules the SQLite and Redis stores rely on: every popped URL ends
//! in exactly one `complete` or `abandon`; a page request starts only with a host permit,
//! and every permit is released; completed-but-not-durable pages hold concurrency slots;
//! a `Later` from the store does not end the crawl; a cached robots.txt is used instead of
//! fetching one. The store keeps its queue in a real `MemoryFrontier`; what it adds is
//! bookkeeping and deliberately awkward answers (slow durability, a tight shared per-host
//! limit), the way a shared or persistent store would answer.

#![cfg(not(target_arch = "wasm32"))]

use silk::{
    CrawlSpec, Crawler, ErrorKind, Event, Frontier, MemoryFrontier, PlatformClock, PlatformFetcher,
    Pop, QueuedUrl, Record, RobotsOutcome, Stats,
};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::time::Duration;
use url::Url;

const CONCURRENCY: u32 = 6;
/// The store's per-host limit, tighter than the engine's own (`per_host` 8).
const SHARED_PER_HOST: u32 = 2;

/// The store: a real queue, plus the bookkeeping the test reads afterwards.
struct Checked {
    inner: MemoryFrontier,
    log: Rc<RefCell<Log>>,
}

#[derive(Default)]
struct Log {
    held: HashSet<String>,
    completed: HashMap<String, u32>,
    abandoned: HashSet<String>,
    /// Completions not yet "durable": released one per `flush`.
    not_durable: VecDeque<String>,
    permits: u32,
    max_permits: u32,
    permit_refusals: u32,
    laters_left: u32,
    laters_given: u32,
    robots_asked: Vec<String>,
    closed: Vec<bool>,
    violations: Vec<String>,
}

impl Frontier for Checked {
    async fn add(&mut self, item: QueuedUrl) -> bool {
        self.inner.add(item).await
    }

    async fn mark_seen(&mut self, url: &Url, by: &Url) -> bool {
        {
            let mut log = self.log.borrow_mut();
            if !log.held.contains(by.as_str()) {
                log.violations
                    .push(format!("redirect claimed for {by}, which is not held"));
            }
        }
        self.inner.mark_seen(url, by).await
    }

    async fn pop(&mut self) -> Pop {
        let popped = self.inner.pop().await;
        let mut log = self.log.borrow_mut();
        match popped {
            Pop::Url(q) => {
                if !log.held.insert(q.url.to_string()) {
                    log.violations.push(format!("{} popped twice", q.url));
                }
                Pop::Url(q)
            }
            // Answer "later" a few times before admitting the queue is empty, as a shared
            // store does while other workers hold URLs.
            _ if log.laters_left > 0 => {
                log.laters_left -= 1;
                log.laters_given += 1;
                Pop::Later(Duration::from_millis(15))
            }
            other => other,
        }
    }

    fn len(&self) -> usize {
        self.inner.len()
    }

    async fn complete(&mut self, record: &Record, links: Vec<QueuedUrl>) -> bool {
        {
            let mut log = self.log.borrow_mut();
            if !log.held.remove(&record.url) {
                log.violations
                    .push(format!("{} completed but not held", record.url));
            }
            *log.completed.entry(record.url.clone()).or_default() += 1;
            log.not_durable.push_back(record.url.clone());
        }
        for link in links {
            self.inner.add(link).await;
        }
        true
    }

    async fn abandon(&mut self, url: &Url) {
        let mut log = self.log.borrow_mut();
        if !log.held.remove(url.as_str()) {
            log.violations.push(format!("{url} abandoned but not held"));
        }
        log.abandoned.insert(url.to_string());
    }

    fn uncommitted(&self) -> usize {
        self.log.borrow().not_durable.len()
    }

    async fn flush(&mut self) {
        let mut log = self.log.borrow_mut();
        log.not_durable.pop_front();
    }

    async fn robots(&mut self, origin: &str) -> Option<RobotsOutcome> {
        let mut log = self.log.borrow_mut();
        log.robots_asked.push(origin.to_string());
        Some(RobotsOutcome {
            status: 200,
            body: "User-agent: *\nDisallow: /p/1\n".into(),
            note: None,
        })
    }

    async fn host_permit(&mut self, _origin: &str, _gap: Duration) -> Result<(), Duration> {
        let mut log = self.log.borrow_mut();
        // The engine may start a request only while fetches plus non-durable pages leave a
        // slot free.
        if log.permits as usize + log.not_durable.len() >= CONCURRENCY as usize {
            let why = format!(
                "permit asked with {} in flight and {} not durable (concurrency {CONCURRENCY})",
                log.permits,
                log.not_durable.len()
            );
            log.violations.push(why);
        }
        if log.permits >= SHARED_PER_HOST {
            log.permit_refusals += 1;
            return Err(Duration::from_millis(5));
        }
        log.permits += 1;
        log.max_permits = log.max_permits.max(log.permits);
        Ok(())
    }

    async fn host_release(&mut self, _origin: &str) {
        let mut log = self.log.borrow_mut();
        if log.permits == 0 {
            log.violations.push("a permit released twice".into());
        }
        log.permits = log.permits.saturating_sub(1);
    }

    async fn close(&mut self, drained: bool) {
        let mut log = self.log.borrow_mut();
        log.not_durable.clear();
        log.closed.push(drained);
    }
}

fn spec(arena: &silk_arena::ArenaHandle) -> CrawlSpec {
    CrawlSpec {
        seeds: vec![format!("{}/", arena.url())],
        concurrency: CONCURRENCY,
        timeout_ms: 2_000,
        max_depth: Some(2),
        ..CrawlSpec::default()
    }
}

fn arena() -> silk_arena::ArenaHandle {
    silk_arena::spawn(silk_arena::ArenaConfig {
        port: 0,
        pages: 40,
        latency_ms: 5,
        faults: false,
        ..Default::default()
    })
    .expect("arena starts")
}

async fn run(spec: CrawlSpec, cancel_after: Option<usize>) -> (Log, Vec<Record>, Stats) {
    let log = Rc::new(RefCell::new(Log {
        laters_left: 3,
        ..Log::default()
    }));
    let store = Checked {
        inner: MemoryFrontier::new(),
        log: log.clone(),
    };
    let crawler = Crawler::new(
        spec.compile().expect("spec"),
        Rc::new(PlatformFetcher::new(&spec).expect("client")),
        Rc::new(PlatformClock::new()),
    );
    let cancel = crawler.cancel_handle();
    let crawler = crawler.with_frontier(store);
    let mut records = Vec::new();
    let crawl = crawler.run(|e| {
        if let Event::Record(r) = e {
            records.push(r);
            if cancel_after.is_some_and(|n| records.len() >= n) {
                cancel.cancel();
            }
        }
    });
    let stats = tokio::time::timeout(Duration::from_secs(30), crawl)
        .await
        .expect("the crawl ends within 30 s");
    let log = log.take();
    (log, records, stats)
}

#[tokio::test]
async fn a_full_crawl_keeps_the_store_protocol() {
    let arena = arena();
    let (store, records, stats) = run(spec(&arena), None).await;
    assert!(store.violations.is_empty(), "{:#?}", store.violations);
    assert!(records.len() > 30, "crawled {} pages", records.len());
    assert!(store.held.is_empty(), "still held: {:?}", store.held);
    assert!(store.abandoned.is_empty());
    for r in &records {
        assert_eq!(
            store.completed.get(&r.url),
            Some(&1),
            "{} completed once",
            r.url
        );
    }
    assert_eq!(store.completed.len(), records.len());
    assert_eq!(store.permits, 0, "every permit released");
    assert_eq!(store.max_permits, SHARED_PER_HOST);
    assert!(store.permit_refusals > 0, "the shared limit was tested");
    assert_eq!(store.laters_given, 3, "the crawl went on after `Later`");
    assert_eq!(store.closed, vec![true], "closed once, drained");
    // robots.txt came from the store: not fetched, and its rule applied.
    assert_eq!(store.robots_asked, vec![arena.url()]);
    let blocked = records
        .iter()
        .find(|r| r.url.ends_with("/p/1"))
        .expect("/p/1 is linked from the home page");
    assert_eq!(
        blocked.error.as_ref().map(|e| e.kind),
        Some(ErrorKind::Robots)
    );
    assert!(!stats.cancelled);
}

#[tokio::test]
async fn a_cancelled_crawl_abandons_what_it_holds() {
    let arena = arena();
    let (store, records, stats) = run(spec(&arena), Some(5)).await;
    assert!(stats.cancelled);
    assert!(store.violations.is_empty(), "{:#?}", store.violations);
    assert!(store.held.is_empty(), "still held: {:?}", store.held);
    assert!(
        !store.abandoned.is_empty(),
        "something was in flight or parked"
    );
    for url in &store.abandoned {
        assert!(
            !store.completed.contains_key(url),
            "{url} both completed and abandoned"
        );
    }
    let aborted = records
        .iter()
        .filter(|r| {
            r.error
                .as_ref()
                .is_some_and(|e| e.kind == ErrorKind::Aborted)
        })
        .count();
    assert_eq!(
        records.len() - aborted,
        store.completed.len(),
        "every non-aborted record went through complete"
    );
    assert_eq!(store.closed, vec![false], "closed once, not drained");
}
