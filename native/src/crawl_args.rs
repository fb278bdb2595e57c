//! `silk crawl`'s flags, and how they become a [`CrawlSpec`]: start from `--spec FILE` (or
//! the defaults), then let every flag given on the command line override its key. The
//! playground exports the same JSON, so a crawl designed there runs here unchanged.

use crate::duration::{parse_duration, parse_size};
use crate::output::Format;
use clap::Args;
use silk::{CrawlSpec, FieldSpec, Scope, SpecError};
use std::path::PathBuf;

/// A depth limit, or none (`unlimited`).
#[derive(Debug, Clone, Copy)]
pub struct Depth(pub Option<u32>);

fn parse_depth(text: &str) -> Result<Depth, String> {
    match text {
        "unlimited" | "none" | "inf" => Ok(Depth(None)),
        n => n
            .parse()
            .map(|d| Depth(Some(d)))
            .map_err(|_| format!("`{n}` is not a depth: give a whole number or `unlimited`")),
    }
}

#[derive(Debug, Args)]
pub struct CrawlArgs {
    /// Start URLs (absolute http or https).
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,

    /// A JSON crawl spec (as exported by the playground); flags override its keys.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,

    /// Requests in flight across all hosts [default: 16].
    #[arg(short = 'c', long, value_name = "N")]
    pub concurrency: Option<u32>,

    /// Requests in flight per host [default: 8].
    #[arg(long, value_name = "N")]
    pub per_host: Option<u32>,

    /// Minimum time between requests to one host, e.g. 500ms or 2s [default: 0].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub delay: Option<std::time::Duration>,

    /// Randomise each delay by up to this fraction, 0 to 1 [default: 0].
    #[arg(long, value_name = "FRACTION")]
    pub jitter: Option<f64>,

    /// Maximum link depth from the start URLs (they are depth 0), or `unlimited` [default: 20].
    #[arg(short = 'd', long, value_name = "N", value_parser = parse_depth)]
    pub depth: Option<Depth>,

    /// Stop after this many pages.
    #[arg(short = 'n', long = "max-pages", value_name = "N")]
    pub max_pages: Option<u64>,

    /// Which links to follow: host (the start URLs' hosts), domain, or any [default: host].
    #[arg(long, value_name = "SCOPE")]
    pub scope: Option<Scope>,

    /// Only follow URLs matching this regex (repeatable).
    #[arg(long, value_name = "REGEX")]
    pub allow: Vec<String>,

    /// Never follow URLs matching this regex (repeatable).
    #[arg(long, value_name = "REGEX")]
    pub deny: Vec<String>,

    /// Only follow links inside elements matched by this CSS selector.
    #[arg(long, value_name = "CSS")]
    pub follow: Option<String>,

    /// Extract a field: NAME=CSS (text), NAME=CSS@attr, NAME[]=CSS (all matches). Repeatable.
    #[arg(long = "select", value_name = "NAME=CSS")]
    pub select: Vec<String>,

    /// Ignore robots.txt (it is obeyed by default).
    #[arg(long)]
    pub no_robots: bool,

    /// User-Agent header [default: silk/<version>].
    #[arg(long, value_name = "UA")]
    pub user_agent: Option<String>,

    /// Extra request header, 'Name: value' (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,

    /// Send requests through this proxy (http://, https:// or socks5://).
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,

    /// Per-request timeout [default: 30s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,

    /// Body size limit; larger bodies are cut and recorded as too_large [default: 10MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_body: Option<u64>,

    /// Retries after connect errors, timeouts, 429 and 5xx [default: 2].
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,

    /// Write records here: .jsonl, .csv, or .sqlite/.sqlite3/.db (tables crawls, records,
    /// items; a second crawl into the file is added as a new crawl). FILE:FORMAT or --format
    /// names the format; another name gets JSONL. `-` or omitted: stdout (JSONL or CSV).
    #[arg(short = 'o', long, value_name = "PATH", allow_hyphen_values = true)]
    pub out: Option<PathBuf>,

    /// Output format: jsonl, csv or sqlite [default: from -o's name, else jsonl].
    #[arg(long, value_name = "FORMAT", value_parser = Format::from_name)]
    pub format: Option<Format>,

    /// Keep the whole crawl (spec, frontier, seen-set, robots, records) in this SQLite file.
    /// Rerun the same command to resume after a crash or Ctrl-C; `silk export` writes the
    /// records, `silk status` shows progress.
    #[arg(long, value_name = "FILE", conflicts_with = "frontier")]
    pub state: Option<PathBuf>,

    /// Share the crawl with other `silk` processes through Redis: redis://HOST:PORT/NAME.
    /// Records go to the crawl's Redis stream (`silk export redis://HOST:PORT/NAME`) and to
    /// --out if given.
    #[arg(long, value_name = "URL")]
    pub frontier: Option<String>,

    /// With --frontier: how long a worker's URLs stay leased to it after its last
    /// heartbeat; a dead worker's URLs go back to the queue after this [default: 10s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "frontier")]
    pub lease: Option<std::time::Duration>,

    /// With --state or --frontier: discard what the state holds and start over.
    #[arg(long)]
    pub reset: bool,

