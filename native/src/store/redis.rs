//! The shared Redis frontier: `silk crawl --frontier redis://HOST:PORT/NAME`.
//!
//! Any number of `silk` processes, on any number of machines, crawl one site together by
//! keeping crawl NAME's queue, seen-set, leases, robots.txt files, per-host politeness,
//! records and stats in one Redis server. Every step of the engine's store protocol
//! ([`silk::Frontier`]) that reads and writes shared state is one Lua script, so it is
//! atomic: two workers never both queue a URL, both lease it, or both record it.
//!
//! # Keys (all under `silk:{NAME}:`; the braces are a Cluster hash tag, one slot)
//!
//! | key                      | type   | holds                                             |
//! |--------------------------|--------|---------------------------------------------------|
//! | `spec`                   | string | the crawl spec (canonical JSON), set by the first worker |
//! | `queue`                  | list   | items `{"a":attempts,"u":url,"d":depth,"r":referer}` (+ `p`, `m`, `l`, `s`: see `item_json`), FIFO = breadth-first |
//! | `seen:{bucket}`          | set    | URL fingerprints, bucketed (see [`seen`])         |
//! | `claims`                 | hash   | redirect target fingerprint → fingerprint of the page that claimed it |
//! | `workers`                | set    | worker ids that joined and have not left or been reaped |
//! | `alive:{worker}`         | string | exists while the worker's heartbeat renews it (TTL = one lease) |
//! | `leases:{worker}`        | hash   | url → item, the URLs the worker holds             |
//! | `started:{worker}`       | set    | leased URLs whose fetch the worker has started (a reaper raises their attempt count) |
//! | `records`                | stream | one entry `r` = record JSON per completed page; `silk export` drains it |
//! | `stats`                  | hash   | pages, bytes, errors, `error:{kind}`, reclaimed   |
//! | `robots:{origin}`        | string | the origin's robots.txt outcome (JSON), expires after 24 h so a long crawl refetches it |
//! | `robots_lock:{origin}`   | string | the worker fetching that robots.txt (others wait; taken over if it dies) |
//! | `host:{origin}:permits`  | zset   | `worker:n` per request in flight, scored by expiry |
//! | `host:{origin}:next`     | string | earliest start of the next request (ms, Redis TIME) |
//! | `permit_seq`             | string | counter that makes permit members unique          |
//! | `finished`               | string | set when nothing is queued and nothing is leased  |
//! | `handler`                | string | set when a worker runs a page handler (a Rust spider): CSV exports get an `items` column |
//! | `reply:{worker}`         | string | the worker's last script call id and result, so a retried call is not run twice (10 min TTL) |
//! | `export_lock`            | string | held by the one `silk export` draining `records` (TTL, renewed per chunk) |
//!
//! # Leases
//!
//! ```text
//!            add / complete (SADD seen → RPUSH if new)
//!                         │
//!                         ▼
//!   ┌──────────────► queue ──── pop (LPOP → HSET leases:{me}) ───► leases:{me}
//!   │ LPUSH (front)                                                   │
//!   ├── abandon (cancelled) ◄─────────────────────────────────────────┤
//!   ├── reap: alive:{w} lapsed (worker died) ◄────────────────────────┤
//!   │                                                                 ▼
//!   │                                 complete: HDEL leases:{me} url → XADD records
//!   │                                 (refused if the lease is gone: the record is
//!   └──────────────────────────────── dropped, whoever holds the URL now records it)
//! ```
//!
//! A worker holds its leases as long as its heartbeat (an OS thread, [`heartbeat`])
//! renews `alive:{worker}`: every lease/3, with a TTL of one lease (`--lease`, 10 s by
//! default). A slow worker that is still alive therefore never loses a URL to another
//! worker; a dead one (SIGKILL, lost machine) loses them all one lease after its last
//! heartbeat, when the next `pop` of any worker reaps it: its URLs go to the front of the
//! queue. At most the pages it was fetching when it died are fetched twice. `pop` answers
//! "later" while the queue is empty but some worker holds leases (their pages may add
//! links), and "empty" (marking the crawl finished) when nobody holds anything.
//!
//! Per-host limits hold across workers: before every page request the engine asks
//! [`Frontier::host_permit`], which grants a permit only if fewer than `per_host` live
//! permits exist for the origin and the origin's `next` start time has passed. Permits of
//! dead workers are dropped; each also lapses after the request timeout + 5 s. Releases
//! are sent without waiting for the reply (one round trip less per page). robots.txt
//! is fetched once per origin: the first worker to take `robots_lock:{origin}` fetches it,
//! the others poll until the outcome is in `robots:{origin}`. A stored outcome lives
//! [`ROBOTS_TTL`] (24 h, RFC 9309's longest cache time), so a crawl that runs longer
//! fetches it again.
//!
//! # Poison URLs
//!
//! A queue item carries `"a":N`, how many times a worker started fetching it and died (or
//! was presumed dead) before recording it: the engine reports each started fetch
//! ([`Frontier::started`], into `started:{worker}`; the request waits until Redis has the
//! mark, one round trip per page), and `pop` raises the count when it
//! reclaims a dead worker's started lease (URLs only held ahead are not charged). The
//! engine records a URL whose count reached `max_attempts` as `too_many_attempts` instead
//! of fetching it again, so a page that kills or wedges workers is not passed from worker
//! to worker forever. A URL given back by a live worker (`abandon`: cancelled) is not
//! counted.
//!
//! # Logging in and TLS
//!
//! `redis://USER:PASSWORD@HOST:PORT/NAME` (or `:PASSWORD@` for `requirepass`) logs in;
//! `rediss://` speaks TLS and checks the server's certificate against the system's roots,
//! or those in `SSL_CERT_FILE`/`SSL_CERT_DIR`. The password is used for the connection only:
//! messages, `silk status`, the crawl key of `-o .sqlite` files show `HOST:PORT` (see
//! [`address`]). A refused login ends the worker at once with a message saying so.
//!
//! # Redis failures and replays
//!
//! Every call is retried through Redis outages of up to [`link::OUTAGE`], and every script
//! call is idempotent (a per-call id; see [`link`]), so a lost reply neither leases a
//! second URL nor takes a second permit. Past the outage the store reports a failure and
//! the engine stops the crawl (`store_error`).
//!
//! # Seen-set size
//!
//! Fingerprints only, bucketed into 2^14 integer sets that Redis stores as intsets.
//! Measured on Redis 7.0 with random 64-bit fingerprints by `bash
//! scripts/bench-redis-seen.sh`: `MEMORY USAGE` summed over all `seen:*` keys
//! (used_memory growth in brackets):
//!
//! | URLs      | bucketed (this)      | one plain SET of fingerprints |
//! |-----------|----------------------|-------------------------------|
//! | 100 000   | 19.1 B/URL (22.5)    | 71.7 B/URL (79.7)             |
//! | 1 000 000 |  9.8 B/URL (10.1)    | 64.4 B/URL (72.4)             |
//!
//! The buckets' key overhead (~130 B each, 2 MB once all exist) dominates small crawls;
//! past ~6 million URLs buckets outgrow 512 members and become plain sets one by one.
//!
//! # Caveats
//!
//! `--reset` deletes all of NAME's keys: never while other workers run on NAME. Scripts
//! get `queue` as their one declared key (which routes them on a Cluster) and build the
//! other key names from the prefix; that works because the hash tag puts all of a crawl's
//! keys in one slot, but it is not what strict declared-keys setups allow. `max_pages`
//! counts per worker (from the shared page count at join), not across the crawl.

