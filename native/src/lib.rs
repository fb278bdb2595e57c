//! The `silk` command as a library. `src/main.rs` only calls [`main`]; a Rust spider calls
//! [`crawl_main`] with its own page handler and gets the whole `silk crawl` command line
//! (flags, `-o` JSONL/CSV/SQLite, `--state`, `--frontier`, progress, Ctrl-C), the way
//! `scrapy crawl SPIDER -o items.jsonl` runs a Scrapy spider. Both go through the one
//! crawl path in [`crawl`].

mod arena_cmd;
mod bench;
pub mod crawl;
pub mod crawl_args;
mod duration;
mod exit;
mod output;
mod progress;
mod runtime;
mod serve;
mod state_cmd;
mod store;

pub use crawl::crawl_main;
pub use crawl_args::CrawlArgs;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "silk", version, about = "A polite, fast web crawler: one async engine for the shell and the browser", after_help = exit::HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Crawl from start URLs and write one record per URL (JSONL, CSV or SQLite).
    #[command(after_help = exit::HELP)]
    Crawl(Box<crawl_args::CrawlArgs>),
    /// Run the synthetic test site (latency and faults) on 127.0.0.1.
    Arena(arena_cmd::ArenaArgs),
    /// Serve the browser playground, the demo site and an arena with latency on 127.0.0.1.
    Serve(serve::ServeArgs),
    /// Write the records of a --state file or a --frontier crawl to a .jsonl, .csv or .sqlite file.
    Export(state_cmd::ExportArgs),
    /// Show the progress of a --state file or a --frontier crawl (running or stopped).
    Status(state_cmd::StatusArgs),
    /// Benchmark silk against the arena, each in its own process (latency and CPU regimes).
    Bench(bench::BenchArgs),
}

/// The `silk` command: parses `std::env::args` and runs the subcommand; returns the exit
/// code (see `silk --help`).
pub fn main() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Crawl(args) => crawl::run(*args, None),
        Command::Arena(args) => arena_cmd::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Export(args) => state_cmd::export(args),
        Command::Status(args) => state_cmd::status(args),
        Command::Bench(args) => bench::run(args),
    }
}