    /// Write the final statistics as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub stats_json: Option<PathBuf>,

    /// Read the Sitemap: lines of each start URL's robots.txt and crawl the pages they list.
    #[arg(long)]
    pub sitemaps: bool,

    /// Read this sitemap file (XML, .xml.gz or a text list of URLs) and crawl the pages it
    /// lists (repeatable); with it, a start URL is optional.
    #[arg(long = "sitemap", value_name = "URL")]
    pub sitemap_urls: Vec<String>,

    /// No progress bar and no summary.
    #[arg(short, long)]
    pub quiet: bool,

    /// Log every request and error to stderr.
    #[arg(short, long)]
    pub verbose: bool,

    /// Adapt each host's concurrency (up to --per-host) and delay to its answers: 429 and
    /// 503 cut the host's limit at once, steady successes raise it slowly, rising latency
    /// holds or cuts it (Scrapy's AUTOTHROTTLE_ENABLED).
    #[arg(long)]
    pub autothrottle: bool,
    /// Follow the links of pages that say nofollow (robots meta or X-Robots-Tag) all the
    /// same; the records still say `nofollow`. --no-robots turns page rules off entirely.
    #[arg(long)]
    pub follow_nofollow: bool,

    /// Dedupe by <link rel="canonical">: the canonical URL joins the seen-set, and a page
    /// whose canonical URL was seen first is recorded as a duplicate, without fields.
    #[arg(long)]
    pub canonical: bool,
    /// With --state: revisit the finished crawl in the file: every page it stored is asked
    /// again with If-None-Match / If-Modified-Since (a 304 keeps the stored record), new
    /// links are followed, and the summary counts unchanged, changed, new and gone pages.
    #[arg(long, requires = "state", conflicts_with = "reset")]
    pub recrawl: bool,
    /// Keep no cookie jar: send no cookies and keep none the sites set (Scrapy's
    /// COOKIES_ENABLED = False). The jar is on by default.
    #[arg(long, conflicts_with = "cookie")]
    pub no_cookies: bool,

    /// A cookie for the start URLs' hosts, 'name=value' (repeatable): a logged-in session.
    /// Never stored (a --state file keeps its name only): a resumed crawl takes it again.
    #[arg(long = "cookie", value_name = "NAME=VALUE")]
    pub cookie: Vec<String>,

    /// Speak HTTP/1.1 only: no HTTP/2, which is otherwise used when an https server offers it.
    #[arg(long)]
    pub http1_only: bool,
}

impl CrawlArgs {
    /// The spec this command line describes.
    pub fn to_spec(&self) -> Result<CrawlSpec, SpecError> {
        let mut spec = match &self.spec {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    SpecError::new(format!("cannot read spec file {}: {e}", path.display()))
                })?;
                CrawlSpec::from_json(&text)
                    .map_err(|e| SpecError::new(format!("{}: {}", path.display(), e.message)))?
            }
            None => CrawlSpec::default(),
        };
        if !self.urls.is_empty() {
            spec.seeds = self.urls.clone();
        }
        macro_rules! set {
            ($field:ident, $value:expr) => {
                if let Some(v) = $value {
                    spec.$field = v;
                }
            };
        }
        set!(concurrency, self.concurrency);
        set!(per_host, self.per_host);
        set!(delay_ms, self.delay.map(|d| d.as_millis() as u64));
        set!(jitter, self.jitter);
        set!(scope, self.scope);
        set!(user_agent, self.user_agent.clone());
        set!(timeout_ms, self.timeout.map(|d| d.as_millis() as u64));
        set!(max_body_bytes, self.max_body);
        set!(retries, self.retries);
        if let Some(Depth(d)) = self.depth {
            spec.max_depth = d;
        }
        if self.max_pages.is_some() {
            spec.max_pages = self.max_pages;
        }
        if self.follow.is_some() {
            spec.follow = self.follow.clone();
        }
        if self.proxy.is_some() {
            spec.proxy = self.proxy.clone();
        }
        if self.no_robots {
            spec.robots = false;
        }
        if self.autothrottle {
            spec.autothrottle = true;
        }
        spec.follow_nofollow |= self.follow_nofollow;
        spec.canonical |= self.canonical;
        spec.allow.extend(self.allow.iter().cloned());
        spec.deny.extend(self.deny.iter().cloned());
        for h in &self.headers {
            let Some((name, value)) = h.split_once(':') else {
                return Err(SpecError::new(format!(
                    "header `{h}` has no `:`: write -H 'Name: value'"
                )));
            };
            spec.headers
                .push((name.trim().to_string(), value.trim().to_string()));
        }
        for s in &self.select {
            spec.fields.push(FieldSpec::parse_cli(s)?);
        }
        spec.sitemaps |= self.sitemaps;
        spec.sitemap_urls.extend(self.sitemap_urls.iter().cloned());
        if self.no_cookies {
            spec.cookies = false;
        }
        spec.start_cookies.extend(self.cookie.iter().cloned());
        if self.http1_only {
            spec.http1_only = true;
        }
        Ok(spec)
    }
}
