//! Reopening a state file: what one run made durable is what the next one sees, and what
//! was not committed when the process "crashed" is not there.

use super::writer::Op;
use super::*;
use futures::executor::block_on;
use silk::{ErrorKind, FetchError};
use std::path::PathBuf;

/// A state file in a fresh directory, removed on drop.
pub(super) struct TempDb(PathBuf);

impl TempDb {
    pub(super) fn new(name: &str) -> TempDb {
        let dir = std::env::temp_dir().join(format!("silk-sqlite-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDb(dir)
    }
    pub(super) fn path(&self) -> PathBuf {
        self.0.join("crawl.db")
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(super) fn spec() -> CrawlSpec {
    CrawlSpec {
        seeds: vec!["http://h/".into()],
        ..Default::default()
    }
}

pub(super) fn open_ready(path: &Path) -> SqliteFrontier {
    match SqliteFrontier::open(path, &spec(), false, false) {
        Ok(Opened::Ready(store)) => store,
        Ok(Opened::Finished { .. }) => panic!("finished, expected ready"),
        Err(e) => panic!("{e}"),
    }
}

pub(super) fn url(path: &str) -> Url {
    Url::parse(&format!("http://h{path}")).unwrap()
}

pub(super) fn queued(path: &str, depth: u32) -> QueuedUrl {
    QueuedUrl::new(url(path), depth, (depth > 0).then(|| Rc::from("http://h/")))
}

pub(super) fn record(path: &str, error: Option<ErrorKind>) -> Record {
    Record {
        url: url(path).to_string(),
        final_url: None,
        status: Some(200),
        depth: 0,
        referer: None,
        bytes: 10,
        elapsed_ms: 1.0,
        fields: Vec::new(),
        error: error.map(|k| FetchError::new(k, "it failed")),
        items: Vec::new(),
        cut: None,
        started_ms: 0.0,
        slot: 0,
        directives: Default::default(),
        lastmod: None,
        sitemap: false,
        not_modified: false,
        validators: None,
        protocol: None,
    }
}

fn popped(store: &mut SqliteFrontier) -> Vec<(String, u32, bool)> {
    let mut out = Vec::new();
    while let Pop::Url(q) = block_on(store.pop()) {
        out.push((q.url.path().to_string(), q.depth, q.referer.is_some()));
    }
    out
}

#[test]
fn a_reopened_state_has_the_queue_seen_set_claims_robots_and_host_timing() {
    let tmp = TempDb::new("reopen");
    let mut store = open_ready(&tmp.path());
    for path in ["/", "/a", "/b"] {
        assert!(block_on(store.add(queued(path, 0))));
    }
    let Pop::Url(first) = block_on(store.pop()) else {
        panic!("a seed was queued")
    };
    assert_eq!(first.url, url("/"));
    // "/" redirects to "/r-target" (claimed), and links "/c" (new) and "/a" (seen).
    assert!(block_on(store.mark_seen(&url("/r-target"), &url("/"))));
    let links = vec![queued("/c", 1), queued("/a", 1)];
    assert!(block_on(
        store.complete(&record("/", Some(ErrorKind::Http)), links)
    ));
    let robots = RobotsOutcome {
        status: 200,
        body: "User-agent: *\nCrawl-delay: 60\n".into(),
        note: None,
    };
    block_on(store.save_robots("http://h", &robots));
    assert_eq!(
        block_on(store.host_permit("http://h", Duration::from_secs(60))),
        Ok(())
    );
    block_on(store.close(false));
    drop(store);

    let mut store = open_ready(&tmp.path());
    assert_eq!(store.pages_done(), 1);
    assert_eq!(store.len(), 3);
    assert!(!block_on(store.add(queued("/", 0))), "a done page is seen");
    assert!(
        block_on(store.mark_seen(&url("/r-target"), &url("/"))),
        "the claiming page may follow its redirect again"
    );
    assert!(
        !block_on(store.mark_seen(&url("/r-target"), &url("/a"))),
        "another page may not"
    );
    assert_eq!(block_on(store.robots("http://h")), Some(robots));
    let wait = block_on(store.host_permit("http://h", Duration::ZERO))
        .expect_err("the earlier run's 60 s gap still holds");
    assert!(wait > Duration::from_secs(50), "{wait:?}");
    assert_eq!(
        popped(&mut store),
        [
            ("/a".to_string(), 0, false),
            ("/b".to_string(), 0, false),
            ("/c".to_string(), 1, true)
        ],
        "queue order, depth and referer survive"
    );
    block_on(store.close(true));
    drop(store);

    match SqliteFrontier::open(&tmp.path(), &spec(), false, false) {
        Ok(Opened::Finished { records }) => assert_eq!(records, 1),
        _ => panic!("a drained crawl reopens as finished"),
    }
    // --reset starts over.
    let store = match SqliteFrontier::open(&tmp.path(), &spec(), true, false) {
        Ok(Opened::Ready(store)) => store,
        _ => panic!("--reset gives a fresh state"),
    };
    assert_eq!((store.pages_done(), store.len()), (0, 0));
}

#[test]
fn a_completion_not_yet_committed_is_gone_after_a_crash() {
    let tmp = TempDb::new("crash");
    let mut store = open_ready(&tmp.path());
    block_on(store.add(queued("/", 0)));
    let Pop::Url(_) = block_on(store.pop()) else {
        panic!("queued")
    };
    // Hold the writer so that the completion cannot be committed, then crash it.
    let (resume, paused) = std::sync::mpsc::channel();
    let (reached_tx, reached) = std::sync::mpsc::channel();
    store.writer.send(Op::Pause {
        reached: reached_tx,
        resume: paused,
    });
    reached.recv().unwrap();
    assert!(block_on(
        store.complete(&record("/", None), vec![queued("/x", 1)])
    ));
    assert_eq!(
        store.uncommitted(),
        1,
        "not durable while the writer is held"
    );
    store.writer.send(Op::Crash);
    resume.send(()).unwrap();
    store.writer.join();
    drop(store);

    let mut store = open_ready(&tmp.path());
    assert_eq!(store.pages_done(), 0, "the record was not committed");
    assert_eq!(
        popped(&mut store),
        [("/".to_string(), 0, false)],
        "the page is queued again, its link was never kept"
    );
}

#[test]
fn flush_waits_until_completions_are_durable() {
    let tmp = TempDb::new("flush");
    let mut store = open_ready(&tmp.path());
    for i in 0..50 {
        block_on(store.add(queued(&format!("/{i}"), 0)));
        block_on(store.complete(&record(&format!("/{i}"), None), Vec::new()));
    }
    while store.uncommitted() > 0 {
        block_on(store.flush());
    }
    let conn = Connection::open(tmp.path()).unwrap();
    assert_eq!(
        schema::count(&conn, "SELECT count(*) FROM records").unwrap(),
        50
    );
    block_on(store.close(false));
}

#[test]
fn a_different_spec_or_a_foreign_file_is_refused() {
    let tmp = TempDb::new("refuse");
    block_on(open_ready(&tmp.path()).close(false));
    let other = CrawlSpec {
        concurrency: 5,
        ..spec()
    };
    let Err(e) = SqliteFrontier::open(&tmp.path(), &other, false, false) else {
        panic!("a changed spec must be refused")
    };
    assert!(
        e.contains("changed: concurrency") && e.contains("--reset"),
        "{e}"
    );

    let foreign = tmp.0.join("other.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    let Err(e) = SqliteFrontier::open(&foreign, &spec(), true, false) else {
        panic!("a foreign database must be refused, even with --reset")
    };
    assert!(e.contains("not a silk state file"), "{e}");

    let Err(e) = SqliteFrontier::open(&tmp.0, &spec(), false, false) else {
        panic!("a directory must be refused")
    };
    assert!(e.contains("is a directory"), "{e}");
}

#[test]
fn a_second_crawl_on_the_same_file_is_refused_while_the_first_runs() {
    let tmp = TempDb::new("lock");
    let first = open_ready(&tmp.path());
    let Err(e) = SqliteFrontier::open(&tmp.path(), &spec(), false, false) else {
        panic!("two crawls on one file")
    };
    assert!(e.contains("in use"), "{e}");
    drop(first);
}

#[test]
fn export_and_status_read_the_records() {
    let tmp = TempDb::new("export");
    let mut store = open_ready(&tmp.path());
    block_on(store.add(queued("/", 0)));
    block_on(store.complete(&record("/", None), vec![queued("/a", 1), queued("/b", 1)]));
    block_on(store.complete(&record("/a", Some(ErrorKind::Timeout)), Vec::new()));
    block_on(store.close(false));
    drop(store);
    let out = tmp.0.join("out.jsonl");
    assert_eq!(export(&tmp.path(), &out), Ok(2));
    let text = std::fs::read_to_string(&out).unwrap();
    let urls: Vec<&str> = text
        .lines()
        .map(|l| {
            if l.contains("\"http://h/a\"") {
                "/a"
            } else {
                "/"
            }
        })
        .collect();
    assert_eq!(urls, ["/", "/a"], "commit order");
    let report = status(&tmp.path()).unwrap();
    for line in [
        "done:       2",
        "queued:     1",
        "errors:     1",
        "  timeout: 1",
    ] {
        assert!(report.contains(line), "{line:?} missing in:\n{report}");
    }
}

#[test]
fn a_failed_commit_is_reported_as_the_store_failure_and_nothing_waits_forever() {
    let tmp = TempDb::new("fail");
    let mut store = open_ready(&tmp.path());
    assert_eq!(store.failure(), None);
    // Another process damages the file under the crawl: the next commit fails.
    let other = Connection::open(tmp.path()).unwrap();
    other.execute_batch("DROP TABLE records").unwrap();
    drop(other);
    block_on(store.add(queued("/", 0)));
    for _ in 0..store.concurrency + 1 {
        // Returns although nothing can become durable any more.
        block_on(store.complete(&record("/", None), Vec::new()));
    }
    block_on(store.flush());
    let why = store.failure().expect("the failed commit is reported");
    assert!(
        why.contains("cannot write") && why.contains(tmp.path().to_str().unwrap()),
        "{why}"
    );
    block_on(store.close(false));
}

fn with_extras(path: &str, priority: i32, meta: Option<serde_json::Value>) -> QueuedUrl {
    let mut item = queued(path, 1);
    item.priority = priority;
    item.meta = meta.map(Rc::new);
    item
}

fn popped_extras(store: &mut SqliteFrontier) -> Vec<(String, i32, Option<serde_json::Value>)> {
    let mut out = Vec::new();
    while let Pop::Url(q) = block_on(store.pop()) {
        let meta = q.meta.as_deref().cloned();
        out.push((q.url.path().to_string(), q.priority, meta));
    }
    out
}

#[test]
fn priority_and_meta_of_queued_links_survive_a_reopen() {
    use serde_json::json;
    let tmp = TempDb::new("extras");
    let mut store = open_ready(&tmp.path());
    block_on(store.add(queued("/", 0)));
    let Pop::Url(_) = block_on(store.pop()) else {
        panic!("queued")
    };
    let links = vec![
        with_extras("/low", -1, None),
        with_extras("/list", 0, Some(json!({"label": "list", "page": 2}))),
        with_extras("/detail", 5, Some(json!({"label": "detail", "id": 7}))),
    ];
    block_on(store.complete(&record("/", None), links));
    block_on(store.close(false));
    drop(store);

    let mut store = open_ready(&tmp.path());
    assert_eq!(
        popped_extras(&mut store),
        [
            (
                "/detail".to_string(),
                5,
                Some(json!({"label": "detail", "id": 7}))
            ),
            (
                "/list".to_string(),
                0,
                Some(json!({"label": "list", "page": 2}))
            ),
            ("/low".to_string(), -1, None),
        ],
        "highest priority first, each with its meta"
    );
}

/// The tables as silk wrote them before schema 2 (no pages.priority, no pages.meta).
pub(super) const VERSION_1_TABLES: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE pages (id INTEGER PRIMARY KEY, fp INTEGER NOT NULL UNIQUE, url TEXT NOT NULL,
    depth INTEGER NOT NULL, referer TEXT, done INTEGER NOT NULL DEFAULT 0);
CREATE TABLE claims (fp INTEGER PRIMARY KEY, url TEXT NOT NULL, by_fp INTEGER NOT NULL);
CREATE TABLE records (seq INTEGER PRIMARY KEY, fp INTEGER NOT NULL UNIQUE, status INTEGER,
    error_kind TEXT, json TEXT NOT NULL);
CREATE TABLE robots (origin TEXT PRIMARY KEY, outcome TEXT NOT NULL);
CREATE TABLE hosts (origin TEXT PRIMARY KEY, next_start_ms INTEGER NOT NULL);
PRAGMA application_id=1936288875; PRAGMA user_version=1;
";

#[test]
fn a_version_1_state_file_is_upgraded_and_resumes() {
    use serde_json::json;
    let tmp = TempDb::new("migrate");
    {
        let conn = Connection::open(tmp.path()).unwrap();
        conn.execute_batch(VERSION_1_TABLES).unwrap();
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('spec', ?1), ('finished', '0')",
            [serde_json::to_string(&spec()).unwrap()],
        )
        .unwrap();
        for (i, (path, done)) in [("/", 1), ("/a", 0), ("/b", 0)].iter().enumerate() {
            conn.execute(
                "INSERT INTO pages (id, fp, url, depth, referer, done) VALUES (?1, ?2, ?3, 0, NULL, ?4)",
                rusqlite::params![i as i64 + 1, schema::sql_fp(fingerprint(url(path).as_str())), url(path).as_str(), done],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO robots (origin, outcome) VALUES ('http://h', ?1)",
            [serde_json::to_string(&RobotsOutcome::unavailable()).unwrap()],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO records (fp, status, json) VALUES (?1, 200, ?2)",
            rusqlite::params![
                schema::sql_fp(fingerprint(url("/").as_str())),
                stored_record(&record("/", None))
            ],
        )
        .unwrap();
    }
    let mut store = open_ready(&tmp.path());
    assert_eq!(store.pages_done(), 1);
    let version: i64 = Connection::open(tmp.path())
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, schema::SCHEMA_VERSION);
    // The old queue comes back with default extras, and new links keep theirs.
    let Pop::Url(a) = block_on(store.pop()) else {
        panic!("/a was queued")
    };
    assert_eq!((a.url.path(), a.priority, a.meta.clone()), ("/a", 0, None));
    assert_eq!(a.attempts, 0);
    // A robots.txt an older silk kept has no fetch time: it is fetched again.
    assert_eq!(block_on(store.robots("http://h")), None);
    block_on(store.complete(
        &record("/a", None),
        vec![with_extras("/c", 3, Some(json!({"from": "a"})))],
    ));
    block_on(store.close(false));
    drop(store);

    let mut store = open_ready(&tmp.path());
    assert_eq!(
        popped_extras(&mut store),
        [
            ("/c".to_string(), 3, Some(json!({"from": "a"}))),
            ("/b".to_string(), 0, None)
        ]
    );
    block_on(store.close(false));
}

#[test]
fn a_crawl_resumes_only_with_the_same_kind_of_handler() {
    let tmp = TempDb::new("handler");
    let Ok(Opened::Ready(store)) = SqliteFrontier::open(&tmp.path(), &spec(), false, true) else {
        panic!("a new state for a spider")
    };
    block_on(store.close_owned());
    let Err(e) = SqliteFrontier::open(&tmp.path(), &spec(), false, false) else {
        panic!("`silk crawl` must not resume a spider's crawl")
    };
    assert!(e.contains("same spider") && e.contains("--reset"), "{e}");
    let Ok(Opened::Ready(store)) = SqliteFrontier::open(&tmp.path(), &spec(), false, true) else {
        panic!("the spider resumes its crawl")
    };
    block_on(store.close_owned());
    // --reset starts a crawl without a handler; a spider may not resume that one.
    let Ok(Opened::Ready(store)) = SqliteFrontier::open(&tmp.path(), &spec(), true, false) else {
        panic!("--reset starts over")
    };
    block_on(store.close_owned());
    let Err(e) = SqliteFrontier::open(&tmp.path(), &spec(), false, true) else {
        panic!("a spider must not resume a `silk crawl` crawl")
    };
    assert!(e.contains("silk crawl"), "{e}");
}

impl SqliteFrontier {
    /// Closes and drops the store (releasing its lock).
    async fn close_owned(mut self) {
        self.close(false).await;
    }
}
