//! `silk crawl`: builds the spec from the flags, picks where the crawl's state lives (memory,
//! a SQLite file with `--state`, a shared Redis crawl with `--frontier`), runs the shared
//! engine on a current-thread tokio runtime (the engine is `!Send` by design, like
//! everything that also runs in the browser), and feeds its events to the record writer and
//! the progress bar. Ctrl-C cancels through the engine's cancel handle, so output is flushed
//! and stats reported.
//!
//! The same path runs a Rust spider's page handler ([`crawl_main`]): `silk crawl` is this
//! with no handler. A spec's JavaScript handler (`code`) is refused here: only the browser
//! runs it.

use crate::crawl_args::CrawlArgs;
use crate::exit;
use crate::output::{CrawlId, RecordWriter, Source, Target};
use crate::progress::{summary, ProgressBar};
use crate::store::redis::{self, RedisFrontier, RedisOptions};
use crate::store::sqlite::{self, SqliteFrontier};
use clap::Parser;
use futures::future::LocalBoxFuture;
use silk::handler::{HandlerResult, Page};
use silk::{
    CrawlSpec, Crawler, Event, Frontier, PageHandler, PlatformClock, PlatformFetcher, Stats,
};
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;
use tokio::runtime::Runtime;

/// How long a --frontier worker's leases outlive its last heartbeat, unless --lease says.
const DEFAULT_LEASE: Duration = Duration::from_secs(10);

/// A spider's command line: exactly `silk crawl`'s flags, under the program's own name.
#[derive(Parser)]
#[command(version, about = "A silk spider: `silk crawl`'s flags, with this program's page handler", after_help = exit::HELP)]
struct SpiderCli {
    #[command(flatten)]
    args: CrawlArgs,
}

/// Runs a Rust spider: parses `silk crawl`'s flags from `std::env::args` and crawls with
/// `handler` on every fetched HTML page; returns the exit code.
///
/// ```no_run
/// use silk::handler::{sync, PageOutput};
/// fn main() {
///     let spider = sync(|page| {
///         let h1 = page.select("h1")?.first().map(|e| e.text.clone());
///         Ok(PageOutput::new().item(serde_json::json!({"url": page.url(), "h1": h1}))?)
///     });
///     std::process::exit(silk_cli::crawl_main(spider));
/// }
/// ```
pub fn crawl_main<H: PageHandler + 'static>(handler: H) -> i32 {
    let cli = SpiderCli::parse();
    run(cli.args, Some(Rc::new(handler)))
}

/// A shared handler, as the engine takes one.
struct Shared(Rc<dyn PageHandler>);

impl PageHandler for Shared {
    fn handle(&self, page: Page) -> LocalBoxFuture<'static, HandlerResult> {
        self.0.handle(page)
    }
}

/// Why a spec with a JavaScript handler cannot run here, and what to do instead.
fn code_refused(args: &CrawlArgs, rust_handler: bool) -> String {
    let file = args
        .spec
        .as_ref()
        .map_or("the spec".to_string(), |p| p.display().to_string());
    if rust_handler {
        format!(
            "{file} carries a JavaScript page handler (`code`), but this spider runs its own \
             Rust handler: remove `code` from the spec"
        )
    } else {
        format!(
            "{file} carries a JavaScript page handler (`code`), which only runs in the browser \
             (the playground, or the embed API's `crawl.onPage`). On the command line, write the \
             handler in Rust and run it with silk_cli::crawl_main (README: \"Rust spiders\"), or \
             remove `code` from the spec to run its declarative part (fields and link rules)"
        )
    }
}

