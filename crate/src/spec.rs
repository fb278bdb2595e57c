//! The crawl spec: one serialisable description of a crawl. `silk crawl` builds one from its
//! flags (or reads one with `--spec`), the playground edits one and exports it, and the engine
//! runs a [`CompiledSpec`] — the same spec with its URLs parsed and its regexes and selectors
//! compiled, so that every bad input is rejected up front with a message saying what is wrong
//! and where.
//!
//! Setting names follow Scrapy's where one exists (`CONCURRENT_REQUESTS` is `concurrency`,
//! `CONCURRENT_REQUESTS_PER_DOMAIN` is `per_host`, `DOWNLOAD_DELAY` is `delay_ms`).

use crate::events::RECORD_COLUMNS;
use regex_lite::Regex;
use scraper::Selector;
use serde::{Deserialize, Serialize};
use std::fmt;
use url::Url;

/// The default User-Agent: honest, with the version.
pub const DEFAULT_USER_AGENT: &str = concat!("silk/", env!("CARGO_PKG_VERSION"));

/// The default depth limit: deep enough for real sites, shallow enough that a crawler trap
/// (an endless calendar) ends by itself.
pub const DEFAULT_MAX_DEPTH: u32 = 20;

/// Which links count as inside the crawl.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Only the hosts of the start URLs (the default).
    #[default]
    Host,
    /// The start URLs' registrable domains (approximated as the last two labels, or three
    /// for well-known two-part suffixes such as `co.uk`), subdomains included.
    Domain,
    /// Any http(s) URL.
    Any,
}

impl std::str::FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "host" => Ok(Scope::Host),
            "domain" => Ok(Scope::Domain),
            "any" => Ok(Scope::Any),
            other => Err(format!(
                "unknown scope `{other}`: use one of host, domain, any"
            )),
        }
    }
}

/// The browser's `fetch()` credentials mode (`RequestInit.credentials`): whether the page's
/// own cookies for the crawled site are sent and stored. The native crawler ignores it (it
/// keeps its own jar, see [`CrawlSpec::cookies`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Credentials {
    /// No cookies either way (the default: a crawl is anonymous unless asked).
    #[default]
    Omit,
    /// The browser's cookies for the page's own origin only.
    SameOrigin,
    /// The browser's cookies for any site (a cross-origin site must answer with
    /// `Access-Control-Allow-Credentials: true` and its own origin, not `*`).
    Include,
}

/// At most this many `start_cookies`.
pub const MAX_START_COOKIES: usize = 50;

/// One field to extract from every HTML page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub name: String,
    /// A CSS selector.
    pub selector: String,
    /// Take this attribute instead of the text content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attr: Option<String>,
    /// Every match as an array, instead of the first one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
}

impl FieldSpec {
    /// Parses the command-line form: `NAME=CSS`, `NAME=CSS@attr`, `NAME[]=CSS` (all matches).
    pub fn parse_cli(text: &str) -> Result<FieldSpec, SpecError> {
        let Some((name, rest)) = text.split_once('=') else {
            return Err(SpecError::new(format!(
                "field `{text}` has no `=`: write NAME=CSS, NAME=CSS@attr or NAME[]=CSS (e.g. title=h1)"
            )));
        };
        let (name, all) = match name.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (name, false),
        };
        let (selector, attr) = match rest.rsplit_once('@') {
            Some((sel, attr)) if is_attr_name(attr) => (sel, Some(attr.to_string())),
            _ => (rest, None),
        };
        Ok(FieldSpec {
            name: name.trim().to_string(),
            selector: selector.trim().to_string(),
            attr,
            all,
        })
    }
}

fn is_attr_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
}

