//! `-o FILE.sqlite` (also `.sqlite3`, `.db`): records and items in a SQLite database, because
//! SQLite is what people query a crawl with afterwards.
//!
//! Layout (see [`CREATE_TABLES`]): `crawls` has one row per crawl; `records` one row per
//! record, with the standard columns, the error split into `error_kind` and
//! `error_message`, and one TEXT column per spec field (arrays as JSON text); `items` one
//! row per item a page handler yielded, the item as JSON text (`json_extract(item, '$.h1')`),
//! with the page's `url` and its `record` row.
//!
//! A second crawl into the same file adds a crawl instead of replacing the file: a database
//! is where crawls accumulate (yesterday's and today's prices side by side), unlike a JSONL
//! file, and replacing it would also drop any table the user added. Every row carries its
//! `crawl` id; `WHERE crawl = (SELECT max(id) FROM crawls)` is the latest. Fields a later
//! spec adds become new columns (NULL for earlier crawls). Where the records come from
//! decides which crawl they belong to ([`CrawlId`]): a crawl run by this process is a new
//! crawl; a `--state` crawl is one crawl however often it was resumed and exported (its
//! rows are replaced, in one transaction, so `-o` after every resume never duplicates); a
//! Redis crawl's records are appended to its crawl as `silk export` drains them.
//!
//! Like the JSONL writer, records are buffered and written whole: a batch (at most
//! [`COMMIT_RECORDS`] records or [`COMMIT_EVERY`] apart) is one transaction holding each
//! record with its items, so a crawl killed mid-way leaves only whole records behind.
//! The file is identified by `PRAGMA application_id`, so a `--state` file or another
//! program's database is never written into by mistake.

use super::CrawlId;
use rusqlite::types::Value as Sql;
use rusqlite::{params, params_from_iter, Connection};
use serde_json::Value;
use silk::{CrawlSpec, Record};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `PRAGMA application_id` of a silk output database ("slko").
const APPLICATION_ID: i64 = 0x736C_6B6F;
/// `PRAGMA application_id` of a `--state` file ("silk"), refused as an output.
const STATE_APPLICATION_ID: i64 = 0x7369_6C6B;
const SCHEMA_VERSION: i64 = 1;
/// A batch is committed after this many records or this long, whichever comes first.
const COMMIT_RECORDS: usize = 1000;
const COMMIT_EVERY: Duration = Duration::from_millis(100);

const CREATE_TABLES: &str = "
CREATE TABLE crawls (
    id INTEGER PRIMARY KEY,
    key TEXT UNIQUE,
    started TEXT NOT NULL,
    updated TEXT NOT NULL,
    seeds TEXT NOT NULL,
    spec TEXT NOT NULL
);
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    crawl INTEGER NOT NULL REFERENCES crawls(id),
    url TEXT NOT NULL,
    final_url TEXT,
    status INTEGER,
    depth INTEGER NOT NULL,
    referer TEXT,
    bytes INTEGER NOT NULL,
    elapsed_ms REAL NOT NULL,
    error_kind TEXT,
    error_message TEXT
);
CREATE INDEX records_by_crawl ON records (crawl);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    crawl INTEGER NOT NULL REFERENCES crawls(id),
    record INTEGER NOT NULL REFERENCES records(id),
    url TEXT NOT NULL,
    item TEXT NOT NULL
);
CREATE INDEX items_by_crawl ON items (crawl);
";

/// The `records` columns every crawl has, before the field columns.
const FIXED_COLUMNS: &[&str] = &[
    "id",
    "crawl",
    "url",
    "final_url",
    "status",
    "depth",
    "referer",
    "bytes",
    "elapsed_ms",
    "error_kind",
    "error_message",
];

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

pub struct SqliteOutput {
    conn: Connection,
    path: PathBuf,
    crawl: i64,
    /// Spec field name -> its column in `records`.
    fields: Vec<(String, String)>,
    insert_record: String,
    /// Records not yet written (outside a snapshot's transaction).
    pending: Vec<Record>,
    /// A snapshot export: one transaction from open to flush.
    in_transaction: bool,
    last_commit: Instant,
}

