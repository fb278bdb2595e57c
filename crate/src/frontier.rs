//! The frontier: URLs waiting to be fetched, plus the seen-set that guarantees each URL is
//! queued at most once. It sits behind a narrow async trait so that a persistent (SQLite) or
//! shared (Redis) store can replace the in-memory one without touching the engine. Adding a
//! URL is a single "if unseen, mark seen and queue" step, which a shared store can make atomic.

use crate::events::{Record, RecrawlCounts};
use crate::seen::SeenSet;
use crate::url_norm::fingerprint;
use crate::validators::Validators;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;
use std::time::Duration;
use url::Url;

/// A URL waiting in the frontier.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedUrl {
    /// Normalised absolute URL.
    pub url: Url,
    pub depth: u32,
    /// The page that linked to it (sent as `Referer`).
    pub referer: Option<Rc<str>>,
    /// Higher is popped sooner (a page handler's [`Follow::priority`](crate::handler::Follow));
    /// 0 for links the spec's rules found. Equal priorities pop breadth-first.
    pub priority: i32,
    /// What a page handler attached to the link, handed to the linked page's handler.
    pub meta: Option<Rc<Value>>,
    /// How many times this URL was popped before without getting a record (kept by stores
    /// that outlive a run: `--state`, a shared frontier); 0 for the in-memory frontier.
    pub attempts: u32,
    /// The `<lastmod>` a sitemap gave for this URL (W3C datetime text), written into its
    /// record.
    pub lastmod: Option<Rc<str>>,
    /// A sitemap file to read (from robots.txt, the spec's `sitemap_urls`, or a sitemap
    /// index), not a page: see [`crate::sitemap`]. Its `depth` is how deep in sitemap
    /// indexes it was found (0: robots.txt or the spec).
    pub sitemap: bool,
    /// The ETag / Last-Modified the previous pass got for this URL (a `--state` recrawl
    /// sets them when it pops the URL): its request is then conditional.
    pub validators: Option<Rc<Validators>>,
}

impl QueuedUrl {
    /// A URL with no priority and no meta.
    pub fn new(url: Url, depth: u32, referer: Option<Rc<str>>) -> Self {
        QueuedUrl {
            url,
            depth,
            referer,
            priority: 0,
            meta: None,
            attempts: 0,
            lastmod: None,
            sitemap: false,
            validators: None,
        }
    }
}

/// What [`Frontier::pop`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Pop {
    /// A URL to fetch, now held by this crawler until it is completed or abandoned.
    Url(QueuedUrl),
    /// Nothing to fetch now, but other workers hold URLs that may bring more: ask again
    /// after this long.
    Later(Duration),
    /// Nothing queued and nothing held anywhere.
    Empty,
}

/// What a host's robots.txt fetch came to, in a form a store can keep and share: the final
/// status and the part of the body that was parsed (at most 500 KiB, cut at a line end).
///
/// A store keeps an outcome for 24 hours at most (the engine fetches robots.txt again after
/// that, and a resumed or other worker should too), and never gets a
/// [temporary](RobotsOutcome::is_temporary) one: the engine does not save those, and ignores
/// one a store hands back (older state files have them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobotsOutcome {
    pub status: u16,
    pub body: String,
    /// Why everything is disallowed, when the file could not be read.
    pub note: Option<String>,
}

impl RobotsOutcome {
    /// No usable file (4xx, too many redirects, or unreadable by the browser): allow all.
    pub fn unavailable() -> Self {
        RobotsOutcome {
            status: 404,
            body: String::new(),
            note: None,
        }
    }

    /// The server could not be reached: disallow all for now (RFC 9309 2.3.1.4).
    pub fn unreachable(note: String) -> Self {
        RobotsOutcome {
            status: 503,
            body: String::new(),
            note: Some(note),
        }
    }

    /// A "disallow all for now" verdict (unreachable, 5xx, 429): true for this run only,
    /// until robots.txt is asked again; never to be kept by a store.
    pub fn is_temporary(&self) -> bool {
        self.note.is_some() || !(200..500).contains(&self.status) || self.status == 429
    }
}

