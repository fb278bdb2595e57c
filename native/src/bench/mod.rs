//! `silk bench`: the reproducible benchmark of issue 4. For each regime it starts `silk
//! arena` in its own process (this same binary), runs `silk crawl` against it as a child
//! process several times, and prints per run and as medians: pages (records in the JSONL),
//! duplicate fetches (the arena's counter), wall seconds, pages/s, efficiency against the
//! ideal `C / latency`, crawler CPU-seconds per 1000 pages and peak RSS (both from the
//! crawler child's `rusage`, so the arena and the harness are not counted).
//!
//! Two processes, not two runtimes in one process, because the crawler's CPU time and memory
//! must be its own, exactly as a user's `silk crawl` would use them.

mod child;
mod http;

use crate::exit;
use child::{ArenaProcess, Usage};
use clap::{Args, ValueEnum};
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Which {
    /// 2000 pages, 50 ms per response, 15 KB pages: how close to C / latency.
    Latency,
    /// 10000 pages, no added latency, 30 KB pages: CPU-seconds per 1000 pages, peak RSS.
    Cpu,
    /// Both, latency first.
    All,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Targets (issue 4): latency efficiency >= 0.95 with every page fetched exactly once; \
cpu <= 0.20 CPU-seconds per 1000 pages and <= 50 MB peak RSS. Example: silk bench all --runs 5"
)]
pub struct BenchArgs {
    /// Which regime to run.
    #[arg(value_enum)]
    pub regime: Which,
    /// Runs per regime; medians are reported [default: 3, or 1 with --small].
    #[arg(long, value_name = "N")]
    pub runs: Option<usize>,
    /// Product pages in the arena [default: 2000 latency, 10000 cpu; 200 with --small].
    #[arg(long, value_name = "N")]
    pub pages: Option<usize>,
    /// Requests in flight, globally and per host (the site is one host).
    #[arg(short = 'c', long, value_name = "N", default_value_t = 32)]
    pub concurrency: u32,
    /// Override the regime's added latency per response.
    #[arg(long, value_name = "MS")]
    pub latency_ms: Option<u64>,
    /// Override the regime's page size.
    #[arg(long, value_name = "KB")]
    pub body_kb: Option<usize>,
    /// A quick setting that only proves the command works (CI): 200 pages, one run.
    #[arg(long)]
    pub small: bool,
    /// Run every crawl with `--state` (a fresh SQLite file per run), to measure what a
    /// crash-safe crawl costs against the in-memory one.
    #[arg(long)]
    pub state: bool,
    /// Keep the JSONL files of the runs (their paths are printed).
    #[arg(long)]
    pub keep: bool,
}

/// One regime's settings.
#[derive(Debug, Clone, Copy)]
struct Regime {
    name: &'static str,
    pages: usize,
    latency_ms: u64,
    body_kb: usize,
}

/// What one run measured.
#[derive(Debug, Clone, Default)]
struct Run {
    records: u64,
    fetched: u64,
    robots_skipped: u64,
    duplicates: u64,
    missing: usize,
    expected: usize,
    redirects: u64,
    dead: u64,
    usage: Usage,
    arena_cpu: Option<Duration>,
}

impl Run {
    fn wall(&self) -> f64 {
        self.usage.wall.as_secs_f64()
    }
    fn pages_per_sec(&self) -> f64 {
        self.records as f64 / self.wall().max(1e-9)
    }
    fn cpu_per_1000(&self) -> Option<f64> {
        self.usage
            .cpu
            .map(|c| c.as_secs_f64() * 1000.0 / (self.records.max(1) as f64))
    }
    fn rss_mb(&self) -> Option<f64> {
        self.usage.max_rss.map(|b| b as f64 / 1e6)
    }
}