/// A whole crawl, as JSON. Every key is optional except `seeds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CrawlSpec {
    /// Start URLs.
    pub seeds: Vec<String>,
    pub scope: Scope,
    /// Only follow URLs matching at least one of these regexes (if any are given).
    pub allow: Vec<String>,
    /// Never follow URLs matching any of these regexes.
    pub deny: Vec<String>,
    /// Only follow links matched by this CSS selector (default: every `a[href]`).
    pub follow: Option<String>,
    /// Start URLs are depth 0; links found on a depth-d page are depth d+1. The default,
    /// 20 hops (Heritrix's), bounds crawler traps such as endless calendars; `null` means
    /// unlimited.
    pub max_depth: Option<u32>,
    /// Stop after this many records.
    pub max_pages: Option<u64>,
    /// Requests in flight across all hosts (Scrapy's CONCURRENT_REQUESTS).
    pub concurrency: u32,
    /// Requests in flight per host (CONCURRENT_REQUESTS_PER_DOMAIN).
    pub per_host: u32,
    /// Minimum time between request starts to one host (DOWNLOAD_DELAY), in milliseconds.
    pub delay_ms: u64,
    /// Randomise each delay by up to this fraction (0.5 means 0.5x to 1.5x).
    pub jitter: f64,
    /// Obey robots.txt (on by default).
    pub robots: bool,
    pub user_agent: String,
    /// Extra request headers, `[name, value]` pairs.
    pub headers: Vec<(String, String)>,
    /// An http(s) or socks5 proxy (native only).
    pub proxy: Option<String>,
    pub timeout_ms: u64,
    pub max_body_bytes: u64,
    /// Retries after connect errors, timeouts, 429 and 5xx.
    pub retries: u32,
    pub max_redirects: u32,
    /// How many times a URL may be started without ever getting a record (a crash, a kill,
    /// a lost lease each time) before it is recorded as `too_many_attempts` instead of being
    /// tried again. Counted by stores that outlive a run (`--state`, `--frontier`); 0 means
    /// no limit.
    pub max_attempts: u32,
    pub fields: Vec<FieldSpec>,
    /// A JavaScript page handler, as the playground's Code panel writes it: carried with the
    /// spec so that an exported crawl keeps its code. Only the browser runs it (the
    /// playground, or an embedding page that passes it to `onPage`); `silk crawl` refuses
    /// a spec that has one rather than silently crawl without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// AutoThrottle: adapt each host's limit (up to `per_host`) and delay to its answers
    /// (429/503 cut at once, steady successes raise slowly, rising latency holds or cuts);
    /// see [`crate::throttle`].
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub autothrottle: bool,
    /// Follow the links of pages that say `nofollow` (robots meta or `X-Robots-Tag`) all
    /// the same; off by default. `robots: false` turns page-level rules off altogether.
    pub follow_nofollow: bool,
    /// Dedupe by `<link rel="canonical">`: see [`crate::robots_meta`] and
    /// `docs/robots-meta.md` for the exact rule. Off by default.
    pub canonical: bool,
    /// Read the `Sitemap:` lines of each start URL's robots.txt (Scrapy's `SitemapSpider`
    /// with `sitemap_urls` pointing at robots.txt) and queue the pages they list. Needs
    /// `robots` on: robots off never reads robots.txt (name the sitemaps in `sitemap_urls`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sitemaps: bool,
    /// Sitemap files to read (Scrapy's `sitemap_urls`), XML, gzip or text. Their hosts are
    /// in the host scope like the start URLs'; with these, `seeds` may be empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sitemap_urls: Vec<String>,
    /// URLs read from one sitemap file at most (the protocol's 50,000 is the default and
    /// the largest); the rest are not read and the sitemap's record says so (`cut`).
    #[serde(skip_serializing_if = "is_default_sitemap_max_urls")]
    pub sitemap_max_urls: u32,
    /// Native only: keep a cookie jar for the crawl (RFC 6265; Scrapy's COOKIES_ENABLED), on
    /// by default: cookies the sites set are sent back to them. `--no-cookies` turns it off.
    pub cookies: bool,
    /// Native only: cookies sent to the start URLs' hosts from the first request on,
    /// `name=value` each (`--cookie`, a logged-in session). They are secrets: a stored spec
    /// keeps their names only, and the jar saved in a `--state` file never holds them.
    pub start_cookies: Vec<String>,
    /// Browser only: `fetch()`'s credentials mode (the page's own cookie rules apply).
    pub credentials: Credentials,
    /// Native only: speak HTTP/1.1 only, never HTTP/2 (which is otherwise used when an https
    /// server offers it through ALPN).
    pub http1_only: bool,
}

fn is_default_sitemap_max_urls(n: &u32) -> bool {
    *n as usize == crate::sitemap::MAX_URLS
}

