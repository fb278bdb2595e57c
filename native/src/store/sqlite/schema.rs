//! The state file's layout and how it is opened: tables, identity checks (a file that is
//! not a silk state, or one from a newer silk, is refused before anything is written), the
//! spec comparison that refuses to resume a different crawl, and `--reset`. A new state
//! file is created with mode 0600 (SQLite gives its -wal and -shm files the same mode), an
//! existing one is narrowed to it, and the spec is stored without secrets
//! ([`crate::store::spec_for_storage`]).

use crate::store::spec_for_storage;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde_json::Value;
use silk::CrawlSpec;
use std::path::Path;

/// Bumped when the tables change; a file with a larger version is refused, one with a
/// smaller version is migrated when a crawl opens it ([`migrate`]).
/// 2: `pages.priority` and `pages.meta` (a page handler's per-link extras).
/// 3: `pages.attempts` (poison URLs) and `robots.fetched_ms` (robots.txt expiry).
/// 4: `pages.lastmod` and `pages.sitemap` (sitemaps: [`sitemap_columns`]); `records.etag`,
///    `records.last_modified`, `records.final_fp` and the `previous` table (`--recrawl`,
///    see [`super::recrawl`]).
pub(super) const SCHEMA_VERSION: i64 = 4;
/// `PRAGMA application_id` of a silk state file ("silk" in ASCII), so a SQLite file of
/// something else is recognised and left alone.
const APPLICATION_ID: i64 = 0x7369_6C6B;

/// `pages` is the frontier: every URL ever queued, in queue order (`id`), with `done` set
/// in the same transaction that inserts its record, and the priority and meta (JSON text)
/// a page handler's follow list gave it, and `attempts`: how many runs started fetching it
/// without getting its record (counted when the fetch starts, taken back when a cancelled
/// run abandons it), and for sitemaps, `lastmod` (what a sitemap said of the page) and
/// `sitemap` (1: the URL is a sitemap file to read). `claims` holds redirect targets and
/// the page whose redirect claimed them. `records` are kept in commit order (`seq`), one
/// per page (`fp` is unique). `robots` holds each origin's robots.txt outcome and when it
/// was fetched (unix ms): older than a day, it is fetched again. Fingerprints are
/// `silk::url_norm::fingerprint` as i64.
const CREATE_TABLES: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE pages (
    id INTEGER PRIMARY KEY,
    fp INTEGER NOT NULL UNIQUE,
    url TEXT NOT NULL,
    depth INTEGER NOT NULL,
    referer TEXT,
    done INTEGER NOT NULL DEFAULT 0,
    priority INTEGER NOT NULL DEFAULT 0,
    meta TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    lastmod TEXT,
    sitemap INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE claims (fp INTEGER PRIMARY KEY, url TEXT NOT NULL, by_fp INTEGER NOT NULL);
CREATE TABLE records (
    seq INTEGER PRIMARY KEY,
    fp INTEGER NOT NULL UNIQUE,
    status INTEGER,
    error_kind TEXT,
    json TEXT NOT NULL
);
CREATE TABLE robots (
    origin TEXT PRIMARY KEY,
    outcome TEXT NOT NULL,
    fetched_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE hosts (origin TEXT PRIMARY KEY, next_start_ms INTEGER NOT NULL);
";

const EMPTY_TABLES: &str = "
DELETE FROM pages; DELETE FROM claims; DELETE FROM records;
DELETE FROM robots; DELETE FROM hosts; DELETE FROM meta; DELETE FROM previous; DELETE FROM cookies;
";

/// Whether `synchronous=FULL` (each commit survives power loss) rather than NORMAL (a
/// commit survives a crash of the process, the last ones may be lost on power loss).
const SYNCHRONOUS: &str = "FULL";

/// A fingerprint as SQLite stores it (its bits, as a signed 64-bit integer).
pub(super) fn sql_fp(fp: u64) -> i64 {
    fp as i64
}

pub(super) fn db_error(path: &Path, e: impl std::fmt::Display) -> String {
    format!("state file {}: {e}", path.display())
}

/// Opens `path` for a crawl: creates it if new, checks that it is a silk state file of a
/// schema this silk reads, switches to WAL.
pub(super) fn open_for_crawl(path: &Path) -> Result<Connection, String> {
    if path.is_dir() {
        return Err(format!(
            "{} is a directory: --state wants a file, e.g. {}",
            path.display(),
            path.join("crawl.db").display()
        ));
    }
    make_private(path)?;
    let conn = Connection::open(path)
        .map_err(|e| format!("cannot open state file {}: {e}", path.display()))?;
    check_identity(&conn, path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| db_error(path, e))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(|e| format!("cannot write state file {}: {e}", path.display()))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(db_error(path, format!("cannot switch to WAL (got {mode})")));
    }
    conn.execute_batch(&format!("PRAGMA synchronous={SYNCHRONOUS};"))
        .map_err(|e| db_error(path, e))?;
    Ok(conn)
}

/// Creates `path` with mode 0600 if it does not exist, or takes the group and others' access
/// away if it does (with its -wal and -shm files): the state holds every page of the crawl,
/// which may be private (fetched with credentials).
fn make_private(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let err = |e: std::io::Error| format!("cannot create state file {}: {e}", path.display());
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(err(e)),
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        let mode = meta.permissions().mode();
        if meta.is_file() && mode & 0o077 != 0 {
            // Not ours to change (another owner's file): SQLite reports what matters.
            let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode & 0o700));
        }
    }
    Ok(())
}

