//! The `silk` binary: everything lives in the library (`src/lib.rs`), so that Rust spiders
//! built on it share the same command line.

fn main() {
    std::process::exit(silk_cli::main());
}
