//! A spider in one page of Rust: crawl a site, pick the links to follow in your own code,
//! and print one JSON line per page that has an `<h1>`.
//!
//! ```text
//! cargo run --release -p silk --example custom_spider -- URL [--max-pages N] [--concurrency N]
//! {"url":"http://127.0.0.1:8090/p/3","h1":"Product 3","words":2306}
//! ```
//!
//! The pattern, in three parts:
//!
//! 1. A [`CrawlSpec`] says where to start and how politely to crawl (concurrency, robots.txt,
//!    page limit). It has no fields and no link rules here: the handler does that work.
//! 2. The handler ([`spider`]) runs on every fetched HTML page. It queries the page with CSS
//!    ([`Page::select`]), returns items, and returns the links to follow. Because it returns
//!    a follow list, only those links are followed. They still go through the seen-set,
//!    robots.txt and per-host politeness.
//! 3. [`Crawler::items_into`] sends every item into a `futures::Sink`. Here the sink writes
//!    JSON lines to stdout. The engine waits until the sink has accepted a page's items
//!    before it goes on, so a slow consumer (`| slow-program`) slows the crawl down instead
//!    of piling items up in memory.
//!
//! The engine is `!Send` (the same code runs in the browser), so it runs on a current-thread
//! tokio runtime. The summary goes to stderr, keeping stdout pure JSONL.

// The example runs natively (tokio, reqwest); built for wasm32 it compiles to nothing.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use futures::Sink;
use serde::Serialize;
use serde_json::Value;
use silk::handler::{self, HandlerResult};
use silk::{CrawlSpec, Crawler, Page, PageOutput, PlatformClock, PlatformFetcher};
use std::io::Write;
use std::rc::Rc;
use url::Url;

const USAGE: &str = "usage: custom_spider URL [--max-pages N] [--concurrency N]
  e.g. cargo run --release -p silk --example custom_spider -- http://127.0.0.1:8090/
  (start a test site with `silk arena`)";

/// One output line.
#[derive(Serialize)]
struct Heading<'a> {
    url: &'a str,
    h1: &'a str,
    /// Words in the body text (whitespace-separated).
    words: usize,
}

/// The user code run on every page: an item if the page has an `<h1>`, and its links to
/// pages on the start URL's host.
fn spider(page: &Page, start: &Url) -> HandlerResult {
    // An empty follow list, not "no list": a page without same-host links follows nothing,
    // rather than falling back to the spec's own link rules.
    let mut out = PageOutput::new().follow_none();

    if let Some(h1) = page.select("h1")?.first() {
        let body = page.select("body")?;
        let words = body
            .first()
            .map_or(0, |b| b.text.split_whitespace().count());
        out = out.item(Heading {
            url: page.final_url(),
            h1: &h1.text,
            words,
        })?;
    }

    for a in page.select("a[href]")? {
        // `absolute` resolves against the page (or its <base href>) and drops mailto:,
        // javascript: and the like.
        let Some(link) = a.attr("href").and_then(|href| page.absolute(href)) else {
            continue;
        };
        if same_host(&link, start) {
            out = out.follow(link);
        }
    }
    Ok(out)
}

/// Same host name and port.
fn same_host(a: &Url, b: &Url) -> bool {
    a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

/// A sink that writes each item as one line on stdout.
fn jsonl_stdout() -> impl Sink<Value, Error = std::io::Error> {
    futures::sink::unfold(std::io::stdout(), |mut out, item: Value| async move {
        writeln!(out, "{item}")?;
        Ok(out)
    })
}

fn main() {
    let args = parse_args().unwrap_or_else(|why| usage(&why));

    let spec = CrawlSpec {
        seeds: vec![args.start.to_string()],
        max_pages: args.max_pages,
        concurrency: args.concurrency,
        ..CrawlSpec::default()
    };
    // Both check the spec up front (a bad URL, proxy or header is an error here, not later).
    let compiled = spec.compile().unwrap_or_else(|e| fail(&e.message));
    let fetcher = PlatformFetcher::new(&spec).unwrap_or_else(|e| fail(&e.message));

    let start = args.start.clone();
    let crawler = Crawler::new(compiled, Rc::new(fetcher), Rc::new(PlatformClock::new()))
        .with_handler(handler::sync(move |page: &Page| spider(page, &start)))
        .items_into(jsonl_stdout());

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime starts");
    // Items arrive through the sink; the events (records, progress) are not needed here.
    let stats = runtime.block_on(crawler.run(|_event| {}));

    let kinds: Vec<String> = stats
        .error_kinds
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    eprintln!(
        "custom_spider: {} pages, {} items, {} errors [{}] in {:.1} s",
        stats.pages,
        stats.items,
        stats.errors,
        kinds.join(", "),
        stats.elapsed_ms / 1000.0
    );
    if let Some(why) = stats.store_error {
        // stdout was closed (`| head`) or could not be written.
        eprintln!("custom_spider: stopped early: cannot write items: {why}");
    }
}

// The command line.

struct Args {
    start: Url,
    max_pages: Option<u64>,
    concurrency: u32,
}

fn parse_args() -> Result<Args, String> {
    let mut start = None;
    let mut max_pages = None;
    let mut concurrency = 16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<u64, String> {
            let v = args.next().ok_or(format!("{name} needs a number"))?;
            v.parse()
                .map_err(|_| format!("{name} needs a number, got {v:?}"))
        };
        match arg.as_str() {
            "--max-pages" | "-n" => max_pages = Some(value("--max-pages")?),
            "--concurrency" | "-c" => {
                concurrency = u32::try_from(value("--concurrency")?.max(1))
                    .map_err(|_| "--concurrency is too large".to_string())?
            }
            "--help" | "-h" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            url if start.is_none() => {
                start = Some(
                    Url::parse(url)
                        .map_err(|e| format!("{url:?} is not a URL ({e}): give an http(s) URL"))?,
                )
            }
            extra => return Err(format!("unexpected argument {extra:?}: give one start URL")),
        }
    }
    let start = start.ok_or("no start URL")?;
    Ok(Args {
        start,
        max_pages,
        concurrency,
    })
}

/// Says what is wrong with the arguments and how to call the example; exits 2 (0 for --help).
fn usage(why: &str) -> ! {
    if why.is_empty() {
        println!("{USAGE}");
        std::process::exit(0);
    }
    eprintln!("custom_spider: {why}\n{USAGE}");
    std::process::exit(2);
}

/// Says what went wrong; exits 2.
fn fail(why: &str) -> ! {
    eprintln!("custom_spider: {why}");
    std::process::exit(2);
}
