//! `silk crawl --frontier redis://...`: several real `silk` processes crawl one arena
//! through a real `redis-server`, one of them is killed mid-crawl, and nothing is lost or
//! recorded twice.

use serde_json::Value;
use silk_tests::redis_server::RedisServer;
use silk_tests::{read_jsonl, records_by_url, silk, silk_bin, stderr, ArenaProcess, TempDir};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Each worker's concurrency, and the per-host limit that must hold across all of them.
const CONCURRENCY: &str = "4";
const PER_HOST: u64 = 4;

fn worker(site: &str, frontier: &str, out: &Path) -> Child {
    Command::new(silk_bin())
        .args(["crawl", site, "--frontier", frontier])
        .args(["-c", CONCURRENCY, "--per-host", &PER_HOST.to_string()])
        .args(["--lease", "1s", "-q", "-o", out.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("silk crawl starts")
}

/// Waits for `child` to exit; kills it and fails if it takes longer than `limit`.
fn wait_at_most(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, signal: i32) {
    // SAFETY: kill(2) on the pid of a child we have not reaped yet.
    let rc = unsafe { libc::kill(child.id() as i32, signal) };
    assert_eq!(rc, 0, "signal {signal} to worker {}", child.id());
}

/// Waits until the arena has served at least `pages` page requests.
fn wait_for_page_requests(arena: &ArenaProcess, pages: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while arena.stats()["page_requests"].as_u64().unwrap_or(0) < pages {
        assert!(Instant::now() < deadline, "the crawl never got going");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The headline: 3 workers, one SIGKILLed mid-crawl and one frozen (SIGSTOP) past
/// its lease; the export holds every page exactly once, the arena saw only pages that were
/// in flight in those two fetched again, and the per-host limit held across workers.
#[test]
fn three_workers_one_killed_lose_nothing_and_record_once() {
    let redis = RedisServer::start();
    let arena = ArenaProcess::start(&["--pages", "300", "--latency-ms", "20"]);
    let tmp = TempDir::new("workers");
    let site = format!("{}/", arena.url);
    let frontier = redis.crawl_url("t1");
    let outs: Vec<_> = (1..=3).map(|n| tmp.path(&format!("w{n}.jsonl"))).collect();

    let mut workers: Vec<Child> = outs.iter().map(|o| worker(&site, &frontier, o)).collect();
    wait_for_page_requests(&arena, 60);
    assert!(
        workers[1].try_wait().expect("wait").is_none(),
        "worker 2 finished before it could be killed: make the arena slower"
    );
    workers[1].kill().expect("SIGKILL worker 2");
    workers[1].wait().expect("reap worker 2");
    // Worker 3 freezes for longer than its lease: its URLs go to the others, and when it
    // wakes up the store must refuse the pages it was fetching (they are someone else's).
    signal(&workers[2], libc::SIGSTOP);
    std::thread::sleep(Duration::from_millis(2500));
    signal(&workers[2], libc::SIGCONT);

    for (n, w) in workers.iter_mut().enumerate().filter(|(n, _)| *n != 1) {
        let status = wait_at_most(w, Duration::from_secs(60), &format!("worker {}", n + 1));
        assert!(status.success(), "worker {} exited {status}", n + 1);
    }
    // Each accepted page is reported by exactly one worker: the frozen one's late pages
    // were refused, not written.
    let mut reported_by = BTreeMap::new();
    for n in [0, 2] {
        let records = read_jsonl(&outs[n]);
        assert!(
            !records.is_empty(),
            "surviving worker {} recorded nothing",
            n + 1
        );
        for r in records {
            let url = r["url"].as_str().expect("url").to_string();
            if let Some(other) = reported_by.insert(url.clone(), n + 1) {
                panic!("{url} reported by worker {other} and worker {}", n + 1);
            }
        }
    }

    let status = silk(&["status", &frontier]);
    let status_text = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(status.status.success(), "{}", stderr(&status));
    assert!(status_text.contains("finished: yes"), "{status_text}");
    let reclaimed: u64 = status_text
        .lines()
        .find_map(|l| l.strip_prefix("leases reclaimed from dead workers: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no reclaimed count in {status_text}"));
    // Each of the two held what it was fetching (at most its concurrency) plus as many
    // parked ahead.
    assert!(
        (2..=4 * PER_HOST).contains(&reclaimed),
        "the killed and the frozen worker held {reclaimed} leases; expected 2..={}: {status_text}",
        4 * PER_HOST
    );

    let all = tmp.path("all.jsonl");
    let o = silk(&["export", &frontier, "-o", all.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let records = read_jsonl(&all);
    records_by_url(&records);
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

    let again = tmp.path("again.jsonl");
    let o = silk(&["export", &frontier, "-o", again.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(read_jsonl(&again).is_empty(), "export drains the stream");

    let stats: Value = arena.stats();
    eprintln!(
        "reclaimed {reclaimed}, records {}, arena {stats}",
        records.len()
    );
    let duplicates = stats["duplicate_fetches"].as_u64().unwrap();
    // Only URLs whose lease was lost can have been fetched again: the pages the two were
    // fetching, and (the frozen one's engine does not know its leases lapsed) the ones it
    // had parked and starts after it wakes up.
    assert!(
        duplicates <= reclaimed,
        "{duplicates} pages fetched twice; the killed and the frozen worker lost only \
         {reclaimed} leases: {stats}"
    );
    let max_in_flight = stats["max_in_flight"].as_u64().unwrap();
    assert!(
        max_in_flight <= PER_HOST,
        "{max_in_flight} requests in flight at once across workers, limit {PER_HOST}: {stats}"
    );
    assert_eq!(
        stats["robots_requests"], 1,
        "robots.txt fetched once: {stats}"
    );
    assert_eq!(stats["disallowed_fetches"], 0, "{stats}");
}

/// Joining goes wrong in clear ways: a different spec is refused, a finished crawl is
/// reported done, a bad address is a usage error, an unreachable server is named.
#[test]
fn joining_refuses_a_changed_spec_and_reports_a_finished_crawl() {
    let redis = RedisServer::start();
    let arena = ArenaProcess::start(&["--pages", "20", "--no-faults"]);
    let tmp = TempDir::new("workers-join");
    let site = format!("{}/", arena.url);
    let frontier = redis.crawl_url("join");
    let out = tmp.path("out.jsonl");
    let crawl = |extra: &[&str]| {
        let mut args = vec!["crawl", site.as_str(), "--frontier", frontier.as_str()];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-q", "-o", out.to_str().unwrap()]);
        silk(&args)
    };

    let first = crawl(&["-c", "4"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let pages = read_jsonl(&out).len();
    assert!(pages >= 20, "only {pages} records");

    let changed = crawl(&["-c", "8", "--depth", "3"]);
    assert_eq!(changed.status.code(), Some(2), "{}", stderr(&changed));
    let message = stderr(&changed);
    assert!(
        message.contains("different spec") && message.contains("concurrency, max_depth"),
        "{message}"
    );

    let done = crawl(&["-c", "4"]);
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(
        stderr(&done).contains(&format!("already finished ({pages} records)")),
        "{}",
        stderr(&done)
    );

    let reset = crawl(&["-c", "8", "--reset"]);
    assert!(reset.status.success(), "{}", stderr(&reset));
    assert_eq!(read_jsonl(&out).len(), pages, "--reset crawls it again");

    for bad in [
        "redis://127.0.0.1",
        "http://127.0.0.1:6379/x",
        "redis://127.0.0.1:1/a/b",
    ] {
        let o = silk(&["crawl", &site, "--frontier", bad, "-q"]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("redis://HOST:PORT/NAME"),
            "{}",
            stderr(&o)
        );
    }
    let o = silk(&["crawl", &site, "--frontier", "redis://127.0.0.1:1/x", "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("127.0.0.1:1"), "{}", stderr(&o));
}
