//! `silk crawl`: builds the spec from the flags, picks where the crawl's state lives (memory,
//! a SQLite file with `--state`, a shared Redis crawl with `--frontier`), runs the shared
//! engine on a current-thread tokio runtime (the engine is `!Send` by design, like
//! everything that also runs in the browser), and feeds its events to the record writer and
//! the progress bar. Ctrl-C cancels through the engine's cancel handle, so output is flushed
//! and stats reported.

use crate::crawl_args::CrawlArgs;
use crate::exit;
use crate::output::RecordWriter;
use crate::progress::{summary, ProgressBar};
use crate::store::redis::{self, RedisFrontier, RedisOptions};
use crate::store::sqlite::{self, SqliteFrontier};
use silk::{CrawlSpec, Crawler, Event, Frontier, PlatformClock, PlatformFetcher, Stats};
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::time::Duration;
use tokio::runtime::Runtime;

/// How long a --frontier worker's leases outlive its last heartbeat, unless --lease says.
const DEFAULT_LEASE: Duration = Duration::from_secs(10);

pub fn run(args: CrawlArgs) -> i32 {
    let spec = match args.to_spec() {
        Ok(s) => s,
        Err(e) => return exit::usage(&e.message),
    };
    if spec.seeds.is_empty() {
        return exit::usage("no start URL: give one, e.g. `silk crawl http://127.0.0.1:8080/`, or a --spec file with seeds");
    }
    if args.reset && args.state.is_none() && args.frontier.is_none() {
        return exit::usage("--reset only applies to a --state file or a --frontier crawl");
    }
    let compiled = match spec.compile() {
        Ok(c) => c,
        Err(e) => return exit::usage(&e.message),
    };
    let fetcher = match PlatformFetcher::new(&spec) {
        Ok(f) => f,
        Err(e) => return exit::usage(&e.message),
    };
    let runtime = match crate::runtime::current_thread() {
        Ok(r) => r,
        Err(e) => return exit::failure(&e),
    };
    let crawler = Crawler::new(compiled, Rc::new(fetcher), Rc::new(PlatformClock::new()));

    if let Some(db) = &args.state {
        return match SqliteFrontier::open(db, &spec, args.reset) {
            Err(e) => exit::usage(&e),
            Ok(sqlite::Opened::Finished { records }) => {
                eprintln!(
                    "the crawl in {0} has already finished ({records} records): nothing to do. \
                     `silk export {0} -o FILE` writes its records; --reset starts it over",
                    db.display()
                );
                match args.out {
                    Some(_) => export_state(&args, db),
                    None => exit::OK,
                }
            }
            Ok(sqlite::Opened::Ready(store)) => {
                // The state file holds the records; --out is written from it afterwards,
                // so it always has every page of the crawl exactly once.
                let code = drive(&args, &spec, &runtime, crawler.with_frontier(store), None);
                match export_state(&args, db) {
                    exit::OK => code,
                    failed => failed,
                }
            }
        };
    }

    let writer = match open_writer(&args, &spec) {
        Ok(w) => w,
        Err(e) => return exit::usage(&e),
    };
    if let Some(url) = &args.frontier {
        let options = RedisOptions {
            url: url.clone(),
            lease: args.lease.unwrap_or(DEFAULT_LEASE),
            reset: args.reset,
        };
        return match runtime.block_on(RedisFrontier::connect(&options, &spec)) {
            Err(e) => exit::usage(&e),
            Ok(redis::Joined::Finished { records }) => {
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

fn open_writer(args: &CrawlArgs, spec: &CrawlSpec) -> Result<RecordWriter, String> {
    match &args.out {
        Some(path) => RecordWriter::to_path(path, spec),
        None => Ok(RecordWriter::to_stdout(spec)),
    }
}

/// After a --state run: writes --out from the state file, or says how to get the records.
fn export_state(args: &CrawlArgs, db: &Path) -> i32 {
    match &args.out {
        Some(out) => match sqlite::export(db, out) {
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