/// Where a crawl's state lives: the queue, the seen-set, and (for stores that outlive the
/// process or are shared between processes) records, robots.txt files and host politeness.
///
/// The engine talks to it in a fixed protocol, which is what makes a persistent or shared
/// store lose nothing:
/// 1. [`add`](Frontier::add) the seeds (already-seen URLs are ignored, so a resumed crawl
///    adds them again harmlessly);
/// 2. [`pop`](Frontier::pop) a URL: from then on this crawler holds it (a lease, for a
///    shared store);
/// 3. while it is fetched, [`mark_seen`](Frontier::mark_seen) claims each redirect target on
///    behalf of the URL;
/// 4. [`complete`](Frontier::complete) hands over its record together with the links found
///    on it, as one step: a store commits both or neither. A URL that never got a record
///    (the crawl was cancelled) is [`abandon`](Frontier::abandon)ed instead and stays queued;
/// 5. [`close`](Frontier::close) when the run ends.
///
/// Methods with default bodies are for stores that need them; the in-memory frontier uses
/// none of them.
#[allow(async_fn_in_trait)] // the engine is single-threaded by design: no Send bound wanted
pub trait Frontier {
    /// Queues `item` unless its URL was seen before; returns whether it was queued.
    async fn add(&mut self, item: QueuedUrl) -> bool;
    /// Claims a redirect target for the page `by` (the URL as queued). Returns true if the
    /// target was unseen, or was claimed by `by` before (the same page fetched again after
    /// a crash must be able to follow its redirect again).
    async fn mark_seen(&mut self, url: &Url, by: &Url) -> bool;
    /// The next URL to fetch, shallowest first.
    async fn pop(&mut self) -> Pop;
    /// URLs waiting (for a shared store: the last count it saw).
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The record of a popped URL, and the in-scope links found on its page (queued unless
    /// seen). Returns false if the store refused it because this crawler no longer holds
    /// the URL (its lease ran out and another worker took it over): the record is then not
    /// reported here, since the other worker reports it.
    async fn complete(&mut self, record: &Record, links: Vec<QueuedUrl>) -> bool {
        for link in links {
            self.add(link).await;
        }
        let _ = record;
        true
    }
    /// A popped URL's first request is about to go out (once per URL and run: not for its
    /// retries, nor for URLs recorded unfetched). A store that outlives the run counts these
    /// durably, so a URL started [`max_attempts`](crate::CrawlSpec::max_attempts) times
    /// without a record (it crashed or hung the crawler each time) comes back with
    /// [`QueuedUrl::attempts`] at the limit. An [`abandon`](Frontier::abandon) takes it back.
    async fn started(&mut self, url: &Url) {
        let _ = url;
    }
    /// A popped URL that will get no record in this run (cancelled): it goes back to the queue.
    async fn abandon(&mut self, url: &Url) {
        let _ = url;
    }
    /// Completed pages not yet durable. Each keeps its concurrency slot until it is, so that
    /// a crash loses at most `concurrency` fetched pages.
    fn uncommitted(&self) -> usize {
        0
    }
    /// Waits until at least one uncommitted page is durable.
    async fn flush(&mut self) {}
    /// How many URLs the engine may pop ahead of fetching them (parked per host). A shared
    /// store keeps this small so one worker does not hold what others could fetch.
    fn lookahead(&self) -> usize {
        4096
    }
    /// Pages that already have a record from an earlier run (they count toward `max_pages`).
    fn pages_done(&self) -> u64 {
        0
    }
    /// A host's robots.txt as an earlier run or another worker read it. `None` means this
    /// crawler should fetch it and [`save_robots`](Frontier::save_robots) the outcome.
    async fn robots(&mut self, origin: &str) -> Option<RobotsOutcome> {
        let _ = origin;
        None
    }
    async fn save_robots(&mut self, origin: &str, outcome: &RobotsOutcome) {
        let _ = (origin, outcome);
    }
    /// Asks to start a request to `origin` under per-host limits kept by the store (shared
    /// by all workers, or carried across a restart); `gap` is the delay this start imposes
    /// on the next one. `Err(wait)`: ask again after `wait`. Every `Ok` is followed by one
    /// [`host_release`](Frontier::host_release) when the request ends.
    async fn host_permit(&mut self, origin: &str, gap: Duration) -> Result<(), Duration> {
        let _ = (origin, gap);
        Ok(())
    }
    async fn host_release(&mut self, origin: &str) {
        let _ = origin;
    }
    /// Why the store cannot go on (disk full, server gone), once it cannot. The engine then
    /// stops the crawl as if cancelled and reports this in [`Stats::store_error`](crate::Stats).
    fn failure(&self) -> Option<String> {
        None
    }
    /// The run is over: make everything durable. `drained` is true when the crawl ended
    /// because no work is left (not cancelled, not stopped by the page limit).
    async fn close(&mut self, drained: bool) {
        let _ = drained;
    }
    /// Whether records should carry their response's ETag / Last-Modified
    /// ([`Record::validators`]): a store that keeps them for a recrawl says yes.
    fn wants_validators(&self) -> bool {
        false
    }
    /// The record the previous pass kept for the page `url` (a recrawl): a 304 answer to
    /// the conditional request made from its [`QueuedUrl::validators`] reuses its fields
    /// and items.
    async fn previous_record(&mut self, url: &Url) -> Option<Record> {
        let _ = url;
        None
    }
    /// A recrawl's unchanged/changed/new/gone counts, once [`close`](Frontier::close)d.
    fn recrawl_counts(&self) -> Option<RecrawlCounts> {
        None
    }
}

/// The default, in-memory frontier: FIFO queues per priority (all links the spec's rules
/// find have priority 0, so a crawl without a page handler has one queue, which is
/// breadth-first since links of a depth-d page are depth d+1 and pages are popped in order)
/// and a fingerprint seen-set. The highest non-empty priority is popped first, Scrapy's
/// priority queue of FIFO queues.
///
/// Queued URLs are kept as text, back to back in 64 KiB chunks, not as `Url` values: a
/// `Url` is about 90 bytes plus its own heap string (about 210 bytes per queued URL with
/// the `VecDeque` around it), the text alone is its length. A URL is parsed again when it
/// is popped, which costs far less than fetching it. One million queued URLs take about
/// 100 MB this way instead of 210 (`cargo bench -p silk --bench frontier`).
#[derive(Default)]
pub struct MemoryFrontier {
    /// Priority 0: every link unless a handler says otherwise.
    normal: UrlQueue,
    /// Other priorities, each non-empty.
    prioritised: BTreeMap<i32, UrlQueue>,
    seen: SeenSet,
}

/// One FIFO of queued URLs.
#[derive(Default)]
struct UrlQueue {
    queue: VecDeque<Entry>,
    /// URL text of the queued entries, in queue order. The first chunk is read from
    /// `head`; a chunk is freed once it has been read to the end.
    text: VecDeque<Vec<u8>>,
    head: usize,
}

/// A queued URL without its text (which is in [`UrlQueue::text`]).
struct Entry {
    /// The text's length and sitemap extras, packed so that they cost nothing per URL
    /// ([`Packed`]).
    len: Packed,
    depth: u32,
    referer: Option<Rc<str>>,
    meta: Option<Rc<Value>>,
}

const CHUNK: usize = 64 * 1024;

/// An entry's text length, packed: the URL's length in the low 24 bits, the length of the
/// `lastmod` text stored right after it in bits 24 to 30, and the sitemap flag in bit 31.
/// A sitemap's lastmod is at most 40 bytes and a URL at most 8 KiB (longer links are
/// dropped by the extraction budget), so nothing is lost; a lastmod over 127 bytes would not
/// be stored, and a URL of 16 MiB or more (only a start URL could be) is refused.
#[derive(Clone, Copy)]
struct Packed(u32);

const URL_BITS: u32 = 24;
const MAX_PACKED_URL: usize = (1 << URL_BITS) - 1;
const MAX_PACKED_LASTMOD: usize = 127;

impl Packed {
    fn new(url: usize, lastmod: usize, sitemap: bool) -> Packed {
        Packed(url as u32 | (lastmod as u32) << URL_BITS | u32::from(sitemap) << 31)
    }
    fn url(self) -> usize {
        (self.0 & MAX_PACKED_URL as u32) as usize
    }
    fn lastmod(self) -> usize {
        ((self.0 >> URL_BITS) & MAX_PACKED_LASTMOD as u32) as usize
    }
    fn sitemap(self) -> bool {
        self.0 >> 31 == 1
    }
}

impl MemoryFrontier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes held by the seen-set's table.
    pub fn seen_bytes(&self) -> usize {
        self.seen.bytes_allocated()
    }