/// `silk crawl` with `args`, and `handler` (a Rust spider's) on every page if given.
pub fn run(args: CrawlArgs, handler: Option<Rc<dyn PageHandler>>) -> i32 {
    let spec = match args.to_spec() {
        Ok(s) => s,
        Err(e) => return exit::usage(&e.message),
    };
    if spec.code.is_some() {
        return exit::usage(&code_refused(&args, handler.is_some()));
    }
    if spec.seeds.is_empty() && spec.sitemap_urls.is_empty() {
        return exit::usage("no start URL: give one, e.g. `silk crawl http://127.0.0.1:8080/`, a --sitemap URL, or a --spec file with seeds");
    }
    if args.reset && args.state.is_none() && args.frontier.is_none() {
        return exit::usage("--reset only applies to a --state file or a --frontier crawl");
    }
    let target = match Target::parse(args.out.as_deref(), args.format) {
        Ok(t) => t,
        Err(e) => return exit::usage(&e),
    };
    if let (Some(state), Some(out)) = (&args.state, target.path()) {
        if same_file(state, out) {
            return exit::usage(&format!(
                "-o {} is the --state file: give the records another file, e.g. -o out.sqlite",
                out.display()
            ));
        }
    }
    if let (Some(note), false) = (&target.note, args.quiet) {
        eprintln!("{note}");
    }
    let items = handler.is_some();
    let compiled = match spec.compile() {
        Ok(c) => c,
        Err(e) => return exit::usage(&e.message),
    };
    let fetcher = match PlatformFetcher::new(&spec) {
        Ok(f) => f,
        Err(e) => return exit::usage(&e.message),
    };
    // A --state file keeps the jar; Redis workers each keep their own (README: Cookies).
    let cookie_jar = fetcher.cookie_jar();
    let runtime = match crate::runtime::current_thread() {
        Ok(r) => r,
        Err(e) => return exit::failure(&e),
    };
    let mut crawler = Crawler::new(compiled, Rc::new(fetcher), Rc::new(PlatformClock::new()));
    if let Some(handler) = handler {
        crawler = crawler.with_handler(Shared(handler));
    }

    if let Some(db) = &args.state {
        return match SqliteFrontier::open_with(db, &spec, args.reset, items, args.recrawl) {
            Err(e) => exit::usage(&e),
            Ok(sqlite::Opened::Finished { records }) => {
                eprintln!(
                    "the crawl in {0} has already finished ({records} records): nothing to do. \
                     `silk export {0} -o FILE` writes its records; --recrawl revisits it; --reset starts it over",
                    db.display()
                );
                match args.out {
                    Some(_) => export_state(&args, &target, db),
                    None => exit::OK,
                }
            }
            Ok(sqlite::Opened::Ready(mut store)) => {
                if let Some(jar) = cookie_jar {
                    store.keep_cookies(jar);
                }
                // The state file holds the records; --out is written from it afterwards,
                // so it always has every page of the crawl exactly once.
                let code = drive(&args, &spec, &runtime, crawler.with_frontier(store), None);
                match export_state(&args, &target, db) {
                    exit::OK => code,
                    failed => failed,
                }
            }
        };
    }

    let crawl_id = match &args.frontier {
        Some(url) => CrawlId::Stream(redis::public_url(url)),
        None => CrawlId::New,
    };
    let writer = match RecordWriter::open(
        &target,
        &spec,
        Source {
            items,
            crawl: crawl_id,
        },
    ) {
        Ok(w) => w,
        Err(e) => return exit::usage(&e),
    };
    if let Some(url) = &args.frontier {
        let options = RedisOptions {
            url: url.clone(),
            lease: args.lease.unwrap_or(DEFAULT_LEASE),
            reset: args.reset,
            handler: items,
        };
        return match runtime.block_on(RedisFrontier::connect(&options, &spec)) {
            Err(e) => exit::usage(&e),
            Ok(redis::Joined::Finished { records }) => {
                let url = redis::public_url(url);
                eprintln!(
                    "crawl {url} has already finished ({records} records): nothing to do. \
                     `silk export {url} -o FILE` writes its records; --reset starts it over"
                );
                exit::OK
            }
            Ok(redis::Joined::Ready(store)) => drive(
                &args,
                &spec,
                &runtime,
                crawler.with_frontier(store),
                Some(writer),
            ),
        };
    }
    drive(&args, &spec, &runtime, crawler, Some(writer))
}

