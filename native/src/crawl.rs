//! `silk crawl`: builds the spec from the flags, runs the shared engine on a current-thread
//! tokio runtime (the engine is `!Send` by design, like everything that also runs in the
//! browser), and feeds its events to the record writer and the progress bar. Ctrl-C cancels
//! through the engine's cancel handle, so output is flushed and stats reported.

use crate::crawl_args::CrawlArgs;
use crate::exit;
use crate::output::RecordWriter;
use crate::progress::{summary, ProgressBar};
use silk::{Crawler, Event, PlatformClock, PlatformFetcher, Stats};
use std::cell::RefCell;
use std::rc::Rc;

pub fn run(args: CrawlArgs) -> i32 {
    let spec = match args.to_spec() {
        Ok(s) => s,
        Err(e) => return exit::usage(&e.message),
    };
    if spec.seeds.is_empty() {
        return exit::usage("no start URL: give one, e.g. `silk crawl http://127.0.0.1:8080/`, or a --spec file with seeds");
    }
    let compiled = match spec.compile() {
        Ok(c) => c,
        Err(e) => return exit::usage(&e.message),
    };
    let fetcher = match PlatformFetcher::new(&spec) {
        Ok(f) => f,
        Err(e) => return exit::usage(&e.message),
    };
    let field_names: Vec<String> = spec.fields.iter().map(|f| f.name.clone()).collect();
    let writer = match &args.out {
        Some(path) => match RecordWriter::to_path(path, field_names) {
            Ok(w) => w,
            Err(e) => return exit::usage(&e),
        },
        None => RecordWriter::to_stdout(field_names),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return exit::failure(&format!("cannot start the async runtime: {e}")),
    };
    let crawler = Crawler::new(compiled, Rc::new(fetcher), Rc::new(PlatformClock::new()));
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
                if let Err(e) = writer.borrow_mut().write(&record) {
                    // A closed pipe or full disk: stop the crawl, keep the error for the exit code.
                    *write_error.borrow_mut() = Some(e);
                    cancel.cancel();
                }
            }
        }
        Event::Progress(c) => progress.update(&c),
        // The summary follows on a clean line.
        Event::Finished(_) => progress.clear(),
        Event::RequestStarted { .. } => {}
    };

    let cancel_on_signal = cancel.clone();
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
    if let Err(e) = writer.borrow_mut().flush() {
        write_error.borrow_mut().get_or_insert(e);
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