    pub fn seen_len(&self) -> usize {
        self.seen.len()
    }

    /// The queue to pop next: the highest priority that has URLs.
    fn next_queue(&mut self) -> Option<(i32, &mut UrlQueue)> {
        let top = self.prioritised.keys().next_back().copied();
        match top {
            Some(p) if p > 0 || self.normal.queue.is_empty() => {
                self.prioritised.get_mut(&p).map(|q| (p, q))
            }
            _ if !self.normal.queue.is_empty() => Some((0, &mut self.normal)),
            _ => None,
        }
    }
}

impl UrlQueue {
    /// Appends an entry's text: the URL, then its lastmod (empty for most), in one chunk.
    fn push(&mut self, url: &str, lastmod: &str) {
        let len = url.len() + lastmod.len();
        let room = self.text.back().map_or(0, |c| c.capacity() - c.len());
        if room < len {
            self.text.push_back(Vec::with_capacity(CHUNK.max(len)));
        }
        let chunk = self
            .text
            .back_mut()
            .expect("a chunk with room was just ensured");
        chunk.extend_from_slice(url.as_bytes());
        chunk.extend_from_slice(lastmod.as_bytes());
    }

    fn pop(&mut self) -> Option<(Option<String>, Option<Rc<str>>, Entry)> {
        let entry = self.queue.pop_front()?;
        let text = self.take_text(entry.len.url());
        let lastmod = match entry.len.lastmod() {
            0 => None,
            n => self.take_text(n).map(Rc::from),
        };
        Some((text, lastmod, entry))
    }

