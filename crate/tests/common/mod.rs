//! What the engine tests share on both targets: an arena per test (native: in-process; wasm:
//! the `silk arena` scripts/test-wasm.sh starts, reset first), the platform fetcher, a spec
//! with title and h1 fields, and a crawl that collects records. Each test file uses a part.
#![allow(dead_code)]

use serde_json::Value;
use silk::{
    CrawlSpec, Crawler, Event, Fetch, FetchRequest, FieldSpec, PlatformClock, PlatformFetcher,
    Record, Stats,
};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;

/// Product pages in the arena these tests use (the wasm script starts it with `--pages 60`).
#[cfg(not(target_arch = "wasm32"))]
pub const PAGES: usize = 60;

#[macro_export]
macro_rules! engine_test {
    ($(#[$meta:meta])* async fn $name:ident() $body:block) => {
        $(#[$meta])*
        #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
        #[cfg_attr(not(target_arch = "wasm32"), tokio::test)]
        async fn $name() $body
    };
}

/// A running arena with fresh counters.
pub struct TestArena {
    pub url: String,
    #[cfg(not(target_arch = "wasm32"))]
    _handle: silk_arena::ArenaHandle,
}

#[cfg(not(target_arch = "wasm32"))]
pub async fn arena() -> TestArena {
    let handle = silk_arena::spawn(silk_arena::ArenaConfig {
        port: 0,
        pages: PAGES,
        ..Default::default()
    })
    .expect("arena starts");
    TestArena {
        url: handle.url(),
        _handle: handle,
    }
}

#[cfg(target_arch = "wasm32")]
pub async fn arena() -> TestArena {
    let url = match option_env!("SILK_ARENA_URL") {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => panic!("build the wasm tests with SILK_ARENA_URL set (scripts/test-wasm.sh does)"),
    };
    get_json(&format!("{url}/__reset")).await;
    TestArena { url }
}

pub fn fetcher() -> PlatformFetcher {
    #[cfg(not(target_arch = "wasm32"))]
    return PlatformFetcher::new(&CrawlSpec::default()).expect("client");
    #[cfg(target_arch = "wasm32")]
    return PlatformFetcher::default();
}

pub async fn get_json(url: &str) -> Value {
    let resp = fetcher()
        .fetch(FetchRequest {
            url: url.parse().expect("test URL"),
            headers: Vec::new(),
            max_body_bytes: 1 << 20,
            timeout: Duration::from_secs(10),
        })
        .await
        .expect("arena answers");
    serde_json::from_slice(&resp.body).expect("JSON")
}

impl TestArena {
    pub fn spec(&self, path: &str) -> CrawlSpec {
        CrawlSpec {
            seeds: vec![format!("{}{path}", self.url)],
            timeout_ms: 2_000,
            fields: vec![
                FieldSpec::parse_cli("title=title").unwrap(),
                FieldSpec::parse_cli("h1=h1").unwrap(),
            ],
            ..CrawlSpec::default()
        }
    }

    pub async fn stats(&self) -> Value {
        get_json(&format!("{}/__stats", self.url)).await
    }

    pub async fn expected_pages(&self) -> BTreeSet<String> {
        let pages = get_json(&format!("{}/__pages", self.url)).await;
        pages
            .as_array()
            .expect("a list of paths")
            .iter()
            .map(|p| format!("{}{}", self.url, p.as_str().unwrap()))
            .collect()
    }
}

/// Runs a crawl to the end, returning its records and stats.
pub async fn crawl(spec: CrawlSpec) -> (Vec<Record>, Stats) {
    let crawler = Crawler::new(
        spec.compile().expect("valid spec"),
        Rc::new(fetcher()),
        Rc::new(PlatformClock::default()),
    );
    let mut records = Vec::new();
    let stats = crawler
        .run(|e| {
            if let Event::Record(r) = e {
                records.push(r)
            }
        })
        .await;
    (records, stats)
}

pub fn by_url(records: &[Record]) -> BTreeMap<String, &Record> {
    records.iter().map(|r| (r.url.clone(), r)).collect()
}

pub fn path_of(r: &Record) -> String {
    r.url
        .splitn(4, '/')
        .nth(3)
        .map(|p| format!("/{p}"))
        .unwrap_or_default()
}
