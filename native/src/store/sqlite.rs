//! The SQLite state store: `silk crawl --state crawl.db` keeps the whole crawl in one file
//! (spec, frontier, seen-set, redirect claims, robots.txt outcomes, per-host timing and the
//! records), so a crawl killed at any moment (`kill -9`, power loss) resumes where it
//! stopped when the same command runs again: no record lost or duplicated, and no page
//! fetched again except those that were in flight.
//!
//! Why it is built this way:
//! - The engine thread works on an in-memory copy (a [`MemoryFrontier`] for the queue and
//!   seen-set, plus maps for claims, robots and host timing), loaded from the file when it
//!   opens. Popping and deduplicating links cost what they cost in memory.
//! - Every change goes to a writer thread ([`writer`]) that commits whatever is pending in
//!   one transaction (group commit, WAL, `synchronous=FULL`). A page's record, its done
//!   marker and its new links are one op, so they are durable together or not at all.
//! - A completed page stays "uncommitted" until its transaction is durable; the engine
//!   counts those against its concurrency limit and wakes ([`Frontier::flush`]) when the
//!   writer has made them durable. Hence pages fetched but not durable at a crash are at
//!   most `concurrency`.
//! - A popped page is not written at all: its row stays queued until its record commits,
//!   so after a crash it is simply queued again.
//! - Poison URLs: when a page's fetch starts ([`Frontier::started`]) its `attempts` count
//!   is raised in the next group commit (an abandon in a cancelled run lowers it again).
//!   A resumed crawl pops the URL with that count, and the engine records a URL started
//!   `max_attempts` times without a record as `too_many_attempts` instead of fetching it
//!   again: a page that hangs or kills the crawler does not make a crash loop. The count
//!   is durable a commit (milliseconds) after the fetch starts, never after the page's
//!   record; a crash inside that window does not count.
//! - robots.txt outcomes are kept with the time they were fetched and used for 24 hours
//!   ([`ROBOTS_MAX_AGE`]); an unreachable verdict (5xx, timeout) is never kept, so a resumed
//!   crawl asks the server again.
//!
//! - The crawl's cookie jar ([`cookies`]): a changed cookie goes with the next record's
//!   commit, and a resumed crawl starts with the jar of the last durable record.
//!
//! `export` and `status` open the file read-only, which WAL allows while a crawl writes.

mod cookies;
mod recrawl;
mod report;
mod schema;
mod writer;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_hardening;
#[cfg(test)]
mod tests_recrawl;
#[cfg(test)]
mod tests_sitemaps;

use crate::store::stored_record;
use rusqlite::Connection;
use silk::adapters::cookie_jar::CookieJar;
use silk::url_norm::fingerprint;
use silk::{
    CrawlSpec, Frontier, MemoryFrontier, Pop, QueuedUrl, Record, RecrawlCounts, RobotsOutcome,
};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use url::Url;
use writer::{Completion, Op, PageRow, Writer};

pub use report::{export, export_to, status};

pub struct SqliteFrontier {
    /// Queue and seen-set: the working copy of `pages` and `claims`.
    memory: MemoryFrontier,
    /// Redirect target fingerprint -> the page (as queued) that claimed it.
    claims: HashMap<u64, u64>,
    /// Per origin, the outcome and when it was fetched (unix ms).
    robots: HashMap<String, (RobotsOutcome, u64)>,
    /// Queued pages started by earlier runs without a record, and how many times.
    attempts: HashMap<u64, u32>,
    /// Pages started in this run that have no record yet (an abandon takes their attempt back).
    started: HashSet<u64>,
    /// Per origin, the wall-clock time (unix ms) before which an earlier run asked not to
    /// start the next request (its Crawl-delay or --delay).
    host_not_before: HashMap<String, u64>,
    pages_done: u64,
    /// The spec's concurrency: completions not yet durable never reach it (see `complete`).
    concurrency: usize,
    writer: Writer,
    /// Held for the whole run: one crawl per state file at a time.
    _lock: File,
    /// A recrawl (pass 2 or later): the previous pass, for validators and 304s.
    previous: Option<recrawl::Lookup>,
    /// A recrawl's counts over the pass, taken when the run closes.
    recrawl_counts: Option<RecrawlCounts>,
    /// The cookies saved by earlier runs, until [`SqliteFrontier::keep_cookies`] takes them.
    saved_cookies: Vec<String>,
    /// The crawl's jar, whose changes are written with the records (cookies on).
    cookies: Option<CookieJar>,
}

