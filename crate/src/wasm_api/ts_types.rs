//! The TypeScript types of the JS API's plain objects (specs, options, records, events,
//! stats, selector tests), for the generated `.d.ts`; the handler's types sit with its
//! adapter in [`super::page_handler`]. Keep them in step with the Rust types they describe
//! (`CrawlSpec`, `Record::to_json`, `Stats`, `Event::to_json`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** One field extracted from every HTML page. */
export interface FieldSpec {
  name: string;
  /** A CSS selector. */
  selector: string;
  /** Take this attribute instead of the text content. */
  attr?: string | null;
  /** Every match as an array, instead of the first one. */
  all?: boolean;
}

/** A crawl, as `silk crawl --spec` reads it. Every key except `seeds` is optional. */
export interface CrawlSpec {
  seeds: string[];
  scope?: "host" | "domain" | "any";
  /** Only follow URLs matching one of these regexes (if any). */
  allow?: string[];
  /** Never follow URLs matching any of these regexes. */
  deny?: string[];
  /** Only follow links matched by this CSS selector (default: every `a[href]`). */
  follow?: string | null;
  max_depth?: number | null;
  max_pages?: number | null;
  /** Requests in flight across all hosts (Scrapy's CONCURRENT_REQUESTS). */
  concurrency?: number;
  /** Requests in flight per host (CONCURRENT_REQUESTS_PER_DOMAIN). */
  per_host?: number;
  /** Minimum milliseconds between request starts to one host (DOWNLOAD_DELAY). */
  delay_ms?: number;
  jitter?: number;
  robots?: boolean;
  /** Browsers do not send it; kept for specs shared with the native `silk`. */
  user_agent?: string;
  /** Extra request headers as [name, value] pairs (the browser drops forbidden ones). */
  headers?: [string, string][];
  /** Native only: a spec with a proxy is refused in the browser. */
  proxy?: string | null;
  timeout_ms?: number;
  max_body_bytes?: number;
  retries?: number;
  max_redirects?: number;
  /** Starts without a record (crash, kill, lost lease) before a URL is recorded as `too_many_attempts`; counted by native stores. */
  max_attempts?: number;
  fields?: FieldSpec[];
  /**
   * JavaScript source of a page handler, carried so that an exported spec keeps its code.
   * `new Crawl` does NOT run it (no eval: the library stays CSP-friendly); the playground
   * compiles it and passes the function to `crawl.onPage`.
   */
  code?: string | null;
  /** AutoThrottle: adapt each host's limit (up to `per_host`) and delay to its answers. */
  autothrottle?: boolean;
  /** Follow the links of pages that say nofollow (robots meta, X-Robots-Tag) all the same. */
  follow_nofollow?: boolean;
  /** Dedupe by `<link rel="canonical">` (see the README for the exact rule). */
  canonical?: boolean;
  /** Read the `Sitemap:` lines of each start URL's robots.txt and queue what they list (needs `robots`). */
  sitemaps?: boolean;
  /** Sitemap files to read (XML, gzip or text); with these, `seeds` may be empty. */
  sitemap_urls?: string[];
  /** URLs read from one sitemap file at most (1 to 50000, the default). */
  sitemap_max_urls?: number;
  /** Native only: keep a cookie jar (on by default); in the browser the page's own cookie rules apply. */
  cookies?: boolean;
  /** Native only (`--cookie`): `name=value` cookies for the start URLs' hosts; refused in the browser. */
  start_cookies?: string[];
  /** Browser only: `fetch()`'s credentials mode [default: "omit"]. */
  credentials?: "omit" | "same-origin" | "include";
  /** Native only: HTTP/1.1 only, no HTTP/2; the browser picks its own protocol. */
  http1_only?: boolean;
}

/** Options of `new Crawl(spec, options)`. */
export interface CrawlOptions {
  /** Fetch through `silk serve --relay`, for sites that send no CORS headers. */
  relay?: { endpoint: string; token: string } | null;
}

