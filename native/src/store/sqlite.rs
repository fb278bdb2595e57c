//! STUB: the SQLite state store (`silk crawl --state FILE`). To be written.

use silk::{CrawlSpec, Frontier, Pop, QueuedUrl};
use std::path::Path;
use url::Url;

pub struct SqliteFrontier {
    _private: (),
}

/// What opening a state file found.
pub enum Opened {
    /// Ready to crawl (new, or resuming).
    Ready(SqliteFrontier),
    /// The crawl in this file has finished; nothing to do.
    Finished { records: u64 },
}

impl SqliteFrontier {
    /// Opens (or creates) the state in `path` for `spec`. A different spec than the one the
    /// file was created with is refused unless `reset`, which empties the file first.
    pub fn open(path: &Path, spec: &CrawlSpec, reset: bool) -> Result<Opened, String> {
        let _ = (path, spec, reset);
        Err("--state is not built yet".into())
    }
}

impl Frontier for SqliteFrontier {
    async fn add(&mut self, _item: QueuedUrl) -> bool {
        unimplemented!()
    }
    async fn mark_seen(&mut self, _url: &Url, _by: &Url) -> bool {
        unimplemented!()
    }
    async fn pop(&mut self) -> Pop {
        unimplemented!()
    }
    fn len(&self) -> usize {
        unimplemented!()
    }
}

/// Writes every record in the state file `db` to `out` (.jsonl or .csv); returns how many.
pub fn export(db: &Path, out: &Path) -> Result<u64, String> {
    let _ = (db, out);
    Err("not built yet".into())
}

/// A human-readable progress report of the crawl in `db` (running or stopped).
pub fn status(db: &Path) -> Result<String, String> {
    let _ = db;
    Err("not built yet".into())
}
