//! `silk arena`: runs the synthetic test site (the `silk-arena` crate) on 127.0.0.1 until
//! interrupted, printing its address first so scripts can read it.

use clap::Args;
use silk_arena::{ArenaConfig, Site};
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
    /// Serve the site on N ports of 127.0.0.1 (origins sharing one state; pages link
    /// across them), so per-host limits multiply by N. The first is --port, the others are
    /// free ports, all printed. At most 64.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = crate::arena_cmd::parse_origins)]
    pub origins: usize,
    /// Which site: the synthetic shop, or the study notes' 250-film chart (10 chart pages,
    /// 250 film pages, the HTML of the playground's demo films).
    #[arg(long, value_enum, default_value_t = SiteArg::Shop)]
    pub site: SiteArg,
}

/// An origin count: a whole number from 1 to [`silk_arena::MAX_ORIGINS`].
pub fn parse_origins(text: &str) -> Result<usize, String> {
    let max = silk_arena::MAX_ORIGINS;
    match text.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "give the number of origins (ports of 127.0.0.1) as a whole number from 1 to {max}"
        )),
    }
}

/// `--site`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SiteArg {
    Shop,
    Films,
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
        origins: args.origins,
        site: match args.site {
            SiteArg::Shop => Site::Shop,
            SiteArg::Films => Site::Films,
        },
    };
    let handle = match silk_arena::spawn(config.clone()) {
        Ok(h) => h,
        Err(e) => return crate::exit::failure(&e.to_string()),
    };
    let addr = handle.addr;
    // Ignore a closed stdout: a script that read the address may have gone away.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "arena listening on http://{addr}");
    match config.site {
        Site::Shop => {
            let _ = writeln!(
                out,
                "  {} product pages, {} links each, {} ms latency; stats at http://{addr}/__stats",
                config.pages, config.links, config.latency_ms
            );
        }
        Site::Films => {
            let _ = writeln!(
                out,
                "  films: 10 chart pages and 250 film pages, {} ms latency per page; stats at http://{addr}/__stats",
                config.latency_ms
            );
        }
    }
    let origins = handle.origin_urls();
    if origins.len() > 1 {
        let _ = writeln!(
            out,
            "  {} origins (pages link across them): {}",
            origins.len(),
            origins.join(" ")
        );
    }
    let _ = out.flush();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return crate::exit::failure(&format!("cannot start the runtime: {e}")),
    };
    let _ = runtime.block_on(tokio::signal::ctrl_c());
    match handle.stop() {
        Ok(()) => crate::exit::OK,
        Err(e) => crate::exit::failure(&format!("arena stopped: {e}")),
    }
}
