//! User code per page: the spider. A [`PageHandler`] sees each fetched HTML page (a read-only
//! [`Page`] with its fields and a CSS query over the parsed document) and answers with a
//! [`PageOutput`]: the items it found and, optionally, the links to follow.
//!
//! This is the one place where a crawl runs code that is not silk's. Its shape follows the
//! crawlers people know: Scrapy's `parse` callback (items and requests out, `cb_kwargs` as
//! [`Follow::meta`]), Crawlee's `requestHandler` (one context object per page), spider-rs's
//! page subscription. What the engine guarantees around it:
//!
//! - **Links still go through the crawl's rules.** A follow list replaces the spec's link
//!   rules (the `follow` selector and every `a[href]`), never scope, allow/deny, depth,
//!   robots.txt, the seen-set or per-host politeness. Without a follow list
//!   ([`PageOutput::follow`] is `None`) the spec's links are followed as if there were no
//!   handler.
//! - **A failing handler costs one page, not the crawl.** An error, a panic (native: caught
//!   with `catch_unwind`; wasm32 has no unwinding, so a Rust panic there aborts the module,
//!   while a JavaScript exception is an ordinary error), or a handler still running after
//!   the spec's `timeout_ms` becomes that page's record, with error kind `handler`, its
//!   status and fields kept. Its items are dropped and none of its links followed: the
//!   handler did not say which.
//! - **A handler holds a concurrency slot** until it finishes, like a request in flight, so
//!   a slow handler slows the crawl instead of piling up pages in memory. Handlers run
//!   concurrently with fetches and with each other.
//! - **Items leave through one consumer with backpressure**: every item is an
//!   [`Event::Item`](crate::Event::Item), sits in its page's [`Record::items`](crate::Record)
//!   (so a `--state` store commits a page's items with its record, atomically), and goes
//!   into the crawl's item sink ([`Crawler::items_into`](crate::Crawler::items_into)) if it
//!   has one. The engine waits for the sink to accept each page's items before it takes up
//!   the next finished fetch, so a slow store slows the crawl instead of growing memory.
//!
//! Handlers are `Fn(Page) -> impl Future`, or plain functions through [`sync`]; neither
//! needs `Send`, so the same handler type serves native code and the browser (where the
//! JavaScript API wraps a JS function in one).
//!
//! ```no_run
//! # async fn demo(sink: futures::channel::mpsc::Sender<serde_json::Value>) -> Result<(), Box<dyn std::error::Error>> {
//! use silk::handler::{self, HandlerResult};
//! use silk::{CrawlSpec, Crawler, Follow, Page, PageOutput, PlatformClock, PlatformFetcher};
//! use std::rc::Rc;
//!
//! let spider = handler::sync(|page: &Page| -> HandlerResult {
//!     let mut out = PageOutput::new();
//!     if let Some(h1) = page.select("h1")?.first() {
//!         out = out.item(serde_json::json!({ "url": page.url(), "h1": h1.text }))?;
//!     }
//!     for href in page.select("a.detail[href]")?.iter().filter_map(|a| a.attr("href")) {
//!         out = out.follow(Follow::new(href).priority(1).meta(page.url()));
//!     }
//!     Ok(out)
//! });
//! let spec = CrawlSpec { seeds: vec!["http://127.0.0.1:8080/".into()], ..CrawlSpec::default() };
//! let stats = Crawler::new(
//!     spec.compile()?,
//!     Rc::new(PlatformFetcher::new(&spec)?),
//!     Rc::new(PlatformClock::new()),
//! )
//! .with_handler(spider)
//! .items_into(sink) // any futures::Sink<serde_json::Value>
//! .run(|_event| {})
//! .await;
//! println!("{} items", stats.items);
//! # Ok(())
//! # }
//! ```

mod output;
mod page;

pub use output::{Follow, PageOutput};
pub use page::{Element, Page, PageParts};

use futures::future::LocalBoxFuture;
use futures::FutureExt;
use std::future::Future;

/// What a handler returns: its output, or any error (its message becomes the page's error).
pub type HandlerResult = Result<PageOutput, Box<dyn std::error::Error>>;

/// User code run on every fetched HTML page. Implemented for every
/// `Fn(Page) -> impl Future<Output = HandlerResult>`; wrap a plain function with [`sync`].
pub trait PageHandler {
    fn handle(&self, page: Page) -> LocalBoxFuture<'static, HandlerResult>;
}

impl<F, Fut> PageHandler for F
where
    F: Fn(Page) -> Fut,
    Fut: Future<Output = HandlerResult> + 'static,
{
    fn handle(&self, page: Page) -> LocalBoxFuture<'static, HandlerResult> {
        self(page).boxed_local()
    }
}

/// A synchronous handler: `silk::handler::sync(|page| Ok(PageOutput::new().item(...)))`.
pub fn sync<F>(f: F) -> SyncHandler<F>
where
    F: Fn(&Page) -> HandlerResult,
{
    SyncHandler(f)
}

/// See [`sync`].
pub struct SyncHandler<F>(F);

impl<F> PageHandler for SyncHandler<F>
where
    F: Fn(&Page) -> HandlerResult,
{
    fn handle(&self, page: Page) -> LocalBoxFuture<'static, HandlerResult> {
        futures::future::ready((self.0)(&page)).boxed_local()
    }
}

/// Runs `handler` on `page`, turning a panic (where the platform can catch one) into an
/// error, so that one bad page never takes the crawl down.
pub(crate) fn run_guarded(
    handler: &dyn PageHandler,
    page: Page,
) -> LocalBoxFuture<'static, Result<PageOutput, String>> {
    use std::panic::AssertUnwindSafe;
    let started = std::panic::catch_unwind(AssertUnwindSafe(|| handler.handle(page)));
    async move {
        let future = match started {
            Ok(f) => f,
            Err(panic) => return Err(panic_message(&*panic)),
        };
        match AssertUnwindSafe(future).catch_unwind().await {
            Ok(Ok(out)) => Ok(out),
            Ok(Err(e)) => Err(e.to_string()),
            Err(panic) => Err(panic_message(&*panic)),
        }
    }
    .boxed_local()
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string payload".into());
    format!("the page handler panicked: {text}")
}
