//! The key test: a breadth-first crawl of the arena with its own tiny link extractor and
//! URL resolver reaches exactly `expected_pages()` (and `/__pages`), which proves the
//! ground truth the end-to-end tests compare silk against.

mod common;

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::net::SocketAddr;

use common::links::{extract, resolve_url};
use common::{get, get_json, Resp};
use silk_arena::{spawn, ArenaConfig};

/// Resolves `href` against the page path `base` on the arena at `authority`. Returns the
/// path+query on the arena, or `None` for links to elsewhere and non-HTTP schemes.
fn resolve(base: &str, href: &str, authority: &str) -> Option<String> {
    resolve_url(authority, base, href)
        .filter(|(host, _)| host.eq_ignore_ascii_case(authority))
        .map(|(_, path)| path)
}

fn disallowed(path: &str) -> bool {
    path.starts_with("/private/") && !path.starts_with("/private/open")
}

/// What the reference crawl saw besides the recorded pages.
#[derive(Default)]
struct Crawl {
    recorded: BTreeSet<String>,
    raw_hrefs: HashSet<String>,
    calendar_links: usize,
    disallowed_links: usize,
    redirect_targets: Vec<String>,
}

/// Breadth-first from `/`, robots obeyed by prefix; records every URL it dequeues. It does
/// not follow redirects or meta refreshes (their targets must be linked on their own), does
/// not enter the calendar trap, and does not download the slow/huge/reset faults (they
/// link nothing).
fn crawl(addr: SocketAddr) -> Crawl {
    let authority = addr.to_string();
    let mut c = Crawl::default();
    let mut queue = VecDeque::from(["/".to_string()]);
    let mut seen: HashSet<String> = queue.iter().cloned().collect();
    while let Some(path) = queue.pop_front() {
        c.recorded.insert(path.clone());
        if matches!(
            path.as_str(),
            "/faults/slow" | "/faults/huge" | "/faults/reset"
        ) {
            continue;
        }
        let resp: Resp = get(addr, &path);
        if (300..400).contains(&resp.status) {
            let location = resp.header("location").expect("redirects have a Location");
            c.redirect_targets
                .push(resolve(&path, location, &authority).unwrap());
            continue;
        }
        let html = resp
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"));
        if !html {
            continue;
        }
        let text = resp.text();
        let (base, hrefs) = extract(&text);
        let base = base.map_or(path.clone(), |b| resolve(&path, &b, &authority).unwrap());
        for href in hrefs {
            c.raw_hrefs.insert(href.clone());
            let Some(target) = resolve(&base, &href, &authority) else {
                continue;
            };
            if target.starts_with("/calendar/") {
                c.calendar_links += 1;
            } else if disallowed(&target) {
                c.disallowed_links += 1;
            } else if seen.insert(target.clone()) {
                queue.push_back(target);
            }
        }
    }
    c
}

fn check(config: ArenaConfig) -> Crawl {
    let faults = config.faults;
    let handle = spawn(config).unwrap();
    let expected: BTreeSet<String> = handle.arena.expected_pages().into_iter().collect();
    let served: BTreeSet<String> =
        serde_json::from_value(get_json(handle.addr, "/__pages")).unwrap();
    assert_eq!(served, expected, "/__pages matches expected_pages()");

    let crawl = crawl(handle.addr);
    let missing: Vec<_> = expected.difference(&crawl.recorded).collect();
    let extra: Vec<_> = crawl.recorded.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, unexpected {extra:?}"
    );
    for target in &crawl.redirect_targets {
        if target == "/faults/loop-b" {
            continue; // the loop's far end is reached only by walking the loop
        }
        assert!(
            expected.contains(target),
            "redirect target {target} is linked on its own"
        );
    }
    assert!(crawl.disallowed_links > 0, "robots-disallowed links exist");
    assert_eq!(
        crawl.calendar_links > 0,
        faults,
        "the calendar trap is linked iff faults"
    );

    let stats = handle.arena.stats();
    assert_eq!(stats.disallowed_fetches, 0);
    assert_eq!(stats.duplicate_fetches, 0);
    let fetched = handle.arena.fetched();
    assert!(
        fetched.values().all(|&n| n == 1),
        "each page fetched once: {fetched:?}"
    );
    crawl
}

