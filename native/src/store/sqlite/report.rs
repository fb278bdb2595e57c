//! `silk export` and `silk status` on a state file, read-only (WAL lets them run while a
//! crawl writes the file).

use super::schema::{count, db_error, open_read_only, read_meta, CRAWL_ID_KEY, HANDLER_KEY};
use crate::output::{CrawlId, RecordWriter, Source, Target};
use crate::store::record_from_stored;
use rusqlite::Connection;
use silk::CrawlSpec;
use std::fmt::Write as _;
use std::path::Path;

/// Writes every record in the state file `db` to `out` (as `-o` takes it: .jsonl, .csv,
/// .sqlite, FILE:FORMAT, `-`), in commit order; returns how many.
pub fn export(db: &Path, out: &Path) -> Result<u64, String> {
    let target = Target::parse(Some(out), None)?;
    if let Some(note) = &target.note {
        eprintln!("{note}");
    }
    export_to(db, &target)
}

/// [`export`] to a resolved `-o`.
pub fn export_to(db: &Path, target: &Target) -> Result<u64, String> {
    let out = match target.path() {
        Some(path) => path.display().to_string(),
        None => "stdout".to_string(),
    };
    let conn = open_read_only(db)?;
    let spec = stored_spec(&conn, db)?;
    let meta = |key| read_meta(&conn, key).map_err(|e| db_error(db, e));
    let items = meta(HANDLER_KEY)?.is_some_and(|v| v == "1");
    // Files from before crawl ids: the file itself names the crawl.
    let crawl = match meta(CRAWL_ID_KEY)? {
        Some(id) => id,
        None => format!(
            "state:{}",
            db.canonicalize()
                .unwrap_or_else(|_| db.to_path_buf())
                .display()
        ),
    };
    let source = Source {
        items,
        crawl: CrawlId::Snapshot(crawl),
    };
    let mut writer = RecordWriter::open(target, &spec, source)?;
    let write_err = |e: std::io::Error| format!("cannot write {out}: {e}");
    let read_err = |e: rusqlite::Error| db_error(db, format!("cannot read records: {e}"));
    let mut stmt = conn
        .prepare("SELECT json FROM records ORDER BY seq")
        .map_err(read_err)?;
    let mut rows = stmt.query([]).map_err(read_err)?;
    let mut written = 0;
    while let Some(row) = rows.next().map_err(read_err)? {
        let text: String = row.get(0).map_err(read_err)?;
        let record = record_from_stored(&text).map_err(|e| db_error(db, e))?;
        writer.write(&record).map_err(write_err)?;
        written += 1;
    }
    writer.flush().map_err(write_err)?;
    Ok(written)
}

fn stored_spec(conn: &Connection, db: &Path) -> Result<CrawlSpec, String> {
    let text = read_meta(conn, "spec")
        .map_err(|e| db_error(db, e))?
        .ok_or_else(|| db_error(db, "no crawl spec stored"))?;
    CrawlSpec::from_json(&text).map_err(|e| db_error(db, e.message))
}

/// A human-readable progress report of the crawl in `db` (running or stopped).
pub fn status(db: &Path) -> Result<String, String> {
    let conn = open_read_only(db)?;
    let spec = stored_spec(&conn, db)?;
    let err = |e: rusqlite::Error| db_error(db, format!("cannot read: {e}"));
    let finished = read_meta(&conn, "finished")
        .map_err(err)?
        .is_some_and(|v| v == "1");
    let done = count(&conn, "SELECT count(*) FROM records").map_err(err)?;
    let queued = count(&conn, "SELECT count(*) FROM pages WHERE done = 0").map_err(err)?;
    let interrupted = count(
        &conn,
        "SELECT count(*) FROM pages WHERE done = 0 AND attempts > 0",
    )
    .map_err(err)?;
    let errors = grouped(
        &conn,
        "SELECT error_kind, count(*) FROM records WHERE error_kind IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1",
    )
    .map_err(err)?;
    let statuses = grouped(
        &conn,
        "SELECT coalesce(status, 'none'), count(*) FROM records GROUP BY 1 ORDER BY 1",
    )
    .map_err(err)?;

    let mut text = String::new();
    let state = if finished {
        "finished"
    } else {
        "in progress or stopped (the same command resumes it)"
    };
    let _ = writeln!(text, "state file: {}", db.display());
    let _ = writeln!(text, "seeds:      {}", spec.seeds.join(" "));
    let _ = writeln!(text, "crawl:      {state}");
    let pass = super::recrawl::pass(&conn).map_err(err)?;
    if pass > 1 {
        let c = super::recrawl::counts(&conn).map_err(err)?;
        let _ = writeln!(
            text,
            "pass:       {pass} (a --recrawl; export writes this pass's records, the previous pass is kept for comparison)"
        );
        let _ = writeln!(
            text,
            "recrawl:    {} unchanged (304), {} changed, {} new, {} gone",
            c.unchanged, c.changed, c.new, c.gone
        );
    }
    let _ = writeln!(text, "done:       {done}");
    let _ = writeln!(text, "queued:     {queued}");
    if interrupted > 0 {
        let _ = writeln!(
            text,
            "restarted:  {interrupted} (queued, started by a run that ended without their record; \
             {} starts make a too_many_attempts record)",
            spec.max_attempts
        );
    }
    let error_total: u64 = errors.iter().map(|(_, n)| n).sum();
    let _ = writeln!(text, "errors:     {error_total}");
    for (kind, n) in &errors {
        let _ = writeln!(text, "  {kind}: {n}");
    }
    let statuses: Vec<String> = statuses.iter().map(|(s, n)| format!("{s}: {n}")).collect();
    let _ = writeln!(text, "status:     {}", statuses.join(", "));
    Ok(text)
}

/// `(label, count)` rows of a GROUP BY query.
fn grouped(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<(String, u64)>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        let label = match r.get_ref(0)? {
            rusqlite::types::ValueRef::Integer(i) => i.to_string(),
            rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
            _ => "none".to_string(),
        };
        Ok((label, r.get::<_, i64>(1)?.max(0) as u64))
    })?;
    rows.collect()
}
