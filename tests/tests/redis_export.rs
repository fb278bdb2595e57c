//! `silk export redis://...` drains a shared crawl's record stream into a file: a second
//! export to the same file adds to it (JSONL and CSV), records leave the stream only once
//! they are durable in the file, and two exporters never drain one crawl at once. Also:
//! a stored robots.txt outcome expires after 24 h, so a long crawl fetches it again.

use silk_tests::redis_server::RedisServer;
use silk_tests::{read_jsonl, silk, silk_bin, stderr, ArenaProcess, TempDir};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A slow one-worker crawl of a 60-page arena, running in the background.
fn start_worker(site: &str, frontier: &str, tmp: &TempDir) -> Child {
    Command::new(silk_bin())
        .args(["crawl", site, "--frontier", frontier, "-c", "2", "-q"])
        .args(["-o", tmp.path("worker.jsonl").to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("silk crawl starts")
}

fn stream_len(redis: &RedisServer, name: &str) -> u64 {
    let reply = redis.command(&format!("XLEN silk:{{{name}}}:records"));
    reply
        .trim()
        .trim_start_matches(':')
        .parse()
        .unwrap_or_else(|_| panic!("XLEN reply {reply:?}"))
}

/// The URLs of the records in `path` (JSONL, or CSV whose first column is `url`), each
/// exactly once, and the number of CSV header lines.
fn urls_in(path: &Path) -> (Vec<String>, usize) {
    if path.extension().is_some_and(|e| e == "csv") {
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let headers = lines.iter().filter(|l| l.starts_with("url,")).count();
        let urls = lines
            .iter()
            .filter(|l| !l.starts_with("url,"))
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect();
        return (urls, headers);
    }
    let urls = read_jsonl(path)
        .iter()
        .map(|r| r["url"].as_str().unwrap().to_string())
        .collect();
    (urls, 0)
}

fn export_twice_keeps_both_batches(file: &str) {
    let redis = RedisServer::start();
    let arena = ArenaProcess::start(&["--pages", "60", "--no-faults", "--latency-ms", "30"]);
    let tmp = TempDir::new(&format!("redis-export-{file}"));
    let name = file.replace('.', "-");
    let frontier = redis.crawl_url(&name);
    let out = tmp.path(file);
    let mut worker = start_worker(&format!("{}/", arena.url), &frontier, &tmp);

    // First export mid-crawl, once some records are in the stream.
    let deadline = Instant::now() + Duration::from_secs(30);
    while stream_len(&redis, &name) < 10 {
        assert!(Instant::now() < deadline, "no records in the stream");
        std::thread::sleep(Duration::from_millis(20));
    }
    let first = silk(&["export", &frontier, "-o", out.to_str().unwrap()]);
    assert!(first.status.success(), "{}", stderr(&first));
    let (batch1, _) = urls_in(&out);
    assert!(!batch1.is_empty());
    assert!(
        worker.try_wait().unwrap().is_none(),
        "the crawl ended before the second batch: make the arena slower"
    );

    let status = worker.wait().unwrap();
    assert!(status.success(), "worker exited {status}");
    let second = silk(&["export", &frontier, "-o", out.to_str().unwrap()]);
    assert!(second.status.success(), "{}", stderr(&second));

    let (urls, headers) = urls_in(&out);
    assert!(urls.len() > batch1.len(), "the second export added nothing");
    assert_eq!(
        &urls[..batch1.len()],
        &batch1[..],
        "the first batch is kept, first"
    );
    let unique: BTreeSet<&String> = urls.iter().collect();
    assert_eq!(unique.len(), urls.len(), "a record exported twice");
    let status = silk(&["status", &frontier]);
    let text = String::from_utf8_lossy(&status.stdout).to_string();
    let pages: usize = text
        .lines()
        .find_map(|l| l.strip_prefix("pages: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {text}"));
    assert_eq!(
        urls.len(),
        pages,
        "every recorded page exported once: {text}"
    );
    if file.ends_with(".csv") {
        assert_eq!(headers, 1, "one CSV header, not one per export");
    }
    assert_eq!(
        stream_len(&redis, &name),
        0,
        "the exports drained the stream"
    );

    // robots.txt: stored with a 24 h expiry (RFC 9309's longest cache time).
    let origin = arena.url.clone();
    let ttl = redis.command(&format!("TTL silk:{{{name}}}:robots:{origin}"));
    let ttl: i64 = ttl.trim().trim_start_matches(':').parse().unwrap();
    assert!(
        (86_000..=86_400).contains(&ttl),
        "robots.txt of {origin} stored with TTL {ttl}"
    );
}

#[test]
fn a_second_jsonl_export_appends() {
    export_twice_keeps_both_batches("out.jsonl");
}

#[test]
fn a_second_csv_export_appends_without_a_second_header() {
    export_twice_keeps_both_batches("out.csv");
}

/// While one exporter holds the crawl's export lock, another is refused and leaves the
/// stream alone; once the lock is released, exporting works.
#[test]
fn two_exporters_never_drain_one_crawl_at_once() {
    let redis = RedisServer::start();
    let arena = ArenaProcess::start(&["--pages", "20", "--no-faults"]);
    let tmp = TempDir::new("redis-export-lock");
    let frontier = redis.crawl_url("lock");
    let mut worker = start_worker(&format!("{}/", arena.url), &frontier, &tmp);
    assert!(worker.wait().unwrap().success());
    let records = stream_len(&redis, "lock");
    assert!(records >= 20);

    // A running exporter's lock, as `silk export` sets it.
    let held = redis.command("SET silk:{lock}:export_lock other-exporter NX PX 60000");
    assert!(held.starts_with("+OK"), "{held}");
    let out = tmp.path("out.jsonl");
    let refused = silk(&["export", &frontier, "-o", out.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("another silk export is draining crawl lock"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(
        stream_len(&redis, "lock"),
        records,
        "the refused export deleted nothing"
    );

    redis.command("DEL silk:{lock}:export_lock");
    let ok = silk(&["export", &frontier, "-o", out.to_str().unwrap()]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert_eq!(read_jsonl(&out).len() as u64, records);
    assert_eq!(
        redis.command("EXISTS silk:{lock}:export_lock").trim(),
        ":0",
        "the exporter released its lock"
    );
}
