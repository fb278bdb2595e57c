//! Several origins (`ArenaConfig::origins`): a reference crawl that follows links across
//! the origins' ports reaches exactly `/__pages` (home-origin URLs), fetching every page
//! once on its home origin; links do cross origins; the per-origin counters in `/__stats`
//! count each origin's requests and its own requests in flight.

mod common;

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use common::links::{extract, resolve_url};
use common::{get, get_json};
use silk_arena::{spawn, ArenaConfig, ArenaHandle, Site};

/// What a reference crawl across origins saw.
#[derive(Default)]
struct Crawl {
    /// `http://AUTHORITY/path` of every URL dequeued.
    recorded: BTreeSet<String>,
    /// Links from a page of one origin to a page of another.
    cross_origin_links: usize,
    /// Links whose target is on an origin other than the arena's (must stay 0).
    foreign_links: usize,
    /// Where the redirects pointed (absolute URLs).
    redirect_targets: Vec<String>,
}

/// Breadth-first from origin 0's `/`, across every origin of `handle`, robots obeyed by
/// prefix (`/private/`, except `/private/open`); no calendar, no slow/huge/reset faults
/// (they link nothing), redirects recorded but not followed (their targets are linked).
fn crawl(handle: &ArenaHandle) -> Crawl {
    let addrs: HashMap<String, SocketAddr> = handle
        .origin_addrs()
        .iter()
        .map(|a| (a.to_string(), *a))
        .collect();
    let start = (handle.addr.to_string(), "/".to_string());
    let mut c = Crawl::default();
    let mut queue = VecDeque::from([start.clone()]);
    let mut seen = HashSet::from([start]);
    while let Some((authority, path)) = queue.pop_front() {
        c.recorded.insert(format!("http://{authority}{path}"));
        if matches!(
            path.as_str(),
            "/faults/slow" | "/faults/huge" | "/faults/reset"
        ) {
            continue;
        }
        let resp = get(addrs[&authority], &path);
        if (300..400).contains(&resp.status) {
            let location = resp.header("location").expect("a Location");
            let (host, target) = resolve_url(&authority, &path, location).unwrap();
            c.redirect_targets.push(format!("http://{host}{target}"));
            continue;
        }
        if resp.status >= 400
            || !resp
                .header("content-type")
                .is_some_and(|t| t.starts_with("text/html"))
        {
            continue;
        }
        let (base, hrefs) = extract(&resp.text());
        let base = base.map_or(path.clone(), |b| {
            resolve_url(&authority, &path, &b).unwrap().1
        });
        for href in hrefs {
            let Some((host, target)) = resolve_url(&authority, &base, &href) else {
                continue;
            };
            if !addrs.contains_key(&host) {
                c.foreign_links += 1;
                continue;
            }
            if host != authority {
                c.cross_origin_links += 1;
            }
            let private = target.starts_with("/private/") && !target.starts_with("/private/open");
            if private || target.starts_with("/calendar/") {
                continue;
            }
            if seen.insert((host.clone(), target.clone())) {
                queue.push_back((host, target));
            }
        }
    }
    c
}

/// Crawls `config` on its origins and checks it against the ground truth; returns the
/// crawl and the arena's stats JSON.
fn check(config: ArenaConfig) -> (Crawl, serde_json::Value) {
    let origins = config.origins;
    let handle = spawn(config).unwrap();
    assert_eq!(handle.origin_addrs().len(), origins);
    assert_eq!(handle.origin_urls()[0], handle.url());
    let expected: BTreeSet<String> = handle.arena.expected_pages().into_iter().collect();
    let served: BTreeSet<String> =
        serde_json::from_value(get_json(handle.addr, "/__pages")).unwrap();
    assert_eq!(served, expected, "/__pages matches expected_pages()");
    assert!(
        expected.iter().all(|u| u.starts_with("http://127.0.0.1:")),
        "with several origins /__pages lists absolute URLs"
    );

    let crawl = crawl(&handle);
    let missing: Vec<_> = expected.difference(&crawl.recorded).collect();
    let extra: Vec<_> = crawl.recorded.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, unexpected {extra:?}"
    );
    assert_eq!(crawl.foreign_links, 0, "links stay on the arena's origins");
    assert!(crawl.cross_origin_links > 0, "links cross origins");
    for target in &crawl.redirect_targets {
        assert!(
            target.ends_with("/faults/loop-b") || expected.contains(target),
            "redirect target {target} is a home-origin URL"
        );
    }

    let stats = handle.arena.stats();
    assert_eq!(
        stats.duplicate_fetches, 0,
        "each page fetched on one origin only"
    );
    assert_eq!(stats.disallowed_fetches, 0);
    let fetched = handle.arena.fetched();
    assert!(fetched.values().all(|&n| n == 1), "{fetched:?}");
    assert_eq!(stats.origins.len(), origins);
    let per_origin: u64 = stats.origins.iter().map(|o| o.page_requests).sum();
    assert_eq!(per_origin, stats.page_requests);
    for (o, url) in stats.origins.iter().zip(handle.origin_urls()) {
        assert_eq!(o.url, url);
        assert!(o.page_requests > 0, "every origin served pages: {o:?}");
        assert_eq!(o.max_in_flight, 1, "a sequential crawl: {o:?}");
        assert!(o.requests >= o.page_requests);
    }
    let json = get_json(handle.addr, "/__stats");
    (crawl, json)
}

