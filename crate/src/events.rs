//! What a crawl tells the world. The engine produces a single stream of [`Event`]s; the CLI's
//! progress bar and writers, the playground's timeline and any embedding page are all just
//! consumers of it. Records are flat (the selected fields sit beside the standard columns) so
//! that JSONL and CSV have the same shape.

use crate::fetch::{ErrorKind, FetchError};
use crate::robots_meta::{self, PageDirectives};
use crate::validators::Validators;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The standard columns of a record, in output order. Field names may not clash with these.
pub const RECORD_COLUMNS: &[&str] = &[
    "url",
    "final_url",
    "status",
    "depth",
    "referer",
    "bytes",
    "elapsed_ms",
    "error",
];

/// The key under which a record carries its page handler's items (JSON output, stored
/// records). Not a field name either.
pub const ITEMS_COLUMN: &str = "items";

/// The key under which a record says which extraction budgets its page reached (present
/// only then; see [`crate::extract::budget`]). Not a field name either.
pub const CUT_COLUMN: &str = "cut";

/// The key that marks the record of a sitemap file (`true`, present only then). Not a
/// field name either.
pub const SITEMAP_COLUMN: &str = "sitemap";

/// The key under which a page found in a sitemap carries the sitemap's `<lastmod>` for it
/// (present only then). Not a field name either.
pub const LASTMOD_COLUMN: &str = "lastmod";

/// The key under which a record of a recrawl says its page answered 304 Not Modified
/// (present only then, as `true`): its fields and items are the previous pass's. Not a
/// field name either.
pub const NOT_MODIFIED_COLUMN: &str = "not_modified";

/// The key under which a record says which HTTP version carried its (last) response, e.g.
/// "HTTP/1.1" or "HTTP/2": present when an adapter knows it (native), absent for a record
/// without a response. Not a field name either.
pub const PROTOCOL_COLUMN: &str = "protocol";

/// The HTTP versions a record's `protocol` can name.
pub const PROTOCOLS: [&str; 5] = ["HTTP/0.9", "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3"];

/// The keys a record has beside the standard columns and the fields, when they carry
/// something. Field names may not clash with these either.
pub const EXTRA_COLUMNS: &[&str] = &[
    ITEMS_COLUMN,
    CUT_COLUMN,
    SITEMAP_COLUMN,
    LASTMOD_COLUMN,
    NOT_MODIFIED_COLUMN,
    PROTOCOL_COLUMN,
];

/// One URL attempted: fetched (any status) or failed, with its error kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub url: String,
    pub final_url: Option<String>,
    pub status: Option<u16>,
    pub depth: u32,
    pub referer: Option<String>,
    pub bytes: u64,
    pub elapsed_ms: f64,
    /// Extracted fields in spec order: a string, an array of strings, or null if no match.
    pub fields: Vec<(String, Value)>,
    pub error: Option<FetchError>,
    /// What the crawl's page handler yielded for this page (empty without a handler).
    /// Stored with the record, so a `--state` store commits both or neither.
    pub items: Vec<Value>,
    /// The page was cut by the extraction budget: which caps it reached, e.g. "more than
    /// 10000 links or 4 MiB of links: 52113 dropped".
    pub cut: Option<String>,
    /// When the request started, milliseconds since the crawl began (for timelines).
    pub started_ms: f64,
    /// Which concurrency slot carried it (for timelines: one lane per slot).
    pub slot: u32,
    /// Robots meta, `X-Robots-Tag` and canonical: what the page said and what was done
    /// (the keys `noindex`, `nofollow`, `canonical`, `duplicate`, each only when set).
    pub directives: PageDirectives,
    /// The `<lastmod>` the sitemap that listed this page gave for it.
    pub lastmod: Option<String>,
    /// This is the record of a sitemap file, not of a page.
    pub sitemap: bool,
    /// The page answered 304 Not Modified to a conditional request (a recrawl): `fields`,
    /// `items` and `cut` are the previous pass's, nothing was downloaded.
    pub not_modified: bool,
    /// The response's ETag / Last-Modified (2xx and 304 only), for a store that keeps them
    /// for the next pass. Not part of the record's JSON; filled only when the frontier
    /// [wants them](crate::Frontier::wants_validators).
    pub validators: Option<Validators>,
    /// The HTTP version of the response (of the last redirect hop), one of [`PROTOCOLS`],
    /// if the adapter knows it.
    pub protocol: Option<&'static str>,
}

