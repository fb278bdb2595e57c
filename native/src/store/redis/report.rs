//! `silk export redis://...` and `silk status redis://...`: read a shared crawl from outside.

use super::address::CrawlAddress;
use super::link::Link;
use crate::output::{CrawlId, RecordWriter, Source};
use crate::store::record_from_stored;
use silk::CrawlSpec;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

async fn open(url: &str) -> Result<(Link, String, CrawlAddress), String> {
    let address = CrawlAddress::parse(url)?;
    let mut link = Link::open(address.connection_url(), &address.server()).await?;
    let prefix = address.prefix();
    let exists: bool = link
        .query(::redis::cmd("EXISTS").arg(format!("{prefix}spec")))
        .await?;
    if !exists {
        return Err(format!(
            "there is no crawl {} on {}: `silk crawl URL --frontier {}` starts one",
            address.name,
            address.server(),
            address.public()
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

/// Drains the records stream into `out`, chunk by chunk: a chunk is appended to `out`,
/// made durable (fsync), and only then deleted from the stream. So a second export to the
/// same file adds the newer records to the first batch, and a crash or a full disk loses
/// nothing: at worst (killed between the fsync and the delete) the next export writes that
/// one chunk again. One exporter at a time per crawl (`export_lock`, renewed per chunk):
/// two would interleave and each delete what the other wrote.
pub async fn export(url: &str, out: &Path) -> Result<u64, String> {
    let (mut link, prefix, address) = open(url).await?;
    let lock = ExportLock::take(&mut link, &prefix, &address).await?;
    let result = drain(&mut link, &prefix, &address.public(), out, &lock).await;
    lock.release(&mut link, &prefix).await;
    result
}

/// Records read (and then deleted) per round trip while exporting.
const EXPORT_CHUNK: usize = 1000;
/// How long an exporter's lock outlives its last renewal (it renews after every chunk).
const EXPORT_LOCK_MS: u64 = 60_000;

/// The right to drain a crawl's records stream.
struct ExportLock {
    token: String,
}

impl ExportLock {
    async fn take(
        link: &mut Link,
        prefix: &str,
        address: &CrawlAddress,
    ) -> Result<ExportLock, String> {
        let token = format!(
            "pid {} since {}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0)
        );
        let taken: Option<String> = link
            .query(
                ::redis::cmd("SET")
                    .arg(format!("{prefix}export_lock"))
                    .arg(&token)
                    .arg("NX")
                    .arg("PX")
                    .arg(EXPORT_LOCK_MS),
            )
            .await?;
        if taken.is_some() {
            return Ok(ExportLock { token });
        }
        let holder: Option<String> = link
            .query(::redis::cmd("GET").arg(format!("{prefix}export_lock")))
            .await?;
        Err(format!(
            "another silk export is draining crawl {} on {} ({}): run one export at a time \
             (a killed exporter's lock lapses {} s after its last chunk)",
            address.name,
            address.server(),
            holder.as_deref().unwrap_or("just finished"),
            EXPORT_LOCK_MS / 1000
        ))
    }

    /// Extends the lock; `Err` if it is no longer ours (it lapsed and someone took it).
    async fn renew(&self, link: &mut Link, prefix: &str) -> Result<(), String> {
        let script = ::redis::Script::new(
            "if redis.call('GET', ARGV[1] .. 'export_lock') == ARGV[2] then \
               return redis.call('PEXPIRE', ARGV[1] .. 'export_lock', ARGV[3]) end return 0",
        );
        let args = [
            prefix.to_string(),
            self.token.clone(),
            EXPORT_LOCK_MS.to_string(),
        ];
        let mine: i64 = link.script(&script, &args).await?;
        if mine == 1 {
            return Ok(());
        }
        Err(
            "this export lost its lock (stalled for over a minute?); the records it wrote \
             stay in the stream for the next export"
                .into(),
        )
    }

    async fn release(self, link: &mut Link, prefix: &str) {
        let script = ::redis::Script::new(
            "if redis.call('GET', ARGV[1] .. 'export_lock') == ARGV[2] then \
               return redis.call('DEL', ARGV[1] .. 'export_lock') end return 0",
        );
        let _ = link
            .script::<i64>(&script, &[prefix.to_string(), self.token])
            .await;
    }
}

async fn drain(
    link: &mut Link,
    prefix: &str,
    url: &str,
    out: &Path,
    lock: &ExportLock,
) -> Result<u64, String> {
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
    let mut writer = RecordWriter::append_to_path(out, &spec, source)?;
    let failed = |e: std::io::Error| format!("cannot write {}: {e}", out.display());
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
            writer.write(&record).map_err(failed)?;
        }
        writer.sync().map_err(failed)?;
        lock.renew(link, prefix).await?;
        let ids: Vec<&String> = entries.iter().map(|(id, _)| id).collect();
        link.query::<()>(::redis::cmd("XDEL").arg(&stream).arg(&ids))
            .await?;
        written += entries.len() as u64;
    }
    writer.sync().map_err(failed)?;
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
