//! `silk export redis://...` and `silk status redis://...`: read a shared crawl from outside.

use super::address::CrawlAddress;
use super::link::Link;
use crate::output::{CrawlId, RecordWriter, Source};
use crate::store::record_from_stored;
use silk::CrawlSpec;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// Records read (and then deleted) per round trip while exporting.
const EXPORT_CHUNK: usize = 1000;

async fn open(url: &str) -> Result<(Link, String, CrawlAddress), String> {
    let address = CrawlAddress::parse(url)?;
    let mut link = Link::open(&address.connection_url(), &address.server()).await?;
    let prefix = address.prefix();
    let exists: bool = link
        .query(::redis::cmd("EXISTS").arg(format!("{prefix}spec")))
        .await?;
    if !exists {
        return Err(format!(
            "there is no crawl {} on {}: `silk crawl URL --frontier {url}` starts one",
            address.name,
            address.server()
        ));
    }
    Ok((link, prefix, address))
}

/// One counter of the crawl's `stats` hash (0 if never counted).
pub async fn stat(link: &mut Link, prefix: &str, field: &str) -> Result<u64, String> {
    let value: Option<u64> = link
        .query(
            ::redis::cmd("HGET")
                .arg(format!("{prefix}stats"))
                .arg(field),
        )
        .await?;
    Ok(value.unwrap_or(0))
}

/// Drains the records stream into `out`, chunk by chunk: a chunk is deleted from the
/// stream once it is written and flushed, so a second export writes only newer records.
pub async fn export(url: &str, out: &Path) -> Result<u64, String> {
    let (mut link, prefix, _) = open(url).await?;
    let spec_text: String = link
        .query(::redis::cmd("GET").arg(format!("{prefix}spec")))
        .await?;
    let spec = CrawlSpec::from_json(&spec_text).map_err(|e| e.message)?;
    let items: bool = link
        .query(::redis::cmd("EXISTS").arg(format!("{prefix}handler")))
        .await?;
    let source = Source {
        items,
        crawl: CrawlId::Stream(url.to_string()),
    };
    let mut writer = RecordWriter::to_path(out, &spec, source)?;
    let stream = format!("{prefix}records");
    let mut written = 0u64;
    loop {
        let entries: Vec<(String, Vec<String>)> = link
            .query(
                ::redis::cmd("XRANGE")
                    .arg(&stream)
                    .arg("-")
                    .arg("+")
                    .arg("COUNT")
                    .arg(EXPORT_CHUNK),
            )
            .await?;
        if entries.is_empty() {
            break;
        }
        for (_, fields) in &entries {
            let json = fields.get(1).ok_or("a stored record has no body")?;
            let record = record_from_stored(json)?;
            writer
                .write(&record)
                .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        }
        writer
            .flush()
            .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
        let ids: Vec<&String> = entries.iter().map(|(id, _)| id).collect();
        link.query::<()>(::redis::cmd("XDEL").arg(&stream).arg(&ids))
            .await?;
        written += entries.len() as u64;
    }
    writer
        .flush()
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(written)
}

/// Queue, workers and their leases, counters, whether the crawl finished.
pub async fn status(url: &str) -> Result<String, String> {
    let (mut link, prefix, address) = open(url).await?;
    let key = |suffix: &str| format!("{prefix}{suffix}");
    let queued: u64 = link.query(::redis::cmd("LLEN").arg(key("queue"))).await?;
    let finished: bool = link
        .query(::redis::cmd("EXISTS").arg(key("finished")))
        .await?;
    let unexported: u64 = link.query(::redis::cmd("XLEN").arg(key("records"))).await?;
    let stats: BTreeMap<String, u64> = link
        .query(::redis::cmd("HGETALL").arg(key("stats")))
        .await?;
    let mut workers: Vec<String> = link
        .query(::redis::cmd("SMEMBERS").arg(key("workers")))
        .await?;
    workers.sort();

    let mut text = String::new();
    let _ = writeln!(text, "crawl {} on {}", address.name, address.server());
    let _ = writeln!(text, "finished: {}", if finished { "yes" } else { "no" });
    let _ = writeln!(text, "queued: {queued}");
    let mut alive = 0;
    let mut lines = String::new();
    for worker in &workers {
        let is_alive: bool = link
            .query(::redis::cmd("EXISTS").arg(key(&format!("alive:{worker}"))))
            .await?;
        let leased: u64 = link
            .query(::redis::cmd("HLEN").arg(key(&format!("leases:{worker}"))))
            .await?;
        alive += u64::from(is_alive);
        let state = if is_alive {
            "alive"
        } else {
            "dead, not yet reaped"
        };
        let _ = writeln!(lines, "  {worker}: {leased} leased ({state})");
    }
    let _ = writeln!(text, "workers alive: {alive}");
    text.push_str(&lines);
    let count = |name: &str| stats.get(name).copied().unwrap_or(0);
    let _ = writeln!(text, "pages: {}", count("pages"));
    let _ = writeln!(text, "bytes: {}", count("bytes"));
    let _ = writeln!(text, "errors: {}", count("errors"));
    for (name, n) in &stats {
        if let Some(kind) = name.strip_prefix("error:") {
            let _ = writeln!(text, "  {kind}: {n}");
        }
    }
    let _ = writeln!(
        text,
        "leases reclaimed from dead workers: {}",
        count("reclaimed")
    );
    let _ = writeln!(text, "records not yet exported: {unexported}");
    Ok(text)
}
