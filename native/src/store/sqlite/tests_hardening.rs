//! Schema 3 and the state file's hardening: attempts per URL survive a crash (poison URLs),
//! robots.txt outcomes expire and unreachable ones are never kept, the stored spec has no
//! secrets, and the file is private to its owner.

use super::tests::{open_ready, queued, record, spec, url, TempDb};
use super::writer::Op;
use super::*;
use crate::store::secrets::REDACTED;
use futures::executor::block_on;
use std::os::unix::fs::PermissionsExt;

fn attempts_popped(store: &mut SqliteFrontier) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    while let Pop::Url(q) = block_on(store.pop()) {
        out.push((q.url.path().to_string(), q.attempts));
    }
    out
}

/// What a `kill -9` leaves: everything sent before is committed (the writer is made to
/// reach it), nothing after, and no close.
fn crash(mut store: SqliteFrontier) {
    let (reached, at_pause) = std::sync::mpsc::channel();
    let (resume, resumed) = std::sync::mpsc::channel();
    store.writer.send(Op::Pause {
        reached,
        resume: resumed,
    });
    at_pause.recv().unwrap();
    drop(resume);
    store.writer.send(Op::Crash);
    store.writer.join();
}

#[test]
fn a_url_started_by_runs_that_died_comes_back_with_its_attempts() {
    let tmp = TempDb::new("attempts");
    let mut store = open_ready(&tmp.path());
    for path in ["/", "/slow", "/parked"] {
        block_on(store.add(queued(path, 0)));
    }
    assert_eq!(
        attempts_popped(&mut store),
        [("/".into(), 0), ("/slow".into(), 0), ("/parked".into(), 0)]
    );
    // "/" completes, "/slow" hangs when the crawl dies, "/parked" was never started.
    block_on(store.started(&url("/")));
    block_on(store.started(&url("/slow")));
    block_on(store.complete(&record("/", None), Vec::new()));
    block_on(store.flush());
    crash(store);

    for run in 1..=2 {
        let mut store = open_ready(&tmp.path());
        assert_eq!(
            attempts_popped(&mut store),
            [("/slow".into(), run), ("/parked".into(), 0)],
            "run {run}"
        );
        block_on(store.started(&url("/slow")));
        // A second start in the same run (a retry) is not another attempt.
        block_on(store.started(&url("/slow")));
        block_on(store.flush());
        if run == 1 {
            crash(store);
        } else {
            block_on(store.close(false));
        }
    }

    // A cancelled run abandons what it started: that start is taken back.
    let mut store = open_ready(&tmp.path());
    assert_eq!(attempts_popped(&mut store)[0], ("/slow".into(), 3));
    block_on(store.started(&url("/slow")));
    block_on(store.abandon(&url("/slow")));
    block_on(store.abandon(&url("/parked")));
    block_on(store.close(false));
    drop(store);

    let mut store = open_ready(&tmp.path());
    assert_eq!(
        attempts_popped(&mut store),
        [("/slow".into(), 3), ("/parked".into(), 0)]
    );
    let status = status(&tmp.path()).unwrap();
    assert!(status.contains("restarted:  1"), "{status}");
    block_on(store.close(false));
}

fn set_robots_time(path: &Path, origin: &str, fetched_ms: u64) {
    let conn = Connection::open(path).unwrap();
    let n = conn
        .execute(
            "UPDATE robots SET fetched_ms = ?2 WHERE origin = ?1",
            rusqlite::params![origin, fetched_ms as i64],
        )
        .unwrap();
    assert_eq!(n, 1, "{origin} has a stored robots.txt");
}

#[test]
fn robots_txt_is_kept_for_a_day_and_an_unreachable_one_not_at_all() {
    let tmp = TempDb::new("robots-age");
    let fine = RobotsOutcome {
        status: 200,
        body: "User-agent: *\nDisallow: /x\n".into(),
        note: None,
    };
    let mut store = open_ready(&tmp.path());
    block_on(store.save_robots("http://h", &fine));
    block_on(store.save_robots(
        "http://down",
        &RobotsOutcome::unreachable("timed out".into()),
    ));
    block_on(store.save_robots(
        "http://five",
        &RobotsOutcome {
            status: 500,
            body: String::new(),
            note: None,
        },
    ));
    assert_eq!(block_on(store.robots("http://down")), None);
    block_on(store.close(false));
    drop(store);

    let mut store = open_ready(&tmp.path());
    assert_eq!(block_on(store.robots("http://h")), Some(fine.clone()));
    assert_eq!(block_on(store.robots("http://down")), None);
    assert_eq!(block_on(store.robots("http://five")), None);
    block_on(store.close(false));
    drop(store);
    let kept: i64 = Connection::open(tmp.path())
        .unwrap()
        .query_row("SELECT count(*) FROM robots", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, 1, "only the readable robots.txt is stored");

    // Just under a day old: still used. Just over: fetched again.
    let day = ROBOTS_MAX_AGE.as_millis() as u64;
    set_robots_time(&tmp.path(), "http://h", unix_ms() - day + 60_000);
    let mut store = open_ready(&tmp.path());
    assert_eq!(block_on(store.robots("http://h")), Some(fine.clone()));
    block_on(store.close(false));
    drop(store);
    set_robots_time(&tmp.path(), "http://h", unix_ms() - day - 1);
    let mut store = open_ready(&tmp.path());
    assert_eq!(block_on(store.robots("http://h")), None);
    // Fetched again, it is kept again.
    block_on(store.save_robots("http://h", &fine));
    assert_eq!(block_on(store.robots("http://h")), Some(fine));
    block_on(store.close(false));
}