impl Default for CrawlSpec {
    fn default() -> Self {
        CrawlSpec {
            seeds: Vec::new(),
            scope: Scope::Host,
            allow: Vec::new(),
            deny: Vec::new(),
            follow: None,
            max_depth: Some(DEFAULT_MAX_DEPTH),
            max_pages: None,
            concurrency: 16,
            per_host: 8,
            delay_ms: 0,
            jitter: 0.0,
            robots: true,
            user_agent: DEFAULT_USER_AGENT.to_string(),
            headers: Vec::new(),
            proxy: None,
            timeout_ms: 30_000,
            max_body_bytes: 10 * 1024 * 1024,
            retries: 2,
            max_redirects: 10,
            max_attempts: 3,
            fields: Vec::new(),
            code: None,
            autothrottle: false,
            follow_nofollow: false,
            canonical: false,
            sitemaps: false,
            sitemap_urls: Vec::new(),
            sitemap_max_urls: crate::sitemap::MAX_URLS as u32,
            cookies: true,
            start_cookies: Vec::new(),
            credentials: Credentials::Omit,
            http1_only: false,
        }
    }
}

/// A problem with the spec, worded for the person who wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub message: String,
}

impl SpecError {
    pub fn new(message: impl Into<String>) -> Self {
        SpecError {
            message: message.into(),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SpecError {}

impl CrawlSpec {
    /// Reads a JSON spec; errors name the line and column.
    pub fn from_json(text: &str) -> Result<CrawlSpec, SpecError> {
        serde_json::from_str(text).map_err(|e| {
            SpecError::new(format!(
                "spec is not valid: {} (line {}, column {})",
                strip_serde_position(&e.to_string()),
                e.line(),
                e.column()
            ))
        })
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a spec always serialises")
    }

    /// Parses URLs and compiles regexes and selectors, rejecting anything that cannot work.
    pub fn compile(&self) -> Result<CompiledSpec, SpecError> {
        if self.seeds.is_empty() && self.sitemap_urls.is_empty() {
            return Err(SpecError::new(
                "no start URL: give at least one, e.g. http://127.0.0.1:8080/",
            ));
        }
        let seeds = self
            .seeds
            .iter()
            .map(|s| parse_start_url(s))
            .collect::<Result<Vec<_>, _>>()?;
        let sitemap_urls = self.compile_sitemaps()?;
        if self.concurrency == 0 || self.concurrency > 10_000 {
            return Err(SpecError::new(format!(
                "concurrency {} is out of range: use 1 to 10000",
                self.concurrency
            )));
        }
        if self.per_host == 0 {
            return Err(SpecError::new("per_host must be at least 1"));
        }
        if !(0.0..=1.0).contains(&self.jitter) {
            return Err(SpecError::new(format!(
                "jitter {} is out of range: use a fraction from 0 to 1",
                self.jitter
            )));
        }
        if self.timeout_ms == 0 {
            return Err(SpecError::new("timeout must be more than 0 ms"));
        }
        if self.user_agent.trim().is_empty() {
            return Err(SpecError::new("user agent must not be empty"));
        }
        for (name, value) in &self.headers {
            if name.is_empty()
                || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
                || value.bytes().any(|b| b == b'\r' || b == b'\n')
            {
                return Err(SpecError::new(format!(
                    "header `{name}: {value}` is not valid: write -H 'Name: value' with a token name and a one-line value"
                )));
            }
        }
        check_start_cookies(self)?;
        let allow = compile_regexes("allow", &self.allow)?;
        let deny = compile_regexes("deny", &self.deny)?;
        let follow = match &self.follow {
            Some(css) => Some(compile_selector("follow selector", css)?),
            None => None,
        };
        let mut fields = Vec::with_capacity(self.fields.len());
        for f in &self.fields {
            if f.name.is_empty() {
                return Err(SpecError::new(format!(
                    "field with selector `{}` has no name: write NAME=CSS",
                    f.selector
                )));
            }
            if RECORD_COLUMNS.contains(&f.name.as_str())
                || crate::robots_meta::COLUMNS.contains(&f.name.as_str())
                || crate::events::EXTRA_COLUMNS.contains(&f.name.as_str())
            {
                return Err(SpecError::new(format!(
                    "field name `{}` clashes with a standard record column ({}, {}, {}): pick another name",
                    f.name,
                    RECORD_COLUMNS.join(", "),
                    crate::events::EXTRA_COLUMNS.join(", "),
                    crate::robots_meta::COLUMNS.join(", ")
                )));
            }
            if fields.iter().any(|c: &CompiledField| c.name == f.name) {
                return Err(SpecError::new(format!(
                    "field name `{}` is used twice",
                    f.name
                )));
            }
            fields.push(CompiledField {
                name: f.name.clone(),
                selector: compile_selector(
                    &format!("selector of field `{}`", f.name),
                    &f.selector,
                )?,
                attr: f.attr.clone(),
                all: f.all,
            });
        }
        Ok(CompiledSpec {
            spec: self.clone(),
            seeds,
            allow,
            deny,
            follow,
            fields,
            sitemap_urls,
        })
    }

    /// Checks the sitemap keys; the sitemap URLs parsed.
    fn compile_sitemaps(&self) -> Result<Vec<Url>, SpecError> {
        if self.sitemaps && !self.robots {
            return Err(SpecError::new(
                "sitemaps reads the Sitemap: lines of robots.txt, which robots off never fetches: \
                 turn robots on, or name the sitemap files with --sitemap URL (sitemap_urls)",
            ));
        }
        let max = crate::sitemap::MAX_URLS;
        if self.sitemap_max_urls == 0 || self.sitemap_max_urls as usize > max {
            return Err(SpecError::new(format!(
                "sitemap_max_urls {} is out of range: use 1 to {max} (the sitemap protocol's limit per file)",
                self.sitemap_max_urls
            )));
        }
        self.sitemap_urls
            .iter()
            .map(|s| {
                parse_start_url(s).map_err(|e| SpecError::new(format!("sitemap {}", e.message)))
            })
            .collect()
    }
}

/// Splits a `name=value` start cookie, or says what is wrong with it.
pub fn parse_start_cookie(text: &str) -> Result<(&str, &str), SpecError> {
    let bad = |why: &str| {
        SpecError::new(format!(
            "cookie `{}` {why}: write --cookie 'name=value', e.g. --cookie 'sid=abc123'",
            secret_free(text)
        ))
    };
    let Some((name, value)) = text.split_once('=') else {
        return Err(bad("has no `=`"));
    };
    let (name, value) = (name.trim(), value.trim());
    // RFC 6265 4.1.1: the name is a token; the value is cookie-octets, or them quoted.
    let separator = |b: u8| b"()<>@,;:\\\"/[]?={} \t".contains(&b);
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && !separator(b)) {
        return Err(bad(
            "has no valid name (letters, digits and !#$%&'*+-.^_`|~ only)",
        ));
    }
    let unquoted = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    if !unquoted
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\'))
    {
        return Err(bad(
            "has a value with a space, quote, comma, semicolon, backslash or non-ASCII byte",
        ));
    }
    Ok((name, value))
}

/// A start cookie as an error message may show it: the name only.
fn secret_free(text: &str) -> String {
    match text.split_once('=') {
        Some((name, _)) => format!("{}=...", name.trim()),
        None if text.chars().count() > 40 => {
            format!("{}...", text.chars().take(40).collect::<String>())
        }
        None => text.to_string(),
    }
}

fn check_start_cookies(spec: &CrawlSpec) -> Result<(), SpecError> {
    if spec.start_cookies.is_empty() {
        return Ok(());
    }
    if !spec.cookies {
        return Err(SpecError::new(
            "start cookies (--cookie) need the cookie jar: remove --no-cookies (`cookies: false`)",
        ));
    }
    if spec.start_cookies.len() > MAX_START_COOKIES {
        return Err(SpecError::new(format!(
            "{} start cookies (--cookie): give at most {MAX_START_COOKIES}",
            spec.start_cookies.len()
        )));
    }
    for c in &spec.start_cookies {
        parse_start_cookie(c)?;
    }
    Ok(())
}

fn strip_serde_position(msg: &str) -> &str {
    match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    }
}

/// Parses a start URL, explaining what to do when it is not an absolute http(s) URL.
pub fn parse_start_url(text: &str) -> Result<Url, SpecError> {
    let trimmed = text.trim();
    match Url::parse(trimmed) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {
            if u.host_str().is_none_or(|h| h.is_empty()) {
                Err(SpecError::new(format!("URL `{text}` has no host")))
            } else {
                Ok(u)
            }
        }
        Ok(u) => Err(SpecError::new(format!(
            "URL `{text}` has scheme `{}`: silk crawls http and https URLs only",
            u.scheme()
        ))),
        Err(url::ParseError::RelativeUrlWithoutBase) => Err(SpecError::new(format!(
            "URL `{text}` is not absolute: add the scheme, e.g. http://{trimmed}"
        ))),
        Err(e) => Err(SpecError::new(format!("URL `{text}` is not valid: {e}"))),
    }
}