impl Record {
    /// The flat JSON object written by `silk crawl`: standard columns, then fields.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("url".into(), Value::from(self.url.clone()));
        m.insert("final_url".into(), opt_str(&self.final_url));
        m.insert(
            "status".into(),
            self.status.map(Value::from).unwrap_or(Value::Null),
        );
        m.insert("depth".into(), Value::from(self.depth));
        m.insert("referer".into(), opt_str(&self.referer));
        m.insert("bytes".into(), Value::from(self.bytes));
        m.insert(
            "elapsed_ms".into(),
            Value::from((self.elapsed_ms * 10.0).round() / 10.0),
        );
        for (name, value) in &self.fields {
            m.insert(name.clone(), value.clone());
        }
        if let Some(e) = &self.error {
            let mut err = Map::new();
            err.insert("kind".into(), Value::from(e.kind.as_str()));
            err.insert("message".into(), Value::from(e.message.clone()));
            m.insert("error".into(), Value::Object(err));
        }
        if !self.items.is_empty() {
            m.insert(ITEMS_COLUMN.into(), Value::Array(self.items.clone()));
        }
        if let Some(cut) = &self.cut {
            m.insert(CUT_COLUMN.into(), Value::from(cut.clone()));
        }
        self.directives.write_json(&mut m);
        if self.sitemap {
            m.insert(SITEMAP_COLUMN.into(), Value::Bool(true));
        }
        if let Some(lastmod) = &self.lastmod {
            m.insert(LASTMOD_COLUMN.into(), Value::from(lastmod.clone()));
        }
        if self.not_modified {
            m.insert(NOT_MODIFIED_COLUMN.into(), Value::from(true));
        }
        if let Some(protocol) = self.protocol {
            m.insert(PROTOCOL_COLUMN.into(), Value::from(protocol));
        }
        m
    }
}

impl Record {
    /// Reads back what [`Record::to_json`] wrote (a stored record being exported). Columns
    /// that are not standard are the fields, in their stored order; the timeline-only
    /// `started_ms` and `slot` are not stored and come back as 0.
    pub fn from_json(m: &Map<String, Value>) -> Result<Record, String> {
        let text = |key: &str| m.get(key).and_then(Value::as_str).map(String::from);
        let number = |key: &str| m.get(key).and_then(Value::as_f64);
        let error = match m.get("error") {
            None | Some(Value::Null) => None,
            Some(e) => {
                let kind = e.get("kind").and_then(Value::as_str).unwrap_or_default();
                let kind = kind
                    .parse()
                    .map_err(|e| format!("stored record has a bad error kind: {e}"))?;
                let message = e.get("message").and_then(Value::as_str).unwrap_or_default();
                Some(FetchError::new(kind, message))
            }
        };
        Ok(Record {
            url: text("url").ok_or("stored record has no url")?,
            final_url: text("final_url"),
            status: number("status").map(|s| s as u16),
            depth: number("depth").unwrap_or(0.0) as u32,
            referer: text("referer"),
            bytes: number("bytes").unwrap_or(0.0) as u64,
            elapsed_ms: number("elapsed_ms").unwrap_or(0.0),
            fields: m
                .iter()
                .filter(|(k, _)| {
                    !RECORD_COLUMNS.contains(&k.as_str())
                        && !EXTRA_COLUMNS.contains(&k.as_str())
                        && !robots_meta::COLUMNS.contains(&k.as_str())
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            error,
            items: match m.get(ITEMS_COLUMN) {
                Some(Value::Array(items)) => items.clone(),
                _ => Vec::new(),
            },
            cut: text(CUT_COLUMN),
            started_ms: 0.0,
            slot: 0,
            directives: PageDirectives::read_json(m),
            lastmod: text(LASTMOD_COLUMN),
            sitemap: m.get(SITEMAP_COLUMN) == Some(&Value::Bool(true)),
            not_modified: m.get(NOT_MODIFIED_COLUMN) == Some(&Value::Bool(true)),
            validators: None,
            protocol: m
                .get(PROTOCOL_COLUMN)
                .and_then(Value::as_str)
                .and_then(|p| PROTOCOLS.into_iter().find(|known| *known == p)),
        })
    }
}

fn opt_str(s: &Option<String>) -> Value {
    s.as_ref()
        .map(|s| Value::from(s.clone()))
        .unwrap_or(Value::Null)
}

/// Running counters, sent as progress and in the final summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counters {
    /// Records emitted (successes and failures).
    pub done: u64,
    /// URLs waiting in the frontier.
    pub queued: u64,
    /// Requests currently in flight.
    pub in_flight: u64,
    /// Records that carry an error.
    pub errors: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Milliseconds since the crawl began.
    pub elapsed_ms: f64,
    /// With AutoThrottle: each busy host's current limit and delay (the 20 busiest hosts).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub host_limits: Vec<HostLimit>,
}

/// A host's AutoThrottle state during the crawl (progress events).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostLimit {
    /// The origin, `scheme://host:port`.
    pub host: String,
    /// Requests it may have in flight now.
    pub limit: u32,
    /// Milliseconds kept between its request starts now.
    pub delay_ms: u64,
}

