//! Crawl state that outlives one process or is shared by many: implementations of the
//! engine's [`silk::Frontier`] protocol on SQLite (`silk crawl --state`, resumable after a
//! crash) and on Redis (`silk crawl --frontier`, many workers on one crawl). Native only:
//! the browser keeps its crawls in memory.

pub mod redis;
pub mod sqlite;
