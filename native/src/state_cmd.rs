//! `silk export` and `silk status`: read a crawl's records and progress from where its state
//! lives, a SQLite file (`--state`) or a Redis crawl (`--frontier redis://HOST:PORT/NAME`).

use crate::exit;
use crate::store::{redis, sqlite};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A state file (crawl.db) or a shared crawl (redis[s]://[USER:PASSWORD@]HOST:PORT/NAME).
    #[arg(value_name = "STATE")]
    pub source: String,
    /// Where to write the records (.jsonl, .csv, or .sqlite/.sqlite3/.db).
    #[arg(short = 'o', long, value_name = "PATH")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// A state file (crawl.db) or a shared crawl (redis[s]://[USER:PASSWORD@]HOST:PORT/NAME).
    #[arg(value_name = "STATE")]
    pub source: String,
}

fn is_redis(source: &str) -> bool {
    source.starts_with("redis://") || source.starts_with("rediss://")
}

fn block_on<T>(work: impl std::future::Future<Output = T>) -> Result<T, String> {
    Ok(crate::runtime::current_thread()?.block_on(work))
}

pub fn export(args: ExportArgs) -> i32 {
    let result = if is_redis(&args.source) {
        block_on(redis::export(&args.source, &args.out)).and_then(|r| r)
    } else {
        sqlite::export(Path::new(&args.source), &args.out)
    };
    match result {
        Ok(n) => {
            eprintln!("wrote {n} records to {}", args.out.display());
            exit::OK
        }
        Err(e) => exit::usage(&e),
    }
}

pub fn status(args: StatusArgs) -> i32 {
    let result = if is_redis(&args.source) {
        block_on(redis::status(&args.source)).and_then(|r| r)
    } else {
        sqlite::status(Path::new(&args.source))
    };
    match result {
        Ok(text) => {
            print!("{text}");
            exit::OK
        }
        Err(e) => exit::usage(&e),
    }
}