export type ErrorKind =
  | "dns" | "connect" | "timeout" | "tls" | "http" | "too_large" | "cors" | "mixed_content"
  | "aborted" | "redirect_loop" | "too_many_redirects" | "robots" | "invalid_url" | "handler"
  | "too_many_attempts" | "invalid_sitemap" | "other";

/** One URL attempted. The spec's fields sit beside the standard columns. */
export interface CrawlRecord {
  url: string;
  final_url: string | null;
  status: number | null;
  depth: number;
  referer: string | null;
  bytes: number;
  elapsed_ms: number;
  /** Kind "handler": the `onPage` handler threw, rejected or returned a wrong shape. */
  error?: { kind: ErrorKind; message: string };
  /** What the `onPage` handler yielded on this page (present only when non-empty). */
  items?: unknown[];
  /** Which extraction budgets the page reached (present only then), e.g. "more than 10000 links or 4 MiB of links: 52113 dropped". */
  cut?: string;
  /** The page said noindex (robots meta or X-Robots-Tag): its fields are null, no handler ran. */
  noindex?: true;
  /** The page said nofollow: its links were not followed unless `follow_nofollow`. */
  nofollow?: true;
  /** With `canonical`: the page's in-scope canonical URL, when not its own. */
  canonical?: string;
  /** With `canonical`: the canonical URL was seen first, so this page's fields are null. */
  duplicate?: true;
  /** The record of a sitemap file (present only then). */
  sitemap?: true;
  /** The `<lastmod>` a sitemap gave for this page (present only then). */
  lastmod?: string;
  /** The HTTP version of the response, e.g. "HTTP/2" (native only: the browser does not say). */
  protocol?: string;
  /** Field values: a string, an array of strings (`all`), or null when nothing matched. */
  [field: string]: unknown;
}

export interface CrawlCounters {
  done: number;
  queued: number;
  in_flight: number;
  errors: number;
  bytes: number;
  elapsed_ms: number;
  /** With `autothrottle`: each busy host's current limit and delay (the 20 busiest). */
  host_limits?: { host: string; limit: number; delay_ms: number }[];
}

export interface CrawlStats {
  pages: number;
  errors: number;
  bytes: number;
  elapsed_ms: number;
  pages_per_sec: number;
  /** Records per HTTP status, e.g. { "200": 57, "404": 3 }. */
  status_counts: Record<string, number>;
  /** Records per error kind. */
  error_kinds: Record<string, number>;
  requests: number;
  retries: number;
  links_filtered: number;
  /** Links dropped by the extraction budget (over 8 KiB, or past 10,000 per page). */
  links_dropped: number;
  /** Items yielded by the `onPage` handler. */
  items: number;
  queued_remaining: number;
  cancelled: boolean;
  /** Why a native state store stopped the crawl; always null in the browser. */
  store_error: string | null;
  /** With `autothrottle`: per host (the 20 busiest), its final and lowest limit, cuts, final delay. */
  host_limits?: { host: string; limit: number; min_limit: number; cuts: number; final_delay_ms: number }[];
  /** Links not followed because their page said nofollow. */
  links_nofollow: number;
  /** Pages recorded as canonical duplicates (with `canonical`). */
  canonical_duplicates: number;
}

/** Everything a crawl reports, in order; `finished` is always last. */
export type CrawlEvent =
  | { type: "request"; url: string; depth: number; slot: number; started_ms: number }
  /** An item the `onPage` handler yielded on page `url`, sent just before that page's record. */
  | { type: "item"; item: unknown; url: string }
  | { type: "record"; record: CrawlRecord; slot: number; started_ms: number }
  | { type: "progress"; counters: CrawlCounters }
  | { type: "finished"; stats: CrawlStats };

export interface SelectorMatch {
  /** Text content, whitespace collapsed. */
  text: string;
  outer_html: string;
  /** Position of the start tag in the given HTML (JS string indices), or null if unknown. */
  start: number | null;
  end: number | null;
}

export type SelectorTest =
  | { ok: true; matches: SelectorMatch[] }
  | { ok: false; error: string };
"#;