fn compile_regexes(what: &str, patterns: &[String]) -> Result<Vec<Regex>, SpecError> {
    patterns
        .iter()
        .map(|p| {
            Regex::new(p).map_err(|e| {
                let column = regex_error_column(p, &e.to_string());
                SpecError::new(format!(
                    "{what} regex `{p}` is not valid: {e} at column {column}\n  {p}\n  {caret:>column$}",
                    caret = "^"
                ))
            })
        })
        .collect()
}

/// regex-lite says what is wrong but not where: the shortest prefix that already fails with
/// the same complaint ends at the offending character.
fn regex_error_column(pattern: &str, message: &str) -> usize {
    pattern
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .find(|&end| matches!(Regex::new(&pattern[..end]), Err(e) if e.to_string() == message))
        .map_or(pattern.chars().count(), |end| {
            pattern[..end].chars().count()
        })
        .max(1)
}

/// Compiles a CSS selector; on failure, says what is wrong and points at the column.
pub fn compile_selector(what: &str, css: &str) -> Result<Selector, SpecError> {
    if css.trim().is_empty() {
        return Err(SpecError::new(format!(
            "{what} is empty: give a CSS selector such as `h1` or `a.next`"
        )));
    }
    match Selector::parse(css) {
        Ok(selector) => Ok(selector),
        Err(_) => {
            let (kind, column) = locate_selector_error(css);
            Err(SpecError::new(format!(
                "{what} `{css}` is not a valid CSS selector: {} at column {column}\n  {css}\n  {caret:>column$}",
                describe_selector_error(&kind),
                caret = "^"
            )))
        }
    }
}