mod address;
mod heartbeat;
mod link;
mod report;
mod seen;

use crate::store::stored_record;
use address::CrawlAddress;
use heartbeat::Heartbeat;
use link::{idempotent, Link};
use serde_json::{json, Value};
use silk::url_norm::fingerprint;
use silk::{CrawlSpec, Frontier, Pop, QueuedUrl, Record, RobotsOutcome};
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;
use url::Url;

/// How long `pop` tells the engine to wait when other workers hold the only work left.
/// Short, because an idle worker costs Redis only one small script call per wait, while
/// at the start of a crawl every other worker waits on the first worker's seed page.
const POP_AGAIN: Duration = Duration::from_millis(50);
/// The same when this worker holds some of it: its own pages are about to add links.
const POP_AGAIN_SOON: Duration = Duration::from_millis(20);
/// How often a worker waiting for another's robots.txt fetch looks again.
const ROBOTS_POLL: Duration = Duration::from_millis(50);
/// How long a stored robots.txt outcome is trusted before it is fetched again.
const ROBOTS_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// A permit or robots lock outlives the request timeout by this much.
const HOLD_MARGIN_MS: u64 = 5_000;

/// The Lua scripts, one per atomic step of the protocol.
struct Scripts {
    add: ::redis::Script,
    pop: ::redis::Script,
    complete: ::redis::Script,
    mark_seen: ::redis::Script,
    abandon: ::redis::Script,
    host_permit: ::redis::Script,
    robots_lock: ::redis::Script,
}

