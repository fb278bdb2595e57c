//! `silk crawl --sitemaps` and `--sitemap URL` end to end: the real binary against a real
//! `silk arena --sitemaps` over 127.0.0.1. The arena's robots.txt names an index that lists
//! a plain sitemap, a gzip one (served as a file, `application/gzip`), one bigger than the
//! test's cap, a missing one and one on another host; the sitemaps list pages nothing links
//! to, a duplicate, a robots-disallowed page and an out-of-scope one.

use serde_json::Value;
use silk_tests::{
    read_jsonl, records_by_url, silk, silk_bin, silk_ok, stderr, ArenaProcess, TempDir,
};
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn path_of(url: &str) -> String {
    url.splitn(4, '/')
        .nth(3)
        .map(|p| format!("/{p}"))
        .unwrap_or_default()
}

/// Paths of the records, each once (panics on a URL recorded twice).
fn paths(records: &[Value]) -> BTreeSet<String> {
    records_by_url(records).keys().map(|u| path_of(u)).collect()
}

/// URLs in `/sitemaps/big.xml` (the arena's `BIG_SITEMAP_URLS`).
const BIG_SITEMAP_URLS: usize = 150;

const SITEMAPS: [&str; 5] = [
    "/sitemap.xml",
    "/sitemaps/products-1.xml",
    "/sitemaps/products-2.xml.gz",
    "/sitemaps/big.xml",
    "/sitemaps/missing.xml",
];

