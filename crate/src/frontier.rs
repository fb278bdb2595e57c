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
///
/// Queued URLs are kept as text, back to back in 64 KiB chunks, not as `Url` values: a
/// `Url` is about 90 bytes plus its own heap string (about 210 bytes per queued URL with
/// the `VecDeque` around it), the text alone is its length. A URL is parsed again when it
/// is popped, which costs far less than fetching it. One million queued URLs take about
/// 100 MB this way instead of 210 (`cargo bench -p silk --bench frontier`).
#[derive(Default)]
pub struct MemoryFrontier {
    queue: VecDeque<Entry>,
    /// URL text of the queued entries, in queue order. The first chunk is read from
    /// `head`; a chunk is freed once it has been read to the end.
    text: VecDeque<Vec<u8>>,
    head: usize,
    seen: SeenSet,
}

/// A queued URL without its text (which is in [`MemoryFrontier::text`]).
struct Entry {
    len: u32,
    depth: u32,
    referer: Option<Rc<str>>,
}

const CHUNK: usize = 64 * 1024;

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

    fn push_text(&mut self, url: &str) {
        let room = self.text.back().map_or(0, |c| c.capacity() - c.len());
        if room < url.len() {
            self.text
                .push_back(Vec::with_capacity(CHUNK.max(url.len())));
        }
        let chunk = self
            .text
            .back_mut()
            .expect("a chunk with room was just ensured");
        chunk.extend_from_slice(url.as_bytes());
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
        let new = self.seen.insert(fingerprint(url));
        if new {
            self.push_text(url);
            self.queue.push_back(Entry {
                len: url.len() as u32,
                depth: item.depth,
                referer: item.referer,
            });
        }
        new
    }

    async fn mark_seen(&mut self, url: &Url) -> bool {
        self.seen.insert(fingerprint(url.as_str()))
    }

    async fn pop(&mut self) -> Option<QueuedUrl> {
        while let Some(entry) = self.queue.pop_front() {
            let text = self.take_text(entry.len as usize);
            // The text is a `Url`'s own serialization, which parses back to the same `Url`.
            match text.as_deref().map(Url::parse) {
                Some(Ok(url)) => {
                    return Some(QueuedUrl {
                        url,
                        depth: entry.depth,
                        referer: entry.referer,
                    })
                }
                _ => debug_assert!(false, "queued URL text does not parse: {text:?}"),
            }
        }
        None
    }

    fn len(&self) -> usize {
        self.queue.len()
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
            let item = QueuedUrl {
                url: Url::parse(u).unwrap(),
                depth: i as u32,
                referer: (i % 2 == 0).then(|| referer.clone()),
            };
            assert!(block_on(f.add(item.clone())));
            assert!(!block_on(f.add(item)), "a URL is queued once");
        }
        assert_eq!(f.len(), urls.len());
        for (i, u) in urls.iter().enumerate() {
            let q = block_on(f.pop()).unwrap();
            assert_eq!(q.url, Url::parse(u).unwrap());
            assert_eq!(q.depth, i as u32);
            assert_eq!(q.referer.is_some(), i % 2 == 0);
        }
        assert!(block_on(f.pop()).is_none());
        assert!(f.is_empty());
        // Interleaved adds and pops reuse the last chunk.
        for i in 0..3 {
            let url = Url::parse(&format!("http://h/again/{i}")).unwrap();
            block_on(f.add(QueuedUrl {
                url: url.clone(),
                depth: 0,
                referer: None,
            }));
            assert_eq!(block_on(f.pop()).unwrap().url, url);
        }
        assert!(f.text.len() <= 1);
    }
}