    /// The next `len` bytes of queued text.
    fn take_text(&mut self, len: usize) -> Option<String> {
        let chunk = self.text.front()?;
        let bytes = chunk.get(self.head..self.head + len)?;
        let text = String::from_utf8(bytes.to_vec()).ok();
        self.head += len;
        if self.head == chunk.len() {
            if self.text.len() > 1 {
                self.text.pop_front();
            } else if let Some(last) = self.text.front_mut() {
                last.clear();
            }
            self.head = 0;
        }
        text
    }
}

impl Frontier for MemoryFrontier {
    async fn add(&mut self, item: QueuedUrl) -> bool {
        let url = item.url.as_str();
        if url.len() > MAX_PACKED_URL {
            return false;
        }
        let new = self.seen.insert(fingerprint(url));
        if new {
            let queue = match item.priority {
                0 => &mut self.normal,
                p => self.prioritised.entry(p).or_default(),
            };
            let lastmod = item
                .lastmod
                .as_deref()
                .filter(|l| l.len() <= MAX_PACKED_LASTMOD)
                .unwrap_or("");
            queue.push(url, lastmod);
            queue.queue.push_back(Entry {
                len: Packed::new(url.len(), lastmod.len(), item.sitemap),
                depth: item.depth,
                referer: item.referer,
                meta: item.meta,
            });
        }
        new
    }

    async fn mark_seen(&mut self, url: &Url, _by: &Url) -> bool {
        self.seen.insert(fingerprint(url.as_str()))
    }

    async fn pop(&mut self) -> Pop {
        while let Some((priority, queue)) = self.next_queue() {
            let Some((text, lastmod, entry)) = queue.pop() else {
                break;
            };
            if priority != 0 && queue.queue.is_empty() {
                self.prioritised.remove(&priority);
            }
            // The text is a `Url`'s own serialization, which parses back to the same `Url`.
            match text.as_deref().map(Url::parse) {
                Some(Ok(url)) => {
                    return Pop::Url(QueuedUrl {
                        url,
                        depth: entry.depth,
                        referer: entry.referer,
                        priority,
                        meta: entry.meta,
                        attempts: 0,
                        lastmod,
                        sitemap: entry.len.sitemap(),
                        validators: None,
                    })
                }
                _ => debug_assert!(false, "queued URL text does not parse: {text:?}"),
            }
        }
        Pop::Empty
    }

