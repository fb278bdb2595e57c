//! The counters and the latency knob, over real HTTP.

mod common;

use std::time::{Duration, Instant};

use common::{get, get_json, request};
use silk_arena::{spawn, ArenaConfig, ArenaStats};

#[test]
fn counters() {
    let h = spawn(ArenaConfig::default()).unwrap();
    let a = h.addr;
    get(a, "/p/3");
    assert_eq!(h.arena.stats().duplicate_fetches, 0);
    get(a, "/p/3");
    assert_eq!(h.arena.stats().duplicate_fetches, 1);
    for _ in 0..3 {
        get(a, "/faults/503");
    }
    get(a, "/faults/429");
    get(a, "/faults/429");
    // A redirect allows one more fetch of its target.
    let target = get(a, "/r/0").header("location").unwrap().to_string();
    assert_ne!(target, "/p/3", "seed 1 sends /r/0 elsewhere");
    get(a, &target);
    get(a, &target);
    get(a, "/robots.txt");
    get(a, "/private/9");
    get(a, "/p/3?x=1");
    request(a, "OPTIONS", "/p/3").unwrap();

    let s = h.arena.stats();
    assert_eq!(s.duplicate_fetches, 1, "{s:?}");
    assert_eq!(s.fault_retries, 3, "{s:?}");
    assert_eq!(s.robots_requests, 1);
    assert_eq!(s.disallowed_fetches, 1);
    assert_eq!(s.page_requests, 12);
    assert_eq!(
        s.distinct_pages, 7,
        "/p/3, 503, 429, /r/0, its target, /private/9, /p/3?x=1"
    );
    assert_eq!(s.requests, 14, "pages, robots.txt and OPTIONS");
    assert_eq!(s.in_flight, 0);
    assert_eq!(s.by_status["503"], 2);
    assert_eq!(s.by_status["429"], 1);
    assert_eq!(s.by_status["301"], 1);
    assert!(s.bytes_sent > 2 * 15 * 1024);

    // The same over HTTP (the request for /__stats itself is counted).
    let served: ArenaStats = serde_json::from_value(get_json(a, "/__stats")).unwrap();
    assert_eq!(served.requests, s.requests + 1);
    assert_eq!(served.duplicate_fetches, 1);
    let fetched: std::collections::BTreeMap<String, u64> =
        serde_json::from_value(get_json(a, "/__fetched")).unwrap();
    assert_eq!(fetched["/p/3"], 2);

    let before: ArenaStats = serde_json::from_value(get_json(a, "/__reset")).unwrap();
    assert_eq!(before.page_requests, 12);
    let after = h.arena.stats();
    assert_eq!(
        (after.requests, after.page_requests, after.bytes_sent),
        (0, 0, 0)
    );
    assert!(after.by_status.is_empty() && h.arena.fetched().is_empty());
    let post = request(a, "POST", "/__reset").unwrap();
    assert_eq!(post.status, 200);
}

#[test]
fn latency_is_applied_and_adjustable() {
    let h = spawn(ArenaConfig {
        latency_ms: 300,
        ..Default::default()
    })
    .unwrap();
    let t = Instant::now();
    assert_eq!(get(h.addr, "/p/1").status, 200);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );

    let t = Instant::now();
    get(h.addr, "/__stats");
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "control endpoints are not delayed"
    );

    h.arena.set_latency_ms(0);
    let t = Instant::now();
    get(h.addr, "/p/2");
    assert!(
        t.elapsed() < Duration::from_millis(250),
        "{:?}",
        t.elapsed()
    );

    let set = get_json(h.addr, "/__latency?ms=120");
    assert_eq!(set["latency_ms"], 120);
    assert_eq!(h.arena.latency_ms(), 120);
    let t = Instant::now();
    get(h.addr, "/p/3");
    assert!(t.elapsed() >= Duration::from_millis(120));
    assert_eq!(get(h.addr, "/__latency?ms=x").status, 400);
    assert_eq!(get_json(h.addr, "/__config")["latency_ms"], 120);
}

#[test]
fn max_in_flight_sees_concurrency() {
    let h = spawn(ArenaConfig {
        latency_ms: 500,
        ..Default::default()
    })
    .unwrap();
    let addr = h.addr;
    let threads: Vec<_> = (0..4)
        .map(|i| std::thread::spawn(move || get(addr, &format!("/p/{i}")).status))
        .collect();
    std::thread::sleep(Duration::from_millis(250));
    assert_eq!(h.arena.stats().in_flight, 4);
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    let s = h.arena.stats();
    assert_eq!((s.in_flight, s.max_in_flight), (0, 4));
}