/// What opening a state file found.
// Built once per run and moved straight into the engine: boxing the store would only add
// an indirection to every frontier call.
#[allow(clippy::large_enum_variant)]
pub enum Opened {
    /// Ready to crawl (new, or resuming).
    Ready(SqliteFrontier),
    /// The crawl in this file has finished; nothing to do.
    Finished { records: u64 },
}

impl SqliteFrontier {
    /// Opens (or creates) the state in `path` for `spec`, crawled with a page handler if
    /// `handler`. A different spec than the one the file was created with, or a different
    /// `handler`, is refused unless `reset`, which empties the file first. (Tests; the CLI
    /// calls [`SqliteFrontier::open_with`].)
    #[cfg(test)]
    pub fn open(
        path: &Path,
        spec: &CrawlSpec,
        reset: bool,
        handler: bool,
    ) -> Result<Opened, String> {
        Self::open_with(path, spec, reset, handler, false)
    }

    /// [`SqliteFrontier::open`], and with `recrawl` a new pass over the finished crawl in
    /// the file (see [`recrawl`]); an unfinished recrawl pass resumes either way.
    pub fn open_with(
        path: &Path,
        spec: &CrawlSpec,
        reset: bool,
        handler: bool,
        recrawl: bool,
    ) -> Result<Opened, String> {
        let mut conn = schema::open_for_crawl(path)?;
        let lock = lock_exclusively(path)?;
        schema::migrate(&conn, path)?;
        if recrawl && reset {
            return Err("--recrawl revisits the crawl in the state file, --reset throws it away: give one of them".into());
        }
        let mut meta = schema::prepare(&mut conn, path, spec, reset, handler)?;
        let mut limit_reached = spec.max_pages.is_some_and(|max| meta.records >= max);
        if recrawl {
            recrawl::start_pass(&mut conn, path, meta.finished || limit_reached)?;
            meta = schema::prepare(&mut conn, path, spec, false, handler)?;
            limit_reached = spec.max_pages.is_some_and(|max| meta.records >= max);
        }
        if meta.finished || limit_reached {
            return Ok(Opened::Finished {
                records: meta.records,
            });
        }
        let pass = recrawl::pass(&conn).map_err(|e| schema::db_error(path, e))?;
        let previous = match pass {
            1 => None,
            _ => Some(recrawl::Lookup::open(path)?),
        };
        let loaded = load(&conn, path)?;
        Ok(Opened::Ready(SqliteFrontier {
            memory: loaded.memory,
            claims: loaded.claims,
            robots: loaded.robots,
            attempts: loaded.attempts,
            started: HashSet::new(),
            host_not_before: loaded.host_not_before,
            pages_done: meta.records,
            concurrency: spec.concurrency.max(1) as usize,
            writer: Writer::start(conn, path)?,
            _lock: lock,
            previous,
            recrawl_counts: None,
            saved_cookies: loaded.cookies,
            cookies: None,
        }))
    }

    /// Keeps `jar` in the file: loads the cookies earlier runs saved into it (returns how
    /// many), and from now on writes its changes with the records.
    pub fn keep_cookies(&mut self, jar: CookieJar) -> usize {
        let restored = jar.restore(std::mem::take(&mut self.saved_cookies));
        self.cookies = Some(jar);
        restored
    }

    /// Sends the jar's changes to the writer, ahead of the op that follows them.
    fn send_cookie_changes(&mut self) {
        if let Some(jar) = &self.cookies {
            for change in jar.take_changes() {
                self.writer.send(Op::Cookie(change));
            }
        }
    }

