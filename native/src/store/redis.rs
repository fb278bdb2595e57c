//! STUB: the shared Redis frontier (`silk crawl --frontier redis://HOST:PORT/NAME`). To be written.

use silk::{CrawlSpec, Frontier, Pop, QueuedUrl};
use std::path::Path;
use std::time::Duration;
use url::Url;

pub struct RedisFrontier {
    _private: (),
}

/// How a worker joins a shared crawl.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// redis://HOST:PORT/NAME as given on the command line.
    pub url: String,
    pub lease: Duration,
    pub reset: bool,
}

/// What joining a shared crawl found.
pub enum Joined {
    Ready(RedisFrontier),
    /// Crawl NAME has finished; nothing to do.
    Finished {
        records: u64,
    },
}

impl RedisFrontier {
    pub async fn connect(options: &RedisOptions, spec: &CrawlSpec) -> Result<Joined, String> {
        let _ = (options, spec);
        Err("--frontier is not built yet".into())
    }
}

impl Frontier for RedisFrontier {
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

/// Drains crawl NAME's record stream into `out` (.jsonl or .csv); returns how many.
pub async fn export(url: &str, out: &Path) -> Result<u64, String> {
    let _ = (url, out);
    Err("not built yet".into())
}

/// A human-readable progress report of crawl NAME.
pub async fn status(url: &str) -> Result<String, String> {
    let _ = url;
    Err("not built yet".into())
}
