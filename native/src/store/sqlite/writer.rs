//! The writer thread: group commit. The engine thread never waits for the disk on its own
//! account; it sends each change as an [`Op`] over a channel. The writer takes everything
//! pending, applies it in ONE transaction, commits (an fsync with `synchronous=FULL`),
//! then publishes how many completions are now durable. While one commit is on its way
//! to the disk the next batch piles up, so the number of commits per second adapts to
//! the disk and the number of pages per commit to the crawl's speed.
//!
//! Ops are applied in the order they were sent, so the file always holds a prefix of the
//! crawl's history: a page's links never become durable before the page's own row, nor a
//! record before the claim of its redirect target.

use super::schema::{db_error, mark_finished, sql_fp};
use futures::channel::{mpsc as async_mpsc, oneshot};
use futures::StreamExt;
use rusqlite::{params, Connection, Transaction};
use silk::adapters::cookie_jar::CookieChange;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// At most this many ops per transaction, so a burst never makes one huge commit.
const MAX_BATCH: usize = 4096;

/// A queued URL as stored in `pages`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct PageRow {
    pub fp: u64,
    pub url: String,
    pub depth: u32,
    pub referer: Option<String>,
    pub priority: i32,
    /// JSON text.
    pub meta: Option<String>,
    pub lastmod: Option<String>,
    pub sitemap: bool,
}

/// A page's record, the done marker and its new links: committed together or not at all.
#[derive(Debug)]
pub(super) struct Completion {
    pub fp: u64,
    pub status: Option<u16>,
    pub error_kind: Option<&'static str>,
    pub json: String,
    pub links: Vec<PageRow>,
    /// The page the record ended on (its final URL, or its URL).
    pub final_fp: u64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// One change to the state file.
#[derive(Debug)]
pub(super) enum Op {
    Queue(PageRow),
    Claim {
        fp: u64,
        url: String,
        by: u64,
    },
    Complete(Completion),
    /// A page's fetch started: one more attempt.
    Started(u64),
    /// A started page was abandoned (the run was cancelled): the attempt is taken back.
    Unstarted(u64),
    Robots {
        origin: String,
        outcome: String,
        fetched_ms: u64,
    },
    HostNext {
        origin: String,
        at_ms: u64,
    },
    /// A cookie of the crawl's jar changed (saved, or gone).
    Cookie(CookieChange),
    /// Commit everything before it (and the finished flag if `finished`), then stop.
    Close {
        finished: bool,
        done: oneshot::Sender<()>,
    },
    /// Tests: the writer says when it gets here (its batch is collected by then), then
    /// waits for a message (or hang-up), so ops sent meanwhile form the next batch.
    #[cfg(test)]
    Pause {
        reached: mpsc::Sender<()>,
        resume: mpsc::Receiver<()>,
    },
    /// Tests: the writer stops without committing its batch, as a `kill -9` would.
    #[cfg(test)]
    Crash,
}

/// What committing one batch came to.
#[derive(Default)]
struct Committed {
    completions: u64,
    /// The batch ended with a close: who waits for it.
    close: Option<oneshot::Sender<()>>,
    /// Tests: the batch was thrown away and the writer stops.
    crashed: bool,
}

/// The engine side of the writer thread.
pub(super) struct Writer {
    ops: mpsc::Sender<Op>,
    /// Completions committed so far (written by the writer thread).
    durable: Arc<AtomicU64>,
    /// A message after every commit, for [`Writer::wait_durable`].
    commits: async_mpsc::UnboundedReceiver<()>,
    completions_sent: u64,
    /// Set by the writer thread when a commit failed; it has stopped then.
    failure: Arc<Mutex<Option<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Moves `conn` to a new writer thread.
    pub fn start(conn: Connection, path: &Path) -> Result<Writer, String> {
        let (ops, rx) = mpsc::channel();
        let (commit_tx, commits) = async_mpsc::unbounded();
        let durable = Arc::new(AtomicU64::new(0));
        let thread_durable = durable.clone();
        let failure = Arc::new(Mutex::new(None));
        let thread_failure = failure.clone();
        let path = path.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("silk-state-writer".into())
            .spawn(move || {
                if let Err(e) = write_loop(conn, rx, &thread_durable, &commit_tx) {
                    let why = format!(
                        "{}; rerun the same command to resume from the last commit",
                        db_error(&path, format!("cannot write: {e}"))
                    );
                    *thread_failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
                }
            })
            .map_err(|e| format!("cannot start the state writer thread: {e}"))?;
        Ok(Writer {
            ops,
            durable,
            commits,
            completions_sent: 0,
            failure,
            thread: Some(thread),
        })
    }

    pub fn send(&mut self, op: Op) {
        if matches!(op, Op::Complete(_)) {
            self.completions_sent += 1;
        }
        // The writer only stops after Close or a failed commit (see `failure`), after
        // which nothing more can be kept anyway.
        let _ = self.ops.send(op);
    }

