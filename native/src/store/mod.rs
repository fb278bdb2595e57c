//! Crawl state that outlives one process or is shared by many: implementations of the
//! engine's [`silk::Frontier`] protocol on SQLite (`silk crawl --state`, resumable after a
//! crash) and on Redis (`silk crawl --frontier`, many workers on one crawl). Native only:
//! the browser keeps its crawls in memory.
//!
//! Both keep the crawl's spec, as [`spec_for_storage`] writes it: without secrets (see
//! [`secrets`]).

pub mod redis;
pub mod secrets;
pub mod sqlite;

pub use secrets::spec_for_storage;

use serde_json::{Map, Value};
use silk::Record;

/// A record as both stores keep it: its JSON object as text, the shape of a JSONL line.
pub fn stored_record(record: &Record) -> String {
    Value::Object(record.to_json()).to_string()
}

/// A record back from the text [`stored_record`] made.
pub fn record_from_stored(text: &str) -> Result<Record, String> {
    let map: Map<String, Value> =
        serde_json::from_str(text).map_err(|e| format!("a stored record is not JSON: {e}"))?;
    Record::from_json(&map)
}
