//! The issue's AutoThrottle acceptance test, with the real binary against a real `silk arena`
//! in overload mode: "against a server that answers 503 above 4 requests in flight, a
//! `-c 32 --per-host 32 --autothrottle` crawl must finish every page with at most 10% of
//! pages ever answered 503, in at most 3x the time the server's own limit allows." Then the
//! same crawl without `--autothrottle`, to show what it saves.
//!
//! Timing is asserted because the issue asks for it. The margins are for a loaded 2-core
//! machine: the arena's latency (40 ms) is long next to scheduling noise, and the limit is
//! 3x the ideal time (pages x latency / 4).

use serde_json::Value;
use silk_tests::{read_jsonl, silk, stderr, ArenaProcess, TempDir};
use std::collections::BTreeSet;
use std::time::Instant;

const PAGES: usize = 400;
const LATENCY_MS: u64 = 40;
const CAPACITY: u64 = 4;

/// What one crawl of an overloaded arena came to.
struct Outcome {
    records: Vec<Value>,
    stats: Value,
    served_503: u64,
    wall_s: f64,
}

impl Outcome {
    /// Records still at 503 after the retries: pages the crawl lost.
    fn failed_503(&self) -> usize {
        self.records.iter().filter(|r| r["status"] == 503).count()
    }
}

fn crawl_overloaded(name: &str, extra: &[&str]) -> (Outcome, ArenaProcess) {
    let arena = ArenaProcess::start(&[
        "--pages",
        &PAGES.to_string(),
        "--no-faults",
        "--latency-ms",
        &LATENCY_MS.to_string(),
        "--overload",
        &CAPACITY.to_string(),
    ]);
    let tmp = TempDir::new(name);
    let (out, stats) = (tmp.path("out.jsonl"), tmp.path("stats.json"));
    let mut args = vec![
        "crawl".to_string(),
        format!("{}/", arena.url),
        "-c".into(),
        "32".into(),
        "--per-host".into(),
        "32".into(),
        "-o".into(),
        out.display().to_string(),
        "--stats-json".into(),
        stats.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let started = Instant::now();
    let o = silk(&args);
    let wall_s = started.elapsed().as_secs_f64();
    assert!(o.status.success(), "silk {args:?}: {}", stderr(&o));
    eprintln!("silk crawl {}:\n{}", extra.join(" "), stderr(&o));
    let stats: Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).expect("stats file")).unwrap();
    let served_503 = arena.stats()["overload_503s"]
        .as_u64()
        .expect("overload_503s");
    let outcome = Outcome {
        records: read_jsonl(&out),
        stats,
        served_503,
        wall_s,
    };
    (outcome, arena)
}

#[test]
fn autothrottle_meets_the_issues_bar_against_a_server_that_answers_503_above_4() {
    let (with, arena) = crawl_overloaded("autothrottle-on", &["--autothrottle"]);

    // Every page the site has is recorded with its true status: product pages 200, the dead
    // links 404, the redirects 301, robots-disallowed pages not fetched. None ends as 503.
    let expected: BTreeSet<String> = arena.expected_pages().into_iter().collect();
    let recorded: BTreeSet<String> = with
        .records
        .iter()
        .map(|r| r["url"].as_str().expect("url").to_string())
        .collect();
    let missing: Vec<&String> = expected.difference(&recorded).collect();
    assert!(missing.is_empty(), "pages never recorded: {missing:?}");
    for r in &with.records {
        let url = r["url"].as_str().unwrap();
        let path = url.splitn(4, '/').nth(3).unwrap_or("");
        let want = match path {
            p if p.starts_with("p/") || p.is_empty() || p == "private/open" => Some(200u64),
            p if p.starts_with("gone/") => Some(404),
            p if p.starts_with("r/") => Some(301),
            p if p.starts_with("private/") => None, // robots.txt: recorded, not fetched
            other => panic!("unexpected page {other} in {r}"),
        };
        assert_eq!(r["status"].as_u64(), want, "{r}");
    }
    // Pages the server was asked for (robots-disallowed ones are recorded, not fetched).
    let pages = with
        .records
        .iter()
        .filter(|r| r["error"]["kind"] != "robots")
        .count();
    assert!(pages > PAGES, "{pages} records");

    // At most 10% of pages ever answered 503 (counting every 503, retries included).
    let share = with.served_503 as f64 / pages as f64;
    // In at most 3x the time the server's own limit allows.
    let ideal_s = pages as f64 * LATENCY_MS as f64 / 1000.0 / CAPACITY as f64;
    let host = &with.stats["host_limits"][0];
    eprintln!(
        "with --autothrottle: {pages} pages in {:.2} s (ideal {ideal_s:.2} s, {:.2}x), {} 503s answered ({:.1}% of pages), {} pages failed; host limit at the end {}, lowest {}, {} cuts",
        with.wall_s,
        with.wall_s / ideal_s,
        with.served_503,
        share * 100.0,
        with.failed_503(),
        host["limit"],
        host["min_limit"],
        host["cuts"]
    );
    assert!(share <= 0.10, "{} 503s for {pages} pages", with.served_503);
    assert!(
        with.wall_s <= 3.0 * ideal_s,
        "{:.2} s against an ideal of {ideal_s:.2} s",
        with.wall_s
    );
    assert_eq!(host["host"].as_str(), Some(arena.url.as_str()));
    assert!(
        host["cuts"].as_u64() >= Some(1) && host["min_limit"].as_u64() <= Some(CAPACITY),
        "{host}"
    );
    drop(arena);

    // The same crawl without AutoThrottle: 32 at once against a server that takes 4.
    let (without, arena) = crawl_overloaded("autothrottle-off", &[]);
    let without_share = without.served_503 as f64 / without.records.len() as f64;
    eprintln!(
        "without --autothrottle: {} pages in {:.2} s, {} 503s answered ({:.1}% of pages), {} pages failed after {} retries",
        without.records.len(),
        without.wall_s,
        without.served_503,
        without_share * 100.0,
        without.failed_503(),
        without.stats["retries"]
    );
    assert!(without.stats.get("host_limits").is_none());
    assert!(
        with.served_503 * 4 <= without.served_503,
        "AutoThrottle should save most 503s: {} with, {} without",
        with.served_503,
        without.served_503
    );
    assert!(with.failed_503() <= without.failed_503());
    drop(arena);
}
