//! AutoThrottle in the engine, against an in-process arena in overload mode (answers 503
//! above 4 requests at once): every page still ends with its true record, the limit reported
//! in progress events and in the stats stays near the server's capacity, and with
//! AutoThrottle off the events and stats carry no limits at all. Native only (the overload
//! mode is an arena setting); the binary's acceptance test is tests/tests/autothrottle.rs.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::fetcher;
use silk::{CrawlSpec, Crawler, Event, PlatformClock};
use std::rc::Rc;

fn overloaded_arena() -> silk_arena::ArenaHandle {
    silk_arena::spawn(silk_arena::ArenaConfig {
        port: 0,
        pages: 120,
        latency_ms: 15,
        faults: false,
        overload_limit: Some(4),
        ..Default::default()
    })
    .expect("arena starts")
}

async fn run(spec: CrawlSpec) -> (Vec<silk::Record>, Vec<silk::Counters>, silk::Stats) {
    let crawler = Crawler::new(
        spec.compile().expect("valid spec"),
        Rc::new(fetcher()),
        Rc::new(PlatformClock::default()),
    );
    let (mut records, mut progress) = (Vec::new(), Vec::new());
    let stats = crawler
        .run(|e| match e {
            Event::Record(r) => records.push(r),
            Event::Progress(c) => progress.push(c),
            _ => {}
        })
        .await;
    (records, progress, stats)
}

#[tokio::test]
async fn autothrottle_keeps_the_limit_near_the_servers_capacity_and_says_so() {
    let arena = overloaded_arena();
    let spec = CrawlSpec {
        seeds: vec![format!("{}/", arena.url())],
        concurrency: 32,
        per_host: 32,
        autothrottle: true,
        ..CrawlSpec::default()
    };
    let (records, progress, stats) = run(spec).await;
    let server = arena.arena.stats();

    // Every page ends with its true record: no 503 is left in the output.
    let expected = arena.arena.expected_pages().len();
    let fetched = records
        .iter()
        .filter(|r| {
            r.error
                .as_ref()
                .is_none_or(|e| e.kind != silk::ErrorKind::Robots)
        })
        .count();
    assert_eq!(fetched, expected, "{stats:?}");
    assert!(
        records.iter().all(|r| r.status != Some(503)),
        "a page ended as 503"
    );
    assert!(
        server.overload_503s >= 1,
        "the limit never probed past 4: {server:?}"
    );
    assert!(
        server.overload_503s * 10 <= records.len() as u64,
        "{} 503s for {} pages",
        server.overload_503s,
        records.len()
    );

    // Progress events carry the host's limit, which never strays far above capacity.
    let host = arena.url();
    let limits: Vec<u32> = progress
        .iter()
        .flat_map(|c| c.host_limits.iter())
        .inspect(|h| assert_eq!(h.host, host))
        .map(|h| h.limit)
        .collect();
    assert!(!limits.is_empty(), "no progress event carried host_limits");
    assert!(limits.iter().all(|&l| (1..=32).contains(&l)), "{limits:?}");
    let late = &limits[limits.len() / 2..];
    assert!(
        late.iter().all(|&l| l <= 8),
        "limits in the second half of the crawl: {late:?}"
    );
    // And the stats say what happened to it.
    let [h] = stats.host_limits.as_slice() else {
        panic!("one throttled host expected: {:?}", stats.host_limits)
    };
    assert_eq!(h.host, host);
    assert!(h.cuts >= 1 && h.min_limit <= 4 && h.limit <= 8, "{h:?}");
    let json = serde_json::to_value(&stats).expect("stats serialise");
    assert_eq!(json["host_limits"][0]["limit"], h.limit);
    assert!(json["host_limits"][0].get("final_delay_ms").is_some());
}

#[tokio::test]
async fn without_autothrottle_nothing_is_reported() {
    let arena = silk_arena::spawn(silk_arena::ArenaConfig {
        port: 0,
        pages: 20,
        faults: false,
        ..Default::default()
    })
    .expect("arena starts");
    let spec = CrawlSpec {
        seeds: vec![format!("{}/", arena.url())],
        ..CrawlSpec::default()
    };
    let (records, progress, stats) = run(spec).await;
    assert!(!records.is_empty());
    assert!(progress.iter().all(|c| c.host_limits.is_empty()));
    assert!(stats.host_limits.is_empty());
    let json = serde_json::to_value(&stats).expect("stats serialise");
    assert!(json.get("host_limits").is_none(), "{json}");
    let counters = serde_json::to_value(&progress[0]).expect("counters serialise");
    assert!(counters.get("host_limits").is_none(), "{counters}");
}