    /// Completions sent but not yet committed.
    pub fn uncommitted(&self) -> usize {
        let durable = self.durable.load(Ordering::Acquire);
        self.completions_sent.saturating_sub(durable) as usize
    }

    /// Why the writer stopped, if a commit failed (disk full, file removed).
    pub fn failure(&self) -> Option<String> {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits until at least one more completion is durable (returns at once if all are).
    /// Returns false if the writer has stopped, so nothing will become durable.
    pub async fn wait_durable(&mut self) -> bool {
        let before = self.durable.load(Ordering::Acquire);
        while self.uncommitted() > 0 && self.durable.load(Ordering::Acquire) == before {
            if self.commits.next().await.is_none() {
                return false;
            }
        }
        true
    }

    /// Tests: waits until the writer thread has ended (after a `Crash`).
    #[cfg(test)]
    pub fn join(&mut self) {
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the writer thread ends");
        }
    }

    /// Commits everything sent (marking the crawl finished if `finished`) and stops the
    /// thread.
    pub async fn close(&mut self, finished: bool) {
        let (done, committed) = oneshot::channel();
        let _ = self.ops.send(Op::Close { finished, done });
        let _ = committed.await;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Commits batches until a close (Ok) or a failed commit (Err). A failed write (disk
/// full, file removed) leaves the file at its last commit, as a crash would, so the same
/// command resumes from there; the engine hears of it through `Frontier::failure` and
/// stops instead of reporting records that are not kept.
fn write_loop(
    mut conn: Connection,
    ops: mpsc::Receiver<Op>,
    durable: &AtomicU64,
    commits: &async_mpsc::UnboundedSender<()>,
) -> rusqlite::Result<()> {
    while let Ok(first) = ops.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match ops.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let committed = commit_batch(&mut conn, batch)?;
        if committed.crashed {
            return Ok(());
        }
        durable.fetch_add(committed.completions, Ordering::Release);
        let _ = commits.unbounded_send(());
        if let Some(done) = committed.close {
            drop(conn);
            let _ = done.send(());
            return Ok(());
        }
    }
    Ok(())
}

/// Applies `batch` in one transaction and commits it.
fn commit_batch(conn: &mut Connection, batch: Vec<Op>) -> rusqlite::Result<Committed> {
    let tx = conn.transaction()?;
    let mut done = Committed::default();
    for op in batch {
        match op {
            Op::Queue(row) => insert_page(&tx, &row)?,
            Op::Claim { fp, url, by } => {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO claims (fp, url, by_fp) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![sql_fp(fp), url, sql_fp(by)])?;
            }
            Op::Complete(c) => {
                complete(&tx, &c)?;
                done.completions += 1;
            }
            Op::Started(fp) => {
                tx.prepare_cached("UPDATE pages SET attempts = attempts + 1 WHERE fp = ?1")?
                    .execute(params![sql_fp(fp)])?;
            }
            Op::Unstarted(fp) => {
                tx.prepare_cached(
                    "UPDATE pages SET attempts = max(attempts - 1, 0) WHERE fp = ?1",
                )?
                .execute(params![sql_fp(fp)])?;
            }
            Op::Robots {
                origin,
                outcome,
                fetched_ms,
            } => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO robots (origin, outcome, fetched_ms) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![origin, outcome, fetched_ms as i64])?;
            }
            Op::HostNext { origin, at_ms } => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO hosts (origin, next_start_ms) VALUES (?1, ?2)",
                )?
                .execute(params![origin, at_ms as i64])?;
            }
            Op::Cookie(change) => super::cookies::apply(&tx, &change)?,
            Op::Close {
                finished,
                done: waiter,
            } => {
                if finished {
                    mark_finished(&tx)?;
                }
                done.close = Some(waiter);
            }
            #[cfg(test)]
            Op::Pause { reached, resume } => {
                let _ = reached.send(());
                let _ = resume.recv();
            }
            #[cfg(test)]
            Op::Crash => {
                done.crashed = true;
                return Ok(done);
            }
        }
    }
    tx.commit()?;
    Ok(done)
}

fn insert_page(tx: &Transaction, row: &PageRow) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO pages (fp, url, depth, referer, priority, meta, lastmod, sitemap) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        sql_fp(row.fp),
        row.url,
        row.depth,
        row.referer,
        row.priority,
        row.meta,
        row.lastmod,
        row.sitemap
    ])
    .map(drop)
}

/// The record (at most one per page: a second one would be a bug, and is ignored), the
/// page's done marker and its new links.
fn complete(tx: &Transaction, c: &Completion) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO records (fp, status, error_kind, json, final_fp, etag, last_modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        sql_fp(c.fp),
        c.status,
        c.error_kind,
        c.json,
        sql_fp(c.final_fp),
        c.etag,
        c.last_modified
    ])?;
    tx.prepare_cached("UPDATE pages SET done = 1 WHERE fp = ?1")?
        .execute(params![sql_fp(c.fp)])?;
    for link in &c.links {
        insert_page(tx, link)?;
    }
    Ok(())
}
