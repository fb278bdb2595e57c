//! Redis goes away mid-crawl (`--frontier redis://...`). With AOF persistence
//! (`--appendonly yes --appendfsync always`) a restarted redis-server has every
//! acknowledged step, and the workers ride out the outage: they pause, reconnect and go on
//! without a restart, and the stream still has every page exactly once. A Redis that stays
//! gone ends a worker after a bounded time with a store error, not a hang.

use silk_tests::redis_server::RedisServer;
use silk_tests::{
    read_jsonl, records_by_url, silk, silk_bin, stderr, wait_at_most, ArenaProcess, TempDir,
};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn worker(site: &str, frontier: &str, out: &std::path::Path, err: &std::path::Path) -> Child {
    Command::new(silk_bin())
        .args([
            "crawl",
            site,
            "--frontier",
            frontier,
            "-c",
            "4",
            "--per-host",
            "4",
        ])
        .args(["--lease", "60s", "-q", "-o", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(err).unwrap())
        .spawn()
        .expect("silk crawl starts")
}

fn wait_for_page_requests(arena: &ArenaProcess, pages: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while arena.stats()["page_requests"].as_u64().unwrap_or(0) < pages {
        assert!(
            Instant::now() < deadline,
            "the crawl stalled before {pages} pages"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// 3 workers; redis-server is SIGKILLed and restarted twice mid-crawl: once at once
/// (replies in flight are lost), once after 13 s down (longer than the old 10 s of
/// retries). Every page is recorded exactly once, by exactly one worker.
#[test]
fn three_workers_survive_redis_restarts_and_record_every_page_once() {
    let tmp = TempDir::new("redis-chaos");
    let data = tmp.path("redis-data");
    std::fs::create_dir_all(&data).unwrap();
    let mut redis = RedisServer::start_with(&[
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
        "--dir",
        data.to_str().unwrap(),
    ]);
    let arena = ArenaProcess::start(&["--pages", "300", "--latency-ms", "20", "--no-faults"]);
    let site = format!("{}/", arena.url);
    let frontier = redis.crawl_url("chaos");
    let outs: Vec<_> = (1..=3).map(|n| tmp.path(&format!("w{n}.jsonl"))).collect();
    let errs: Vec<_> = (1..=3).map(|n| tmp.path(&format!("w{n}.err"))).collect();
    let mut workers: Vec<Child> = outs
        .iter()
        .zip(&errs)
        .map(|(o, e)| worker(&site, &frontier, o, e))
        .collect();

    wait_for_page_requests(&arena, 40);
    redis.restart(Duration::ZERO);
    wait_for_page_requests(&arena, 120);
    redis.restart(Duration::from_secs(13));
    for (n, w) in workers.iter_mut().enumerate() {
        assert!(
            w.try_wait().expect("wait").is_none(),
            "worker {} exited during the outage: {}",
            n + 1,
            std::fs::read_to_string(&errs[n]).unwrap_or_default()
        );
    }

    for (n, w) in workers.iter_mut().enumerate() {
        let status = wait_at_most(w, Duration::from_secs(120), "worker");
        let said = std::fs::read_to_string(&errs[n]).unwrap_or_default();
        assert!(status.success(), "worker {} exited {status}: {said}", n + 1);
        assert!(
            said.contains("answers again"),
            "worker {} said {said:?}",
            n + 1
        );
    }
    let mut reported_by = BTreeMap::new();
    for (n, out) in outs.iter().enumerate() {
        for r in read_jsonl(out) {
            let url = r["url"].as_str().unwrap().to_string();
            if let Some(other) = reported_by.insert(url.clone(), n + 1) {
                panic!("{url} reported by worker {other} and worker {}", n + 1);
            }
        }
    }
    let all = tmp.path("all.jsonl");
    let o = silk(&["export", &frontier, "-o", all.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let records = read_jsonl(&all);
    records_by_url(&records);
    assert_eq!(records.len(), reported_by.len(), "stream and outputs agree");
    let covered: BTreeSet<&str> = records
        .iter()
        .flat_map(|r| [r["url"].as_str(), r["final_url"].as_str()])
        .flatten()
        .collect();
    let missing: Vec<String> = arena
        .expected_pages()
        .into_iter()
        .filter(|p| !covered.contains(p.as_str()))
        .collect();
    assert!(missing.is_empty(), "pages never recorded: {missing:?}");
    let status = silk(&["status", &frontier]);
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("finished: yes"), "{text}");
}

/// A Redis that does not come back: the worker retries for its bounded outage (30 s),
/// then stops the crawl and exits 1 naming the store error.
#[test]
fn a_worker_gives_up_on_a_redis_that_stays_gone() {
    let tmp = TempDir::new("redis-gone");
    let mut redis = RedisServer::start();
    let arena = ArenaProcess::start(&["--pages", "300", "--latency-ms", "50", "--no-faults"]);
    let (out, err) = (tmp.path("w.jsonl"), tmp.path("w.err"));
    let mut w = worker(
        &format!("{}/", arena.url),
        &redis.crawl_url("gone"),
        &out,
        &err,
    );
    wait_for_page_requests(&arena, 20);
    redis.stop();
    let stopped = Instant::now();
    let status = wait_at_most(&mut w, Duration::from_secs(60), "worker");
    let said = std::fs::read_to_string(&err).unwrap_or_default();
    assert_eq!(status.code(), Some(1), "{said}");
    assert!(
        stopped.elapsed() >= Duration::from_secs(25),
        "gave up after {:?}, before its 30 s outage bound: {said}",
        stopped.elapsed()
    );
    assert!(
        said.contains("unreachable for 30s") && said.contains("state store failed"),
        "{said}"
    );
    assert!(
        !read_jsonl(&out).is_empty(),
        "the records before the outage were written"
    );
}