/// Whether two paths name one file (the second may not exist yet).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// After a --state run: writes --out from the state file, or says how to get the records.
fn export_state(args: &CrawlArgs, target: &Target, db: &Path) -> i32 {
    match &args.out {
        Some(_) => match sqlite::export_to(db, target) {
            Ok(_) => exit::OK,
            Err(e) => exit::failure(&e),
        },
        None => {
            if !args.quiet {
                eprintln!(
                    "records are kept in {0}: `silk export {0} -o out.jsonl` writes them, `silk status {0}` shows progress",
                    db.display()
                );
            }
            exit::OK
        }
    }
}

/// Runs the crawl, writing records to `writer` (if any) and progress to the terminal;
/// returns the exit code.
fn drive<F: Frontier + 'static>(
    args: &CrawlArgs,
    spec: &CrawlSpec,
    runtime: &Runtime,
    crawler: Crawler<F>,
    writer: Option<RecordWriter>,
) -> i32 {
    let cancel = crawler.cancel_handle();
    let writer = RefCell::new(writer);
    let write_error: RefCell<Option<std::io::Error>> = RefCell::new(None);
    let mut progress = ProgressBar::new(args.quiet, spec.max_pages);
    let verbose = args.verbose;

    let on_event = |event: Event| match event {
        Event::Record(record) => {
            if verbose {
                progress.clear();
                match &record.error {
                    Some(e) => eprintln!(
                        "{} {} [{}] {}",
                        record
                            .status
                            .map(|s| s.to_string())
                            .unwrap_or_else(|| "---".into()),
                        record.url,
                        e.kind,
                        e.message
                    ),
                    None => eprintln!(
                        "{} {} {:.0}ms",
                        record.status.unwrap_or(0),
                        record.url,
                        record.elapsed_ms
                    ),
                }
            }
            if write_error.borrow().is_none() {
                if let Some(w) = writer.borrow_mut().as_mut() {
                    if let Err(e) = w.write(&record) {
                        // A closed pipe or full disk: stop the crawl, keep the error for the exit code.
                        *write_error.borrow_mut() = Some(e);
                        cancel.cancel();
                    }
                }
            }
        }
        Event::Progress(c) => progress.update(&c),
        // The summary follows on a clean line.
        Event::Finished(_) => progress.clear(),
        Event::RequestStarted { .. } | Event::Item { .. } => {}
    };

    let cancel_on_signal = crawler.cancel_handle();
    let stats: Stats = runtime.block_on(async {
        let crawl = crawler.run(on_event);
        tokio::pin!(crawl);
        tokio::select! {
            stats = &mut crawl => stats,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("\ncancelling: letting in-flight requests finish (2 s at most); Ctrl-C again to quit now");
                cancel_on_signal.cancel();
                tokio::select! {
                    stats = &mut crawl => stats,
                    _ = tokio::signal::ctrl_c() => std::process::exit(exit::CANCELLED),
                }
            }
        }
    });
    if let Some(w) = writer.borrow_mut().as_mut() {
        if let Err(e) = w.flush() {
            write_error.borrow_mut().get_or_insert(e);
        }
    }
    if !args.quiet {
        eprint!("{}", summary(&stats));
    }
    if let Some(path) = &args.stats_json {
        let json = serde_json::to_string_pretty(&stats).expect("stats serialise");
        if let Err(e) = std::fs::write(path, json + "\n") {
            return exit::failure(&format!("cannot write {}: {e}", path.display()));
        }
    }
    if let Some(why) = &stats.store_error {
        return exit::failure(&format!("the crawl's state store failed: {why}"));
    }
    if let Some(e) = write_error.take() {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return exit::failure(&format!("cannot write records: {e}"));
        }
    }
    if stats.cancelled {
        exit::CANCELLED
    } else {
        exit::OK
    }
}