    fn complete_op(&mut self, record: &Record, links: Vec<PageRow>) -> Op {
        let json = stored_record(record);
        let validators = record.validators.as_ref();
        Op::Complete(Completion {
            fp: fingerprint(&record.url),
            status: record.status,
            error_kind: record.error.as_ref().map(|e| e.kind.as_str()),
            json,
            links,
            final_fp: fingerprint(record.final_url.as_deref().unwrap_or(&record.url)),
            etag: validators.and_then(|v| v.etag.clone()),
            last_modified: validators.and_then(|v| v.last_modified.clone()),
        })
    }
}

/// The working copy as read from the file, before the writer thread takes the connection.
#[derive(Default)]
struct Loaded {
    memory: MemoryFrontier,
    claims: HashMap<u64, u64>,
    robots: HashMap<String, (RobotsOutcome, u64)>,
    attempts: HashMap<u64, u32>,
    host_not_before: HashMap<String, u64>,
    cookies: Vec<String>,
}

/// How long a stored robots.txt is used before it is fetched again (Google's cache time,
/// RFC 9309 2.4: "SHOULD NOT use a cached version for more than 24 hours").
pub const ROBOTS_MAX_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// Whether an outcome may be kept: an unreachable file (5xx, or a fetch that failed, kept
/// as 503) says "disallow all for now", which must not outlive the run.
fn keepable(outcome: &RobotsOutcome) -> bool {
    outcome.status < 500
}

/// Whether robots.txt fetched at `fetched_ms` is still fresh at `now_ms`.
fn fresh(fetched_ms: u64, now_ms: u64) -> bool {
    now_ms.saturating_sub(fetched_ms) < ROBOTS_MAX_AGE.as_millis() as u64
}

/// Two crawls writing one state file would each fetch what the other holds: the second is
/// refused. The lock is an `flock` on the file itself (SQLite uses POSIX record locks,
/// which `flock` does not interfere with), released by the OS however the process ends.
fn lock_exclusively(path: &Path) -> Result<File, String> {
    use std::os::fd::AsRawFd;
    let file =
        File::open(path).map_err(|e| format!("cannot open state file {}: {e}", path.display()))?;
    // SAFETY: flock on a file descriptor we own; no memory is involved.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        return Err(format!(
            "{} is in use by another silk crawl; wait for it to end (`silk status {}` shows its progress)",
            path.display(),
            path.display()
        ));
    }
    Ok(file)
}

/// Reads the working copy from the file.
fn load(conn: &Connection, path: &Path) -> Result<Loaded, String> {
    let err = |e: rusqlite::Error| schema::db_error(path, format!("cannot read: {e}"));
    let mut loaded = Loaded::default();
    load_pages(conn, &mut loaded).map_err(err)?;
    load_claims(conn, &mut loaded).map_err(err)?;
    load_robots(conn, &mut loaded).map_err(err)?;
    for (origin, at) in
        origin_rows::<i64>(conn, "SELECT origin, next_start_ms FROM hosts").map_err(err)?
    {
        loaded.host_not_before.insert(origin, at.max(0) as u64);
    }
    loaded.cookies = cookies::load(conn).map_err(err)?;
    Ok(loaded)
}

/// Fresh robots.txt outcomes; stale, unreachable or unreadable ones are left out, so they
/// are fetched again, which is always safe.
fn load_robots(conn: &Connection, loaded: &mut Loaded) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare("SELECT origin, outcome, fetched_ms FROM robots")?;
    let mut rows = stmt.query([])?;
    let now = unix_ms();
    while let Some(row) = rows.next()? {
        let fetched_ms = row.get::<_, i64>(2)?.max(0) as u64;
        let Ok(outcome) = serde_json::from_str::<RobotsOutcome>(&row.get::<_, String>(1)?) else {
            continue;
        };
        if fresh(fetched_ms, now) && keepable(&outcome) {
            loaded.robots.insert(row.get(0)?, (outcome, fetched_ms));
        }
    }
    Ok(())
}