type SelectorErrorKind = cssparser::ParseErrorKind<selectors::parser::SelectorParseErrorKind>;

fn parse_selector_kind(css: &str) -> Option<SelectorErrorKind> {
    let mut parser = cssparser::Parser::new(css);
    selectors::parser::SelectorList::parse(
        &scraper::selector::Parser,
        &mut parser,
        selectors::parser::ParseRelative::No,
    )
    .err()
    .map(|e| e.kind)
}

/// scraper and cssparser say what is wrong but not where. The first prefix that fails for a
/// reason other than "it could still be completed" ends at the offending character.
fn locate_selector_error(css: &str) -> (SelectorErrorKind, usize) {
    use cssparser::{BasicParseErrorKind as B, ParseErrorKind as K};
    use selectors::parser::SelectorParseErrorKind as S;
    let whole = parse_selector_kind(css).unwrap_or(K::Basic(B::EndOfInput));
    for (i, c) in css.char_indices() {
        let end = i + c.len_utf8();
        match parse_selector_kind(&css[..end]) {
            None
            | Some(K::Basic(B::EndOfInput))
            | Some(K::Custom(S::DanglingCombinator))
            | Some(K::Custom(S::EmptySelector)) => {}
            Some(kind) => return (kind, css[..end].chars().count()),
        }
    }
    (whole, css.chars().count())
}

fn describe_selector_error(
    kind: &cssparser::ParseErrorKind<selectors::parser::SelectorParseErrorKind>,
) -> &'static str {
    use cssparser::{BasicParseErrorKind as B, ParseErrorKind as K};
    use selectors::parser::SelectorParseErrorKind as S;
    match kind {
        K::Basic(B::UnexpectedToken) => "unexpected character",
        K::Basic(B::EndOfInput) => "it ends too early",
        K::Basic(_) => "it cannot be parsed",
        K::Custom(S::DanglingCombinator) => "a combinator has nothing after it",
        K::Custom(S::EmptySelector) => "an empty selector (a stray comma?)",
        K::Custom(S::UnexpectedIdent) => "unexpected name",
        K::Custom(S::UnsupportedPseudoClassOrElement) => {
            "unsupported pseudo-class or pseudo-element"
        }
        K::Custom(S::ClassNeedsIdent) => "a `.` must be followed by a class name",
        K::Custom(
            S::BadValueInAttr
            | S::UnexpectedTokenInAttributeSelector
            | S::ExpectedBarInAttr
            | S::NoQualifiedNameInAttributeSelector
            | S::InvalidQualNameInAttr,
        ) => "a malformed attribute selector",
        K::Custom(S::InvalidState) => "a combinator where a selector was expected",
        K::Custom(_) => "an unsupported construct",
    }
}

