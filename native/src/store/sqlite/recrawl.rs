//! `silk crawl --state FILE --recrawl`: a new pass over a finished crawl, asking each page
//! "changed since?" with the validators the previous pass stored.
//!
//! How the file holds passes: `records` is the current pass (one record per URL, what
//! `silk export` writes), `previous` the pass before it (kept until the next `--recrawl`,
//! for 304s, validators and the unchanged/changed/new/gone counts). Starting a pass, in one
//! transaction: `records` replace `previous`, the seen-set and claims are emptied, and every
//! page of the previous pass is queued again in its old order with its depth (plus each
//! redirect target reached through a claim), so a page is revisited even when no page
//! links to it any more: that is how a removed page is found "gone", and why a 304 page's
//! links need not be stored: every page they led to is queued anyway (Heritrix's
//! "recrawl the known URL set").
//!
//! A pass is found again when the same command reruns (`meta.pass` > 1, not finished): a
//! recrawl killed half-way resumes like any crawl. A first crawl that has not finished is
//! refused: `--recrawl` of a crawl that never completed would count its unfetched pages as
//! "new".
//!
//! Lookups (a popped URL's validators, a 304's previous record) go by the fingerprint of
//! the page the previous record ended on (`final_fp`), on a read-only connection of their
//! own (WAL lets it read while the writer thread commits), one indexed point query each.

use super::schema::{count, db_error, new_crawl_id, read_meta, sql_fp, CRAWL_ID_KEY};
use crate::store::record_from_stored;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde_json::Value;
use silk::url_norm::fingerprint;
use silk::{Record, RecrawlCounts, Validators};
use std::path::Path;

/// Meta key: which pass the file holds (absent: 1, the first crawl).
pub(super) const PASS_KEY: &str = "pass";

/// Schema version 4: the validators and final page of each record, and the previous pass.
/// Idempotent: adds only what is missing (the lead merges version 4 steps of two helpers).
pub(super) fn add_recrawl_columns(conn: &Connection) -> rusqlite::Result<()> {
    for (column, kind) in [
        ("etag", "TEXT"),
        ("last_modified", "TEXT"),
        ("final_fp", "INTEGER"),
    ] {
        let present: i64 = conn.query_row(
            "SELECT count(*) FROM pragma_table_info('records') WHERE name = ?1",
            params![column],
            |r| r.get(0),
        )?;
        if present == 0 {
            conn.execute_batch(&format!("ALTER TABLE records ADD COLUMN {column} {kind};"))?;
        }
    }
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS previous (
            fp INTEGER PRIMARY KEY,
            final_fp INTEGER NOT NULL,
            status INTEGER,
            etag TEXT,
            last_modified TEXT,
            json TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS previous_final ON previous (final_fp);",
    )
}

/// Which pass the file holds.
pub(super) fn pass(conn: &Connection) -> rusqlite::Result<u64> {
    Ok(read_meta(conn, PASS_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(1))
}

/// `--recrawl` on a file whose crawl is `finished` (or reached its page limit): starts the
/// next pass. On an unfinished recrawl pass it does nothing (the pass resumes); on an
/// unfinished first crawl it refuses.
pub(super) fn start_pass(conn: &mut Connection, path: &Path, finished: bool) -> Result<(), String> {
    let err = |e: rusqlite::Error| db_error(path, format!("cannot start the recrawl: {e}"));
    let current = pass(conn).map_err(err)?;
    if !finished {
        if current > 1 {
            return Ok(());
        }
        let done = count(conn, "SELECT count(*) FROM records").map_err(err)?;
        let queued = count(conn, "SELECT count(*) FROM pages WHERE done = 0").map_err(err)?;
        if done == 0 && queued == 0 {
            return Err(format!(
                "{0} holds no crawl to revisit yet: run the same command without --recrawl first",
                path.display()
            ));
        }
        return Err(format!(
            "the crawl in {0} has not finished ({done} records, {queued} queued): rerun the same \
             command without --recrawl to finish it first, then --recrawl revisits it",
            path.display()
        ));
    }
    let tx = conn.transaction().map_err(err)?;
    tx.execute_batch("DELETE FROM previous;").map_err(err)?;
    let targets = keep_as_previous(&tx).map_err(err)?;
    tx.execute_batch(
        "DELETE FROM records; DELETE FROM claims; UPDATE pages SET done = 0, attempts = 0;",
    )
    .map_err(err)?;
    for (fp, url, depth, referer) in targets {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO pages (fp, url, depth, referer) VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut s| s.execute(params![sql_fp(fp), url, depth, referer]))
        .map_err(err)?;
    }
    for (key, value) in [
        (PASS_KEY, (current + 1).to_string()),
        ("finished", "0".to_string()),
        (CRAWL_ID_KEY, new_crawl_id()),
    ] {
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )
        .map_err(err)?;
    }
    tx.commit().map_err(err)
}

/// A page to queue again: fingerprint, URL, depth, referer.
type Requeue = (u64, String, u32, Option<String>);

