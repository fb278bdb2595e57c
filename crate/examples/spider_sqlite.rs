//! The study notes' crawler in Rust: fetch list pages, parse them in your own code, follow
//! the detail pages you chose, and hand the items to asynchronous storage (SQLite here).
//!
//! ```text
//! cargo run --release -p silk --example spider_sqlite -- URL items.sqlite \
//!     [--details CSS] [--next CSS] [--max-pages N] [--concurrency N]
//! sqlite3 items.sqlite 'select url, h1, listed_on from items limit 3'
//! ```
//!
//! - **List pages** (the start URL, and the pages its `--next` links lead to) yield no item.
//!   The handler picks the detail links (`--details`, default `.related a[href]`: the product
//!   lists of `silk arena`) and follows each with
//!   `Follow::new(url).meta(json!({"from": ..., "text": ...})).priority(1)`. The meta reaches
//!   the detail page's handler call ([`Page::meta`]), like Scrapy's `cb_kwargs`. The priority
//!   fetches details before further list pages, so items flow early and the queue stays short.
//! - **Detail pages** (recognised by their meta) yield one item and follow nothing.
//! - **Storage**: `items_into(sink)` gets the sending half of a bounded channel. A writer
//!   thread drains the other half into SQLite, one transaction per batch. When the disk is
//!   slow, the channel fills up, the sink stops accepting, and the engine waits: the crawl
//!   slows down instead of buffering items in memory (backpressure).

// The example runs natively (tokio, reqwest, SQLite); built for wasm32 it compiles to nothing.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use futures::channel::mpsc;
use futures::executor::block_on;
use futures::StreamExt;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use silk::handler::HandlerResult;
use silk::{CrawlSpec, Crawler, Follow, Page, PageOutput, PlatformClock, PlatformFetcher};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::thread::JoinHandle;

const USAGE: &str =
    "usage: spider_sqlite URL DB [--details CSS] [--next CSS] [--max-pages N] [--concurrency N]
  URL      the first list page
  DB       the SQLite file to write (table `items`, created if missing)
  --details  CSS for the links from a list page to detail pages (default: .related a[href])
  --next     CSS for the links from a list page to the next list page (default: a[rel=next])
  e.g. cargo run --release -p silk --example spider_sqlite -- http://127.0.0.1:8090/ items.sqlite";

/// Items waiting for the writer; when it is full the crawl waits.
const CHANNEL_CAPACITY: usize = 64;
/// At most this many items per transaction.
const BATCH: usize = 256;

/// What a detail page yields: one row of the `items` table.
#[derive(Debug, Serialize, Deserialize)]
struct Item {
    url: String,
    title: String,
    h1: String,
    /// The list page that linked here, and the link's text: the meta the list page attached.
    listed_on: String,
    link_text: String,
}

/// The CSS the handler uses to tell the two kinds of links apart.
struct Selectors {
    details: String,
    next: String,
}

/// The user code run on every page: a page whose link carried meta is a detail page, any
/// other (the start URL, next-page links) is a list page. A handler is async so that it may
/// await (a lookup, a rate limiter, another request of its own); this one has no need to.
async fn handle(page: Page, css: Rc<Selectors>) -> HandlerResult {
    match page.meta() {
        Some(from) => detail_page(&page, from),
        None => list_page(&page, &css),
    }
}

fn list_page(page: &Page, css: &Selectors) -> HandlerResult {
    let mut out = PageOutput::new().follow_none();
    for a in page.select(&css.details)? {
        if let Some(url) = a.attr("href").and_then(|href| page.absolute(href)) {
            let meta = json!({ "from": page.final_url(), "text": a.text });
            out = out.follow(Follow::new(url).meta(meta).priority(1));
        }
    }
    for a in page.select(&css.next)? {
        if let Some(url) = a.attr("href").and_then(|href| page.absolute(href)) {
            out = out.follow(url); // no meta: the next page is a list page too
        }
    }
    Ok(out)
}

fn detail_page(page: &Page, from: &Value) -> HandlerResult {
    let first_text = |css: &str| -> Result<String, silk::SpecError> {
        Ok(page
            .select(css)?
            .into_iter()
            .next()
            .map(|e| e.text)
            .unwrap_or_default())
    };
    let item = Item {
        url: page.final_url().to_string(),
        title: first_text("title")?,
        h1: first_text("h1")?,
        listed_on: from["from"].as_str().unwrap_or_default().to_string(),
        link_text: from["text"].as_str().unwrap_or_default().to_string(),
    };
    Ok(PageOutput::new().item(item)?.follow_none())
}

/// Opens (or creates) the database; errors say which file.
fn open_db(path: &Path) -> Result<Connection, String> {
    let fail = |e: rusqlite::Error| format!("cannot use {} as a SQLite file: {e}", path.display());
    let conn = Connection::open(path).map_err(fail)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS items (
             url TEXT PRIMARY KEY, title TEXT, h1 TEXT, listed_on TEXT, link_text TEXT
         )",
    )
    .map_err(fail)?;
    Ok(conn)
}