/// A field ready to run.
#[derive(Debug, Clone)]
pub struct CompiledField {
    pub name: String,
    pub selector: Selector,
    pub attr: Option<String>,
    pub all: bool,
}

/// A spec whose every part has been checked and compiled.
#[derive(Debug, Clone)]
pub struct CompiledSpec {
    pub spec: CrawlSpec,
    pub seeds: Vec<Url>,
    pub allow: Vec<Regex>,
    pub deny: Vec<Regex>,
    pub follow: Option<Selector>,
    pub fields: Vec<CompiledField>,
    /// `sitemap_urls`, parsed.
    pub sitemap_urls: Vec<Url>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_with(f: impl FnOnce(&mut CrawlSpec)) -> CrawlSpec {
        let mut s = CrawlSpec {
            seeds: vec!["http://127.0.0.1:1/".into()],
            ..CrawlSpec::default()
        };
        f(&mut s);
        s
    }

    #[test]
    fn field_cli_forms() {
        let f = FieldSpec::parse_cli("title=h1").unwrap();
        assert_eq!(
            (f.name.as_str(), f.selector.as_str(), f.attr, f.all),
            ("title", "h1", None, false)
        );
        let f = FieldSpec::parse_cli("links[]=a.x@href").unwrap();
        assert_eq!(
            (
                f.name.as_str(),
                f.selector.as_str(),
                f.attr.as_deref(),
                f.all
            ),
            ("links", "a.x", Some("href"), true)
        );
        let f = FieldSpec::parse_cli("x=a[href^='mailto:x@y']").unwrap();
        assert_eq!(f.selector, "a[href^='mailto:x@y']");
        assert!(FieldSpec::parse_cli("nothing")
            .unwrap_err()
            .message
            .contains("NAME=CSS"));
    }