pub fn run(args: BenchArgs) -> i32 {
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => return exit::failure(&format!("cannot find the silk binary to run: {e}")),
    };
    let runs = args.runs.unwrap_or(if args.small { 1 } else { 3 }).max(1);
    if cfg!(debug_assertions) {
        println!("note: this silk is a debug build; figures from `cargo build --release` are the ones to quote");
    }
    let regimes: &[&str] = match args.regime {
        Which::Latency => &["latency"],
        Which::Cpu => &["cpu"],
        Which::All => &["latency", "cpu"],
    };
    let mut verdicts = Vec::new();
    for &name in regimes {
        let mut regime = match name {
            "latency" => Regime {
                name,
                pages: 2000,
                latency_ms: 50,
                body_kb: 15,
            },
            _ => Regime {
                name,
                pages: 10_000,
                latency_ms: 0,
                body_kb: 30,
            },
        };
        if args.small {
            regime.pages = 200;
        }
        regime.pages = args.pages.unwrap_or(regime.pages);
        regime.latency_ms = args.latency_ms.unwrap_or(regime.latency_ms);
        regime.body_kb = args.body_kb.unwrap_or(regime.body_kb);
        match bench_regime(&exe, regime, runs, &args) {
            Ok(verdict) => verdicts.push(verdict),
            Err(e) => return exit::failure(&format!("{} regime: {e}", regime.name)),
        }
    }
    println!();
    for v in verdicts {
        println!("{v}");
    }
    exit::OK
}

fn bench_regime(
    exe: &Path,
    regime: Regime,
    runs: usize,
    args: &BenchArgs,
) -> Result<String, String> {
    let c = args.concurrency;
    println!(
        "== silk bench {}: {} pages, {} ms latency, {} KB pages, C = {c}, {runs} run(s){}",
        regime.name,
        regime.pages,
        regime.latency_ms,
        regime.body_kb,
        if args.state {
            ", with --state (SQLite)"
        } else {
            ""
        }
    );
    let arena = ArenaProcess::start(exe, regime.pages, regime.latency_ms, regime.body_kb)
        .map_err(|e| format!("cannot start the arena: {e}"))?;
    let base = format!("http://{}", arena.addr);
    println!("arena: {base}/ (pid {}, its own process)", arena.pid());
    let probe_ms = probe_latency(&arena.addr)?;
    println!(
        "arena response time, one request at a time: {probe_ms:.1} ms (median of 7, {} ms added)",
        regime.latency_ms
    );
    let expected: HashSet<String> = match control(&arena.addr, "/__pages")? {
        Value::Array(paths) => paths
            .into_iter()
            .filter_map(|p| p.as_str().map(String::from))
            .collect(),
        other => return Err(format!("unexpected /__pages answer: {other}")),
    };

    let mut results = Vec::new();
    for i in 1..=runs {
        control(&arena.addr, "/__reset")?;
        let out = std::env::temp_dir().join(format!(
            "silk-bench-{}-{}-{i}.jsonl",
            std::process::id(),
            regime.name
        ));
        let db = out.with_extension("db");
        remove_state(&db);
        let mut crawl_args: Vec<String> = [
            "crawl",
            &format!("{base}/"),
            "-c",
            &c.to_string(),
            "--per-host",
            &c.to_string(),
            "--select",
            "title=title",
            "--select",
            "h1=h1",
            "-o",
            &out.to_string_lossy(),
            "--quiet",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if args.state {
            crawl_args.extend(["--state".to_string(), db.to_string_lossy().into_owned()]);
        }
        let arena_before = child::process_cpu(arena.pid());
        let usage = child::run_measured(exe, &crawl_args)
            .map_err(|e| format!("cannot run silk crawl: {e}"))?;
        let arena_cpu = match (arena_before, child::process_cpu(arena.pid())) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a)),
            _ => None,
        };
        if usage.exit_code != Some(0) {
            return Err(format!("silk crawl exited with {:?}", usage.exit_code));
        }
        let stats = control(&arena.addr, "/__stats")?;
        let run = measure(&out, &expected, &stats, usage, arena_cpu)?;
        if args.keep {
            println!("  records of run {i}: {}", out.display());
        } else {
            let _ = std::fs::remove_file(&out);
        }
        remove_state(&db);
        print_run(i, &run, regime, c);
        results.push(run);
    }
    let shape = &results[0];
    let per_100 = |n: u64| n as f64 * 100.0 / regime.pages as f64;
    println!(
        "site shape (arena --no-faults, 10 links per page): per 100 pages {:.1} redirect(s), {:.1} dead link(s), \
         {:.1} robots-disallowed link(s)",
        per_100(shape.redirects),
        per_100(shape.dead),
        per_100(shape.robots_skipped)
    );
    Ok(summarize(&results, regime, c, probe_ms))
}

