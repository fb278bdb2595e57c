//! `silk crawl` across several origins: a real `silk arena --origins N` (N ports of
//! 127.0.0.1 sharing one site, pages linking across them) crawled by the real binary with
//! `--per-host 2 -c 8`. The crawl records exactly the arena's ground truth (`/__pages`,
//! home-origin URLs), fetches every page once (the arena's duplicate counter stays 0), and
//! never has more than 2 requests in flight on any one origin (the arena's per-origin
//! `max_in_flight`), while the crawl as a whole runs more than 2 at once.

use serde_json::Value;
use silk_tests::{get_json, read_jsonl, records_by_url, silk_ok, ArenaProcess, TempDir};
use std::collections::BTreeSet;

const PER_HOST: u64 = 2;

/// Crawls `arena` from its `/` with `--per-host 2 -c 8` plus `extra`; checks the records
/// against `/__pages` and the politeness per origin; returns the records and the stats.
fn crawl_and_check(
    arena: &ArenaProcess,
    origins: usize,
    name: &str,
    extra: &[&str],
) -> (Vec<Value>, Value) {
    let dir = TempDir::new(name);
    let out = dir.path("records.jsonl");
    let start = format!("{}/", arena.url);
    let mut args = vec![
        "crawl",
        start.as_str(),
        "--per-host",
        "2",
        "-c",
        "8",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    silk_ok(&args);

    let records = read_jsonl(&out);
    let by_url = records_by_url(&records);
    // Links robots.txt disallows are records of their own (error kind `robots`), not fetched.
    let (refused, fetched): (Vec<_>, Vec<_>) = by_url
        .iter()
        .partition(|(_, r)| r["error"]["kind"] == "robots");
    assert!(refused
        .iter()
        .all(|(u, _)| u.split('/').nth(3) == Some("private")));
    let recorded: BTreeSet<String> = fetched.into_iter().map(|(u, _)| u.clone()).collect();
    let expected: BTreeSet<String> = get_json(&format!("{}/__pages", arena.url))
        .as_array()
        .expect("a list")
        .iter()
        .map(|u| u.as_str().expect("a URL").to_string())
        .collect();
    let missing: Vec<_> = expected.difference(&recorded).collect();
    let extra_urls: Vec<_> = recorded.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra_urls.is_empty(),
        "missing {missing:?}, unexpected {extra_urls:?}"
    );
    let hosts: BTreeSet<&str> = recorded
        .iter()
        .map(|u| u.trim_start_matches("http://").split('/').next().unwrap())
        .collect();
    assert_eq!(hosts.len(), origins, "records on every origin: {hosts:?}");

    let stats = arena.stats();
    assert_eq!(stats["duplicate_fetches"], 0, "{stats}");
    assert_eq!(stats["disallowed_fetches"], 0, "{stats}");
    let per_origin = stats["origins"].as_array().expect("per-origin stats");
    assert_eq!(per_origin.len(), origins);
    for o in per_origin {
        let max = o["max_in_flight"].as_u64().unwrap();
        assert!(
            (1..=PER_HOST).contains(&max),
            "origin {} had {max} requests in flight (--per-host {PER_HOST}): {stats}",
            o["url"]
        );
        assert!(o["page_requests"].as_u64().unwrap() > 0, "{o}");
    }
    let total_max = stats["max_in_flight"].as_u64().unwrap();
    assert!(
        total_max > PER_HOST,
        "several origins let the crawl run more than {PER_HOST} at once: {total_max}"
    );
    (records, stats)
}

#[test]
fn films_on_four_origins_fetched_once_each_two_per_origin() {
    let arena = ArenaProcess::start(&["--site", "films", "--origins", "4", "--latency-ms", "30"]);
    let (records, stats) = crawl_and_check(
        &arena,
        4,
        "multi-origin-films",
        &[
            "--select",
            "title=h1 .title",
            "--select",
            "director=.director",
        ],
    );
    assert_eq!(records.len(), 260);
    assert_eq!(stats["distinct_pages"], 260, "{stats}");
    assert_eq!(
        stats["page_requests"], 260,
        "each page fetched exactly once: {stats}"
    );
    for r in &records {
        assert_eq!(r["status"], 200, "{r}");
        if r["url"].as_str().unwrap().contains("/film/") {
            let title = r["title"].as_str().unwrap_or_default();
            assert!(title.contains(" The "), "the demo's title field: {r}");
            assert!(r["director"].as_str().is_some_and(|d| !d.is_empty()), "{r}");
        }
    }
}

#[test]
fn shop_on_three_origins_fetched_once_each_two_per_origin() {
    let arena = ArenaProcess::start(&[
        "--origins",
        "3",
        "--pages",
        "150",
        "--no-faults",
        "--latency-ms",
        "10",
    ]);
    let (records, _) = crawl_and_check(&arena, 3, "multi-origin-shop", &[]);
    // Redirects crossed origins and were followed to the target's home origin.
    let redirects: Vec<&Value> = records
        .iter()
        .filter(|r| r["url"].as_str().unwrap().contains("/r/"))
        .collect();
    assert!(!redirects.is_empty());
    for r in redirects {
        assert!(r["final_url"].as_str().unwrap().contains("/p/"), "{r}");
    }
}

#[test]
fn silk_arena_prints_every_origin_and_refuses_a_bad_count() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(silk_tests::silk_bin())
        .args(["arena", "--port", "0", "--origins", "3", "--no-faults"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("silk arena starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let lines: Vec<String> = (0..3)
        .map(|_| {
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            line.trim().to_string()
        })
        .collect();
    let first = lines[0]
        .strip_prefix("arena listening on ")
        .expect("the address first");
    let printed: Vec<&str> = lines[2]
        .strip_prefix("3 origins (pages link across them): ")
        .unwrap_or_else(|| panic!("{lines:?}"))
        .split(' ')
        .collect();
    let stats = get_json(&format!("{first}/__stats"));
    let _ = child.kill();
    let _ = child.wait();
    let served: Vec<&str> = stats["origins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["url"].as_str().unwrap())
        .collect();
    assert_eq!(printed, served);
    assert_eq!(printed[0], first);

    for bad in ["0", "65", "x"] {
        let o = silk_tests::silk(&["arena", "--port", "0", "--origins", bad]);
        assert_eq!(o.status.code(), Some(2), "--origins {bad}");
        assert!(
            silk_tests::stderr(&o).contains("from 1 to 64"),
            "{}",
            silk_tests::stderr(&o)
        );
    }
}
