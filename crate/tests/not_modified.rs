//! 304 Not Modified in the engine, against a real arena with validators on: a 304 to the
//! conditional request a store asked for reuses the store's previous record (fields, items)
//! and says `not_modified`; a 304 for which the store has no previous record makes the
//! engine ask again without validators (and record what that brings); a 304 to a request
//! the engine did not make conditional (here: a user header did) is recorded with an
//! `other` error. None of them is a redirect or an `http` error, and none panics.

#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value;
use silk::{
    CrawlSpec, Crawler, ErrorKind, Event, FieldSpec, Frontier, MemoryFrontier, PlatformClock,
    PlatformFetcher, Pop, QueuedUrl, Record, Validators,
};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;
use url::Url;

/// A date after every page's Last-Modified: the arena answers 304 to it.
const FUTURE: &str = "Fri, 01 Jan 2100 00:00:00 GMT";

/// A store that, like a recrawl, hands out validators for some URLs and knows the
/// previous record of some.
struct Recrawling {
    inner: MemoryFrontier,
    validators: HashMap<String, Validators>,
    previous: HashMap<String, Record>,
}

impl Frontier for Recrawling {
    async fn add(&mut self, item: QueuedUrl) -> bool {
        self.inner.add(item).await
    }
    async fn mark_seen(&mut self, url: &Url, by: &Url) -> bool {
        self.inner.mark_seen(url, by).await
    }
    async fn pop(&mut self) -> Pop {
        let mut pop = self.inner.pop().await;
        if let Pop::Url(item) = &mut pop {
            item.validators = self.validators.get(item.url.as_str()).cloned().map(Rc::new);
        }
        pop
    }
    fn len(&self) -> usize {
        self.inner.len()
    }
    fn wants_validators(&self) -> bool {
        true
    }
    async fn previous_record(&mut self, url: &Url) -> Option<Record> {
        self.previous.get(url.as_str()).cloned()
    }
}

fn arena() -> silk_arena::ArenaHandle {
    silk_arena::spawn(silk_arena::ArenaConfig {
        port: 0,
        pages: 10,
        faults: false,
        validators: true,
        ..Default::default()
    })
    .expect("arena starts")
}

fn spec(arena: &silk_arena::ArenaHandle, paths: &[&str]) -> CrawlSpec {
    let mut spec = CrawlSpec {
        seeds: paths
            .iter()
            .map(|p| format!("{}{p}", arena.url()))
            .collect(),
        robots: false,
        max_depth: Some(0),
        timeout_ms: 5_000,
        ..CrawlSpec::default()
    };
    spec.fields
        .push(FieldSpec::parse_cli("title=title").expect("field"));
    spec
}

async fn crawl(spec: CrawlSpec, store: Recrawling) -> HashMap<String, Record> {
    let crawler = Crawler::new(
        spec.compile().expect("spec"),
        Rc::new(PlatformFetcher::new(&spec).expect("client")),
        Rc::new(PlatformClock::new()),
    )
    .with_frontier(store);
    let mut records = HashMap::new();
    let run = crawler.run(|e| {
        if let Event::Record(r) = e {
            records.insert(r.url.clone(), r);
        }
    });
    tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .expect("the crawl ends within 30 s");
    records
}

fn title(r: &Record) -> &Value {
    &r.fields
        .iter()
        .find(|(k, _)| k == "title")
        .expect("title")
        .1
}

#[tokio::test]
async fn a_304_reuses_the_previous_record_or_asks_again_without_one() {
    let arena = arena();
    let url = |p: &str| format!("{}{p}", arena.url());
    let since = Validators::from_parts(None, Some(FUTURE)).expect("a date");
    let mut previous = Record::from_json(
        serde_json::json!({"url": url("/p/1"), "status": 200, "title": "Old title",
                           "items": [{"kept": true}]})
        .as_object()
        .expect("object"),
    )
    .expect("a record");
    previous.cut = Some("an old cut".into());
    let store = Recrawling {
        inner: MemoryFrontier::new(),
        validators: [(url("/p/1"), since.clone()), (url("/p/2"), since)]
            .into_iter()
            .collect(),
        previous: [(url("/p/1"), previous)].into_iter().collect(),
    };
    let records = crawl(spec(&arena, &["/p/1", "/p/2"]), store).await;

    let kept = &records[&url("/p/1")];
    assert_eq!(kept.status, Some(304));
    assert!(kept.not_modified);
    assert_eq!(kept.error, None);
    assert_eq!(title(kept), "Old title");
    assert_eq!(kept.items, vec![serde_json::json!({"kept": true})]);
    assert_eq!(kept.cut.as_deref(), Some("an old cut"));
    assert_eq!(kept.bytes, 0, "nothing downloaded");
    assert_eq!(
        kept.validators
            .as_ref()
            .and_then(|v| v.etag.as_deref())
            .map(|e| e.len()),
        Some(18),
        "the 304's ETag is kept for the next pass"
    );
    assert!(kept.to_json()["not_modified"] == true);

    // No previous record: asked again unconditionally, and the page is recorded as fetched.
    let lost = &records[&url("/p/2")];
    assert_eq!(lost.status, Some(200));
    assert!(!lost.not_modified);
    assert_eq!(lost.error, None);
    assert_eq!(title(lost), "Product 2 | Arena");
    assert!(lost.bytes > 1000);
    assert!(
        lost.validators.is_some(),
        "the 200's validators are recorded"
    );
    let fetched = arena.arena.fetched();
    assert_eq!(fetched.get("/p/2"), Some(&2), "{fetched:?}");
    assert_eq!(fetched.get("/p/1"), Some(&1), "{fetched:?}");
    assert_eq!(arena.arena.stats().by_status.get("304"), Some(&2));
}

#[tokio::test]
async fn a_304_the_engine_did_not_ask_for_is_an_other_error() {
    let arena = arena();
    let mut spec = spec(&arena, &["/p/3"]);
    spec.headers
        .push(("If-Modified-Since".into(), FUTURE.into()));
    let store = Recrawling {
        inner: MemoryFrontier::new(),
        validators: HashMap::new(),
        previous: HashMap::new(),
    };
    let records = crawl(spec, store).await;
    let r = &records[&format!("{}/p/3", arena.url())];
    assert_eq!(r.status, Some(304));
    assert!(!r.not_modified);
    assert_eq!(r.error.as_ref().map(|e| e.kind), Some(ErrorKind::Other));
    assert!(
        r.error
            .as_ref()
            .unwrap()
            .message
            .contains("not conditional"),
        "{:?}",
        r.error
    );
    assert_eq!(title(r), &Value::Null);
}