/// Removes a `--state` database and its WAL files.
fn remove_state(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
}

/// Sequential GETs of product pages: what one response costs with nothing else going on.
fn probe_latency(addr: &str) -> Result<f64, String> {
    let mut times: Vec<f64> = (0..7)
        .map(|k| {
            let t = Instant::now();
            http::get(addr, &format!("/p/{k}"))
                .map(|_| t.elapsed().as_secs_f64() * 1000.0)
                .map_err(|e| format!("cannot reach the arena: {e}"))
        })
        .collect::<Result<_, _>>()?;
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// GETs one of the arena's JSON control endpoints.
fn control(addr: &str, path: &str) -> Result<Value, String> {
    let (status, body) = http::get(addr, path).map_err(|e| format!("arena {path}: {e}"))?;
    if status != 200 {
        return Err(format!("arena {path} answered {status}"));
    }
    serde_json::from_slice(&body).map_err(|e| format!("arena {path} is not JSON: {e}"))
}

/// Reads a run's JSONL and the arena's counters.
fn measure(
    out: &PathBuf,
    expected: &HashSet<String>,
    stats: &Value,
    usage: Usage,
    arena_cpu: Option<Duration>,
) -> Result<Run, String> {
    let text =
        std::fs::read_to_string(out).map_err(|e| format!("cannot read {}: {e}", out.display()))?;
    let mut run = Run {
        usage,
        arena_cpu,
        expected: expected.len(),
        ..Run::default()
    };
    let mut recorded = HashSet::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let record: Value =
            serde_json::from_str(line).map_err(|e| format!("bad JSONL line: {e}"))?;
        run.records += 1;
        if !record["status"].is_null() {
            run.fetched += 1;
            // A page first reached through a redirect is recorded as the redirect's final
            // URL, and not again when linked directly (that would be a second fetch).
            for key in ["url", "final_url"] {
                if let Some(url) = record[key].as_str() {
                    recorded.insert(path_of(url).to_string());
                }
            }
        } else if record["error"]["kind"] == "robots" {
            run.robots_skipped += 1;
        }
    }
    run.missing = expected.iter().filter(|p| !recorded.contains(*p)).count();
    run.duplicates = stats["duplicate_fetches"].as_u64().unwrap_or(0);
    run.redirects = stats["by_status"]["301"].as_u64().unwrap_or(0);
    run.dead = stats["by_status"]["404"].as_u64().unwrap_or(0);
    Ok(run)
}

/// `/p/1` of `http://127.0.0.1:1234/p/1`.
fn path_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
}

fn ideal(regime: Regime, c: u32) -> Option<f64> {
    (regime.latency_ms > 0).then(|| f64::from(c) * 1000.0 / regime.latency_ms as f64)
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "n/a".to_string(), |v| format!("{v:.digits$}"))
}