fn secret_spec(token: &str) -> CrawlSpec {
    CrawlSpec {
        headers: vec![
            ("Authorization".into(), format!("Bearer {token}")),
            ("Accept-Language".into(), "fr".into()),
        ],
        proxy: Some("http://alice:hunter2@127.0.0.1:3128".into()),
        ..spec()
    }
}

/// Every byte of the state file and its WAL, as text.
fn file_text(path: &Path) -> String {
    let mut bytes = std::fs::read(path).unwrap();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    bytes.extend(std::fs::read(wal).unwrap_or_default());
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn secrets_are_not_stored_and_a_new_token_resumes_the_crawl() {
    let tmp = TempDb::new("secrets");
    let Ok(Opened::Ready(mut store)) =
        SqliteFrontier::open(&tmp.path(), &secret_spec("s3cr3t-one"), false, false)
    else {
        panic!("a new state")
    };
    block_on(store.close(false));
    drop(store);
    let text = file_text(&tmp.path());
    for secret in ["s3cr3t-one", "hunter2", "alice"] {
        assert!(!text.contains(secret), "{secret} is in the state file");
    }
    assert!(text.contains(REDACTED) && text.contains("Accept-Language"));

    // The token changed (refreshed): the same crawl resumes.
    let Ok(Opened::Ready(mut store)) =
        SqliteFrontier::open(&tmp.path(), &secret_spec("s3cr3t-two"), false, false)
    else {
        panic!("a new token resumes the crawl")
    };
    block_on(store.close(false));
    drop(store);
    assert!(!file_text(&tmp.path()).contains("s3cr3t-two"));
    // Without the header, or another header value that is not secret: refused.
    let Err(e) = SqliteFrontier::open(&tmp.path(), &spec(), false, false) else {
        panic!("a crawl without its headers is another crawl")
    };
    assert!(e.contains("changed: headers, proxy"), "{e}");
}

#[test]
fn a_state_file_an_older_silk_wrote_with_secrets_loses_them_on_resume() {
    let tmp = TempDb::new("secrets-old");
    let Ok(Opened::Ready(mut store)) = SqliteFrontier::open(&tmp.path(), &spec(), false, false)
    else {
        panic!("a new state")
    };
    block_on(store.close(false));
    drop(store);
    let clear = serde_json::to_string(&secret_spec("old-token")).unwrap();
    Connection::open(tmp.path())
        .unwrap()
        .execute("UPDATE meta SET value = ?1 WHERE key = 'spec'", [&clear])
        .unwrap();
    let Ok(Opened::Ready(mut store)) =
        SqliteFrontier::open(&tmp.path(), &secret_spec("new-token"), false, false)
    else {
        panic!("resumes")
    };
    block_on(store.close(false));
    drop(store);
    let stored: String = Connection::open(tmp.path())
        .unwrap()
        .query_row("SELECT value FROM meta WHERE key = 'spec'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        !stored.contains("old-token") && !stored.contains("hunter2"),
        "{stored}"
    );
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn state_files_are_private_to_their_owner() {
    let tmp = TempDb::new("mode");
    let mut store = open_ready(&tmp.path());
    block_on(store.add(queued("/", 0)));
    block_on(store.flush());
    let mut wal = tmp.path().into_os_string();
    wal.push("-wal");
    assert_eq!(mode(&tmp.path()), 0o600);
    assert_eq!(mode(Path::new(&wal)), 0o600, "the WAL has the file's mode");
    block_on(store.close(false));
    drop(store);

    // A file an older silk made readable by others is narrowed when a crawl opens it.
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut store = open_ready(&tmp.path());
    assert_eq!(mode(&tmp.path()), 0o600);
    block_on(store.close(false));
}
