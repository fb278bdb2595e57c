//! The `silk` command: one binary, several jobs. Each subcommand lives in its own module;
//! this file only parses the command line and maps the outcome to an exit code.

mod arena_cmd;
mod bench;
mod crawl;
mod crawl_args;
mod duration;
mod exit;
mod output;
mod progress;
mod runtime;
mod serve;
mod state_cmd;
mod store;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "silk", version, about = "A polite, fast web crawler: one async engine for the shell and the browser", after_help = exit::HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Crawl from start URLs and write one record per URL (JSONL or CSV).
    #[command(after_help = exit::HELP)]
    Crawl(Box<crawl_args::CrawlArgs>),
    /// Run the synthetic test site (latency and faults) on 127.0.0.1.
    Arena(arena_cmd::ArenaArgs),
    /// Serve the browser playground, the demo site and an arena with latency on 127.0.0.1.
    Serve(serve::ServeArgs),
    /// Write the records of a --state file or a --frontier crawl to a .jsonl or .csv file.
    Export(state_cmd::ExportArgs),
    /// Show the progress of a --state file or a --frontier crawl (running or stopped).
    Status(state_cmd::StatusArgs),
    /// Benchmark silk against the arena, each in its own process (latency and CPU regimes).
    Bench(bench::BenchArgs),
}

fn main() {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Crawl(args) => crawl::run(*args),
        Command::Arena(args) => arena_cmd::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Export(args) => state_cmd::export(args),
        Command::Status(args) => state_cmd::status(args),
        Command::Bench(args) => bench::run(args),
    };
    std::process::exit(code);
}