fn print_run(i: usize, run: &Run, regime: Regime, c: u32) {
    let efficiency = ideal(regime, c).map(|ideal| run.pages_per_sec() / ideal);
    println!(
        "  run {i}: {} pages ({} fetched), {} duplicate fetches, {:.3} s, {:.1} pages/s, efficiency {}, \
         {} CPU-s/1000 pages, max RSS {} MB, arena CPU {} s",
        run.records,
        run.fetched,
        run.duplicates,
        run.wall(),
        run.pages_per_sec(),
        opt(efficiency, 3),
        opt(run.cpu_per_1000(), 3),
        opt(run.rss_mb(), 1),
        opt(run.arena_cpu.map(|d| d.as_secs_f64()), 2),
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn median_of(results: &[Run], f: impl Fn(&Run) -> Option<f64>) -> Option<f64> {
    let values: Option<Vec<f64>> = results.iter().map(f).collect();
    values.map(median)
}

/// Prints the medians and returns the targets verdict line.
fn summarize(results: &[Run], regime: Regime, c: u32, probe_ms: f64) -> String {
    let pages = median_of(results, |r| Some(r.records as f64)).unwrap_or(0.0);
    let fetched = median_of(results, |r| Some(r.fetched as f64)).unwrap_or(0.0);
    let duplicates = results.iter().map(|r| r.duplicates).max().unwrap_or(0);
    let missing = results.iter().map(|r| r.missing).max().unwrap_or(0);
    let wall = median_of(results, |r| Some(r.wall())).unwrap_or(0.0);
    let pps = median_of(results, |r| Some(r.pages_per_sec())).unwrap_or(0.0);
    let cpu = median_of(results, Run::cpu_per_1000);
    let rss = median_of(results, Run::rss_mb);
    let arena_cpu = median_of(results, |r| r.arena_cpu.map(|d| d.as_secs_f64()));
    println!(
        "median of {} run(s), {} regime:",
        results.len(),
        regime.name
    );
    println!("  pages fetched:        {pages:.0} (records in the JSONL; {fetched:.0} with an HTTP status)");
    println!("  duplicate fetches:    {duplicates}");
    println!(
        "  expected pages:       {} of {} recorded",
        results[0].expected - missing,
        results[0].expected
    );
    println!("  wall seconds:         {wall:.3}");
    println!("  pages/s:              {pps:.1}");
    let efficiency = ideal(regime, c).map(|ideal| pps / ideal);
    match ideal(regime, c) {
        Some(ideal) => {
            println!(
                "  efficiency:           {:.3} of the ideal {ideal:.0} pages/s (C / latency = {c} / {} ms)",
                pps / ideal,
                regime.latency_ms
            );
            let measured = f64::from(c) * 1000.0 / probe_ms;
            println!(
                "                        {:.3} of {measured:.0} pages/s, the ideal at the arena's measured {probe_ms:.1} ms",
                pps / measured
            );
        }
        None => {
            println!("  efficiency:           n/a (no added latency: the CPU regime measures cost)")
        }
    }
    println!(
        "  CPU-s per 1000 pages: {} (crawler process, user + sys)",
        opt(cpu, 3)
    );
    println!(
        "  max RSS:              {} MB (crawler process)",
        opt(rss, 1)
    );
    println!(
        "  arena CPU seconds:    {} (its own process, for reference)",
        opt(arena_cpu, 2)
    );

    let once = duplicates == 0 && missing == 0;
    let yes = |ok: bool| if ok { "met" } else { "NOT met" };
    if regime.latency_ms > 0 {
        let eff = efficiency.unwrap_or(0.0);
        format!(
            "targets, latency regime: efficiency >= 0.95: {} ({eff:.3}); every page exactly once: {} ({duplicates} duplicates, {missing} expected pages missing)",
            yes(eff >= 0.95),
            yes(once)
        )
    } else {
        let cpu_ok = cpu.is_some_and(|c| c <= 0.20);
        let rss_ok = rss.is_some_and(|r| r <= 50.0);
        format!(
            "targets, cpu regime: <= 0.20 CPU-s per 1000 pages: {} ({}); <= 50 MB max RSS: {} ({} MB); every page exactly once: {}",
            yes(cpu_ok),
            opt(cpu, 3),
            yes(rss_ok),
            opt(rss, 1),
            yes(once)
        )
    }
}
