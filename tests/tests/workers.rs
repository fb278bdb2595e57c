//! `silk crawl --frontier redis://...`: several real `silk` processes crawl one arena
//! through a real `redis-server`; one of them is killed (or frozen past its lease)
//! mid-crawl, and nothing is lost or recorded twice.

use serde_json::Value;
use silk_tests::redis_server::RedisServer;
use silk_tests::{
    read_jsonl, records_by_url, silk, silk_bin, stderr, wait_at_most, ArenaProcess, TempDir,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Each worker's concurrency, and the per-host limit that must hold across all of them.
const CONCURRENCY: u64 = 4;
const PER_HOST: u64 = 4;
/// A worker holds at most this many leases: what it fetches plus as many parked ahead.
const MAX_LEASES_PER_WORKER: u64 = 2 * CONCURRENCY;

/// One three-worker crawl at a time: leases and heartbeats are timing, and two such crawls
/// at once on a 2-core CI machine would test the scheduler rather than silk.
static ONE_CRAWL_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_crawl_at_a_time() -> MutexGuard<'static, ()> {
    ONE_CRAWL_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Three `silk crawl --frontier` workers on one arena crawl, each with its own output and
/// stderr file.
struct SharedCrawl {
    _redis: RedisServer,
    arena: ArenaProcess,
    tmp: TempDir,
    frontier: String,
    workers: Vec<Child>,
    outs: Vec<PathBuf>,
    errs: Vec<PathBuf>,
}

/// What a finished shared crawl left behind.
struct Outcome {
    /// Leases taken back from presumed-dead workers (`silk status`).
    reclaimed: u64,
    /// The arena's counters.
    stats: Value,
}

impl SharedCrawl {
    fn start(name: &str, lease: &str) -> SharedCrawl {
        let redis = RedisServer::start();
        let arena = ArenaProcess::start(&["--pages", "300", "--latency-ms", "20"]);
        let tmp = TempDir::new(name);
        let site = format!("{}/", arena.url);
        let frontier = redis.crawl_url(name);
        let outs: Vec<_> = (1..=3).map(|n| tmp.path(&format!("w{n}.jsonl"))).collect();
        let errs: Vec<_> = (1..=3).map(|n| tmp.path(&format!("w{n}.err"))).collect();
        let workers = outs
            .iter()
            .zip(&errs)
            .map(|(out, err)| {
                Command::new(silk_bin())
                    .args(["crawl", &site, "--frontier", &frontier])
                    .args(["-c", &CONCURRENCY.to_string()])
                    .args(["--per-host", &PER_HOST.to_string()])
                    .args(["--lease", lease, "-q", "-o", out.to_str().unwrap()])
                    .stdout(Stdio::null())
                    .stderr(std::fs::File::create(err).expect("stderr file"))
                    .spawn()
                    .expect("silk crawl starts")
            })
            .collect();
        SharedCrawl {
            _redis: redis,
            arena,
            tmp,
            frontier,
            workers,
            outs,
            errs,
        }
    }

    /// Waits until the arena has served at least `pages` page requests, and checks that
    /// worker `n` (0-based) is still running so that disturbing it means something.
    fn wait_for_page_requests(&mut self, pages: u64, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.arena.stats()["page_requests"].as_u64().unwrap_or(0) < pages {
            assert!(Instant::now() < deadline, "the crawl never got going");
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            self.workers[n].try_wait().expect("wait").is_none(),
            "worker {} finished before it could be disturbed: make the arena slower",
            n + 1
        );
    }

    fn signal(&self, n: usize, signal: i32) {
        let pid = self.workers[n].id() as i32;
        // SAFETY: kill(2) on the pid of a child we have not reaped yet.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "signal {signal} to worker {}", n + 1);
    }

    fn worker_stderr(&self, n: usize) -> String {
        std::fs::read_to_string(&self.errs[n]).unwrap_or_default()
    }

    /// Waits for the `survivors` (0-based) to succeed, then checks what must hold however
    /// the workers were disturbed: each page reported by exactly one worker, the crawl
    /// finished, every page of the arena exported exactly once, and the export drained.
    fn finish(&mut self, survivors: &[usize]) -> Outcome {
        for &n in survivors {
            let status = wait_at_most(
                &mut self.workers[n],
                Duration::from_secs(60),
                &format!("worker {}", n + 1),
            );
            assert!(
                status.success(),
                "worker {} exited {status}: {}",
                n + 1,
                self.worker_stderr(n)
            );
        }
        // Each accepted page is reported by exactly one worker: pages whose lease a worker
        // lost were refused, not written.
        let mut reported_by = BTreeMap::new();
        for &n in survivors {
            let records = read_jsonl(&self.outs[n]);
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

        let status = silk(&["status", &self.frontier]);
        let status_text = String::from_utf8_lossy(&status.stdout).to_string();
        assert!(status.status.success(), "{}", stderr(&status));
        assert!(status_text.contains("finished: yes"), "{status_text}");
        let reclaimed: u64 = status_text
            .lines()
            .find_map(|l| l.strip_prefix("leases reclaimed from dead workers: "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no reclaimed count in {status_text}"));

        let all = self.tmp.path("all.jsonl");
        let o = silk(&["export", &self.frontier, "-o", all.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        let records = read_jsonl(&all);
        records_by_url(&records);
        let covered: BTreeSet<&str> = records
            .iter()
            .flat_map(|r| [r["url"].as_str(), r["final_url"].as_str()])
            .flatten()
            .collect();
        let missing: Vec<String> = self
            .arena
            .expected_pages()
            .into_iter()
            .filter(|p| !covered.contains(p.as_str()))
            .collect();
        assert!(missing.is_empty(), "pages never recorded: {missing:?}");

        let again = self.tmp.path("again.jsonl");
        let o = silk(&["export", &self.frontier, "-o", again.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(read_jsonl(&again).is_empty(), "export drains the stream");

        let stats = self.arena.stats();
        eprintln!(
            "reclaimed {reclaimed}, records {}, arena {stats}",
            records.len()
        );
        assert_eq!(
            stats["robots_requests"], 1,
            "robots.txt fetched once: {stats}"
        );
        assert_eq!(stats["disallowed_fetches"], 0, "{stats}");
        Outcome { reclaimed, stats }
    }
}

impl Outcome {
    /// Only URLs whose lease was lost can have been fetched again.
    fn assert_duplicates_within_lost_leases(&self, workers_lost: u64) {
        let (reclaimed, stats) = (self.reclaimed, &self.stats);
        assert!(
            (1..=workers_lost * MAX_LEASES_PER_WORKER).contains(&reclaimed),
            "{reclaimed} leases reclaimed; {workers_lost} lost worker(s) held 1..={}",
            workers_lost * MAX_LEASES_PER_WORKER
        );
        let duplicates = stats["duplicate_fetches"].as_u64().unwrap();
        assert!(
            duplicates <= reclaimed,
            "{duplicates} pages fetched twice, but only {reclaimed} leases were lost: {stats}"
        );
    }

    fn max_in_flight(&self) -> u64 {
        self.stats["max_in_flight"].as_u64().unwrap()
    }
}

/// The headline: 3 workers, one SIGKILLed mid-crawl. The export holds every page
/// exactly once, only pages the dead worker held were fetched again, and the per-host limit
/// held across workers at every moment (the arena's in-flight high-water mark).
///
/// The lease (2 s) is longer than the arena takes to notice a dead client in the middle of
/// its slowest body (`/faults/slow` writes every 500 ms), so the dead worker's requests are
/// over at the arena before its permits go to the others.
#[test]
fn three_workers_one_killed_lose_nothing_and_record_once() {
    let _one = one_crawl_at_a_time();
    let mut crawl = SharedCrawl::start("workers-killed", "2s");
    crawl.wait_for_page_requests(60, 1);
    crawl.workers[1].kill().expect("SIGKILL worker 2");
    crawl.workers[1].wait().expect("reap worker 2");

    let outcome = crawl.finish(&[0, 2]);
    outcome.assert_duplicates_within_lost_leases(1);
    assert!(
        outcome.max_in_flight() <= PER_HOST,
        "{} requests in flight at once across workers, limit {PER_HOST}: {}",
        outcome.max_in_flight(),
        outcome.stats
    );
}

/// A worker frozen (SIGSTOP) for longer than its lease is presumed dead: the others take
/// its URLs, and when it wakes up the store refuses the pages it was fetching (they are
/// someone else's now), it says on stderr what happened, and goes on with new work.
///
/// What it had in flight when it froze stays open at the arena (a slow body keeps
/// streaming into a frozen process), while its permits went to the others: the per-host
/// limit can then be exceeded by at most the frozen worker's own concurrency, until those
/// requests end. README says so; this checks that bound.
#[test]
fn a_worker_paused_past_its_lease_loses_its_pages_to_the_others() {
    let _one = one_crawl_at_a_time();
    let mut crawl = SharedCrawl::start("workers-paused", "1s");
    crawl.wait_for_page_requests(60, 2);
    crawl.signal(2, libc::SIGSTOP);
    std::thread::sleep(Duration::from_millis(2500));
    crawl.signal(2, libc::SIGCONT);

    let outcome = crawl.finish(&[0, 1, 2]);
    // The frozen worker has exited, so its stderr is complete.
    let paused_said = crawl.worker_stderr(2);
    assert!(
        paused_said.contains("paused for longer than its lease"),
        "the frozen worker did not say it lost its lease: {paused_said:?}"
    );
    outcome.assert_duplicates_within_lost_leases(1);
    assert!(
        outcome.max_in_flight() <= PER_HOST + CONCURRENCY,
        "{} requests in flight at once across workers; the limit is {PER_HOST}, plus at \
         most the frozen worker's {CONCURRENCY}: {}",
        outcome.max_in_flight(),
        outcome.stats
    );
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
