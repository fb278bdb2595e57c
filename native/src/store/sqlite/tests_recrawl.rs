//! `--recrawl` in the state file: a new pass queues every stored page again with its
//! validators, keeps the previous records for 304s, counts unchanged/changed/new/gone over
//! the pass (also across a restart), and refuses to revisit a crawl that never finished.

use super::tests::{queued, record, spec, url, TempDb};
use super::*;
use futures::executor::block_on;
use silk::{RecrawlCounts, Validators};

fn open_recrawl(path: &Path) -> Result<SqliteFrontier, String> {
    match SqliteFrontier::open_with(path, &spec(), false, false, true)? {
        Opened::Ready(store) => Ok(store),
        Opened::Finished { .. } => Err("finished".into()),
    }
}

fn with_validators(mut r: Record, etag: Option<&str>) -> Record {
    r.validators = Validators::from_parts(etag, Some("Thu, 01 Jan 2026 00:00:00 GMT"));
    r
}

fn with_status(mut r: Record, status: u16) -> Record {
    r.status = Some(status);
    r
}

/// Pops everything queued: (path, depth, the ETag it will be asked with).
fn pop_all(store: &mut SqliteFrontier) -> Vec<(String, u32, Option<String>)> {
    let mut out = Vec::new();
    while let Pop::Url(q) = block_on(store.pop()) {
        let etag = q.validators.as_ref().and_then(|v| v.etag.clone());
        out.push((q.url.path().to_string(), q.depth, etag));
    }
    out
}

/// A finished first crawl: `/` links `/a` (ETag), `/b` (ETag), `/c` (none), `/x` (a 404).
fn first_crawl(path: &Path) {
    let mut store = super::tests::open_ready(path);
    block_on(store.add(queued("/", 0)));
    assert_eq!(pop_all(&mut store).len(), 1);
    let links = ["/a", "/b", "/c", "/x"].map(|p| queued(p, 1)).to_vec();
    let mut home = with_validators(record("/", None), Some("\"h1\""));
    home.fields = vec![("title".into(), serde_json::Value::from("Home v1"))];
    block_on(store.complete(&home, links));
    assert_eq!(pop_all(&mut store).len(), 4);
    block_on(store.complete(&with_validators(record("/a", None), Some("\"a1\"")), vec![]));
    block_on(store.complete(&with_validators(record("/b", None), Some("\"b1\"")), vec![]));
    block_on(store.complete(&record("/c", None), vec![]));
    let gone_before = with_status(record("/x", Some(silk::ErrorKind::Http)), 404);
    block_on(store.complete(&gone_before, vec![]));
    block_on(store.close(true));
}

#[test]
fn a_recrawl_asks_with_validators_and_counts_the_pass() {
    let tmp = TempDb::new("recrawl-pass");
    let path = tmp.path();
    first_crawl(&path);

    let mut store = open_recrawl(&path).expect("a finished crawl is revisited");
    assert_eq!(store.pages_done(), 0, "a new pass starts with no records");
    let popped = pop_all(&mut store);
    assert_eq!(
        popped,
        vec![
            ("/".into(), 0, Some("\"h1\"".into())),
            ("/a".into(), 1, Some("\"a1\"".into())),
            ("/b".into(), 1, Some("\"b1\"".into())),
            ("/c".into(), 1, None),
            ("/x".into(), 1, None),
        ],
        "every stored page, in its old order and depth, with its validators"
    );
    let old_home = block_on(store.previous_record(&url("/"))).expect("kept");
    assert_eq!(old_home.fields[0].1, "Home v1");
    assert!(block_on(store.previous_record(&url("/new"))).is_none());

    // / is unchanged (304) and its links are not looked at; /a changed; /b is gone; /c
    // unchanged; /x still 404 (not "gone": it was never served); /new is new.
    let mut home = with_validators(record("/", None), Some("\"h1\""));
    home.status = Some(304);
    home.not_modified = true;
    block_on(store.complete(&home, vec![]));
    block_on(store.complete(
        &with_validators(record("/a", None), Some("\"a2\"")),
        vec![queued("/new", 2)],
    ));
    block_on(store.complete(
        &with_status(record("/b", Some(silk::ErrorKind::Http)), 404),
        vec![],
    ));
    // Killed here: the pass resumes with what it made durable.
    block_on(store.close(false));
    drop(store);

    let mut store = SqliteFrontier::open_with(&path, &spec(), false, false, false)
        .map(|o| match o {
            Opened::Ready(s) => s,
            Opened::Finished { .. } => panic!("the pass has not finished"),
        })
        .expect("an unfinished recrawl resumes, with or without --recrawl");
    assert_eq!(store.pages_done(), 3);
    let rest: Vec<String> = pop_all(&mut store).into_iter().map(|p| p.0).collect();
    assert_eq!(rest, ["/c", "/x", "/new"]);
    let mut c = with_validators(record("/c", None), None);
    c.status = Some(304);
    c.not_modified = true;
    block_on(store.complete(&c, vec![]));
    block_on(store.complete(
        &with_status(record("/x", Some(silk::ErrorKind::Http)), 404),
        vec![],
    ));
    block_on(store.complete(&record("/new", None), vec![]));
    block_on(store.close(true));
    assert_eq!(
        store.recrawl_counts(),
        Some(RecrawlCounts {
            unchanged: 2,
            changed: 1,
            new: 1,
            gone: 1
        })
    );
    drop(store);

    let text = status(&path).expect("status");
    assert!(text.contains("pass:       2"), "{text}");
    assert!(
        text.contains("recrawl:    2 unchanged (304), 1 changed, 1 new, 1 gone"),
        "{text}"
    );
    let out = tmp.path().with_file_name("out.jsonl");
    assert_eq!(
        export(&path, &out).expect("export"),
        6,
        "one record per page of the pass"
    );
    let lines = std::fs::read_to_string(&out).unwrap();
    assert_eq!(lines.matches("\"not_modified\":true").count(), 2, "{lines}");

    // A third pass compares with the second: /b stays gone without counting again.
    let mut store = open_recrawl(&path).expect("pass 3");
    let popped: Vec<String> = pop_all(&mut store).into_iter().map(|p| p.0).collect();
    assert_eq!(popped, ["/", "/a", "/b", "/c", "/x", "/new"]);
    block_on(store.complete(
        &with_status(record("/b", Some(silk::ErrorKind::Http)), 404),
        vec![],
    ));
    block_on(store.close(false));
    assert_eq!(store.recrawl_counts().map(|c| c.gone), Some(0));
}

