//! `silk crawl --state FILE --recrawl`: the real binary against a real `silk arena
//! --validators`. A first crawl, then the arena moves to revision 2 (some pages change,
//! some are removed, some are added), then a recrawl: its unchanged/changed/new/gone
//! counts must equal the arena's own list of changes, the arena must have answered 304
//! (no body) for every unchanged page, the records must carry the old fields
//! (`not_modified`) or the new ones, and `silk export` must hold every page of the pass
//! once. A recrawl killed with SIGKILL and rerun must end with the same counts.

use serde_json::Value;
use silk_tests::{
    get_json, read_jsonl, records_by_url, silk, silk_bin, silk_ok, stderr, ArenaProcess, TempDir,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What the arena says revision 2 changed, and what the counts must be.
struct Truth {
    changed: BTreeSet<String>,
    removed: BTreeSet<String>,
    added: BTreeSet<String>,
    /// Pages served (200) at revision 1: `/`, `/private/open`, the products.
    served: BTreeSet<String>,
}

impl Truth {
    /// Moves the arena to revision 2 and reads its changes.
    fn revise(arena: &ArenaProcess) -> Truth {
        let served: BTreeSet<String> = arena
            .expected_pages()
            .into_iter()
            .filter(|u| !u.contains("/gone/") && !u.contains("/r/"))
            .collect();
        let changes = get_json(&format!("{}/__revision?n=2", arena.url));
        assert_eq!(changes["revision"], 2, "{changes}");
        let set = |key: &str| -> BTreeSet<String> {
            changes[key]
                .as_array()
                .expect("list")
                .iter()
                .map(|p| format!("{}{}", arena.url, p.as_str().expect("path")))
                .collect()
        };
        let truth = Truth {
            changed: set("changed"),
            removed: set("removed"),
            added: set("added"),
            served,
        };
        assert!(truth.changed.is_subset(&truth.served) && truth.removed.is_subset(&truth.served));
        assert!(!truth.changed.is_empty() && !truth.removed.is_empty() && !truth.added.is_empty());
        truth
    }

    fn unchanged(&self) -> usize {
        self.served.len() - self.changed.len() - self.removed.len()
    }

    /// The four numbers as `--stats-json` writes them.
    fn counts(&self) -> Value {
        serde_json::json!({
            "unchanged": self.unchanged(),
            "changed": self.changed.len(),
            "new": self.added.len(),
            "gone": self.removed.len(),
        })
    }

    fn summary_line(&self) -> String {
        format!(
            "recrawl: {} unchanged (304), {} changed, {} new, {} gone",
            self.unchanged(),
            self.changed.len(),
            self.added.len(),
            self.removed.len()
        )
    }
}

fn crawl_args<'a>(url: &'a str, db: &'a Path, stats: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "crawl",
        url,
        "--state",
        db.to_str().unwrap(),
        "-d",
        "unlimited",
        "-c",
        "8",
        "--select",
        "title=title",
        "--stats-json",
        stats.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args
}

