//! `silk arena`: runs the synthetic test site (the `silk-arena` crate) on 127.0.0.1 until
//! interrupted, printing its address first so scripts can read it.

use clap::Args;
use silk_arena::{Arena, ArenaConfig, Site};
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
    /// Overload mode: answer 503 at once to a page request that arrives while N are being
    /// worked on (a server with a full worker pool; AutoThrottle's test).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub overload: Option<u64>,
    /// Serve the /meta/ pages: robots meta tags, X-Robots-Tag headers, canonical links.
    #[arg(long)]
    pub robots_meta: bool,
    /// Name the sitemap index in robots.txt (`Sitemap: http://HOST/sitemap.xml`); the
    /// sitemap files are served either way.
    #[arg(long)]
    pub sitemaps: bool,
    /// ETag / Last-Modified and 304s on the ordinary pages, and revisions
    /// (`/__revision?n=2` changes, removes and adds pages) to test --recrawl.
    #[arg(long)]
    pub validators: bool,
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
        overload_limit: args.overload.map(|n| n as usize),
        robots_meta: args.robots_meta,
        sitemaps: args.sitemaps,
        validators: args.validators,
    };
    // One runtime for the servers and Ctrl-C, as `silk bench` measures it: no second runtime
    // (each would have a signal driver of its own) and, with one origin, the accept loop on
    // this thread as it always was.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return crate::exit::failure(&format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(async move {
        let mut listeners = Vec::new();
        for origin in 0..config.origin_count() {
            let port = if origin == 0 { config.port } else { 0 };
            match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                Ok(l) => listeners.push(l),
                Err(e) => {
                    return crate::exit::failure(&format!(
                        "cannot listen on 127.0.0.1:{port}: {e} (pick another --port, or 0 for any)"
                    ))
                }
            }
        }
        let urls: Vec<String> = listeners
            .iter()
            .map(|l| {
                format!(
                    "http://{}",
                    l.local_addr().expect("bound socket has an address")
                )
            })
            .collect();
        print_banner(&config, &urls);
        if listeners.len() == 1 {
            let arena = Arena::new(config);
            let listener = listeners.remove(0);
            return tokio::select! {
                r = silk_arena::serve(arena, listener) => stopped(r),
                _ = tokio::signal::ctrl_c() => crate::exit::OK,
            };
        }
        let arena = Arena::with_origins(config, urls);
        tokio::select! {
            r = silk_arena::serve_origins(arena, listeners) => stopped(r),
            _ = tokio::signal::ctrl_c() => crate::exit::OK,
        }
    })
}

fn stopped(result: std::io::Result<()>) -> i32 {
    match result {
        Ok(()) => crate::exit::OK,
        Err(e) => crate::exit::failure(&format!("arena stopped: {e}")),
    }
}

/// The address first (scripts read `arena listening on URL`), then what is served.
fn print_banner(config: &ArenaConfig, urls: &[String]) {
    let addr = urls[0].trim_start_matches("http://");
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
    if let Some(n) = config.overload_limit {
        let _ = writeln!(out, "  overload mode: 503 above {n} requests at once");
    }
    if urls.len() > 1 {
        let _ = writeln!(
            out,
            "  {} origins (pages link across them): {}",
            urls.len(),
            urls.join(" ")
        );
    }
    let _ = out.flush();
}