/// Copies `records` into `previous` (with each record's final page, computed from its
/// JSON for records an older silk wrote); returns the redirect targets the previous pass
/// fetched through a claim, to be queued as pages of their own.
fn keep_as_previous(conn: &Connection) -> rusqlite::Result<Vec<Requeue>> {
    let mut targets = Vec::new();
    let mut read =
        conn.prepare("SELECT fp, status, etag, last_modified, json, final_fp FROM records")?;
    let mut rows = read.query([])?;
    let mut insert = conn.prepare(
        "INSERT OR REPLACE INTO previous (fp, final_fp, status, etag, last_modified, json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    while let Some(row) = rows.next()? {
        let fp: i64 = row.get(0)?;
        let status: Option<i64> = row.get(1)?;
        let json: String = row.get(4)?;
        let stored_final: Option<i64> = row.get(5)?;
        let parsed: Option<Value> = serde_json::from_str(&json).ok();
        let final_url = parsed
            .as_ref()
            .and_then(|v| v["final_url"].as_str().map(String::from));
        let final_fp = stored_final
            .or_else(|| final_url.as_deref().map(|u| sql_fp(fingerprint(u))))
            .unwrap_or(fp);
        insert.execute(params![
            fp,
            final_fp,
            status,
            row.get::<_, Option<String>>(2)?,
            row.get::<_, Option<String>>(3)?,
            json
        ])?;
        let served = status.is_some_and(|s| (200..300).contains(&s) || s == 304);
        if let (true, true, Some(url), Some(v)) = (served, final_fp != fp, final_url, &parsed) {
            let depth = v["depth"].as_u64().unwrap_or(0).min(u32::MAX.into()) as u32;
            let referer = v["referer"].as_str().map(String::from);
            targets.push((final_fp as u64, url, depth, referer));
        }
    }
    Ok(targets)
}

/// Unchanged/changed/new/gone over the current pass (see [`RecrawlCounts`]).
pub(super) fn counts(conn: &Connection) -> rusqlite::Result<RecrawlCounts> {
    const KNOWN: &str = "(EXISTS (SELECT 1 FROM previous p WHERE p.fp = r.fp)
        OR EXISTS (SELECT 1 FROM previous p WHERE p.final_fp = coalesce(r.final_fp, r.fp)))";
    Ok(RecrawlCounts {
        unchanged: count(
            conn,
            "SELECT count(*) FROM records WHERE status = 304 AND error_kind IS NULL",
        )?,
        changed: count(
            conn,
            &format!(
                "SELECT count(*) FROM records r WHERE r.status BETWEEN 200 AND 299 AND {KNOWN}"
            ),
        )?,
        new: count(
            conn,
            &format!(
                "SELECT count(*) FROM records r WHERE r.status BETWEEN 200 AND 299 AND NOT {KNOWN}"
            ),
        )?,
        gone: count(
            conn,
            "SELECT count(*) FROM records r WHERE r.status IN (404, 410) AND EXISTS (
                SELECT 1 FROM previous p WHERE (p.fp = r.fp OR p.final_fp = r.fp)
                AND (p.status BETWEEN 200 AND 299 OR p.status = 304))",
        )?,
    })
}

/// The previous pass, read on a connection of its own while a recrawl runs.
pub(super) struct Lookup {
    conn: Connection,
}

/// Previous records of a page: the one that ended on it, served (2xx or 304), preferring
/// the page's own record over a redirect that led to it.
const BY_PAGE: &str = "FROM previous WHERE final_fp = ?1
    AND (status BETWEEN 200 AND 299 OR status = 304) ORDER BY (fp = final_fp) DESC LIMIT 1";

impl Lookup {
    pub fn open(path: &Path) -> Result<Lookup, String> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(|c| {
            c.busy_timeout(std::time::Duration::from_secs(10))
                .map(|_| c)
        })
        .map_err(|e| db_error(path, format!("cannot read the previous pass: {e}")))?;
        Ok(Lookup { conn })
    }

    /// The validators the previous pass got for the page `url`. A failed read (it should
    /// not fail) only costs a full fetch.
    pub fn validators(&self, url: &str) -> Option<Validators> {
        let fp = sql_fp(fingerprint(url));
        self.conn
            .prepare_cached(&format!("SELECT etag, last_modified {BY_PAGE}"))
            .and_then(|mut s| {
                s.query_row(params![fp], |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                    ))
                })
                .optional()
            })
            .ok()
            .flatten()
            .and_then(|(etag, date)| Validators::from_parts(etag.as_deref(), date.as_deref()))
    }

    /// The previous pass's record of the page `url` (its fields and items).
    pub fn record(&self, url: &str) -> Option<Record> {
        let fp = sql_fp(fingerprint(url));
        let json: String = self
            .conn
            .prepare_cached(&format!("SELECT json {BY_PAGE}"))
            .and_then(|mut s| s.query_row(params![fp], |r| r.get(0)).optional())
            .ok()
            .flatten()?;
        record_from_stored(&json).ok()
    }

    pub fn counts(&self) -> Option<RecrawlCounts> {
        counts(&self.conn).ok()
    }
}