/// What AutoThrottle did to a host over the crawl (final stats).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostThrottleStats {
    pub host: String,
    /// The limit at the end.
    pub limit: u32,
    /// The lowest limit it had.
    pub min_limit: u32,
    /// How many times the limit was cut (or, at 1, the delay raised): 429/503 answers,
    /// timeouts and rising latency.
    pub cuts: u32,
    /// The delay between request starts at the end, in milliseconds.
    pub final_delay_ms: u64,
}

/// The end-of-crawl summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    pub pages: u64,
    pub errors: u64,
    pub bytes: u64,
    pub elapsed_ms: f64,
    pub pages_per_sec: f64,
    /// Count of records per HTTP status.
    pub status_counts: BTreeMap<u16, u64>,
    /// Count of records per error kind.
    pub error_kinds: BTreeMap<String, u64>,
    /// Requests sent, including retries, redirect hops and robots.txt.
    pub requests: u64,
    pub retries: u64,
    /// Links seen but not followed because of scope, allow/deny, depth or follow selector
    /// (or, from a handler's follow list, because they were not http(s) URLs).
    pub links_filtered: u64,
    /// Items yielded by the page handler.
    pub items: u64,
    /// Links dropped by the extraction budget: longer than 8 KiB, or past a page's cap of
    /// 10,000 links (see the records' `cut` key).
    pub links_dropped: u64,
    /// URLs still queued when the crawl ended (page limit or cancel).
    pub queued_remaining: u64,
    pub cancelled: bool,
    /// Why the crawl's store (a --state file, a shared frontier) stopped it, if it did.
    pub store_error: Option<String>,
    /// With AutoThrottle: per host (the 20 busiest), its limit at the end, its lowest, the
    /// cuts and the final delay.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub host_limits: Vec<HostThrottleStats>,
    /// Links not followed because their page said `nofollow` (robots meta or
    /// `X-Robots-Tag`).
    pub links_nofollow: u64,
    /// Pages whose canonical URL was seen before them, so their fields were not emitted
    /// (with `canonical` on).
    pub canonical_duplicates: u64,
    /// A recrawl's outcome per page, counted over the whole pass (also the parts an earlier,
    /// interrupted run of it did); absent for a first crawl.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recrawl: Option<RecrawlCounts>,
}

/// How the pages of a recrawl compare with the previous pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RecrawlCounts {
    /// Answered 304 Not Modified: kept from the previous pass without downloading.
    pub unchanged: u64,
    /// Known from the previous pass and fetched again (2xx): changed, or the server does not
    /// answer conditional requests.
    pub changed: u64,
    /// Fetched (2xx) and not in the previous pass.
    pub new: u64,
    /// Fetched (2xx or 304) in the previous pass, 404 or 410 now.
    pub gone: u64,
}

impl Stats {
    pub(crate) fn count(&mut self, record: &Record) {
        self.pages += 1;
        self.bytes += record.bytes;
        self.items += record.items.len() as u64;
        self.canonical_duplicates += u64::from(record.directives.duplicate);
        if let Some(s) = record.status {
            *self.status_counts.entry(s).or_default() += 1;
        }
        if let Some(e) = &record.error {
            self.errors += 1;
            *self
                .error_kinds
                .entry(e.kind.as_str().to_string())
                .or_default() += 1;
        }
    }

    pub fn error_kind_count(&self, kind: ErrorKind) -> u64 {
        self.error_kinds.get(kind.as_str()).copied().unwrap_or(0)
    }
}