#[test]
fn crawl_reaches_exactly_the_expected_pages() {
    let crawl = check(ArenaConfig::default());
    // The fault pages were all reached, including the ones only linked from the gallery.
    for path in [
        "/faults/loop-a",
        "/faults/refreshed",
        "/faults/gbk-header",
        "/r/0",
        "/gone/0",
    ] {
        assert!(crawl.recorded.contains(path), "{path}");
    }
    // Every equivalent href spelling occurs, and the links a crawler must skip exist.
    let hrefs = &crawl.raw_hrefs;
    let has = |pred: &dyn Fn(&str) -> bool| hrefs.iter().any(|h| pred(h));
    assert!(has(&|h| h.starts_with("http://127.0.0.1:")), "absolute");
    assert!(
        has(&|h| h.starts_with("HTTP://127.0.0.1:")),
        "upper-case scheme"
    );
    assert!(has(&|h| h.starts_with("//127.0.0.1:")), "scheme-relative");
    assert!(has(&|h| h.starts_with("./")), "dot-relative");
    assert!(has(&|h| h.starts_with("../p/")), "parent-relative");
    assert!(has(&|h| h.starts_with("/p/./")), "dot segment");
    assert!(has(&|h| h.starts_with("/p/x/../")), "dot-dot segment");
    assert!(
        has(&|h| h.starts_with("/p/") && h.ends_with("#top")),
        "fragment"
    );
    assert!(
        has(&|h| h.bytes().all(|b| b.is_ascii_digit())),
        "bare relative"
    );
    assert!(has(&|h| h.starts_with("mailto:")), "mailto");
    assert!(has(&|h| h.starts_with("javascript:")), "javascript");
}

#[test]
fn clean_site_has_no_faults() {
    let crawl = check(ArenaConfig {
        faults: false,
        seed: 7,
        ..ArenaConfig::default()
    });
    assert!(crawl.recorded.iter().all(|p| !p.starts_with("/faults/")));
}

#[test]
fn small_and_odd_configs() {
    for (pages, links) in [(1, 1), (2, 0), (5, 3), (101, 2), (450, 25)] {
        check(ArenaConfig {
            pages,
            links,
            body_kb: 0,
            seed: pages as u64,
            ..ArenaConfig::default()
        });
    }
}

#[test]
fn resolver_self_check() {
    let a = "127.0.0.1:9";
    assert_eq!(resolve("/p/7", "5", a).unwrap(), "/p/5");
    assert_eq!(resolve("/p/7", "./5", a).unwrap(), "/p/5");
    assert_eq!(resolve("/p/7", "../p/5", a).unwrap(), "/p/5");
    assert_eq!(resolve("/p/7", "/p/x/../5", a).unwrap(), "/p/5");
    assert_eq!(
        resolve("/p/7", "HTTP://127.0.0.1:9/p/5#top", a).unwrap(),
        "/p/5"
    );
    assert_eq!(resolve("/p/7", "//127.0.0.1:9/p/./5", a).unwrap(), "/p/5");
    assert_eq!(resolve("/p/7", "mailto:x@y", a), None);
    assert_eq!(resolve("/p/7", "#reviews", a).unwrap(), "/p/7");
    let (base, hrefs) = extract("<base href=\"/p/\"><A HREF='3'>x</A><a title=\"t\" href=4>y</a><a name=n>z</a><abbr href=\"no\">");
    assert_eq!(base.as_deref(), Some("/p/"));
    assert_eq!(hrefs, ["3", "4"]);
}
