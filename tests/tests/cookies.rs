//! The cookie jar, end to end: the real `silk` binary against the arena's session pages
//! (`/login` answers 302 to `/account/` with a session cookie and others; `/account/` pages
//! answer 401 without the session; every page lists the cookie names it received). A
//! session set on a redirect is sent on the redirect target and later pages, by RFC 6265's
//! path, Secure and expiry rules; `--no-cookies` sends none; `--cookie` logs in from the
//! start and is never written to the state file; a `--state` crawl killed with SIGKILL after
//! the login resumes with its jar; cookie values never reach records or outputs.

use rusqlite::{Connection, OpenFlags};
use serde_json::Value;
use silk_arena::cookies::{SESSION_ID, USER};
use silk_tests::{
    read_jsonl, records_by_url, silk_bin, silk_ok, stderr, wait_at_most, ArenaProcess, TempDir,
};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Keeps a crawl on the session pages (their nav links the shop).
const ONLY_SESSION_PAGES: &str = "/(login|account/|cookies/)";

/// The `Set-Cookie` headers of a GET, read with the test's own client.
fn set_cookies(url: &str) -> Vec<String> {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text.lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .map(String::from)
        .collect()
}

/// The common flags of a crawl of the session pages, writing `out`.
fn crawl_args<'a>(start: &'a str, out: &'a Path) -> Vec<&'a str> {
    vec![
        "crawl",
        start,
        "--allow",
        ONLY_SESSION_PAGES,
        "--select",
        "user=.user",
        "--select",
        "cookies=.cookies",
        "-o",
        out.to_str().unwrap(),
        "--quiet",
    ]
}

/// The cookie names a record's page said it received.
fn names(record: &Value) -> Vec<&str> {
    record["cookies"]
        .as_str()
        .unwrap_or("")
        .split_whitespace()
        .collect()
}

/// The site's cookie values (never to be seen in records or outputs).
fn site_values(arena: &ArenaProcess) -> Vec<String> {
    let values: Vec<String> = set_cookies(&format!("{}/login", arena.url))
        .iter()
        .filter_map(|c| c.split(';').next()?.split_once('='))
        .map(|(_, v)| v.to_string())
        .collect();
    assert_eq!(values.len(), 5, "the login sets five cookies: {values:?}");
    assert!(values.contains(&SESSION_ID.to_string()));
    values
}

fn assert_no_value(what: &str, text: &str, values: &[String]) {
    for v in values {
        assert!(!text.contains(v.as_str()), "{what} shows cookie value {v}");
    }
}

#[test]
fn a_session_set_on_a_redirect_is_sent_by_path_and_secure_rules() {
    let arena = ArenaProcess::start(&["--pages", "5"]);
    let values = site_values(&arena);
    let tmp = TempDir::new("cookies-session");
    let out = tmp.path("out.jsonl");
    let login = format!("{}/login", arena.url);
    let o = silk_ok(&crawl_args(&login, &out));
    let records = read_jsonl(&out);
    let by_url = records_by_url(&records);
    let page = |p: &str| by_url[format!("{}{p}", arena.url).as_str()];

    // The cookies came with the 302; the redirect target already had them.
    let first = page("/login");
    assert_eq!(first["final_url"], format!("{}/account/", arena.url));
    assert_eq!(first["status"], 200, "{first}");
    assert_eq!(first["user"], USER);
    assert_eq!(first["protocol"], "HTTP/1.1");
    for p in ["/account/1", "/account/2", "/account/3"] {
        let r = page(p);
        assert_eq!(
            (r["status"].as_u64(), r["user"].as_str()),
            (Some(200), Some(USER))
        );
        // sid (HttpOnly, Path=/) and acct (Path=/account) are sent here.
        assert!(
            names(r).contains(&"sid") && names(r).contains(&"acct"),
            "{r}"
        );
    }
    let echo = page("/cookies/echo");
    assert!(names(echo).contains(&"sid"), "{echo}");
    assert!(!names(echo).contains(&"acct"), "Path=/account only: {echo}");
    for r in &records {
        assert!(!names(r).contains(&"secure_only"), "Secure over http: {r}");
        assert!(!names(r).contains(&"stale"), "expired on arrival: {r}");
    }
    assert_eq!(records.len(), 5, "{records:?}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert_no_value("the output", &text, &values);
    assert_no_value("silk's stderr", &stderr(&o), &values);
}

#[test]
fn a_cookie_past_its_max_age_is_not_sent() {
    // One request at a time, 1.5 s apart: the login (Max-Age=3 for `short`) comes first, its
    // redirect target at most one delay later, and the last two of the four pages after it
    // at least 4.5 s after the login.
    let arena = ArenaProcess::start(&["--pages", "5"]);
    let tmp = TempDir::new("cookies-expiry");
    let out = tmp.path("out.jsonl");
    let login = format!("{}/login", arena.url);
    let mut args = crawl_args(&login, &out);
    args.extend(["-c", "1", "--delay", "1500ms"]);
    silk_ok(&args);
    let records = read_jsonl(&out);
    let by_url = records_by_url(&records);
    let first = by_url[login.as_str()];
    assert!(names(first).contains(&"short"), "still fresh: {first}");
    let expired = records
        .iter()
        .filter(|r| r["url"] != login.as_str() && !names(r).contains(&"short"))
        .count();
    assert!(
        expired >= 2,
        "pages fetched after Max-Age sent it: {records:?}"
    );
    // The session itself has no expiry and is still sent.
    assert!(records.iter().all(|r| names(r).contains(&"sid")));
}

#[test]
fn no_cookies_sends_none_and_a_cookie_flag_logs_in_from_the_start() {
    let arena = ArenaProcess::start(&["--pages", "5"]);
    let tmp = TempDir::new("cookies-flags");
    let out = tmp.path("none.jsonl");
    let login = format!("{}/login", arena.url);
    let mut args = crawl_args(&login, &out);
    args.push("--no-cookies");
    silk_ok(&args);
    let records = read_jsonl(&out);
    assert_eq!(
        records.len(),
        1,
        "a 401 has no links to follow: {records:?}"
    );
    assert_eq!(records[0]["status"], 401, "{}", records[0]);
    assert!(names(&records[0]).is_empty(), "{}", records[0]);

    // --cookie: the protected area from the first request, never written to --state.
    let account = format!("{}/account/", arena.url);
    let cookie = format!("sid={SESSION_ID}");
    let db = tmp.path("state.db");
    let out = tmp.path("given.jsonl");
    let mut args = crawl_args(&account, &out);
    args.extend(["--cookie", &cookie, "--state", db.to_str().unwrap(), "-v"]);
    let o = silk_ok(&args);
    let records = read_jsonl(&out);
    assert_eq!(records.len(), 5, "{records:?}");
    for r in &records {
        if r["url"].as_str().unwrap().contains("/account/") {
            assert_eq!(r["status"], 200, "{r}");
            assert_eq!(r["user"], USER, "{r}");
        }
        assert_eq!(names(r), ["sid"], "only the given cookie: {r}");
    }
    let values = [SESSION_ID.to_string()];
    assert_no_value("silk -v", &stderr(&o), &values);
    assert_no_value(
        "the output",
        &std::fs::read_to_string(&out).unwrap(),
        &values,
    );
    for suffix in ["", "-wal"] {
        let file = tmp.path(&format!("state.db{suffix}"));
        if let Ok(bytes) = std::fs::read(&file) {
            assert_no_value("the state file", &String::from_utf8_lossy(&bytes), &values);
        }
    }
    // The stored spec keeps the cookie's name, so a resume asks for it again.
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let spec: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'spec'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        spec.contains("\"start_cookies\":[\"sid=(redacted"),
        "{spec}"
    );
    let saved: i64 = conn
        .query_row("SELECT count(*) FROM cookies", [], |r| r.get(0))
        .unwrap();
    assert_eq!(saved, 0, "the given cookie is not saved in the jar");

    // A malformed --cookie is refused without echoing its value.
    let mut args = crawl_args(&account, &out);
    args.extend(["--cookie", "sid Hunter2"]);
    let o = Command::new(silk_bin()).args(&args).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--cookie 'name=value'"),
        "{}",
        stderr(&o)
    );
}