    fn len(&self) -> usize {
        self.normal.queue.len()
            + self
                .prioritised
                .values()
                .map(|q| q.queue.len())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::block_on;

    #[test]
    fn fifo_order_depth_referer_and_dedupe() {
        let mut f = MemoryFrontier::new();
        let referer: Rc<str> = Rc::from("http://h/");
        let long = format!("http://h/{}", "x".repeat(2 * CHUNK));
        let mut urls: Vec<String> = (0..5000)
            .map(|i| format!("http://h/p/{i}?q=%C3%A9#"))
            .collect();
        urls.insert(2500, long);
        for (i, u) in urls.iter().enumerate() {
            let item = QueuedUrl::new(
                Url::parse(u).unwrap(),
                i as u32,
                (i % 2 == 0).then(|| referer.clone()),
            );
            assert!(block_on(f.add(item.clone())));
            assert!(!block_on(f.add(item)), "a URL is queued once");
        }
        assert_eq!(f.len(), urls.len());
        for (i, u) in urls.iter().enumerate() {
            let Pop::Url(q) = block_on(f.pop()) else {
                panic!("{u} was queued")
            };
            assert_eq!(q.url, Url::parse(u).unwrap());
            assert_eq!(q.depth, i as u32);
            assert_eq!(q.referer.is_some(), i % 2 == 0);
        }
        assert_eq!(block_on(f.pop()), Pop::Empty);
        assert!(f.is_empty());
        // Interleaved adds and pops reuse the last chunk.
        for i in 0..3 {
            let url = Url::parse(&format!("http://h/again/{i}")).unwrap();
            block_on(f.add(QueuedUrl::new(url.clone(), 0, None)));
            assert!(matches!(block_on(f.pop()), Pop::Url(q) if q.url == url));
        }
        assert!(f.normal.text.len() <= 1);
    }

    #[test]
    fn higher_priority_first_then_fifo_with_meta() {
        let mut f = MemoryFrontier::new();
        let add = |f: &mut MemoryFrontier, path: &str, priority: i32| {
            let mut q = QueuedUrl::new(Url::parse(&format!("http://h/{path}")).unwrap(), 1, None);
            q.priority = priority;
            q.meta = Some(Rc::new(Value::from(path)));
            assert!(block_on(f.add(q)));
        };
        add(&mut f, "a0", 0);
        add(&mut f, "b-1", -1);
        add(&mut f, "c5", 5);
        add(&mut f, "d0", 0);
        add(&mut f, "e5", 5);
        add(&mut f, "f2", 2);
        assert_eq!(f.len(), 6);
        let mut order = Vec::new();
        while let Pop::Url(q) = block_on(f.pop()) {
            assert_eq!(q.meta.as_deref(), Some(&Value::from(&q.url.path()[1..])));
            order.push((q.url.path()[1..].to_string(), q.priority));
        }
        let names: Vec<&str> = order.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["c5", "e5", "f2", "a0", "d0", "b-1"]);
        assert!(f.is_empty() && f.prioritised.is_empty());
    }

    #[test]
    fn sitemap_flag_and_lastmod_travel_with_the_url() {
        let mut f = MemoryFrontier::new();
        let mut urls = Vec::new();
        // Enough to cross chunk boundaries with and without a lastmod.
        for i in 0..3000 {
            let mut q = QueuedUrl::new(Url::parse(&format!("http://h/{i:04}")).unwrap(), 1, None);
            q.sitemap = i % 3 == 0;
            q.lastmod = (i % 2 == 0).then(|| Rc::from(format!("2026-11-{:02}", i % 28 + 1)));
            urls.push(q.clone());
            assert!(block_on(f.add(q)));
        }
        let mut long = QueuedUrl::new(Url::parse("http://h/long").unwrap(), 1, None);
        long.lastmod = Some(Rc::from("9".repeat(200)));
        block_on(f.add(long.clone()));
        long.lastmod = None;
        urls.push(long);
        for want in urls {
            assert_eq!(block_on(f.pop()), Pop::Url(want));
        }
        assert_eq!(block_on(f.pop()), Pop::Empty);
    }
}
