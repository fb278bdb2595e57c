//! Page handlers on the command line, end to end: a Rust spider built on the silk CLI
//! library (`tests/src/bin/test_spider.rs`) and the real `silk` binary, against a real
//! `silk arena` over 127.0.0.1. Items survive `kill -9` with `--state` (each page's items
//! exactly once, the meta of queued links kept), `-o FILE.sqlite` holds real rows, and a
//! spec carrying JavaScript `code` is refused by `silk crawl`.

use rusqlite::Connection;
use serde_json::{json, Value};
use silk_tests::{read_jsonl, records_by_url, silk, silk_ok, stderr, ArenaProcess, TempDir};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const SPIDER: &str = env!("CARGO_BIN_EXE_test_spider");
const KILLS: u64 = 3;
const CONCURRENCY: u64 = 4;

fn spider(args: &[&str]) -> Output {
    Command::new(SPIDER)
        .args(args)
        .output()
        .expect("spider runs")
}

fn spider_ok(args: &[&str]) -> Output {
    let o = spider(args);
    assert!(
        o.status.success(),
        "test_spider {args:?}: exit {:?}: {}",
        o.status,
        stderr(&o)
    );
    o
}

/// The items of a record (none: the key is absent).
fn items_of(record: &Value) -> Vec<Value> {
    record
        .get("items")
        .map(|i| i.as_array().expect("items is an array").clone())
        .unwrap_or_default()
}

/// A page the handler ran on: fetched, no error (so an HTML page with status < 400).
fn handled(record: &Value) -> bool {
    record["error"].is_null() && record["status"].as_u64().is_some_and(|s| s < 300)
}

/// Every handled page has exactly its one item `{url, h1, from}`: the h1 the spec's own
/// field extracted, and `from` the meta its referring page attached, i.e. the referer;
/// other records have none. Returns url -> h1.
fn assert_one_item_per_page(records: &[Value]) -> BTreeMap<String, Value> {
    records_by_url(records);
    let mut h1s = BTreeMap::new();
    for r in records {
        let items = items_of(r);
        if !handled(r) {
            assert!(
                items.is_empty(),
                "a page the handler never saw has items: {r}"
            );
            continue;
        }
        let expected = json!({"url": r["url"], "h1": r["h1"], "from": r["referer"]});
        assert_eq!(items, [expected], "items of {}", r["url"]);
        h1s.insert(r["url"].as_str().unwrap().to_string(), r["h1"].clone());
    }
    h1s
}