impl Scripts {
    fn new() -> Scripts {
        Scripts {
            add: idempotent(include_str!("redis/add.lua")),
            pop: idempotent(include_str!("redis/pop.lua")),
            complete: idempotent(include_str!("redis/complete.lua")),
            mark_seen: idempotent(include_str!("redis/mark_seen.lua")),
            abandon: idempotent(include_str!("redis/abandon.lua")),
            host_permit: idempotent(include_str!("redis/host_permit.lua")),
            robots_lock: idempotent(include_str!("redis/robots_lock.lua")),
        }
    }
}

pub struct RedisFrontier {
    /// Boxed (with the scripts) to keep [`Joined`] small.
    link: Box<Link>,
    /// `silk:{NAME}:`
    prefix: String,
    worker: String,
    scripts: Box<Scripts>,
    heartbeat: Heartbeat,
    per_host: u32,
    /// How long a permit or robots lock lives at most: the request timeout plus a margin.
    hold_ms: u64,
    lookahead: usize,
    /// The queue length the last script reported.
    queue_len: usize,
    pages_done: u64,
    /// Permit members this worker holds, per origin.
    permits: HashMap<String, Vec<String>>,
}

/// How a worker joins a shared crawl.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// redis://HOST:PORT/NAME as given on the command line.
    pub url: String,
    pub lease: Duration,
    pub reset: bool,
    /// This worker runs a page handler (a Rust spider).
    pub handler: bool,
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
        let address = CrawlAddress::parse(&options.url)?;
        if options.lease < Duration::from_millis(300) {
            return Err("--lease must be at least 300ms".into());
        }
        let mut link = Link::open(address.connection_url(), &address.server()).await?;
        let prefix = address.prefix();
        if options.reset {
            delete_crawl(&mut link, &prefix).await?;
        }
        join_spec(&mut link, &prefix, spec, &address.public()).await?;
        if options.handler {
            link.query::<()>(::redis::cmd("SET").arg(format!("{prefix}handler")).arg(1))
                .await?;
        }
        let pages_done = report::stat(&mut link, &prefix, "pages").await?;
        let finished: bool = link
            .query(::redis::cmd("EXISTS").arg(format!("{prefix}finished")))
            .await?;
        if finished {
            return Ok(Joined::Finished {
                records: pages_done,
            });
        }
        let worker = worker_id();
        link.identify(&worker);
        let alive_key = format!("{prefix}alive:{worker}");
        link.query::<()>(
            ::redis::cmd("SET")
                .arg(&alive_key)
                .arg(1)
                .arg("PX")
                .arg(options.lease.as_millis() as u64),
        )
        .await?;
        link.query::<()>(
            ::redis::cmd("SADD")
                .arg(format!("{prefix}workers"))
                .arg(&worker),
        )
        .await?;
        let heartbeat = Heartbeat::start(link.client(), alive_key, options.lease);
        Ok(Joined::Ready(RedisFrontier {
            link: Box::new(link),
            prefix,
            worker,
            scripts: Box::new(Scripts::new()),
            heartbeat,
            per_host: spec.per_host.max(1),
            hold_ms: spec.timeout_ms + HOLD_MARGIN_MS,
            lookahead: spec.concurrency.max(1) as usize,
            queue_len: 0,
            pages_done,
            permits: HashMap::new(),
        }))
    }

    fn key(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.prefix)
    }

    /// The leases this worker still holds go back to the front of the queue.
    async fn return_leases(&mut self) {
        let urls: Vec<String> = self
            .link
            .command(::redis::cmd("HKEYS").arg(self.key(&format!("leases:{}", self.worker))))
            .await
            .unwrap_or_default();
        for url in urls {
            self.abandon_text(&url).await;
        }
    }

    async fn abandon_text(&mut self, url: &str) {
        let args = [self.prefix.clone(), self.worker.clone(), url.to_string()];
        if let Ok(len) = self.link.script(&self.scripts.abandon, &args).await {
            self.queue_len = len;
        }
    }
}