impl SqliteOutput {
    /// Opens (or creates) the database at `path` for `spec`'s records of `crawl`.
    pub fn open(path: &Path, spec: &CrawlSpec, crawl: &CrawlId) -> Result<SqliteOutput, String> {
        if path.is_dir() {
            return Err(format!(
                "{} is a directory: -o wants a file, e.g. {}",
                path.display(),
                path.join("out.sqlite").display()
            ));
        }
        let err = |e: rusqlite::Error| format!("output database {}: {e}", path.display());
        let conn = Connection::open(path)
            .map_err(|e| format!("cannot create output file {}: {e}", path.display()))?;
        let new = check_identity(&conn, path)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(err)?;
        let _: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(err)?;
        conn.execute_batch("PRAGMA synchronous=NORMAL;")
            .map_err(err)?;
        if new {
            conn.execute_batch(&format!(
                "BEGIN; {CREATE_TABLES} PRAGMA application_id={APPLICATION_ID}; \
                 PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(err)?;
        }
        let fields = field_columns(spec);
        add_missing_columns(&conn, &fields).map_err(err)?;
        let (crawl_id, in_transaction) = start_crawl(&conn, spec, crawl).map_err(err)?;
        let columns: Vec<String> = FIXED_COLUMNS[1..]
            .iter()
            .map(|c| c.to_string())
            .chain(fields.iter().map(|(_, column)| quote(column)))
            .collect();
        let insert_record = format!(
            "INSERT INTO records ({}) VALUES ({})",
            columns.join(", "),
            vec!["?"; columns.len()].join(", ")
        );
        Ok(SqliteOutput {
            conn,
            path: path.to_path_buf(),
            crawl: crawl_id,
            fields,
            insert_record,
            pending: Vec::new(),
            in_transaction,
            last_commit: Instant::now(),
        })
    }

    pub fn write(&mut self, record: &Record) -> Result<(), String> {
        if self.in_transaction {
            return self.insert(record).map_err(|e| self.error(e));
        }
        self.pending.push(record.clone());
        if self.pending.len() >= COMMIT_RECORDS || self.last_commit.elapsed() >= COMMIT_EVERY {
            self.flush()?;
        }
        Ok(())
    }

    /// Commits everything written so far.
    pub fn flush(&mut self) -> Result<(), String> {
        self.commit().map_err(|e| self.error(e))
    }

    fn commit(&mut self) -> rusqlite::Result<()> {
        if !self.in_transaction {
            if self.pending.is_empty() {
                return Ok(());
            }
            self.conn.execute_batch("BEGIN IMMEDIATE")?;
        }
        // A snapshot's transaction ends here; later writes form ordinary batches.
        self.in_transaction = false;
        let pending = std::mem::take(&mut self.pending);
        let result = pending
            .iter()
            .try_for_each(|r| self.insert(r))
            .and_then(|_| {
                self.conn.execute(
                    &format!("UPDATE crawls SET updated = {NOW} WHERE id = ?1"),
                    params![self.crawl],
                )
            });
        match result {
            Ok(_) => self.conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        self.last_commit = Instant::now();
        Ok(())
    }

    /// One record and its items.
    fn insert(&self, record: &Record) -> rusqlite::Result<()> {
        let error = record.error.as_ref();
        let mut values: Vec<Sql> = vec![
            Sql::Integer(self.crawl),
            Sql::Text(record.url.clone()),
            text(record.final_url.as_deref()),
            record.status.map_or(Sql::Null, |s| Sql::Integer(s.into())),
            Sql::Integer(record.depth.into()),
            text(record.referer.as_deref()),
            Sql::Integer(record.bytes.min(i64::MAX as u64) as i64),
            Sql::Real((record.elapsed_ms * 10.0).round() / 10.0),
            text(error.map(|e| e.kind.as_str())),
            text(error.map(|e| e.message.as_str())),
        ];
        for (name, _) in &self.fields {
            let value = record
                .fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v);
            values.push(match value {
                None | Some(Value::Null) => Sql::Null,
                Some(Value::String(s)) => Sql::Text(s.clone()),
                Some(other) => Sql::Text(other.to_string()),
            });
        }
        self.conn
            .prepare_cached(&self.insert_record)?
            .execute(params_from_iter(values))?;
        let row = self.conn.last_insert_rowid();
        let mut insert_item = self.conn.prepare_cached(
            "INSERT INTO items (crawl, record, url, item) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for item in &record.items {
            insert_item.execute(params![self.crawl, row, record.url, item.to_string()])?;
        }
        Ok(())
    }

    fn error(&self, e: rusqlite::Error) -> String {
        format!("cannot write output database {}: {e}", self.path.display())
    }
}

fn text(s: Option<&str>) -> Sql {
    s.map_or(Sql::Null, |s| Sql::Text(s.to_string()))
}

/// An SQL identifier, quoted.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Refuses a file that is not a silk output database; returns whether it is new (empty).
fn check_identity(conn: &Connection, path: &Path) -> Result<bool, String> {
    let read = |sql: &str| -> Result<i64, String> {
        conn.query_row(sql, [], |r| r.get(0)).map_err(|e| {
            format!(
                "{} is not a SQLite database ({e}); give -o a new file name",
                path.display()
            )
        })
    };
    let app_id = read("PRAGMA application_id")?;
    let tables = read("SELECT count(*) FROM sqlite_master")?;
    if app_id == 0 && tables == 0 {
        return Ok(true);
    }
    if app_id == STATE_APPLICATION_ID {
        return Err(format!(
            "{0} is a silk --state file, not an output: give -o another name \
             (`silk export {0} -o out.sqlite` writes its records)",
            path.display()
        ));
    }
    if app_id != APPLICATION_ID {
        return Err(format!(
            "{} is a SQLite database of something else, not silk records: give -o a new file name",
            path.display()
        ));
    }
    let version = read("PRAGMA user_version")?;
    if version > SCHEMA_VERSION {
        return Err(format!(
            "{} was written by a newer silk (output schema {version}; this silk writes {SCHEMA_VERSION}): \
             upgrade silk or give -o a new file name",
            path.display()
        ));
    }
    Ok(false)
}

/// Each spec field's column: its name, or `name_2`, `name_3`... if that is taken by a
/// standard column or an earlier field (SQLite names ignore case).
fn field_columns(spec: &CrawlSpec) -> Vec<(String, String)> {
    let mut taken: Vec<String> = FIXED_COLUMNS.iter().map(|c| c.to_string()).collect();
    let mut out = Vec::new();
    for field in &spec.fields {
        let mut column = field.name.clone();
        let mut n = 2;
        while taken.contains(&column.to_lowercase()) {
            column = format!("{}_{n}", field.name);
            n += 1;
        }
        taken.push(column.to_lowercase());
        out.push((field.name.clone(), column));
    }
    out
}

/// A spec with fields the file has no column for yet adds them (NULL in earlier crawls).
fn add_missing_columns(conn: &Connection, fields: &[(String, String)]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare("SELECT lower(name) FROM pragma_table_info('records')")?;
    let existing: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for (_, column) in fields {
        if !existing.contains(&column.to_lowercase()) {
            conn.execute_batch(&format!(
                "ALTER TABLE records ADD COLUMN {} TEXT",
                quote(column)
            ))?;
        }
    }
    Ok(())
}

/// The crawl's row id, and whether a transaction is left open (a snapshot, whose earlier
/// rows are deleted in it).
fn start_crawl(
    conn: &Connection,
    spec: &CrawlSpec,
    crawl: &CrawlId,
) -> rusqlite::Result<(i64, bool)> {
    let spec_json = serde_json::to_string(spec).unwrap_or_default();
    let seeds = serde_json::to_string(&spec.seeds).unwrap_or_default();
    let key = match crawl {
        CrawlId::New => None,
        CrawlId::Snapshot(key) | CrawlId::Stream(key) => Some(key),
    };
    let snapshot = matches!(crawl, CrawlId::Snapshot(_));
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        let existing: Option<i64> = match key {
            Some(key) => conn
                .query_row("SELECT id FROM crawls WHERE key = ?1", params![key], |r| {
                    r.get(0)
                })
                .map(Some)
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    e => Err(e),
                })?,
            None => None,
        };
        let id = match existing {
            Some(id) => {
                conn.execute(
                    &format!(
                        "UPDATE crawls SET spec = ?2, seeds = ?3, updated = {NOW} WHERE id = ?1"
                    ),
                    params![id, spec_json, seeds],
                )?;
                id
            }
            None => {
                conn.execute(
                    &format!(
                        "INSERT INTO crawls (key, started, updated, seeds, spec) VALUES (?1, {NOW}, {NOW}, ?2, ?3)"
                    ),
                    params![key, seeds, spec_json],
                )?;
                conn.last_insert_rowid()
            }
        };
        if snapshot {
            conn.execute("DELETE FROM items WHERE crawl = ?1", params![id])?;
            conn.execute("DELETE FROM records WHERE crawl = ?1", params![id])?;
        }
        Ok(id)
    })();
    match result {
        Ok(id) if snapshot => Ok((id, true)),
        Ok(id) => conn.execute_batch("COMMIT").map(|_| (id, false)),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
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
            started_ms: 0.0,
            slot: 0,
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
}