/// Records in the state file so far (0 if it cannot be read yet).
fn records_in(db: &Path) -> i64 {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| c.query_row("SELECT count(*) FROM records", [], |r| r.get(0)))
        .unwrap_or(0)
}

#[test]
fn a_state_crawl_killed_after_the_login_resumes_logged_in() {
    let arena = ArenaProcess::start(&["--pages", "5"]);
    let values = site_values(&arena);
    let tmp = TempDir::new("cookies-resume");
    let db = tmp.path("state.db");
    let out = tmp.path("out.jsonl");
    let login = format!("{}/login", arena.url);
    let mut args = crawl_args(&login, &out);
    args.extend(["--state", db.to_str().unwrap(), "-c", "1", "--delay", "1s"]);
    let fetched = |p: &str| {
        silk_tests::get_json(&format!("{}/__fetched", arena.url))[p]
            .as_u64()
            .unwrap_or(0)
    };
    // site_values fetched it once.
    let logins = fetched("/login");

    let mut child = Command::new(silk_bin())
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while records_in(&db) < 1 {
        assert!(
            Instant::now() < deadline,
            "the login's record never became durable"
        );
        assert!(child.try_wait().unwrap().is_none(), "the crawl ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    wait_at_most(&mut child, Duration::from_secs(10), "the killed crawl");

    let protected = ["/account/1", "/account/2", "/account/3", "/cookies/echo"];
    let before: u64 = protected.iter().map(|p| fetched(p)).sum();
    assert!(before < 4, "the kill came too late to test a resume");
    // The jar is in the file, with the login's record.
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM cookies ORDER BY name")
        .unwrap();
    let saved: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        saved.contains(&"sid".to_string()) && saved.contains(&"acct".to_string()),
        "{saved:?}"
    );
    assert!(!saved.contains(&"stale".to_string()), "{saved:?}");
    drop(stmt);
    drop(conn);

    // The same command resumes, logged in, without fetching /login again.
    silk_ok(&args);
    assert_eq!(fetched("/login"), logins + 1, "logged in again");
    let records = read_jsonl(&out);
    let by_url = records_by_url(&records);
    assert_eq!(records.len(), 5, "{records:?}");
    for p in ["/account/1", "/account/2", "/account/3"] {
        let r = by_url[format!("{}{p}", arena.url).as_str()];
        assert_eq!(
            (r["status"].as_u64(), r["user"].as_str()),
            (Some(200), Some(USER)),
            "{r}"
        );
    }
    // Values are in the jar's table only: not in the records, not in the output.
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut stmt = conn.prepare("SELECT json FROM records").unwrap();
    let stored: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(stored.len(), 5);
    assert_no_value("the state's records", &stored.join("\n"), &values);
    assert_no_value(
        "the output",
        &std::fs::read_to_string(&out).unwrap(),
        &values,
    );
}