/// Brings a state file written by an older silk to [`SCHEMA_VERSION`], in one transaction:
/// the crawl in it resumes as if this silk had started it. Run with the crawl's lock held.
pub(super) fn migrate(conn: &Connection, path: &Path) -> Result<(), String> {
    migrate_tables(conn)
        .and_then(|_| add_cookie_table(conn))
        .map_err(|e| db_error(path, format!("cannot upgrade the file: {e}")))
}

/// The `cookies` table (the crawl's cookie jar), added to a file of any version that holds a
/// crawl and lacks it: its own step, idempotent, no version bump.
fn add_cookie_table(conn: &Connection) -> rusqlite::Result<()> {
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if tables == 0 {
        return Ok(());
    }
    super::cookies::ensure_table(conn)
}

fn migrate_tables(conn: &Connection) -> rusqlite::Result<()> {
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if tables == 0 || version >= SCHEMA_VERSION {
        return Ok(());
    }
    let mut steps = String::from("BEGIN IMMEDIATE;");
    if version < 2 {
        steps.push_str(
            "ALTER TABLE pages ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
             ALTER TABLE pages ADD COLUMN meta TEXT;",
        );
    }
    if version < 3 {
        // Robots outcomes of an older silk have no time: 0 makes them expired, so they are
        // fetched again (which also drops an unreachable verdict an older silk kept).
        steps.push_str(
            "ALTER TABLE pages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
             ALTER TABLE robots ADD COLUMN fetched_ms INTEGER NOT NULL DEFAULT 0;",
        );
    }
    if version < 4 {
        steps.push_str(&sitemap_columns(conn)?);
    }
    conn.execute_batch(&steps)?;
    let upgraded = (|| {
        if version < 4 {
            super::recrawl::add_recrawl_columns(conn)?;
        }
        conn.execute_batch(&format!("PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"))
    })();
    if upgraded.is_err() {
        let _ = conn.execute_batch("ROLLBACK;");
    }
    upgraded
}