fn export(db: &Path, out: &Path) -> Vec<Value> {
    silk_ok(&["export", db.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    read_jsonl(out)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("stats written")).expect("JSON")
}

/// The page a record ended on.
fn page_of(r: &Value) -> &str {
    r["final_url"].as_str().or(r["url"].as_str()).expect("url")
}

#[test]
fn a_recrawl_counts_against_the_arena_and_keeps_unchanged_pages_without_downloading() {
    let arena = ArenaProcess::start(&["--pages", "200", "--no-faults", "--validators"]);
    let tmp = TempDir::new("recrawl-counts");
    let db = tmp.path("crawl.db");
    let url = format!("{}/", arena.url);
    let (stats1, stats2) = (tmp.path("first.json"), tmp.path("second.json"));

    silk_ok(&crawl_args(&url, &db, &stats1, &["-q"]));
    assert!(
        read_json(&stats1).get("recrawl").is_none(),
        "a first crawl has no recrawl counts"
    );
    let first = export(&db, &tmp.path("first.jsonl"));
    let first_bytes = arena.stats()["bytes_sent"].as_u64().unwrap();
    let old_title: BTreeMap<String, Value> = first
        .iter()
        .filter(|r| r["status"] == 200)
        .map(|r| (page_of(r).to_string(), r["title"].clone()))
        .collect();

    let truth = Truth::revise(&arena);
    assert_eq!(
        old_title.keys().cloned().collect::<BTreeSet<_>>(),
        truth.served,
        "the first crawl served every page"
    );
    get_json(&format!("{}/__reset", arena.url));
    let out = silk_ok(&crawl_args(&url, &db, &stats2, &["--recrawl"]));
    assert!(
        stderr(&out).contains(&truth.summary_line()),
        "{}",
        stderr(&out)
    );
    assert_eq!(read_json(&stats2)["recrawl"], truth.counts());

    // The arena answered 304 with no body for each unchanged page, 200 only for changed
    // and new pages (and robots.txt, if it was asked again).
    let arena_stats = arena.stats();
    let by_status = &arena_stats["by_status"];
    assert_eq!(by_status["304"], truth.unchanged() as u64, "{arena_stats}");
    let robots = arena_stats["robots_requests"].as_u64().unwrap();
    assert_eq!(
        by_status["200"].as_u64().unwrap_or(0),
        (truth.changed.len() + truth.added.len()) as u64 + robots,
        "{arena_stats}"
    );
    let recrawl_bytes = arena_stats["bytes_sent"].as_u64().unwrap();
    println!(
        "first crawl {first_bytes} bytes sent, recrawl {recrawl_bytes} bytes ({} of {} pages changed)",
        truth.changed.len(),
        truth.served.len()
    );
    assert!(
        recrawl_bytes * 4 < first_bytes,
        "{recrawl_bytes} vs {first_bytes}"
    );
    assert_eq!(arena_stats["duplicate_fetches"], 0, "{arena_stats}");

    // The records: unchanged pages keep their old fields, changed ones carry new ones, gone
    // ones are 404, new ones are there; every URL once.
    let second = export(&db, &tmp.path("second.jsonl"));
    let by_url = records_by_url(&second);
    let mut seen = BTreeMap::<&str, usize>::new();
    for r in &second {
        let page = page_of(r);
        if r["status"] == 304 {
            assert_eq!(r["not_modified"], true, "{r}");
            assert_eq!(r["bytes"], 0, "{r}");
            assert_eq!(r["title"], old_title[page], "{r}");
            assert!(r.get("error").is_none(), "{r}");
            *seen.entry("unchanged").or_default() += 1;
        } else {
            assert!(r.get("not_modified").is_none(), "{r}");
        }
    }
    assert_eq!(seen["unchanged"], truth.unchanged());
    for page in &truth.changed {
        let r = by_url[page.as_str()];
        assert_eq!(r["status"], 200, "{r}");
        assert!(
            page.ends_with("/") || r["title"].as_str().unwrap().contains("(revised)"),
            "{r}"
        );
        assert_ne!(r["title"], Value::Null);
    }
    for page in &truth.removed {
        assert_eq!(by_url[page.as_str()]["status"], 404, "{page}");
    }
    for page in &truth.added {
        assert_eq!(by_url[page.as_str()]["status"], 200, "{page}");
    }
    let pages: BTreeSet<&str> = second
        .iter()
        .filter(|r| r["status"] != 301)
        .map(page_of)
        .collect();
    for page in truth.served.iter().chain(&truth.added) {
        assert!(
            pages.contains(page.as_str()),
            "{page} missing from the export"
        );
    }

    // silk status says the same; a finished recrawl run again says so and fetches nothing.
    let status = silk_ok(&["status", db.to_str().unwrap()]);
    let status = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(status.contains("pass:       2"), "{status}");
    assert!(
        status.contains(&truth.summary_line().replace("recrawl: ", "recrawl:    ")),
        "{status}"
    );
    let before = arena.stats()["page_requests"].clone();
    let again = silk_ok(&crawl_args(&url, &db, &stats2, &["-q"]));
    assert!(
        stderr(&again).contains("--recrawl revisits it"),
        "{}",
        stderr(&again)
    );
    assert_eq!(arena.stats()["page_requests"], before);

    // A third pass on the unchanged revision 2: everything that is served is a 304 now.
    get_json(&format!("{}/__reset", arena.url));
    silk_ok(&crawl_args(&url, &db, &stats2, &["--recrawl", "-q"]));
    let third = &read_json(&stats2)["recrawl"];
    let served_now = truth.served.len() - truth.removed.len() + truth.added.len();
    assert_eq!(third["unchanged"], served_now as u64, "{third}");
    assert_eq!(
        (
            third["changed"].clone(),
            third["new"].clone(),
            third["gone"].clone()
        ),
        (0.into(), 0.into(), 0.into())
    );
    assert_eq!(arena.stats()["by_status"]["304"], served_now as u64);
}

#[test]
fn a_recrawl_killed_with_sigkill_resumes_and_counts_the_whole_pass() {
    // 25 ms per page at -c 8: the 400-page recrawl takes about 1.3 s, the kill comes first.
    let arena = ArenaProcess::start(&[
        "--pages",
        "400",
        "--no-faults",
        "--validators",
        "--latency-ms",
        "25",
    ]);
    let tmp = TempDir::new("recrawl-kill");
    let db = tmp.path("crawl.db");
    let url = format!("{}/", arena.url);
    let stats = tmp.path("stats.json");
    silk_ok(&crawl_args(&url, &db, &stats, &["-q"]));
    let truth = Truth::revise(&arena);

    let args = crawl_args(&url, &db, &stats, &["--recrawl", "-q"]);
    let mut child = Command::new(silk_bin())
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("silk crawl starts");
    // Kill once some records of the new pass are durable.
    let start = Instant::now();
    loop {
        let status = silk_ok(&["status", db.to_str().unwrap()]);
        let text = String::from_utf8_lossy(&status.stdout).to_string();
        let done: u64 = text
            .lines()
            .find_map(|l| l.strip_prefix("done:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0);
        if text.contains("pass:       2") && done >= 40 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no progress: {text}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        child.try_wait().expect("child status").is_none(),
        "the recrawl ended before it was killed"
    );
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let partial = silk_ok(&["status", db.to_str().unwrap()]);
    let partial = String::from_utf8_lossy(&partial.stdout).to_string();
    assert!(partial.contains("in progress or stopped"), "{partial}");

    // The same command resumes the pass (it is not started over) and counts all of it.
    let resumed = silk(&args);
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    assert_eq!(read_json(&stats)["recrawl"], truth.counts());
    let records = export(&db, &tmp.path("out.jsonl"));
    records_by_url(&records);
    let unchanged = records.iter().filter(|r| r["not_modified"] == true).count();
    assert_eq!(unchanged, truth.unchanged());
    let pages: BTreeSet<&str> = records
        .iter()
        .filter(|r| r["status"] != 301)
        .map(page_of)
        .collect();
    for page in truth.served.iter().chain(&truth.added) {
        assert!(
            pages.contains(page.as_str()),
            "{page} missing after the resume"
        );
    }
}

#[test]
fn recrawl_flags_are_checked() {
    let tmp = TempDir::new("recrawl-flags");
    let db = tmp.path("crawl.db");
    let no_state = silk(&["crawl", "http://127.0.0.1:9/", "--recrawl"]);
    assert_eq!(no_state.status.code(), Some(2));
    assert!(
        stderr(&no_state).contains("--state"),
        "{}",
        stderr(&no_state)
    );
    let both = silk(&[
        "crawl",
        "http://127.0.0.1:9/",
        "--state",
        db.to_str().unwrap(),
        "--recrawl",
        "--reset",
    ]);
    assert_eq!(both.status.code(), Some(2));
    assert!(stderr(&both).contains("--reset"), "{}", stderr(&both));
    let nothing = silk(&[
        "crawl",
        "http://127.0.0.1:9/",
        "--state",
        db.to_str().unwrap(),
        "--recrawl",
    ]);
    assert_eq!(nothing.status.code(), Some(2));
    assert!(
        stderr(&nothing).contains("no crawl to revisit yet"),
        "{}",
        stderr(&nothing)
    );
}