#[test]
fn an_unfinished_first_crawl_is_not_revisited() {
    let tmp = TempDb::new("recrawl-unfinished");
    let path = tmp.path();
    let err = open_recrawl(&path).err().expect("nothing to revisit");
    assert!(err.contains("no crawl to revisit yet"), "{err}");
    let mut store = super::tests::open_ready(&path);
    block_on(store.add(queued("/", 0)));
    block_on(store.add(queued("/a", 1)));
    assert_eq!(pop_all(&mut store).len(), 2);
    block_on(store.complete(&record("/", None), vec![]));
    block_on(store.close(false));
    drop(store);
    let err = open_recrawl(&path).err().expect("refused");
    assert!(
        err.contains("has not finished (1 records, 1 queued)") && err.contains("without --recrawl"),
        "{err}"
    );
    let err = SqliteFrontier::open_with(&path, &spec(), true, false, true)
        .err()
        .expect("--reset and --recrawl together");
    assert!(err.contains("give one of them"), "{err}");
}

/// A finished crawl written by a silk before schema 4 (no validators, no final_fp), whose
/// `/r` was a followed redirect to `/t`: the recrawl upgrades it, finds `/t` through `/r`'s
/// record (queued as a page of its own, its old record reused on a 304) and counts right.
#[test]
fn an_older_state_file_is_revisited_and_its_redirect_targets_are_pages() {
    let tmp = TempDb::new("recrawl-old");
    let path = tmp.path();
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(super::tests::VERSION_1_TABLES).unwrap();
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('spec', ?1), ('finished', '1')",
            [serde_json::to_string(&spec()).unwrap()],
        )
        .unwrap();
        let mut redirected = record("/r", None);
        redirected.final_url = Some(url("/t").to_string());
        redirected.depth = 1;
        redirected.fields = vec![("title".into(), serde_json::Value::from("T"))];
        for (i, r) in [record("/", None), redirected].iter().enumerate() {
            let fp = schema::sql_fp(fingerprint(&r.url));
            conn.execute(
                "INSERT INTO pages (id, fp, url, depth, done) VALUES (?1, ?2, ?3, ?4, 1)",
                rusqlite::params![i as i64 + 1, fp, r.url, r.depth],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO records (fp, status, json) VALUES (?1, 200, ?2)",
                rusqlite::params![fp, stored_record(r)],
            )
            .unwrap();
        }
    }
    let mut store = open_recrawl(&path).expect("an older finished crawl is revisited");
    let popped = pop_all(&mut store);
    assert_eq!(
        popped,
        vec![
            ("/".into(), 0, None),
            ("/r".into(), 1, None),
            ("/t".into(), 1, None)
        ]
    );
    let old = block_on(store.previous_record(&url("/t"))).expect("/t's content, from /r");
    assert_eq!(old.fields[0].1, "T");
    let mut t = record("/t", None);
    t.status = Some(304);
    t.not_modified = true;
    block_on(store.complete(&record("/", None), vec![]));
    block_on(store.complete(&with_status(record("/r", None), 301), vec![]));
    block_on(store.complete(&t, vec![]));
    block_on(store.close(true));
    assert_eq!(
        store.recrawl_counts(),
        Some(RecrawlCounts {
            unchanged: 1,
            changed: 1,
            new: 0,
            gone: 0
        })
    );
}