/// Schema 4 (sitemaps): the statements that add `pages.lastmod` and `pages.sitemap`, each
/// only if the column is missing, so the step is safe on any file. Old rows get no
/// lastmod and are pages.
pub(super) fn sitemap_columns(conn: &Connection) -> rusqlite::Result<String> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info('pages')")?;
    let columns = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    let mut steps = String::new();
    if !columns.iter().any(|c| c == "lastmod") {
        steps.push_str("ALTER TABLE pages ADD COLUMN lastmod TEXT;");
    }
    if !columns.iter().any(|c| c == "sitemap") {
        steps.push_str("ALTER TABLE pages ADD COLUMN sitemap INTEGER NOT NULL DEFAULT 0;");
    }
    Ok(steps)
}

/// Opens an existing state file read-only (export, status), also while a crawl runs.
pub(super) fn open_read_only(path: &Path) -> Result<Connection, String> {
    if !path.is_file() {
        return Err(format!(
            "no state file at {}: `silk crawl URL --state {}` creates one",
            path.display(),
            path.display()
        ));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open state file {}: {e}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| db_error(path, e))?;
    if !check_identity(&conn, path)? {
        return Err(format!("{} is not a silk state file", path.display()));
    }
    Ok(conn)
}

/// Refuses files that are not silk state files; returns whether the file already holds a
/// state (false: empty, to be created).
fn check_identity(conn: &Connection, path: &Path) -> Result<bool, String> {
    let not_ours = |why: String| {
        format!(
            "{} is not a silk state file ({why}); give --state a new file name",
            path.display()
        )
    };
    let app_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| not_ours(e.to_string()))?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(|e| not_ours(e.to_string()))?;
    if app_id == 0 && tables == 0 {
        return Ok(false);
    }
    if app_id != APPLICATION_ID {
        return Err(not_ours("a SQLite database of something else".into()));
    }
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| db_error(path, e))?;
    if version > SCHEMA_VERSION {
        return Err(format!(
            "{} was written by a newer silk (state schema {version}; this silk reads {SCHEMA_VERSION}): upgrade silk",
            path.display()
        ));
    }
    Ok(true)
}

/// What the meta table says about the crawl in the file.
pub(super) struct Meta {
    pub finished: bool,
    pub records: u64,
}

/// Meta key: "1" if the crawl runs a page handler (a Rust spider), "0" or absent if not.
pub(super) const HANDLER_KEY: &str = "handler";
/// Meta key: the crawl's id, new for every crawl a file holds (`--reset` starts a new
/// one); a SQLite output names the crawl by it.
pub(super) const CRAWL_ID_KEY: &str = "crawl_id";