/// Everything a crawl reports, in the order it happens.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A page request is about to be sent (first attempt only).
    RequestStarted {
        url: String,
        depth: u32,
        slot: u32,
        started_ms: f64,
    },
    /// An item the page handler yielded on the page `url`, sent just before that page's
    /// record.
    Item { url: String, item: Value },
    /// A URL is finished: fetched, or failed with its error kind.
    Record(Record),
    /// Counters, sent after every record and at most every few hundred milliseconds.
    Progress(Counters),
    /// The crawl ended; no more events follow.
    Finished(Stats),
}

impl Event {
    /// A tagged JSON form for consumers that are not Rust (the browser API, logs).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        match self {
            Event::RequestStarted {
                url,
                depth,
                slot,
                started_ms,
            } => {
                m.insert("type".into(), "request".into());
                m.insert("url".into(), Value::from(url.clone()));
                m.insert("depth".into(), Value::from(*depth));
                m.insert("slot".into(), Value::from(*slot));
                m.insert("started_ms".into(), Value::from(*started_ms));
            }
            Event::Item { url, item } => {
                m.insert("type".into(), "item".into());
                m.insert("item".into(), item.clone());
                m.insert("url".into(), Value::from(url.clone()));
            }
            Event::Record(r) => {
                m.insert("type".into(), "record".into());
                m.insert("record".into(), Value::Object(r.to_json()));
                m.insert("slot".into(), Value::from(r.slot));
                m.insert("started_ms".into(), Value::from(r.started_ms));
            }
            Event::Progress(c) => {
                m.insert("type".into(), "progress".into());
                m.insert(
                    "counters".into(),
                    serde_json::to_value(c).unwrap_or_default(),
                );
            }
            Event::Finished(s) => {
                m.insert("type".into(), "finished".into());
                m.insert("stats".into(), serde_json::to_value(s).unwrap_or_default());
            }
        }
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_survives_its_json_form() {
        let record = Record {
            url: "http://h/a".into(),
            final_url: Some("http://h/b".into()),
            status: Some(404),
            depth: 3,
            referer: None,
            bytes: 12,
            elapsed_ms: 4.5,
            fields: vec![
                ("title".into(), Value::from("T")),
                ("tags".into(), Value::from(vec!["x", "y"])),
                ("none".into(), Value::Null),
            ],
            error: Some(FetchError::new(ErrorKind::Http, "HTTP 404")),
            items: vec![serde_json::json!({"name": "x", "n": [1, 2]})],
            cut: Some("more than 10000 links or 4 MiB of links: 7 dropped".into()),
            started_ms: 0.0,
            slot: 0,
            directives: PageDirectives {
                noindex: true,
                nofollow: false,
                canonical: Some("http://h/c".into()),
                duplicate: true,
            },
            lastmod: Some("2026-11-01".into()),
            sitemap: false,
            not_modified: true,
            validators: None,
            protocol: Some("HTTP/2"),
        };
        assert_eq!(Record::from_json(&record.to_json()), Ok(record.clone()));
        assert_eq!(record.to_json()["noindex"], Value::Bool(true));
        assert!(!record.to_json().contains_key("nofollow"));
        assert_eq!(record.to_json()["lastmod"], Value::from("2026-11-01"));
        assert!(!record.to_json().contains_key("sitemap"));
        assert_eq!(record.to_json()["protocol"], Value::from("HTTP/2"));
        let mut sitemap = record.clone();
        sitemap.sitemap = true;
        sitemap.lastmod = None;
        assert_eq!(sitemap.to_json()["sitemap"], Value::Bool(true));
        assert!(!sitemap.to_json().contains_key("lastmod"));
        assert_eq!(Record::from_json(&sitemap.to_json()), Ok(sitemap));
        assert_eq!(
            record.to_json()["cut"],
            Value::from("more than 10000 links or 4 MiB of links: 7 dropped")
        );
        assert_eq!(record.to_json()[NOT_MODIFIED_COLUMN], Value::from(true));
        let mut ok = record;
        ok.error = None;
        ok.cut = None;
        ok.directives = PageDirectives::default();
        ok.not_modified = false;
        ok.protocol = None;
        assert!(!ok.to_json().contains_key("cut"));
        assert!(!ok.to_json().contains_key("canonical"));
        assert!(!ok.to_json().contains_key(NOT_MODIFIED_COLUMN));
        assert!(!ok.to_json().contains_key("protocol"));
        assert_eq!(Record::from_json(&ok.to_json()), Ok(ok));
        let mut bad = Map::new();
        bad.insert("depth".into(), Value::from(1));
        assert!(Record::from_json(&bad).unwrap_err().contains("no url"));
    }
}
