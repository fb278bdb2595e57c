//! The frontier: URLs waiting to be fetched, plus the seen-set that guarantees each URL is
//! queued at most once. It sits behind a narrow async trait so that a persistent (SQLite) or
//! shared (Redis) store can replace the in-memory one without touching the engine. Adding a
//! URL is a single "if unseen, mark seen and queue" step, which a shared store can make atomic.

use crate::seen::SeenSet;
use crate::url_norm::fingerprint;
use std::collections::VecDeque;
use std::rc::Rc;
use url::Url;

/// A URL waiting in the frontier.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedUrl {
    /// Normalised absolute URL.
    pub url: Url,
    pub depth: u32,
    /// The page that linked to it (sent as `Referer`).
    pub referer: Option<Rc<str>>,
}

/// Storage for the frontier and seen-set. Implementations pop in breadth-first order.
#[allow(async_fn_in_trait)] // the engine is single-threaded by design: no Send bound wanted
pub trait Frontier {
    /// Queues `item` unless its URL was seen before; returns whether it was queued.
    async fn add(&mut self, item: QueuedUrl) -> bool;
    /// Marks a URL seen without queueing it (redirect targets fetched in place).
    /// Returns whether it was unseen.
    async fn mark_seen(&mut self, url: &Url) -> bool;
    /// The next URL to fetch, shallowest first.
    async fn pop(&mut self) -> Option<QueuedUrl>;
    /// URLs waiting.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The default, in-memory frontier: a FIFO queue (which is breadth-first, since links of a
/// depth-d page are depth d+1 and pages are popped in order) and a fingerprint seen-set.
#[derive(Default)]
pub struct MemoryFrontier {
    queue: VecDeque<QueuedUrl>,
    seen: SeenSet,
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
}

impl Frontier for MemoryFrontier {
    async fn add(&mut self, item: QueuedUrl) -> bool {
        let new = self.seen.insert(fingerprint(item.url.as_str()));
        if new {
            self.queue.push_back(item);
        }
        new
    }

    async fn mark_seen(&mut self, url: &Url) -> bool {
        self.seen.insert(fingerprint(url.as_str()))
    }

    async fn pop(&mut self) -> Option<QueuedUrl> {
        self.queue.pop_front()
    }

    fn len(&self) -> usize {
        self.queue.len()
    }
}