/// Makes the file hold a crawl of `spec`: creates the tables in a new file, empties it on
/// `reset`, and refuses a file that holds a crawl of another spec.
pub(super) fn prepare(
    conn: &mut Connection,
    path: &Path,
    spec: &CrawlSpec,
    reset: bool,
    handler: bool,
) -> Result<Meta, String> {
    let spec_json =
        serde_json::to_string(&spec_for_storage(spec)).map_err(|e| db_error(path, e))?;
    let tx = conn.transaction().map_err(|e| db_error(path, e))?;
    let has_tables: i64 = tx
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(|e| db_error(path, e))?;
    if has_tables == 0 {
        tx.execute_batch(CREATE_TABLES)
            .and_then(|_| tx.execute_batch(super::cookies::CREATE_TABLE))
            .map_err(|e| db_error(path, e))?;
        super::recrawl::add_recrawl_columns(&tx).map_err(|e| db_error(path, e))?;
        tx.execute_batch(&format!(
            "PRAGMA application_id={APPLICATION_ID}; PRAGMA user_version={SCHEMA_VERSION};"
        ))
        .map_err(|e| db_error(path, e))?;
        write_spec(&tx, &spec_json, handler).map_err(|e| db_error(path, e))?;
    } else {
        let stored = read_meta(&tx, "spec").map_err(|e| db_error(path, e))?;
        let changed = match &stored {
            Some(stored) => changed_fields(stored, spec),
            None => vec!["(no spec stored)".to_string()],
        };
        if reset {
            tx.execute_batch(EMPTY_TABLES)
                .map_err(|e| db_error(path, e))?;
            write_spec(&tx, &spec_json, handler).map_err(|e| db_error(path, e))?;
        } else if !changed.is_empty() {
            return Err(format!(
                "{} holds a crawl with a different spec (changed: {}); rerun with the same options to resume, or add --reset to start over",
                path.display(),
                changed.join(", ")
            ));
        } else {
            // A spec an older silk stored with its secrets in clear: keep it without them.
            if stored.as_deref() != Some(spec_json.as_str()) {
                tx.execute(
                    "UPDATE meta SET value = ?1 WHERE key = 'spec'",
                    params![spec_json],
                )
                .map_err(|e| db_error(path, e))?;
            }
            let stored = read_meta(&tx, HANDLER_KEY).map_err(|e| db_error(path, e))?;
            let had_handler = stored.is_some_and(|v| v == "1");
            if had_handler != handler {
                let (was, now) = if had_handler {
                    (
                        "a spider's page handler",
                        "resume it with the same spider program",
                    )
                } else {
                    (
                        "no page handler (`silk crawl`)",
                        "resume it with `silk crawl`",
                    )
                };
                return Err(format!(
                    "{} holds a crawl that ran with {was}: {now}, since a handler changes \
                     which links are followed and what items are kept; or add --reset to start over",
                    path.display()
                ));
            }
        }
    }
    let meta = Meta {
        finished: read_meta(&tx, "finished")
            .map_err(|e| db_error(path, e))?
            .is_some_and(|v| v == "1"),
        records: count(&tx, "SELECT count(*) FROM records").map_err(|e| db_error(path, e))?,
    };
    tx.commit().map_err(|e| db_error(path, e))?;
    Ok(meta)
}

fn write_spec(conn: &Connection, spec_json: &str, handler: bool) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('spec', ?1)",
        params![spec_json],
    )?;
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![HANDLER_KEY, if handler { "1" } else { "0" }],
    )?;
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![CRAWL_ID_KEY, new_crawl_id()],
    )?;
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('finished', '0')",
        [],
    )?;
    Ok(())
}

pub(super) fn read_meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
        r.get(0)
    })
    .optional()
}

pub(super) fn mark_finished(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('finished', '1')",
        [],
    )
    .map(drop)
}

pub(super) fn count(conn: &Connection, sql: &str) -> rusqlite::Result<u64> {
    conn.query_row(sql, [], |r| r.get::<_, i64>(0))
        .map(|n| n.max(0) as u64)
}

/// A crawl id unique enough to tell crawls apart: the time in nanoseconds and the pid.
pub(super) fn new_crawl_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}-{:x}", std::process::id())
}

/// The top-level spec keys whose values differ between the stored spec and `spec`, both
/// as stored ([`spec_for_storage`]): secret values are not compared, only their names.
fn changed_fields(stored: &str, spec: &CrawlSpec) -> Vec<String> {
    let old = match CrawlSpec::from_json(stored) {
        Ok(old) => serde_json::to_value(spec_for_storage(&old)).unwrap_or(Value::Null),
        Err(_) => serde_json::from_str(stored).unwrap_or(Value::Null),
    };
    let new = serde_json::to_value(spec_for_storage(spec)).unwrap_or(Value::Null);
    let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
        return vec!["(stored spec unreadable)".to_string()];
    };
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| k.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_names_each_differing_key() {
        let a = CrawlSpec {
            seeds: vec!["http://a/".into()],
            ..Default::default()
        };
        let stored = serde_json::to_string(&a).unwrap();
        assert!(changed_fields(&stored, &a).is_empty());
        let b = CrawlSpec {
            seeds: vec!["http://b/".into()],
            concurrency: 5,
            ..a
        };
        assert_eq!(changed_fields(&stored, &b), ["concurrency", "seeds"]);
    }
}