/// The asynchronous store: a thread that takes items off the channel as they come and
/// writes them in batches (everything already waiting, up to [`BATCH`], per transaction).
/// It ends when the crawl closes the channel, returning how many items it stored.
fn spawn_writer(
    mut conn: Connection,
    mut items: mpsc::Receiver<Value>,
) -> JoinHandle<Result<u64, String>> {
    std::thread::spawn(move || {
        let mut stored = 0;
        // Block until the next item, or the end of the crawl.
        while let Some(first) = block_on(items.next()) {
            let mut batch = vec![first];
            // Then everything already waiting: one transaction for the lot.
            while batch.len() < BATCH {
                match items.try_recv() {
                    Ok(item) => batch.push(item),
                    Err(_) => break, // nothing waiting now, or the crawl has ended
                }
            }
            let tx = conn.transaction().map_err(|e| e.to_string())?;
            for value in batch {
                let item: Item =
                    serde_json::from_value(value).map_err(|e| format!("unexpected item: {e}"))?;
                tx.execute(
                    "INSERT OR REPLACE INTO items (url, title, h1, listed_on, link_text)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        item.url,
                        item.title,
                        item.h1,
                        item.listed_on,
                        item.link_text
                    ],
                )
                .map_err(|e| e.to_string())?;
                stored += 1;
            }
            tx.commit().map_err(|e| e.to_string())?;
        }
        Ok(stored)
    })
}

fn main() {
    let args = parse_args().unwrap_or_else(|why| usage(&why));
    let spec = CrawlSpec {
        seeds: vec![args.start.clone()],
        max_pages: args.max_pages,
        concurrency: args.concurrency,
        ..CrawlSpec::default()
    };
    let compiled = spec.compile().unwrap_or_else(|e| fail(&e.message));
    let fetcher = PlatformFetcher::new(&spec).unwrap_or_else(|e| fail(&e.message));
    // Check the selectors before crawling, so that a typo is not one handler error per page.
    for css in [&args.css.details, &args.css.next] {
        if let Err(e) = check_selector(css) {
            fail(&e);
        }
    }
    let conn = open_db(&args.db).unwrap_or_else(|e| fail(&e));

    let (sender, receiver) = mpsc::channel::<Value>(CHANNEL_CAPACITY);
    let writer = spawn_writer(conn, receiver);

    let css = Rc::new(args.css);
    let crawler = Crawler::new(compiled, Rc::new(fetcher), Rc::new(PlatformClock::new()))
        .with_handler(move |page: Page| handle(page, css.clone()))
        // mpsc::Sender is a Sink: the engine awaits each send, so a full channel pauses it.
        .items_into(sender);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime starts");
    let stats = runtime.block_on(crawler.run(|_event| {}));

    // The crawl closed the channel when it ended; the writer commits what is left and stops.
    let stored = match writer.join() {
        Ok(Ok(n)) => n,
        Ok(Err(e)) => fail(&format!("writing {} failed: {e}", args.db.display())),
        Err(_) => fail("the SQLite writer thread panicked"),
    };
    eprintln!(
        "spider_sqlite: {stored} items stored in {} ({} pages, {} errors, {:.1} s)",
        args.db.display(),
        stats.pages,
        stats.errors,
        stats.elapsed_ms / 1000.0
    );
    if let Some(why) = stats.store_error {
        fail(&format!("the crawl stopped early: {why}"));
    }
}

/// Parses `css` as [`Page::select`] will; the error shows where it is wrong.
fn check_selector(css: &str) -> Result<(), String> {
    let page = Page::new(silk::handler::PageParts::default());
    page.select(css).map(|_| ()).map_err(|e| e.message)
}

// The command line.

struct Args {
    start: String,
    db: PathBuf,
    css: Selectors,
    max_pages: Option<u64>,
    concurrency: u32,
}

fn parse_args() -> Result<Args, String> {
    let mut positional = Vec::new();
    let mut css = Selectors {
        details: ".related a[href]".into(),
        next: "a[rel=next]".into(),
    };
    let mut max_pages = None;
    let mut concurrency = 16;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let number = |name: &str, v: String| -> Result<u64, String> {
            v.parse()
                .map_err(|_| format!("{name} needs a number, got {v:?}"))
        };
        match arg.as_str() {
            "--details" => css.details = value("--details")?,
            "--next" => css.next = value("--next")?,
            "--max-pages" | "-n" => max_pages = Some(number("--max-pages", value("--max-pages")?)?),
            "--concurrency" | "-c" => {
                let n = number("--concurrency", value("--concurrency")?)?;
                concurrency = u32::try_from(n.max(1)).map_err(|_| "--concurrency is too large")?;
            }
            "--help" | "-h" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            _ => positional.push(arg),
        }
    }
    let [start, db] = <[String; 2]>::try_from(positional).map_err(|got| {
        format!(
            "give a start URL and a database file (got {} arguments)",
            got.len()
        )
    })?;
    Ok(Args {
        start,
        db: PathBuf::from(db),
        css,
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
    eprintln!("spider_sqlite: {why}\n{USAGE}");
    std::process::exit(2);
}

/// Says what went wrong; exits 2.
fn fail(why: &str) -> ! {
    eprintln!("spider_sqlite: {why}");
    std::process::exit(2);
}