#[test]
fn sitemaps_from_robots_txt_with_index_gzip_cap_scope_robots_and_duplicates() {
    let arena = ArenaProcess::start(&["--pages", "60", "--sitemaps"]);
    let tmp = TempDir::new("sitemaps-robots");
    let out = tmp.path("out.jsonl");
    let spec = tmp.path("spec.json");
    // The cap is a spec key: a test cap of 100 cuts big.xml (150 URLs).
    std::fs::write(&spec, r#"{"sitemap_max_urls": 100}"#).unwrap();
    let url = format!("{}/", arena.url);
    silk_ok(&[
        "crawl",
        &url,
        "--sitemaps",
        "--spec",
        spec.to_str().unwrap(),
        "-d",
        "1",
        // The home page's own links are left out: what is crawled, the sitemaps found.
        "--allow",
        "/unlisted/|/private/from",
        "--select",
        "title=title",
        "-o",
        out.to_str().unwrap(),
        "-q",
    ]);
    let records = read_jsonl(&out);
    let got = paths(&records);
    let expected: BTreeSet<String> = SITEMAPS
        .iter()
        .map(|s| s.to_string())
        .chain(["/".to_string(), "/private/from-sitemap".to_string()])
        .chain((0..3).map(|i| format!("/unlisted/{i}")))
        .chain((100..200).map(|i| format!("/unlisted/{i}")))
        .collect();
    assert_eq!(got, expected);

    let by_path: std::collections::BTreeMap<String, &Value> = records
        .iter()
        .map(|r| (path_of(r["url"].as_str().unwrap()), r))
        .collect();
    for s in SITEMAPS {
        assert_eq!(by_path[s]["sitemap"], true, "{s}: {}", by_path[s]);
    }
    assert!(
        by_path["/"].get("sitemap").is_none(),
        "pages are not marked"
    );
    assert_eq!(by_path["/sitemaps/missing.xml"]["error"]["kind"], "http");
    assert!(by_path["/sitemaps/big.xml"]["cut"]
        .as_str()
        .is_some_and(|c| c.contains("more than 100 URLs")));
    assert_eq!(by_path["/private/from-sitemap"]["error"]["kind"], "robots");
    assert_eq!(by_path["/unlisted/0"]["lastmod"], "2026-10-30");
    assert_eq!(by_path["/unlisted/2"]["lastmod"], "2026-11-20T08:30:00Z");
    assert_eq!(by_path["/unlisted/0"]["title"], "Unlisted 0 | Arena");
    assert_eq!(by_path["/unlisted/0"]["depth"], 1);
    assert!(by_path["/unlisted/150"].get("lastmod").is_none());

    let stats = arena.stats();
    assert_eq!(stats["duplicate_fetches"], 0, "{stats}");
    assert_eq!(stats["disallowed_fetches"], 0, "{stats}");
}

#[test]
fn flags_and_their_errors() {
    // --sitemaps needs robots.txt: with --no-robots it is refused, saying what to do.
    let refused = silk(&["crawl", "http://127.0.0.1:9/", "--sitemaps", "--no-robots"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("--sitemap URL"),
        "{}",
        stderr(&refused)
    );
    let refused = silk(&["crawl", "--sitemap", "sitemap.xml"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("sitemap URL `sitemap.xml` is not absolute"),
        "{}",
        stderr(&refused)
    );
    let refused = silk(&["crawl", "-q"]);
    assert!(
        stderr(&refused).contains("--sitemap URL"),
        "{}",
        stderr(&refused)
    );
}

/// `--sitemap URL` alone (no start URL) with `--state`: killed mid-crawl and resumed, the
/// queued sitemap files are still read as sitemaps and the queued pages keep their lastmod.
#[test]
fn a_sitemap_crawl_with_state_resumes_with_sitemaps_and_lastmods() {
    // Slow enough (one request at a time, 30 ms each: about 170 requests) that the kill
    // comes mid-crawl.
    let arena = ArenaProcess::start(&["--pages", "60", "--latency-ms", "30"]);
    let tmp = TempDir::new("sitemaps-state");
    let db = tmp.path("crawl.db");
    let index = format!("{}/sitemap.xml", arena.url);
    let crawl = [
        "crawl",
        "--sitemap",
        &index,
        "-d",
        "1",
        "-c",
        "1",
        "--state",
        db.to_str().unwrap(),
        "-q",
    ];
    let mut child = Command::new(silk_bin())
        .args(crawl)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("silk crawl starts");
    // Kill once the four sitemaps on this host are read (they are queued before the pages
    // they list, and fetched one at a time): the listed pages are then queued in the
    // state file with their lastmod, and most of them not fetched yet.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        let fetched = silk_tests::get_json(&format!("{}/__fetched", arena.url));
        if fetched.get("/sitemaps/missing.xml").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(child.try_wait().unwrap().is_none(), "ended before the kill");
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let before = tmp.path("before.jsonl");
    silk_ok(&[
        "export",
        db.to_str().unwrap(),
        "-o",
        before.to_str().unwrap(),
    ]);
    let before = paths(&read_jsonl(&before));
    assert!(
        before.contains("/sitemaps/products-2.xml.gz") && !before.contains("/p/7"),
        "the kill came after the sitemaps and before their pages: {before:?}"
    );
    silk_ok(&crawl);

    let out = tmp.path("out.jsonl");
    silk_ok(&["export", db.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let records = read_jsonl(&out);
    let got = paths(&records);
    for s in SITEMAPS {
        assert!(got.contains(s), "{s} missing from {got:?}");
    }
    let unlisted = got.iter().filter(|p| p.starts_with("/unlisted/")).count();
    assert_eq!(
        unlisted,
        3 + BIG_SITEMAP_URLS,
        "every listed page once: {got:?}"
    );
    for p in (0..10).map(|i| format!("/p/{i}")) {
        assert!(got.contains(&p), "{p}");
    }
    let by_path: std::collections::BTreeMap<String, &Value> = records
        .iter()
        .map(|r| (path_of(r["url"].as_str().unwrap()), r))
        .collect();
    assert_eq!(by_path["/sitemaps/big.xml"]["sitemap"], true);
    assert_eq!(by_path["/p/3"]["lastmod"], "2026-11-04");
    assert_eq!(by_path["/p/7"]["lastmod"], "2026-11-08T12:00:00+00:00");
    assert_eq!(by_path["/unlisted/1"]["lastmod"], "2026-10-31");
    let stats = arena.stats();
    // At most the one page in flight at the kill is fetched twice.
    assert!(stats["duplicate_fetches"].as_u64().unwrap() <= 1, "{stats}");
}

/// Two workers sharing one Redis frontier: a sitemap file queued by one worker and popped by
/// the other is still read as a sitemap, and a listed page keeps its lastmod through the
/// shared queue.
#[test]
fn workers_sharing_a_redis_frontier_read_sitemaps_queued_by_each_other() {
    let redis = silk_tests::redis_server::RedisServer::start();
    let arena = ArenaProcess::start(&["--pages", "60", "--latency-ms", "5"]);
    let tmp = TempDir::new("sitemaps-redis");
    let index = format!("{}/sitemap.xml", arena.url);
    let frontier = redis.crawl_url("sitemaps");
    let workers: Vec<_> = (0..2)
        .map(|i| {
            Command::new(silk_bin())
                .args(["crawl", "--sitemap", &index, "-d", "1", "-c", "2", "-q"])
                .args(["--frontier", &frontier])
                .args(["-o", tmp.path(&format!("w{i}.jsonl")).to_str().unwrap()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("silk crawl starts")
        })
        .collect();
    for mut w in workers {
        let status = silk_tests::wait_at_most(&mut w, Duration::from_secs(90), "a worker");
        assert!(status.success(), "worker exited {status}");
    }
    let out = tmp.path("all.jsonl");
    silk_ok(&["export", &frontier, "-o", out.to_str().unwrap()]);
    let records = read_jsonl(&out);
    let by_path: std::collections::BTreeMap<String, &Value> = records_by_url(&records)
        .into_iter()
        .map(|(u, r)| (path_of(&u), r))
        .collect();
    for s in SITEMAPS {
        assert_eq!(by_path[s]["sitemap"], true, "{s}");
    }
    let unlisted = by_path
        .keys()
        .filter(|p| p.starts_with("/unlisted/"))
        .count();
    assert_eq!(unlisted, 3 + BIG_SITEMAP_URLS);
    assert_eq!(by_path["/p/4"]["lastmod"], "2026-11-05");
    assert_eq!(by_path["/unlisted/2"]["lastmod"], "2026-11-20T08:30:00Z");
    let mine: usize = (0..2)
        .map(|i| read_jsonl(&tmp.path(&format!("w{i}.jsonl"))).len())
        .sum();
    assert_eq!(mine, records.len(), "each record written by one worker");
    assert_eq!(arena.stats()["duplicate_fetches"], 0);
}
