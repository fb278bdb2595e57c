//! The in-memory frontier with one million queued URLs: push and pop cost, and the memory
//! it holds (the target is under 150 MB RSS). Run with `cargo bench -p silk --bench frontier`.

#[path = "common/mem.rs"]
mod mem;

use futures::executor::block_on;
use silk::{Frontier, MemoryFrontier, QueuedUrl};
use std::rc::Rc;
use std::time::Instant;
use url::Url;

const N: usize = 1_000_000;
/// Links found per page: that many queued URLs share one referer.
const LINKS_PER_PAGE: usize = 10;

fn url(i: usize) -> Url {
    Url::parse(&format!(
        "https://shop.example.com/c/{}/item-{i}?ref=list&page={}",
        i % 500,
        i % 97
    ))
    .unwrap()
}

fn main() {
    let sample = url(12345);
    println!(
        "frontier, {N} queued URLs (about {} bytes of URL text each, e.g. {sample}; {LINKS_PER_PAGE} per referer)",
        sample.as_str().len()
    );
    let rss_before = mem::rss_bytes();
    let mut frontier = MemoryFrontier::new();
    let mut referer: Option<Rc<str>> = None;
    let t = Instant::now();
    for i in 0..N {
        if i % LINKS_PER_PAGE == 0 {
            referer = Some(Rc::from(format!(
                "https://shop.example.com/c/{}/page-{i}",
                i % 500
            )));
        }
        // Parsed here, as the engine parses links out of a page before queueing them.
        let queued = block_on(frontier.add(QueuedUrl::new(url(i), 3, referer.clone())));
        assert!(queued);
    }
    let push_ns = t.elapsed().as_secs_f64() * 1e9 / N as f64;
    let rss_full = mem::rss_bytes();
    println!("  push (URL parse + seen-set check + queue): {push_ns:.0} ns per URL");
    if let (Some(a), Some(b)) = (rss_before, rss_full) {
        println!(
            "  RSS added by 1M queued URLs:   {:.1} MB ({:.0} bytes per URL; target: frontier under 150 MB)",
            b.saturating_sub(a) as f64 / 1e6,
            b.saturating_sub(a) as f64 / N as f64
        );
    }
    println!("  RSS of the whole process:      {}", mem::mb(rss_full));
    println!(
        "  of which the seen-set:         {:.1} MB",
        frontier.seen_bytes() as f64 / 1e6
    );
    let t = Instant::now();
    let mut popped = 0usize;
    while let silk::Pop::Url(q) = block_on(frontier.pop()) {
        popped += q.url.as_str().len() & 1;
    }
    let pop_ns = t.elapsed().as_secs_f64() * 1e9 / N as f64;
    println!("  pop:                           {pop_ns:.0} ns per URL ({popped} odd-length)");
    assert!(frontier.is_empty());
}