fn status_done(db: &Path) -> u64 {
    let o = silk_ok(&["status", db.to_str().unwrap()]);
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("done:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("silk status prints done")
}

fn query<T: rusqlite::types::FromSql>(db: &Path, sql: &str) -> Vec<Vec<T>> {
    let conn = Connection::open(db).expect("open output database");
    let mut stmt = conn.prepare(sql).expect(sql);
    let n = stmt.column_count();
    stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// The test: the spider is SIGKILLed mid-crawl several times, resumes from its
/// `--state` file and finishes; `silk export` then has every page's item exactly once,
/// with the meta of links queued before a kill intact, and the same pages and h1s as an
/// uninterrupted run.
#[test]
fn spider_items_survive_kill_nine_with_state() {
    // At most CONCURRENCY / 25 ms = 160 pages/s: 500 pages take 3 s or more, the kills come
    // within 1.8 s.
    let arena = ArenaProcess::start(&["--pages", "500", "--latency-ms", "25", "--no-faults"]);
    let tmp = TempDir::new("spider-kill");
    let db = tmp.path("crawl.db");
    let url = format!("{}/", arena.url);
    let concurrency = CONCURRENCY.to_string();
    let crawl = |db: &Path| -> Vec<String> {
        let args = [
            &url,
            "--state",
            db.to_str().unwrap(),
            "-c",
            &concurrency,
            "--select",
            "h1=h1",
            "-q",
        ];
        args.map(String::from).to_vec()
    };
    let args = crawl(&db);
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.subsec_nanos() as u64);
    for kill in 1..=KILLS {
        let mut child = Command::new(SPIDER)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spider starts");
        // Kill mid-crawl, not while the process starts up (slow on a loaded machine): from
        // the moment the state file holds the crawl.
        let started = std::time::Instant::now();
        while !silk(&["status", db.to_str().unwrap()]).status.success() {
            assert!(started.elapsed() < Duration::from_secs(20), "no state file");
            std::thread::sleep(Duration::from_millis(20));
        }
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let after = Duration::from_millis(200 + (seed >> 33) % 400);
        std::thread::sleep(after);
        assert!(
            child.try_wait().expect("child status").is_none(),
            "kill {kill}: the spider ended before it was killed ({after:?})"
        );
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        println!(
            "kill {kill} after {after:?}: {} records durable",
            status_done(&db)
        );
    }
    let before_last = status_done(&db);
    assert!(
        before_last > 0,
        "the kills all came before any page was kept"
    );

    // `silk crawl` (no handler) may not finish the spider's crawl.
    let mut plain = vec!["crawl"];
    plain.extend(args.iter().map(String::as_str));
    let refused = silk(&plain);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("same spider"),
        "{}",
        stderr(&refused)
    );

    let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
    spider_ok(&args_ref);
    let stats = arena.stats();
    let duplicates = stats["duplicate_fetches"].as_u64().unwrap();
    assert!(
        duplicates <= KILLS * CONCURRENCY,
        "{duplicates} duplicate fetches after {KILLS} kills: {stats}"
    );

    let out = tmp.path("out.jsonl");
    silk_ok(&["export", db.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let records = read_jsonl(&out);
    assert!(records.len() as u64 > before_last);
    let h1s = assert_one_item_per_page(&records);
    let recorded: BTreeSet<&str> = records.iter().filter_map(|r| r["url"].as_str()).collect();
    let missing: Vec<String> = arena
        .expected_pages()
        .into_iter()
        .filter(|p| !recorded.contains(p.as_str()))
        .collect();
    assert!(missing.is_empty(), "pages never recorded: {missing:?}");
    assert!(h1s.len() >= 500, "{} pages with items", h1s.len());
    let from_meta = records
        .iter()
        .filter(|r| !items_of(r).is_empty() && !r["referer"].is_null())
        .count();
    assert!(
        from_meta >= 500,
        "{from_meta} items carry their link's meta"
    );

    // An uninterrupted run has the same pages and the same h1s.
    let fresh = tmp.path("fresh.db");
    let fresh_args = crawl(&fresh);
    spider_ok(&fresh_args.iter().map(String::as_str).collect::<Vec<_>>());
    let fresh_out = tmp.path("fresh.jsonl");
    silk_ok(&[
        "export",
        fresh.to_str().unwrap(),
        "-o",
        fresh_out.to_str().unwrap(),
    ]);
    assert_eq!(assert_one_item_per_page(&read_jsonl(&fresh_out)), h1s);

    // The same export into SQLite, twice (the crawl is replaced, not added again).
    let sqlite = tmp.path("out.sqlite");
    for _ in 0..2 {
        silk_ok(&[
            "export",
            db.to_str().unwrap(),
            "-o",
            sqlite.to_str().unwrap(),
        ]);
    }
    let rows: Vec<Vec<String>> = query(
        &sqlite,
        "SELECT url, coalesce(json_extract(item, '$.h1'), 'null') FROM items ORDER BY id",
    );
    assert_eq!(rows.len(), h1s.len(), "one item row per page");
    for row in &rows {
        let h1 = match &h1s[&row[0]] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        assert_eq!(row[1], h1, "{}", row[0]);
    }
    let counts: Vec<Vec<i64>> = query(
        &sqlite,
        "SELECT count(*), count(DISTINCT crawl) FROM records",
    );
    assert_eq!(counts, [vec![records.len() as i64, 1]]);

    // CSV from the spider's state has the items column.
    let csv = tmp.path("out.csv");
    silk_ok(&["export", db.to_str().unwrap(), "-o", csv.to_str().unwrap()]);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        "url,final_url,status,depth,referer,bytes,elapsed_ms,protocol,h1,error,items"
    );
}

/// `-o FILE.sqlite` from `silk crawl` (fields as columns, the same records as JSONL), a
/// second crawl into the same file (a second crawl id), and the spider's items table.
#[test]
fn sqlite_output_holds_records_fields_and_items() {
    let arena = ArenaProcess::start(&["--pages", "40"]);
    let tmp = TempDir::new("spider-sqlite");
    let url = format!("{}/", arena.url);
    let jsonl = tmp.path("out.jsonl");
    let db = tmp.path("out.sqlite");
    let fields = ["--select", "title=title", "--select", "h1=h1", "-q", "-o"];
    let run = |out: &Path| {
        let mut args = vec!["crawl", &url];
        args.extend(fields);
        args.push(out.to_str().unwrap());
        silk_ok(&args);
    };
    run(&jsonl);
    run(&db);
    let records = read_jsonl(&jsonl);
    let expected: BTreeMap<String, (Option<u64>, Value, Option<String>)> = records
        .iter()
        .map(|r| {
            let url = r["url"].as_str().unwrap().to_string();
            let kind = r["error"]["kind"].as_str().map(String::from);
            (url, (r["status"].as_u64(), r["title"].clone(), kind))
        })
        .collect();
    let rows: Vec<Vec<rusqlite::types::Value>> = query(
        &db,
        "SELECT url, status, title, error_kind FROM records WHERE crawl = 1",
    );
    let got: BTreeMap<String, (Option<u64>, Value, Option<String>)> = rows
        .into_iter()
        .map(|row| {
            use rusqlite::types::Value as Sql;
            let text = |v: &Sql| match v {
                Sql::Text(s) => Some(s.clone()),
                _ => None,
            };
            let status = match row[1] {
                Sql::Integer(s) => Some(s as u64),
                _ => None,
            };
            let title = text(&row[2]).map_or(Value::Null, Value::from);
            (text(&row[0]).unwrap(), (status, title, text(&row[3])))
        })
        .collect();
    assert_eq!(got, expected, "the SQLite records are the JSONL records");
    assert!(
        expected.values().any(|(_, title, _)| title.is_string()),
        "the title field was extracted"
    );
    let no_items: Vec<Vec<i64>> = query(&db, "SELECT count(*) FROM items");
    assert_eq!(no_items, [vec![0]], "a declarative crawl yields no items");

    // A second crawl into the file is crawl 2, with the same number of records.
    run(&db);
    let per_crawl: Vec<Vec<i64>> = query(
        &db,
        "SELECT crawl, count(*) FROM records GROUP BY crawl ORDER BY crawl",
    );
    let n = records.len() as i64;
    assert_eq!(per_crawl, [vec![1, n], vec![2, n]]);

    // The spider's items, queried with json_extract.
    let items_db = tmp.path("items.sqlite");
    spider_ok(&[
        &url,
        "--select",
        "h1=h1",
        "-q",
        "-o",
        items_db.to_str().unwrap(),
    ]);
    let rows: Vec<Vec<Option<String>>> = query(
        &items_db,
        "SELECT records.url, records.h1, json_extract(items.item, '$.h1'), json_extract(items.item, '$.url') \
         FROM items JOIN records ON records.id = items.record",
    );
    // Every page the handler ran on has its item; the one fetched page it does not run
    // on is the arena's non-HTML one.
    let without_items: Vec<Vec<String>> = query(
        &items_db,
        "SELECT url FROM records WHERE error_kind IS NULL AND status < 300 \
         AND id NOT IN (SELECT record FROM items)",
    );
    assert_eq!(
        without_items,
        [vec![format!("{}/faults/not-html", arena.url)]]
    );
    assert!(rows.len() >= 40, "{} items", rows.len());
    for row in rows {
        assert_eq!(row[1], row[2], "the item's h1 is the page's h1: {row:?}");
        assert_eq!(row[0], row[3]);
    }

    // A --state file is never taken for an output.
    let state = tmp.path("crawl.db");
    let o = silk(&[
        "crawl",
        &url,
        "--state",
        state.to_str().unwrap(),
        "-o",
        state.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is the --state file"), "{}", stderr(&o));
}

/// A spec with JavaScript `code` (as the playground exports it) is refused before anything
/// is fetched, saying where it runs and what to do instead.
#[test]
fn a_spec_with_javascript_code_is_refused() {
    let arena = ArenaProcess::start(&["--pages", "5"]);
    let tmp = TempDir::new("spider-code");
    let spec = tmp.path("spec.json");
    let url = format!("{}/", arena.url);
    std::fs::write(
        &spec,
        json!({"seeds": [url], "code": "export default async (page) => ({ items: [] })"})
            .to_string(),
    )
    .unwrap();
    let o = silk(&["crawl", "--spec", spec.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let message = stderr(&o);
    for says in ["`code`", "browser", "Rust", "remove `code`"] {
        assert!(message.contains(says), "{says:?} missing in: {message}");
    }
    let o = spider(&["--spec", spec.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("Rust handler"), "{}", stderr(&o));
    assert_eq!(arena.stats()["page_requests"], 0, "a refused crawl fetched");
}
