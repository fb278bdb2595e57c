//! The SQLite output against real database files: rows, crawls, refusals.

use super::*;
use serde_json::json;
use silk::{ErrorKind, FetchError, FieldSpec};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("silk-out-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn spec(fields: &[&str]) -> CrawlSpec {
    CrawlSpec {
        seeds: vec!["http://h/".into()],
        fields: fields
            .iter()
            .map(|f| FieldSpec::parse_cli(f).unwrap())
            .collect(),
        ..Default::default()
    }
}

fn record(path: &str, fields: Vec<(&str, Value)>, items: Vec<Value>) -> Record {
    Record {
        url: format!("http://h{path}"),
        final_url: None,
        status: Some(200),
        depth: 1,
        referer: Some("http://h/".into()),
        bytes: 10,
        elapsed_ms: 2.25,
        fields: fields
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect(),
        error: None,
        items,
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

fn write_all(path: &Path, spec: &CrawlSpec, crawl: CrawlId, records: &[Record]) {
    let mut out = SqliteOutput::open(path, spec, &crawl).unwrap();
    for r in records {
        out.write(r).unwrap();
    }
    out.flush().unwrap();
}

fn rows(path: &Path, sql: &str) -> Vec<Vec<Sql>> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| (0..n).map(|i| r.get::<_, Sql>(i)).collect())
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn t(s: &str) -> Sql {
    Sql::Text(s.into())
}

#[test]
fn records_fields_errors_and_items_become_rows() {
    let tmp = TempDir::new("rows");
    let db = tmp.0.join("out.sqlite");
    let mut failed = record("/gone", vec![("title", Value::Null)], Vec::new());
    failed.status = Some(404);
    failed.error = Some(FetchError::new(ErrorKind::Http, "404 Not Found"));
    let records = [
        record(
            "/a",
            vec![("title", json!("A")), ("tags", json!(["x", "y"]))],
            vec![json!({"h1": "A", "n": 1}), json!({"h1": "A2", "n": 2})],
        ),
        failed,
    ];
    write_all(
        &db,
        &spec(&["title=title", "tags[]=li"]),
        CrawlId::New,
        &records,
    );
    assert_eq!(
        rows(&db, "SELECT crawl, url, status, depth, referer, bytes, elapsed_ms, error_kind, error_message, title, tags FROM records ORDER BY id"),
        [
            vec![Sql::Integer(1), t("http://h/a"), Sql::Integer(200), Sql::Integer(1), t("http://h/"), Sql::Integer(10), Sql::Real(2.3), Sql::Null, Sql::Null, t("A"), t(r#"["x","y"]"#)],
            vec![Sql::Integer(1), t("http://h/gone"), Sql::Integer(404), Sql::Integer(1), t("http://h/"), Sql::Integer(10), Sql::Real(2.3), t("http"), t("404 Not Found"), Sql::Null, Sql::Null],
        ]
    );
    assert_eq!(
        rows(&db, "SELECT items.url, json_extract(item, '$.h1'), records.title FROM items JOIN records ON records.id = items.record ORDER BY items.id"),
        [
            vec![t("http://h/a"), t("A"), t("A")],
            vec![t("http://h/a"), t("A2"), t("A")],
        ]
    );
}

#[test]
fn a_second_crawl_adds_a_crawl_and_new_field_columns() {
    let tmp = TempDir::new("second");
    let db = tmp.0.join("out.sqlite");
    write_all(
        &db,
        &spec(&["title=title"]),
        CrawlId::New,
        &[record("/a", vec![("title", json!("A"))], Vec::new())],
    );
    // A field named like a standard column gets a suffixed column.
    write_all(
        &db,
        &spec(&["title=title", "price=.price", "id=.sku"]),
        CrawlId::New,
        &[record(
            "/a",
            vec![
                ("title", json!("A'")),
                ("price", json!("9")),
                ("id", json!("S1")),
            ],
            Vec::new(),
        )],
    );
    assert_eq!(
        rows(
            &db,
            "SELECT crawl, title, price, id_2 FROM records ORDER BY id"
        ),
        [
            vec![Sql::Integer(1), t("A"), Sql::Null, Sql::Null],
            vec![Sql::Integer(2), t("A'"), t("9"), t("S1")],
        ]
    );
    assert_eq!(
        rows(&db, "SELECT count(*) FROM crawls"),
        [vec![Sql::Integer(2)]]
    );
}

#[test]
fn a_snapshot_replaces_its_crawl_and_a_stream_appends_to_it() {
    let tmp = TempDir::new("snapshot");
    let db = tmp.0.join("out.sqlite");
    let s = spec(&[]);
    let one = [record("/a", vec![], vec![json!(1)])];
    let two = [
        record("/a", vec![], vec![json!(1)]),
        record("/b", vec![], vec![json!(2)]),
    ];
    write_all(&db, &s, CrawlId::New, &one);
    write_all(&db, &s, CrawlId::Snapshot("k".into()), &one);
    write_all(&db, &s, CrawlId::Snapshot("k".into()), &two);
    write_all(&db, &s, CrawlId::Stream("r".into()), &one);
    write_all(&db, &s, CrawlId::Stream("r".into()), &two[1..]);
    assert_eq!(
        rows(&db, "SELECT crawls.id, key, count(records.id) FROM crawls LEFT JOIN records ON records.crawl = crawls.id GROUP BY crawls.id ORDER BY crawls.id"),
        [
            vec![Sql::Integer(1), Sql::Null, Sql::Integer(1)],
            vec![Sql::Integer(2), t("k"), Sql::Integer(2)],
            vec![Sql::Integer(3), t("r"), Sql::Integer(2)],
        ]
    );
    assert_eq!(
        rows(
            &db,
            "SELECT crawl, count(*) FROM items GROUP BY crawl ORDER BY crawl"
        ),
        [
            vec![Sql::Integer(1), Sql::Integer(1)],
            vec![Sql::Integer(2), Sql::Integer(2)],
            vec![Sql::Integer(3), Sql::Integer(2)],
        ]
    );
}

#[test]
fn a_state_file_or_a_foreign_database_is_refused() {
    let tmp = TempDir::new("refuse");
    let state = tmp.0.join("crawl.db");
    Connection::open(&state)
        .unwrap()
        .execute_batch(&format!(
            "PRAGMA application_id={STATE_APPLICATION_ID}; CREATE TABLE meta (k)"
        ))
        .unwrap();
    let Err(e) = SqliteOutput::open(&state, &spec(&[]), &CrawlId::New) else {
        panic!("a --state file must not become an output")
    };
    assert!(
        e.contains("--state file") && e.contains("silk export"),
        "{e}"
    );
    let other = tmp.0.join("app.sqlite");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE users (name)")
        .unwrap();
    let Err(e) = SqliteOutput::open(&other, &spec(&[]), &CrawlId::New) else {
        panic!("another program's database must be left alone")
    };
    assert!(e.contains("something else"), "{e}");
    let text = tmp.0.join("notes.db");
    std::fs::write(
        &text,
        "plain text, not a database at all, long enough to have a header\n".repeat(10),
    )
    .unwrap();
    let Err(e) = SqliteOutput::open(&text, &spec(&[]), &CrawlId::New) else {
        panic!("a text file is not a database")
    };
    assert!(e.contains("not a SQLite database"), "{e}");
}