/// The `(origin, value)` rows of a per-origin table.
fn origin_rows<T: rusqlite::types::FromSql>(
    conn: &Connection,
    sql: &str,
) -> rusqlite::Result<Vec<(String, T)>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Done pages go into the seen-set, queued ones into the queue in their original order
/// with their priority, meta, lastmod and sitemap flag (the memory frontier pops by
/// priority, FIFO within one),
/// and the attempts of those started before into `loaded.attempts`.
fn load_pages(conn: &Connection, loaded: &mut Loaded) -> rusqlite::Result<()> {
    let memory = &mut loaded.memory;
    let mut stmt = conn.prepare(
        "SELECT url, depth, referer, done, priority, meta, attempts, lastmod, sitemap FROM pages ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    // Links of one page are consecutive rows with the same referer: share its text.
    let mut last_referer: Option<Rc<str>> = None;
    while let Some(row) = rows.next()? {
        let text: String = row.get(0)?;
        let Ok(url) = Url::parse(&text) else { continue };
        if row.get::<_, i64>(3)? != 0 {
            futures::executor::block_on(memory.mark_seen(&url, &url));
            continue;
        }
        let referer = row
            .get::<_, Option<String>>(2)?
            .map(|r| match &last_referer {
                Some(last) if **last == *r => last.clone(),
                _ => Rc::from(r.as_str()),
            });
        last_referer = referer.clone().or(last_referer);
        let mut item = QueuedUrl::new(url, row.get::<_, i64>(1)?.max(0) as u32, referer);
        item.priority = row
            .get::<_, i64>(4)?
            .clamp(i32::MIN.into(), i32::MAX.into()) as i32;
        // Meta that no longer parses (written by hand?) is dropped rather than the page.
        item.meta = row
            .get::<_, Option<String>>(5)?
            .and_then(|m| serde_json::from_str(&m).ok())
            .map(Rc::new);
        item.lastmod = row.get::<_, Option<String>>(7)?.map(Rc::from);
        item.sitemap = row.get::<_, i64>(8)? != 0;
        let attempts = row.get::<_, i64>(6)?.clamp(0, u32::MAX.into()) as u32;
        if attempts > 0 {
            loaded
                .attempts
                .insert(fingerprint(item.url.as_str()), attempts);
        }
        futures::executor::block_on(memory.add(item));
    }
    Ok(())
}

fn load_claims(conn: &Connection, loaded: &mut Loaded) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare("SELECT fp, url, by_fp FROM claims")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let fp = row.get::<_, i64>(0)? as u64;
        let text: String = row.get(1)?;
        if let Ok(url) = Url::parse(&text) {
            futures::executor::block_on(loaded.memory.mark_seen(&url, &url));
        }
        loaded.claims.insert(fp, row.get::<_, i64>(2)? as u64);
    }
    Ok(())
}