#[test]
fn shop_on_four_origins_is_crawled_exactly_once_per_page() {
    let (crawl, stats) = check(ArenaConfig {
        origins: 4,
        pages: 250,
        ..ArenaConfig::default()
    });
    assert!(crawl.recorded.iter().any(|u| u.ends_with("/faults/gbk")));
    assert!(crawl.recorded.iter().any(|u| u.contains("/r/")));
    assert_eq!(
        stats["origins"].as_array().map(Vec::len),
        Some(4),
        "{stats}"
    );
}

#[test]
fn clean_shop_on_three_origins() {
    check(ArenaConfig {
        origins: 3,
        pages: 101,
        links: 4,
        faults: false,
        seed: 5,
        ..ArenaConfig::default()
    });
}

#[test]
fn films_on_four_origins_are_the_260_pages() {
    let (crawl, _) = check(ArenaConfig {
        origins: 4,
        site: Site::Films,
        ..ArenaConfig::default()
    });
    assert_eq!(crawl.recorded.len(), 260);
}

#[test]
fn one_origin_keeps_paths_and_has_no_origin_stats() {
    let handle = spawn(ArenaConfig::default()).unwrap();
    assert_eq!(handle.origin_urls(), vec![handle.url()]);
    assert!(handle.arena.origin_urls().is_empty());
    assert!(handle
        .arena
        .expected_pages()
        .iter()
        .all(|p| p.starts_with('/')));
    get(handle.addr, "/p/1");
    let stats = get_json(handle.addr, "/__stats");
    assert!(stats.get("origins").is_none(), "{stats}");
    assert!(handle.arena.stats().origins.is_empty());
}

#[test]
fn a_page_asked_on_another_origin_is_served_with_its_home_links() {
    let handle = spawn(ArenaConfig {
        origins: 2,
        pages: 10,
        faults: false,
        ..ArenaConfig::default()
    })
    .unwrap();
    let [o0, o1] = [handle.origin_addrs()[0], handle.origin_addrs()[1]];
    // /p/1 lives on origin 1; origin 0 serves it too, with the same body.
    let home = get(o1, "/p/1");
    let away = get(o0, "/p/1");
    assert_eq!((home.status, away.status), (200, 200));
    // Its link to the home page names origin 0 absolutely.
    assert!(home.text().contains(&format!("href=\"http://{o0}/\"")));
    // The redirect points at its target's home origin.
    let r = get(o0, "/r/0");
    assert_eq!(r.status, 301);
    let location = r.header("location").unwrap();
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
}

#[test]
fn per_origin_in_flight_counts_each_origin_alone() {
    let handle = spawn(ArenaConfig {
        origins: 3,
        pages: 20,
        latency_ms: 400,
        faults: false,
        ..ArenaConfig::default()
    })
    .unwrap();
    let origin2 = handle.origin_addrs()[2];
    let threads: Vec<_> = (0..3)
        .map(|i| std::thread::spawn(move || get(origin2, &format!("/p/{}", 2 + 3 * i)).status))
        .collect();
    std::thread::sleep(Duration::from_millis(150));
    let during = handle.arena.stats();
    assert_eq!(during.origins[2].in_flight, 3, "{:?}", during.origins);
    for t in threads {
        assert_eq!(t.join().unwrap(), 200);
    }
    let after = handle.arena.stats();
    assert_eq!(after.origins[2].max_in_flight, 3);
    assert_eq!(after.origins[2].in_flight, 0);
    assert_eq!(after.origins[2].page_requests, 3);
    assert_eq!(after.origins[0].page_requests, 0);
    assert_eq!(after.origins[1].max_in_flight, 0);
    assert_eq!(after.max_in_flight, 3);
    // The stats request itself went to origin 0; reset zeroes every origin.
    get(handle.addr, "/__stats");
    assert!(handle.arena.stats().origins[0].requests >= 1);
    get(handle.addr, "/__reset");
    let reset = handle.arena.stats();
    assert!(reset
        .origins
        .iter()
        .all(|o| o.page_requests == 0 && o.max_in_flight == 0));
}