    #[test]
    fn bad_selector_names_its_column() {
        let err = spec_with(|s| s.fields.push(FieldSpec::parse_cli("t=div > > p").unwrap()))
            .compile()
            .unwrap_err();
        assert!(
            err.message
                .contains("a combinator has nothing after it at column 9"),
            "{}",
            err.message
        );
        let err = spec_with(|s| s.fields.push(FieldSpec::parse_cli("t=div..x").unwrap()))
            .compile()
            .unwrap_err();
        assert!(
            err.message.contains("class name at column 5"),
            "{}",
            err.message
        );
        let err = spec_with(|s| s.follow = Some("a[=x]".into()))
            .compile()
            .unwrap_err();
        assert!(
            err.message.contains("follow selector `a[=x]`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn bad_regex_shows_the_pattern() {
        let err = spec_with(|s| s.deny.push("/(a".into()))
            .compile()
            .unwrap_err();
        assert!(err.message.contains("deny regex `/(a`"), "{}", err.message);
        assert!(err.message.contains("at column 2"), "{}", err.message);
        let err = spec_with(|s| s.allow.push("/p/[z-a]".into()))
            .compile()
            .unwrap_err();
        assert!(err.message.contains("column"), "{}", err.message);
    }

    #[test]
    fn bad_urls_say_how_to_fix() {
        let e = parse_start_url("example.com/x").unwrap_err();
        assert!(e.message.contains("http://example.com/x"), "{}", e.message);
        let e = parse_start_url("ftp://example.com/").unwrap_err();
        assert!(e.message.contains("scheme `ftp`"), "{}", e.message);
        assert!(parse_start_url("http://[::1").is_err());
    }

    #[test]
    fn json_errors_have_line_and_column() {
        let e = CrawlSpec::from_json("{\n  \"seeds\": [\"http://a/\"],\n  \"concurency\": 3\n}")
            .unwrap_err();
        assert!(e.message.contains("line 3"), "{}", e.message);
        assert!(e.message.contains("concurency"), "{}", e.message);
    }

    #[test]
    fn field_names_may_not_clash() {
        let e = spec_with(|s| s.fields.push(FieldSpec::parse_cli("status=h1").unwrap()))
            .compile()
            .unwrap_err();
        assert!(e.message.contains("clashes"), "{}", e.message);
        let e = spec_with(|s| {
            s.fields
                .push(FieldSpec::parse_cli("canonical=link@href").unwrap())
        })
        .compile()
        .unwrap_err();
        assert!(e.message.contains("clashes"), "{}", e.message);
        assert!(e.message.contains("duplicate"), "{}", e.message);
    }

    #[test]
    fn sitemap_keys_are_checked() {
        let ok = spec_with(|s| {
            s.seeds.clear();
            s.sitemap_urls = vec!["http://127.0.0.1:1/sitemap.xml".into()];
        })
        .compile()
        .unwrap();
        assert_eq!(ok.sitemap_urls[0].path(), "/sitemap.xml");
        let e = spec_with(|s| s.sitemap_urls = vec!["sitemap.xml".into()])
            .compile()
            .unwrap_err();
        assert!(
            e.message.starts_with("sitemap URL `sitemap.xml`"),
            "{}",
            e.message
        );
        let e = spec_with(|s| {
            s.sitemaps = true;
            s.robots = false;
        })
        .compile()
        .unwrap_err();
        assert!(e.message.contains("--sitemap URL"), "{}", e.message);
        let e = spec_with(|s| s.sitemap_max_urls = 50_001)
            .compile()
            .unwrap_err();
        assert!(e.message.contains("1 to 50000"), "{}", e.message);
        // Off by default, and then not written: exported specs stay as they were.
        let json = spec_with(|_| {}).to_json_pretty();
        assert!(!json.contains("sitemap"), "{json}");
        let on = spec_with(|s| {
            s.sitemaps = true;
            s.sitemap_max_urls = 10;
        });
        assert_eq!(CrawlSpec::from_json(&on.to_json_pretty()).unwrap(), on);
    }

    #[test]
    fn start_cookies_are_checked_without_showing_their_values() {
        assert_eq!(parse_start_cookie("sid=abc123"), Ok(("sid", "abc123")));
        assert_eq!(parse_start_cookie(" a = \"b c\" ").ok(), None);
        assert_eq!(
            parse_start_cookie("t=\"quoted\"").ok(),
            Some(("t", "\"quoted\""))
        );
        for (bad, why) in [
            ("novalue", "has no `=`"),
            ("=Hunter2", "no valid name"),
            ("s id=Hunter2", "no valid name"),
            ("sid=Hunter2;x", "semicolon"),
            ("sid=Hunter2\r\nX: y", "semicolon"),
        ] {
            let e = spec_with(|s| s.start_cookies = vec![bad.into()])
                .compile()
                .unwrap_err();
            assert!(e.message.contains(why), "{bad:?}: {}", e.message);
            assert!(e.message.contains("--cookie 'name=value'"), "{}", e.message);
            assert!(!e.message.contains("Hunter2"), "{}", e.message);
        }
        let e = spec_with(|s| {
            s.start_cookies = vec!["sid=1".into()];
            s.cookies = false;
        })
        .compile()
        .unwrap_err();
        assert!(e.message.contains("--no-cookies"), "{}", e.message);
        let e = spec_with(|s| s.start_cookies = vec!["a=1".into(); MAX_START_COOKIES + 1])
            .compile()
            .unwrap_err();
        assert!(e.message.contains("at most 50"), "{}", e.message);
        let e = spec_with(|s| s.fields.push(FieldSpec::parse_cli("protocol=h1").unwrap()))
            .compile()
            .unwrap_err();
        assert!(e.message.contains("clashes"), "{}", e.message);
        let spec = CrawlSpec::from_json(
            r#"{"seeds": ["http://a/"], "credentials": "same-origin", "http1_only": true}"#,
        )
        .unwrap();
        assert_eq!(spec.credentials, Credentials::SameOrigin);
        assert!(spec.http1_only && spec.cookies);
        assert!(CrawlSpec::from_json(r#"{"seeds": [], "credentials": "all"}"#).is_err());
    }

    #[test]
    fn json_round_trip() {
        let s = spec_with(|s| {
            s.fields.push(FieldSpec::parse_cli("t=title").unwrap());
            s.max_depth = Some(3);
            s.autothrottle = true;
        });
        let back = CrawlSpec::from_json(&s.to_json_pretty()).unwrap();
        assert_eq!(s, back);
        // Off, the key is left out, so specs written before AutoThrottle read the same.
        assert!(!spec_with(|_| {}).to_json_pretty().contains("autothrottle"));
    }
}
