//! Exit codes, documented in `silk --help`, and the one way errors reach the terminal.

pub const OK: i32 = 0;
pub const FAILURE: i32 = 1;
pub const USAGE: i32 = 2;
pub const CANCELLED: i32 = 130;

pub const HELP: &str = "Exit codes:
  0    the crawl completed (pages that failed are records with an error, not a failure)
  1    silk itself failed (cannot write output, cannot bind a port)
  2    usage error: a bad flag, URL, selector, regex or spec file
  130  cancelled (Ctrl-C); output was flushed and stats reported";

pub fn usage(message: &str) -> i32 {
    eprintln!("error: {message}");
    USAGE
}

pub fn failure(message: &str) -> i32 {
    eprintln!("error: {message}");
    FAILURE
}
