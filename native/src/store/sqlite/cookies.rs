//! The crawl's cookie jar in the state file: the `cookies` table, one row per cookie the
//! sites set (domain, path, name and the cookie as `cookie_store` serialises it, value and
//! expiry included), so a resumed crawl is still logged in where the killed one was.
//!
//! A changed cookie is written by the writer thread in the same group commit as the record
//! it came with (see [`super::SqliteFrontier::complete`]): the jar in the file is always the
//! jar as it was when its last durable record was made. What a `kill -9` loses is the
//! cookies set by responses whose records were not durable yet, and those pages are fetched
//! again on resume, setting them again.
//!
//! Start cookies (`--cookie`) are never written (see `silk::adapters::cookie_jar`); the
//! table exists only in state files, never in `-o x.sqlite` outputs or Redis.

use rusqlite::{params, Connection, Transaction};
use silk::adapters::cookie_jar::CookieChange;

/// The table, created with the others in a new file and added to older files by
/// [`ensure_table`] (no schema version bump: an older silk simply ignores it).
pub(super) const CREATE_TABLE: &str = "
CREATE TABLE IF NOT EXISTS cookies (
    domain TEXT NOT NULL,
    path TEXT NOT NULL,
    name TEXT NOT NULL,
    cookie TEXT NOT NULL,
    PRIMARY KEY (domain, path, name)
);
";

/// Adds the table to a state file written before it existed. Idempotent.
pub(super) fn ensure_table(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(CREATE_TABLE)
}

/// The saved cookies, as [`silk::adapters::cookie_jar::CookieJar::restore`] takes them.
pub(super) fn load(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT cookie FROM cookies ORDER BY rowid")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// Writes one changed cookie (or deletes it).
pub(super) fn apply(tx: &Transaction, change: &CookieChange) -> rusqlite::Result<()> {
    match &change.saved {
        Some(cookie) => tx
            .prepare_cached(
                "INSERT OR REPLACE INTO cookies (domain, path, name, cookie) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![change.domain, change.path, change.name, cookie]),
        None => tx
            .prepare_cached("DELETE FROM cookies WHERE domain = ?1 AND path = ?2 AND name = ?3")?
            .execute(params![change.domain, change.path, change.name]),
    }
    .map(drop)
}
