//! `silk crawl --state`: a crawl that survives `kill -9`. The real binary against a real
//! `silk arena` over 127.0.0.1, killed with SIGKILL at random points (the seed is printed;
//! SILK_RESUME_SEED=N replays a run), then resumed to the end.

use serde_json::Value;
use silk_tests::{
    read_jsonl, records_by_url, silk, silk_bin, silk_ok, stderr, ArenaProcess, TempDir,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const CONCURRENCY: u64 = 4;
const KILLS: u64 = 6;

/// A small deterministic PRNG (splitmix64), so a failing run can be replayed by its seed.
struct Rng(u64);

impl Rng {
    fn from_env_or_clock() -> Rng {
        let seed = std::env::var("SILK_RESUME_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        println!("resume test seed: {seed} (SILK_RESUME_SEED={seed} replays it)");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

/// The `name: value` lines of `silk status`.
fn status_of(db: &Path) -> BTreeMap<String, String> {
    let o = silk_ok(&["status", db.to_str().unwrap()]);
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn status_number(status: &BTreeMap<String, String>, key: &str) -> u64 {
    status
        .get(key)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("silk status has no number for {key}: {status:?}"))
}

fn export_jsonl(db: &Path, out: &Path) -> Vec<Value> {
    silk_ok(&["export", db.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    read_jsonl(out)
}

/// Every expected page fetched exactly once: a record whose url is the page, or one that
/// reached it by a followed redirect (final_url, with a non-redirect status). No url is
/// recorded twice, and nothing outside the site's page list is recorded (except URLs
/// robots.txt disallows, which are recorded unfetched, and the calendar trap).
fn assert_every_page_exactly_once(arena: &ArenaProcess, records: &[Value]) {
    records_by_url(records);

    let expected = arena.expected_pages();
    let mut problems = Vec::new();
    for page in &expected {
        let landed = records
            .iter()
            .filter(|r| {
                let redirected_here = r["final_url"] == page.as_str()
                    && r["url"] != page.as_str()
                    && !r["status"]
                        .as_u64()
                        .is_some_and(|s| (300..400).contains(&s));
                r["url"] == page.as_str() || redirected_here
            })
            .count();
        if landed != 1 {
            problems.push(format!("{page}: {landed} records"));
        }
    }
    assert!(
        problems.is_empty(),
        "pages not recorded exactly once: {problems:?}"
    );
    let unexpected: Vec<&str> = records
        .iter()
        .filter(|r| r["error"]["kind"] != "robots")
        .filter_map(|r| r["url"].as_str())
        .filter(|u| !u.contains("/calendar/") && !expected.iter().any(|p| p == u))
        .collect();
    assert!(
        unexpected.is_empty(),
        "records of unknown pages: {unexpected:?}"
    );
}

/// The test: SIGKILL at random points, resume, and check the arena's duplicate
/// counter and the exported records; then the finished crawl, a changed spec, status and
/// CSV export against the same state file.
#[test]
fn kill_nine_at_random_points_then_resume_loses_and_duplicates_nothing() {
    // Big enough that no run can finish before its kill: at most CONCURRENCY / 25 ms = 160
    // pages/s, so 800 pages take at least 5 s, and the kills come after 3.6 s at most.
    let arena = ArenaProcess::start(&["--pages", "800", "--latency-ms", "25"]);
    let tmp = TempDir::new("resume-kill");
    let db = tmp.path("crawl.db");
    let url = format!("{}/", arena.url);
    let concurrency = CONCURRENCY.to_string();
    let crawl: Vec<&str> = vec![
        "crawl",
        &url,
        "--state",
        db.to_str().unwrap(),
        "-c",
        &concurrency,
        "-q",
    ];
    let mut rng = Rng::from_env_or_clock();
    let mut done_after_kills = Vec::new();
    for kill in 1..=KILLS {
        let mut child = Command::new(silk_bin())
            .args(&crawl)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("silk crawl starts");
        let after = Duration::from_millis(150 + rng.below(450));
        std::thread::sleep(after);
        assert!(
            child.try_wait().expect("child status").is_none(),
            "kill {kill}: the crawl ended before it was killed ({after:?} after its start)"
        );
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let done = status_number(&status_of(&db), "done");
        println!("kill {kill} after {after:?}: {done} records durable");
        done_after_kills.push(done);
    }
    let last = *done_after_kills.last().unwrap();
    assert!(
        last > 0,
        "the kills all came before any page was kept: {done_after_kills:?}"
    );
    silk_ok(&crawl);

    let stats = arena.stats();
    let duplicates = stats["duplicate_fetches"].as_u64().unwrap();
    println!("after {KILLS} kills: {duplicates} duplicate fetches, arena stats {stats}");
    assert!(
        duplicates <= KILLS * CONCURRENCY,
        "{duplicates} duplicate fetches after {KILLS} kills at -c {CONCURRENCY}: {stats}"
    );
    assert_eq!(stats["disallowed_fetches"], 0, "{stats}");
    let records = export_jsonl(&db, &tmp.path("out.jsonl"));
    assert!(
        records.len() as u64 > last,
        "the final run added nothing ({last} before)"
    );
    assert_every_page_exactly_once(&arena, &records);

    // Status agrees with the export: done, queued, errors by kind.
    let status = status_of(&db);
    assert_eq!(status["crawl"], "finished", "{status:?}");
    assert_eq!(status_number(&status, "done"), records.len() as u64);
    assert_eq!(status_number(&status, "queued"), 0);
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    for r in &records {
        if let Some(kind) = r["error"]["kind"].as_str() {
            *kinds.entry(kind.to_string()).or_default() += 1;
        }
    }
    assert_eq!(
        status_number(&status, "errors"),
        kinds.values().sum::<u64>()
    );
    assert!(kinds.contains_key("robots"), "{kinds:?}");
    for (kind, n) in &kinds {
        assert_eq!(status_number(&status, kind), *n, "errors of kind {kind}");
    }

    // The finished crawl again: nothing fetched, and it says so.
    // `requests` also counts the /__stats calls: compare what a crawler fetches.
    let fetches = || {
        let s = arena.stats();
        (s["page_requests"].clone(), s["robots_requests"].clone())
    };
    let before = fetches();
    let again = silk_ok(&crawl);
    assert!(
        stderr(&again).contains("already finished"),
        "{}",
        stderr(&again)
    );
    assert_eq!(fetches(), before, "a finished crawl fetched");

    // A changed spec is refused, naming what changed.
    let mut changed = crawl.clone();
    changed[5] = "5";
    let refused = silk(&changed);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("changed: concurrency") && stderr(&refused).contains("--reset"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(fetches(), before, "a refused crawl fetched");

    // CSV export: a header and one row per record.
    let csv = tmp.path("out.csv");
    silk_ok(&["export", db.to_str().unwrap(), "-o", csv.to_str().unwrap()]);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("url,final_url,status,"));
    assert_eq!(lines.count(), records.len());
}

/// --reset starts over (every page fetched again, one record each); --out with --state
/// holds the whole crawl; bad state paths are refused with the path in the message.
#[test]
fn reset_starts_over_and_bad_state_files_are_refused() {
    let arena = ArenaProcess::start(&["--pages", "30", "--no-faults"]);
    let tmp = TempDir::new("resume-reset");
    let db = tmp.path("crawl.db");
    let out = tmp.path("out.jsonl");
    let url = format!("{}/", arena.url);
    let args = |c: &'static str| -> Vec<String> {
        [
            "crawl",
            &url,
            "--state",
            db.to_str().unwrap(),
            "-c",
            c,
            "-q",
        ]
        .map(String::from)
        .to_vec()
    };
    let run = |extra: &[&str], c: &'static str| {
        let mut a = args(c);
        a.extend(extra.iter().map(|s| s.to_string()));
        silk(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert!(run(&["-o", out.to_str().unwrap()], "2").status.success());
    let first = read_jsonl(&out);
    let fetched = arena.stats()["page_requests"].as_u64().unwrap();
    assert_every_page_exactly_once(&arena, &first);

    let refused = run(&[], "3");
    assert_eq!(refused.status.code(), Some(2));
    let reset = run(&["--reset", "-o", out.to_str().unwrap()], "3");
    assert!(reset.status.success(), "{}", stderr(&reset));
    assert_eq!(
        arena.stats()["page_requests"].as_u64().unwrap(),
        2 * fetched,
        "--reset fetches every page again"
    );
    let second = read_jsonl(&out);
    assert_eq!(second.len(), first.len());
    assert_every_page_exactly_once(&arena, &second);

    // A directory, a file that is not a silk state, a missing file for status.
    let dir = tmp.path("a-dir");
    std::fs::create_dir_all(&dir).unwrap();
    let text = tmp.path("notes.txt");
    std::fs::write(
        &text,
        "not a database, just some text that is long enough\n".repeat(20),
    )
    .unwrap();
    for (state, says) in [(&dir, "is a directory"), (&text, "not a silk state file")] {
        let o = silk(&["crawl", &url, "--state", state.to_str().unwrap(), "-q"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let message = stderr(&o);
        assert!(
            message.contains(state.to_str().unwrap()) && message.contains(says),
            "{message}"
        );
    }
    let missing = tmp.path("missing.db");
    let o = silk(&["status", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no state file"), "{}", stderr(&o));
    assert!(!missing.exists(), "status created a file");
}

/// Spawns `silk ARGS`, waits until `ready` holds (10 s at most), then SIGKILLs it.
fn kill_when(args: &[&str], what: &str, ready: impl Fn() -> bool) {
    let mut child = Command::new(silk_bin())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("silk crawl starts");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !ready() {
        assert!(std::time::Instant::now() < deadline, "never got to: {what}");
        assert!(
            child.try_wait().expect("child status").is_none(),
            "the crawl ended before {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The state writer commits within milliseconds: let it.
    std::thread::sleep(Duration::from_millis(300));
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
}

fn arena_count(arena: &ArenaProcess, key: &str) -> u64 {
    arena.stats()[key].as_u64().unwrap()
}

/// A page that is in flight at every kill (it hangs, or it kills the crawler) is started
/// `max_attempts` times, then recorded as `too_many_attempts` without a fetch: no crash loop.
#[test]
fn a_page_in_flight_at_every_kill_becomes_an_error_record_after_max_attempts() {
    let arena = ArenaProcess::start(&["--pages", "5"]);
    let tmp = TempDir::new("resume-poison");
    let db = tmp.path("crawl.db");
    let slow = format!("{}/faults/slow", arena.url);
    let crawl = [
        "crawl",
        &slow,
        "--state",
        db.to_str().unwrap(),
        "-d",
        "0",
        "--timeout",
        "60s",
        "-q",
    ];
    let max_attempts = 3; // the spec's default
    for run in 1..=max_attempts {
        let before = arena_count(&arena, "page_requests");
        kill_when(&crawl, "the slow page is requested", || {
            arena_count(&arena, "page_requests") > before
        });
        let status = status_of(&db);
        assert_eq!(status_number(&status, "done"), 0, "run {run}: {status:?}");
        assert!(
            status["restarted"].starts_with("1 "),
            "run {run}: {status:?}"
        );
    }
    let before = arena_count(&arena, "page_requests");
    silk_ok(&crawl);
    assert_eq!(
        arena_count(&arena, "page_requests"),
        before,
        "a poison page is not fetched again"
    );
    let records = export_jsonl(&db, &tmp.path("out.jsonl"));
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["url"], slow.as_str());
    assert_eq!(
        records[0]["error"]["kind"], "too_many_attempts",
        "{records:?}"
    );
    assert_eq!(status_of(&db)["crawl"], "finished");
}

/// robots.txt is kept in the state file for a day: a resumed crawl uses it, one resumed
/// after the stored copy is older than 24 h fetches it again.
#[test]
fn a_stored_robots_txt_older_than_a_day_is_fetched_again() {
    let arena = ArenaProcess::start(&["--pages", "200", "--latency-ms", "20"]);
    let tmp = TempDir::new("resume-robots-age");
    let db = tmp.path("crawl.db");
    let url = format!("{}/", arena.url);
    let crawl = [
        "crawl",
        &url,
        "--state",
        db.to_str().unwrap(),
        "-c",
        "2",
        "-q",
    ];
    // `silk status` on a file the crawl is still creating may fail: not ready yet.
    let done = |db: &Path| -> u64 {
        let o = silk(&["status", db.to_str().unwrap()]);
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("done:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    };
    kill_when(&crawl, "some records", || done(&db) > 3);
    assert_eq!(arena_count(&arena, "robots_requests"), 1);
    let before = done(&db);
    kill_when(&crawl, "more records", || done(&db) > before + 3);
    assert_eq!(
        arena_count(&arena, "robots_requests"),
        1,
        "a fresh stored robots.txt is used"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let aged = conn
        .execute(
            "UPDATE robots SET fetched_ms = fetched_ms - 25 * 3600 * 1000",
            [],
        )
        .unwrap();
    assert_eq!(aged, 1, "the arena's robots.txt is stored");
    drop(conn);
    silk_ok(&crawl);
    assert_eq!(
        arena_count(&arena, "robots_requests"),
        2,
        "a day-old robots.txt is fetched again"
    );
    assert_eq!(status_of(&db)["crawl"], "finished");
}
