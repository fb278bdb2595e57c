//! Overload mode over real HTTP: past its capacity the arena answers 503 at once, robots.txt
//! and the control endpoints are never refused, and the refusals are counted apart from
//! page requests.

mod common;

use std::time::{Duration, Instant};

use common::{get, get_json};
use silk_arena::{spawn, ArenaConfig};

#[test]
fn past_its_capacity_the_arena_answers_503_at_once() {
    let h = spawn(ArenaConfig {
        latency_ms: 1_500,
        overload_limit: Some(2),
        ..ArenaConfig::default()
    })
    .unwrap();
    let a = h.addr;
    let slow: Vec<_> = ["/p/1", "/p/2"]
        .into_iter()
        .map(|path| std::thread::spawn(move || get(a, path).status))
        .collect();
    // Wait until both are being worked on (bounded).
    let deadline = Instant::now() + Duration::from_secs(5);
    while h.arena.stats().in_flight < 2 {
        assert!(Instant::now() < deadline, "the two requests never arrived");
        std::thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    let refused = get(a, "/p/3");
    assert_eq!(refused.status, 503);
    assert!(
        started.elapsed() < Duration::from_millis(1_000),
        "refused at once, not after the latency: {:?}",
        started.elapsed()
    );
    assert!(refused.text().contains("more than 2"), "{}", refused.text());
    assert_eq!(
        get(a, "/robots.txt").status,
        200,
        "robots.txt is not refused"
    );
    for t in slow {
        assert_eq!(t.join().unwrap(), 200);
    }
    // With the two done, there is room again.
    assert_eq!(get(a, "/p/3").status, 200);

    let s = h.arena.stats();
    assert_eq!(s.overload_503s, 1, "{s:?}");
    assert_eq!(s.by_status["503"], 1);
    assert_eq!(
        s.page_requests, 3,
        "the refused request is not a page request"
    );
    assert_eq!(
        s.duplicate_fetches, 0,
        "nor is fetching it again a duplicate"
    );
    assert_eq!(get_json(a, "/__stats")["overload_503s"], 1);
    get(a, "/__reset");
    assert_eq!(h.arena.stats().overload_503s, 0);
}

#[test]
fn without_overload_mode_nothing_is_refused() {
    let h = spawn(ArenaConfig {
        latency_ms: 100,
        ..ArenaConfig::default()
    })
    .unwrap();
    let a = h.addr;
    let all: Vec<_> = (0..12)
        .map(|i| std::thread::spawn(move || get(a, &format!("/p/{i}")).status))
        .collect();
    for t in all {
        assert_eq!(t.join().unwrap(), 200);
    }
    assert_eq!(h.arena.stats().overload_503s, 0);
}
