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
    error_message TEXT,
    protocol TEXT
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
    "protocol",
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
        add_protocol_column(&conn).map_err(err)?;
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

    /// Commits, then checkpoints the WAL (which fsyncs it and the database): with
    /// `synchronous=NORMAL` a commit alone may not survive a power cut.
    pub fn sync(&mut self) -> Result<(), String> {
        self.flush()?;
        self.conn
            .query_row("PRAGMA wal_checkpoint(FULL)", [], |_| Ok(()))
            .map_err(|e| self.error(e))
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
            text(record.protocol),
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

/// `records.protocol` (the HTTP version), added to a file written before it existed (NULL in
/// its earlier crawls). Idempotent; no schema version bump, an older silk names its columns.
fn add_protocol_column(conn: &Connection) -> rusqlite::Result<()> {
    let present: i64 = conn.query_row(
        "SELECT count(*) FROM pragma_table_info('records') WHERE lower(name) = 'protocol'",
        [],
        |r| r.get(0),
    )?;
    if present == 0 {
        conn.execute_batch("ALTER TABLE records ADD COLUMN protocol TEXT")?;
    }
    Ok(())
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
    // The spec without its secrets (header tokens, proxy passwords), like a state file's.
    let spec = &crate::store::spec_for_storage(spec);
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
mod tests;