/// The first worker stores the spec; the others must bring the same one (compared in
/// stored form, so a refreshed token in a secret header still joins).
async fn join_spec(
    link: &mut Link,
    prefix: &str,
    spec: &CrawlSpec,
    url: &str,
) -> Result<(), String> {
    // Stored without secret header values or URL credentials (any worker can read Redis).
    let mine =
        serde_json::to_string(&crate::store::spec_for_storage(spec)).map_err(|e| e.to_string())?;
    let key = format!("{prefix}spec");
    let stored: Option<String> = link
        .query(::redis::cmd("SET").arg(&key).arg(&mine).arg("NX"))
        .await?;
    if stored.is_some() {
        return Ok(());
    }
    let theirs: Option<String> = link.query(::redis::cmd("GET").arg(&key)).await?;
    let changed = changed_keys(&mine, theirs.as_deref().unwrap_or("{}"));
    if changed.is_empty() {
        return Ok(());
    }
    Err(format!(
        "crawl {url} was started with a different spec (changed: {}): give the same flags as \
         the other workers, or --reset to start it over (only while no worker runs on it)",
        changed.join(", ")
    ))
}

/// Top-level spec keys whose values differ between two spec JSON texts.
fn changed_keys(mine: &str, theirs: &str) -> Vec<String> {
    let parse = |text: &str| match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (mine, theirs) = (parse(mine), parse(theirs));
    let mut keys: Vec<String> = mine
        .keys()
        .chain(theirs.keys())
        .filter(|k| mine.get(*k) != theirs.get(*k))
        .cloned()
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Deletes every key of the crawl (`--reset`).
async fn delete_crawl(link: &mut Link, prefix: &str) -> Result<(), String> {
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<String>) = link
            .query(
                ::redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(format!("{prefix}*"))
                    .arg("COUNT")
                    .arg(1000),
            )
            .await?;
        if !keys.is_empty() {
            link.query::<()>(::redis::cmd("UNLINK").arg(&keys)).await?;
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

/// Unique enough across machines and restarts: host, pid and the clock.
fn worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{host}-{}-{:x}", std::process::id(), nanos % (1u128 << 48))
}

/// A queue item: `{"u":url,"d":depth,"r":referer}`, plus `"p":priority` and `"m":meta`
/// when a page handler set them, `"l":lastmod` for a page a sitemap listed with one,
/// `"s":1` for a sitemap file, and `"a":attempts` once a worker died holding it. The shared queue is one FIFO list: priorities are carried
/// (a resumed item keeps its own) but do not reorder it.
fn item_json(item: &QueuedUrl) -> String {
    // "a" first (pop.lua raises it in place), whatever order serde_json keeps keys in.
    let mut v = json!({});
    if item.attempts > 0 {
        v["a"] = Value::from(item.attempts);
    }
    v["u"] = Value::from(item.url.as_str());
    v["d"] = Value::from(item.depth);
    v["r"] = item.referer.as_deref().map_or(Value::Null, Value::from);
    if item.priority != 0 {
        v["p"] = Value::from(item.priority);
    }
    if let Some(meta) = &item.meta {
        v["m"] = (**meta).clone();
    }
    if let Some(lastmod) = &item.lastmod {
        v["l"] = Value::from(&**lastmod);
    }
    if item.sitemap {
        v["s"] = Value::from(1);
    }
    v.to_string()
}

fn parse_item(text: &str) -> Option<QueuedUrl> {
    let v: Value = serde_json::from_str(text).ok()?;
    Some(QueuedUrl {
        url: Url::parse(v.get("u")?.as_str()?).ok()?,
        depth: v.get("d")?.as_u64()? as u32,
        referer: v.get("r").and_then(Value::as_str).map(Rc::from),
        priority: v.get("p").and_then(Value::as_i64).unwrap_or(0) as i32,
        meta: v.get("m").cloned().map(Rc::new),
        attempts: v
            .get("a")
            .and_then(Value::as_u64)
            .map_or(0, |n| n.min(u64::from(u32::MAX)) as u32),
        lastmod: v.get("l").and_then(Value::as_str).map(Rc::from),
        sitemap: v.get("s").and_then(Value::as_u64) == Some(1),
        validators: None,
    })
}

/// The seen-set arguments of `url`: its bucket and member.
fn seen_args(url: &Url) -> [String; 2] {
    let (bucket, member) = seen::slot(fingerprint(url.as_str()));
    [bucket, member]
}

impl Frontier for RedisFrontier {
    async fn add(&mut self, item: QueuedUrl) -> bool {
        let [bucket, member] = seen_args(&item.url);
        let args = [self.prefix.clone(), bucket, member, item_json(&item)];
        let Ok((queued, len)) = self
            .link
            .script::<(i64, usize)>(&self.scripts.add, &args)
            .await
        else {
            return false;
        };
        self.queue_len = len;
        queued == 1
    }

    async fn mark_seen(&mut self, url: &Url, by: &Url) -> bool {
        let [bucket, member] = seen_args(url);
        let args = [
            self.prefix.clone(),
            bucket,
            member,
            fingerprint(url.as_str()).to_string(),
            fingerprint(by.as_str()).to_string(),
        ];
        let claimed = self.link.script(&self.scripts.mark_seen, &args).await;
        claimed == Ok(1i64)
    }

    async fn pop(&mut self) -> Pop {
        loop {
            let args = [self.prefix.clone(), self.worker.clone()];
            let Ok((what, item, len)) = self
                .link
                .script::<(String, String, usize)>(&self.scripts.pop, &args)
                .await
            else {
                // The link gave up: the engine sees `failure()` and stops.
                return Pop::Later(POP_AGAIN);
            };
            self.queue_len = len;
            match what.as_str() {
                "url" => match parse_item(&item) {
                    Some(queued) => return Pop::Url(queued),
                    None => eprintln!("silk: skipping a malformed queue item: {item}"),
                },
                "later" if item == "mine" => return Pop::Later(POP_AGAIN_SOON),
                "later" => return Pop::Later(POP_AGAIN),
                _ => return Pop::Empty,
            }
        }
    }

    fn len(&self) -> usize {
        self.queue_len
    }

    async fn complete(&mut self, record: &Record, links: Vec<QueuedUrl>) -> bool {
        let record_json = stored_record(record);
        let error_kind = record
            .error
            .as_ref()
            .map(|e| e.kind.as_str().to_string())
            .unwrap_or_default();
        let mut args = vec![
            self.prefix.clone(),
            self.worker.clone(),
            record.url.clone(),
            record_json,
            record.bytes.to_string(),
            error_kind,
        ];
        for link in &links {
            args.extend(seen_args(&link.url));
            args.push(item_json(link));
        }
        let Ok((accepted, len)) = self
            .link
            .script::<(i64, usize)>(&self.scripts.complete, &args)
            .await
        else {
            return false;
        };
        self.queue_len = len;
        accepted == 1
    }

    async fn started(&mut self, url: &Url) {
        // Awaited, not detached: the request goes out only once Redis holds the mark.
        // Sent alongside it, the request could reach the server (and wedge or kill the
        // worker) while the mark was still in this process or on the wire, and a reaper
        // would then give the URL back uncharged (one round trip per page is the cost).
        let mut mark = ::redis::cmd("SADD");
        mark.arg(self.key(&format!("started:{}", self.worker)))
            .arg(url.as_str());
        let _ = self.link.command::<()>(&mark).await;
    }

    async fn abandon(&mut self, url: &Url) {
        self.abandon_text(url.as_str()).await;
    }

    fn lookahead(&self) -> usize {
        self.lookahead
    }

    fn pages_done(&self) -> u64 {
        self.pages_done
    }

    fn failure(&self) -> Option<String> {
        self.link.failure()
    }

    async fn robots(&mut self, origin: &str) -> Option<RobotsOutcome> {
        let lock_args = [
            self.prefix.clone(),
            self.worker.clone(),
            origin.to_string(),
            self.hold_ms.to_string(),
        ];
        let key = self.key(&format!("robots:{origin}"));
        loop {
            let stored: Option<String> = self
                .link
                .command(::redis::cmd("GET").arg(&key))
                .await
                .ok()?;
            if let Some(outcome) = stored.and_then(|s| serde_json::from_str(&s).ok()) {
                return Some(outcome);
            }
            let mine = self
                .link
                .script(&self.scripts.robots_lock, &lock_args)
                .await;
            if mine != Ok(0i64) {
                return None;
            }
            tokio::time::sleep(ROBOTS_POLL).await;
        }
    }

    async fn save_robots(&mut self, origin: &str, outcome: &RobotsOutcome) {
        let text = serde_json::to_string(outcome).expect("a robots outcome serialises");
        let _ = self
            .link
            .command::<()>(
                ::redis::cmd("SET")
                    .arg(self.key(&format!("robots:{origin}")))
                    .arg(text)
                    .arg("EX")
                    .arg(ROBOTS_TTL.as_secs()),
            )
            .await;
        let _ = self
            .link
            .command::<()>(::redis::cmd("DEL").arg(self.key(&format!("robots_lock:{origin}"))))
            .await;
    }

    async fn host_permit(&mut self, origin: &str, gap: Duration) -> Result<(), Duration> {
        let args = [
            self.prefix.clone(),
            self.worker.clone(),
            origin.to_string(),
            self.per_host.to_string(),
            (gap.as_millis() as u64).to_string(),
            self.hold_ms.to_string(),
        ];
        let (wait_ms, member) = self
            .link
            .script::<(u64, String)>(&self.scripts.host_permit, &args)
            .await
            .map_err(|_| POP_AGAIN)?;
        if wait_ms > 0 {
            return Err(Duration::from_millis(wait_ms));
        }
        self.permits
            .entry(origin.to_string())
            .or_default()
            .push(member);
        Ok(())
    }

    async fn host_release(&mut self, origin: &str) {
        let Some(member) = self.permits.get_mut(origin).and_then(Vec::pop) else {
            return;
        };
        let mut release = ::redis::cmd("ZREM");
        release
            .arg(self.key(&format!("host:{origin}:permits")))
            .arg(member);
        self.link.command_detached(release).await;
    }

    async fn close(&mut self, _drained: bool) {
        // Leases first: once the alive key is gone a reaper may take them too, which is
        // also fine, but returning them ourselves is immediate.
        self.return_leases().await;
        self.heartbeat.stop();
        let alive = self.key(&format!("alive:{}", self.worker));
        let reply = self.key(&format!("reply:{}", self.worker));
        let started = self.key(&format!("started:{}", self.worker));
        let _ = self
            .link
            .command::<()>(::redis::cmd("DEL").arg(alive).arg(reply).arg(started))
            .await;
        let _ = self
            .link
            .command::<()>(
                ::redis::cmd("SREM")
                    .arg(self.key("workers"))
                    .arg(&self.worker),
            )
            .await;
    }
}

/// A crawl address fit for messages and files: `redis[s]://HOST:PORT/NAME`, without the
/// user and password (or, if it does not parse, with them starred out).
pub fn public_url(text: &str) -> String {
    CrawlAddress::parse(text)
        .map(|a| a.public())
        .unwrap_or_else(|_| address::redact(text))
}

/// Drains crawl NAME's record stream into `out` (.jsonl or .csv); returns how many.
pub async fn export(url: &str, out: &Path) -> Result<u64, String> {
    report::export(url, out).await
}

/// A human-readable progress report of crawl NAME.
pub async fn status(url: &str) -> Result<String, String> {
    report::status(url).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn item_round_trips() {
        let item = QueuedUrl::new(
            Url::parse("http://h/a?b=1").unwrap(),
            3,
            Some(Rc::from("http://h/")),
        );
        assert_eq!(parse_item(&item_json(&item)), Some(item.clone()));
        let mut extras = item;
        extras.priority = -2;
        extras.meta = Some(Rc::new(json!({"label": "detail", "id": 7})));
        assert_eq!(parse_item(&item_json(&extras)), Some(extras.clone()));
        // pop.lua finds the attempt count first in the item, to raise it in place.
        extras.attempts = 2;
        let text = item_json(&extras);
        assert!(text.starts_with(r#"{"a":2,"#), "{text}");
        assert_eq!(parse_item(&text), Some(extras));
        let seed = QueuedUrl::new(Url::parse("http://h/").unwrap(), 0, None);
        assert_eq!(parse_item(&item_json(&seed)), Some(seed.clone()));
        // Sitemaps: a sitemap file, and a page with the lastmod its sitemap gave.
        let mut sitemap = seed.clone();
        sitemap.sitemap = true;
        assert_eq!(parse_item(&item_json(&sitemap)), Some(sitemap));
        let mut listed = seed;
        listed.lastmod = Some(Rc::from("2026-11-01T12:00:00+00:00"));
        let text = item_json(&listed);
        assert!(!text.contains(r#""s""#), "{text}");
        assert_eq!(parse_item(&text), Some(listed));
    }

    #[test]
    fn changed_keys_names_what_differs() {
        let a = r#"{"seeds":["http://h/"],"concurrency":4,"per_host":2}"#;
        let b = r#"{"seeds":["http://h/"],"concurrency":8,"per_host":2,"robots":true}"#;
        assert_eq!(changed_keys(a, b), ["concurrency", "robots"]);
        assert!(changed_keys(a, a).is_empty());
    }
}