fn page_row(item: &QueuedUrl) -> PageRow {
    PageRow {
        fp: fingerprint(item.url.as_str()),
        url: item.url.to_string(),
        depth: item.depth,
        referer: item.referer.as_deref().map(String::from),
        priority: item.priority,
        meta: item.meta.as_ref().map(|m| m.to_string()),
        lastmod: item.lastmod.as_deref().map(String::from),
        sitemap: item.sitemap,
    }
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Frontier for SqliteFrontier {
    async fn add(&mut self, item: QueuedUrl) -> bool {
        let row = page_row(&item);
        let new = self.memory.add(item).await;
        if new {
            self.writer.send(Op::Queue(row));
        }
        new
    }

    async fn mark_seen(&mut self, url: &Url, by: &Url) -> bool {
        let fp = fingerprint(url.as_str());
        let by = fingerprint(by.as_str());
        if self.memory.mark_seen(url, url).await {
            self.claims.insert(fp, by);
            self.writer.send(Op::Claim {
                fp,
                url: url.to_string(),
                by,
            });
            return true;
        }
        self.claims.get(&fp) == Some(&by)
    }

    async fn pop(&mut self) -> Pop {
        let mut pop = self.memory.pop().await;
        if let (Pop::Url(item), false) = (&mut pop, self.attempts.is_empty()) {
            if let Some(n) = self.attempts.remove(&fingerprint(item.url.as_str())) {
                item.attempts = n;
            }
        }
        if let (Pop::Url(item), Some(previous)) = (&mut pop, &self.previous) {
            item.validators = previous.validators(item.url.as_str()).map(Rc::new);
        }
        pop
    }

    async fn started(&mut self, url: &Url) {
        let fp = fingerprint(url.as_str());
        if self.started.insert(fp) {
            self.writer.send(Op::Started(fp));
        }
    }

    async fn abandon(&mut self, url: &Url) {
        // The page's row is still queued in the file; only a start is taken back.
        let fp = fingerprint(url.as_str());
        if self.started.remove(&fp) {
            self.writer.send(Op::Unstarted(fp));
        }
    }

    fn len(&self) -> usize {
        self.memory.len()
    }

    async fn complete(&mut self, record: &Record, links: Vec<QueuedUrl>) -> bool {
        let mut new_links = Vec::new();
        for link in links {
            let row = page_row(&link);
            if self.memory.add(link).await {
                new_links.push(row);
            }
        }
        self.started.remove(&fingerprint(&record.url));
        self.send_cookie_changes();
        let op = self.complete_op(record, new_links);
        self.writer.send(op);
        // The engine holds a slot per uncommitted page and waits for `flush` when they
        // fill its slots, but records made without a fetch (a URL robots.txt disallows)
        // take no slot: bound those here, so a crash never loses more than `concurrency`.
        while self.writer.uncommitted() >= self.concurrency {
            if !self.writer.wait_durable().await {
                break;
            }
        }
        true
    }

    fn uncommitted(&self) -> usize {
        self.writer.uncommitted()
    }

    async fn flush(&mut self) {
        self.writer.wait_durable().await;
    }

    fn failure(&self) -> Option<String> {
        self.writer.failure()
    }

    fn pages_done(&self) -> u64 {
        self.pages_done
    }

    async fn robots(&mut self, origin: &str) -> Option<RobotsOutcome> {
        match self.robots.get(origin) {
            Some((outcome, at)) if fresh(*at, unix_ms()) => Some(outcome.clone()),
            _ => None,
        }
    }

    async fn save_robots(&mut self, origin: &str, outcome: &RobotsOutcome) {
        if !keepable(outcome) {
            self.robots.remove(origin);
            return;
        }
        let at = unix_ms();
        self.robots
            .insert(origin.to_string(), (outcome.clone(), at));
        if let Ok(text) = serde_json::to_string(outcome) {
            self.writer.send(Op::Robots {
                origin: origin.to_string(),
                outcome: text,
                fetched_ms: at,
            });
        }
    }

    async fn host_permit(&mut self, origin: &str, gap: Duration) -> Result<(), Duration> {
        let now = unix_ms();
        if let Some(&not_before) = self.host_not_before.get(origin) {
            if now < not_before {
                return Err(Duration::from_millis(not_before - now));
            }
            self.host_not_before.remove(origin);
        }
        if !gap.is_zero() {
            self.writer.send(Op::HostNext {
                origin: origin.to_string(),
                at_ms: now + gap.as_millis() as u64,
            });
        }
        Ok(())
    }

    async fn close(&mut self, drained: bool) {
        self.send_cookie_changes();
        self.writer.close(drained).await;
        self.recrawl_counts = self.previous.as_ref().and_then(recrawl::Lookup::counts);
    }

    fn wants_validators(&self) -> bool {
        true
    }

    async fn previous_record(&mut self, url: &Url) -> Option<Record> {
        self.previous.as_ref()?.record(url.as_str())
    }

    fn recrawl_counts(&self) -> Option<RecrawlCounts> {
        self.recrawl_counts
    }
}
