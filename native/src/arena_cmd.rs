//! `silk arena`: runs the synthetic test site (the `silk-arena` crate) on 127.0.0.1 until
//! interrupted, printing its address first so scripts can read it.

use clap::Args;
use silk_arena::{Arena, ArenaConfig};
use std::io::Write;

#[derive(Debug, Args)]
pub struct ArenaArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8090)]
    pub port: u16,
    /// Product pages.
    #[arg(long, default_value_t = 300)]
    pub pages: usize,
    /// Links per page.
    #[arg(long, default_value_t = 10)]
    pub links: usize,
    /// Added latency per response, in milliseconds (at most 10000).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(..=silk_arena::MAX_LATENCY_MS))]
    pub latency_ms: u64,
    /// Approximate page size in KB.
    #[arg(long, default_value_t = 15)]
    pub body_kb: usize,
    /// Seed of the deterministic site.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Leave out the fault pages (a clean site for benchmarks).
    #[arg(long)]
    pub no_faults: bool,
    /// Add `Crawl-delay: SECONDS` to robots.txt.
    #[arg(long, value_name = "SECONDS")]
    pub crawl_delay: Option<f64>,
    /// Let browser pages of any origin use /__reset and /__latency, with CORS headers
    /// (test rigs only; by default writes refuse cross-origin browser requests).
    #[arg(long)]
    pub test_control: bool,
    /// ETag / Last-Modified and 304s on the ordinary pages, and revisions
    /// (`/__revision?n=2` changes, removes and adds pages) to test --recrawl.
    #[arg(long)]
    pub validators: bool,
}

pub fn run(args: ArenaArgs) -> i32 {
    let config = ArenaConfig {
        port: args.port,
        pages: args.pages,
        links: args.links,
        latency_ms: args.latency_ms,
        body_kb: args.body_kb,
        seed: args.seed,
        faults: !args.no_faults,
        crawl_delay_s: args.crawl_delay,
        test_control: args.test_control,
        validators: args.validators,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return crate::exit::failure(&format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await {
            Ok(l) => l,
            Err(e) => {
                return crate::exit::failure(&format!(
                    "cannot listen on 127.0.0.1:{}: {e} (pick another --port, or 0 for any)",
                    config.port
                ))
            }
        };
        let addr = listener.local_addr().expect("bound socket has an address");
        // Ignore a closed stdout: a script that read the address may have gone away.
        let mut out = std::io::stdout();
        let _ = writeln!(out, "arena listening on http://{addr}");
        let _ = writeln!(
            out,
            "  {} product pages, {} links each, {} ms latency; stats at http://{addr}/__stats",
            config.pages, config.links, config.latency_ms
        );
        let _ = out.flush();
        let arena = Arena::new(config);
        tokio::select! {
            r = silk_arena::serve(arena, listener) => match r {
                Ok(()) => crate::exit::OK,
                Err(e) => crate::exit::failure(&format!("arena stopped: {e}")),
            },
            _ = tokio::signal::ctrl_c() => crate::exit::OK,
        }
    })
}
